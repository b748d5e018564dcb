"""The lab in Chromium: launching Debian's Chromium, and `App`, a page object with the waits tests and benches share.

Waiting: an action waits for "one more finished script run than before it", counted from the server's own
messages, and then for the page to read as idle (Streamlit 1.67 sets `data-test-script-state` on
[data-testid="stApp"]: "initial", "running", "notRunning", ...). An init script wraps the page's WebSocket
and reads the top-level fields of each ForwardMsg (protobuf): `session_status_changed` with
`script_is_running` stamps a run's start, `script_finished` (except FINISHED_EARLY_FOR_RERUN, which another
run follows) counts a finished run and stamps its end. Counting the *transitions* of the state attribute
instead, as this harness once did, misses runs on a busy machine: when a rerun's messages reach a page whose
main thread was blocked, the frontend handles "running", the deltas and "not running" in one batch, React
commits only the last state, and the attribute never changes: the run happened, the page is right, and a
wait for it waits forever (the "lost change" of issue 13: the browser had sent the change within a second,
and the server had answered it in two). A finished run is counted two timer turns after its message, so the
frontend has handled it and React has committed it (the message is decoded in microtasks; React 18 commits
a default-priority update in one scheduler task, queued before the second turn). Plotly draws after that,
asynchronously, so chart checks poll for the drawn traces too. No sleeps: every wait is a bounded poll.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # callers say how to install it
    expect = sync_playwright = None
    PlaywrightTimeout = TimeoutError

from tests.support.keys import LR_LABEL
from tests.support.paths import PAGES

# The last one makes every host but this machine unresolvable: the tests never need the internet (see hermetic).
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
CLICK_MS = 20_000  # a button is there once the run that draws it has finished: a missing one fails fast
# The longest any page condition may take: a cold page draws in ~5-12 s on 2 busy cores. GDL_WAIT_MS raises it on a
# machine shared with much other work (at a load average of 40-60, twelve cold pages took over 120 s to draw).
WAIT_MS = int(os.environ.get("GDL_WAIT_MS", "120000"))
# How often a wait checks its condition in the page. Playwright's default checks on every animation frame, which
# keeps the headless renderer drawing frames for the whole wait: ~0.5 CPU-s more per page opened, on 2 cores.
POLL_MS = 50

# window.__gdl: done (finished script runs), doneAt and startedAt (performance.now() of each run's end and start),
# from the ForwardMsgs the page receives (see the module's docstring). Field numbers from Streamlit's
# ForwardMsg.proto: 6 script_finished (an enum; 2 = FINISHED_EARLY_FOR_RERUN), 9 session_status_changed
# (a message whose field 2 is script_is_running).
INIT_SCRIPT = """
(() => {
  if (window.__gdl) return;
  const gdl = window.__gdl = {done: 0, doneAt: [], startedAt: []};
  const varint = (b, i) => {
    let v = 0, scale = 1, c;
    do { c = b[i++]; v += (c & 0x7f) * scale; scale *= 128; } while (c & 0x80);
    return [v, i];
  };
  // Calls f(field, value) for each varint field, f(field, null, start, end) for each length-delimited one.
  const fields = (b, i, end, f) => {
    while (i < end) {
      let tag, v;
      [tag, i] = varint(b, i);
      const wire = tag & 7, field = (tag - wire) / 8;
      if (wire === 0) { [v, i] = varint(b, i); f(field, v); }
      else if (wire === 2) { [v, i] = varint(b, i); f(field, null, i, i + v); i += v; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return;
    }
  };
  const onMessage = (e) => {
    if (!(e.data instanceof ArrayBuffer)) return;
    const b = new Uint8Array(e.data);
    fields(b, 0, b.length, (field, v, start, end) => {
      if (field === 6 && v !== 2) {
        const at = performance.now();
        setTimeout(() => setTimeout(() => { gdl.done += 1; gdl.doneAt.push(at); }, 0), 0);
      }
      if (field === 9) {
        let running = false;
        fields(b, start, end, (g, w) => { if (g === 2 && w) running = true; });
        if (running) gdl.startedAt.push(performance.now());
      }
    });
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', onMessage);
    }
  };
})();
"""

CHARTS = "[data-testid=stMain] .js-plotly-plot"  # every Plotly chart in the main area
LOSS_LINE = f"{CHARTS} .scatterlayer .trace .js-line"  # the first chart's first line: the loss per epoch

STATE = "document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"

# True once exactly n charts are in the main area and every one has drawn every trace it holds
# (a scatter trace is a g.trace in .scatterlayer, a contour a g.contour in .contourlayer).
CHARTS_DRAWN = f"""(n) => {{
  const els = [...document.querySelectorAll('{CHARTS}')];
  return els.length === n && els.every((e) => {{
    const data = e.data || [];
    const drawn = e.querySelectorAll('.scatterlayer .trace').length
      + e.querySelectorAll('.contourlayer > .contour').length;
    return data.length > 0 && (e._fullData || []).length === data.length && drawn === data.length;
  }});
}}"""

# The home page's first run finished and its chart has drawn a line.
HOME_DRAWN = f"""() => {{
  const chart = document.querySelector('{CHARTS}');
  return window.__gdl && window.__gdl.done > 0 && {STATE} === 'notRunning'
    && chart && chart.data && chart.data.length > 0 && chart.querySelectorAll('.scatterlayer .trace').length > 0;
}}"""

CODE = "[data-testid=stMain] [data-testid=stCode] code"
# st.code's highlighter is a chunk loaded on first use: the console can appear after the charts.
CONSOLE_SHOWN = f"() => [...document.querySelectorAll('{CODE}')].some((e) => e.textContent.startsWith('epoch 1:'))"

# Each chart's traces as plain arrays. Plotly 7 receives arrays as base64 ({dtype, bdata}); the
# decoded typed arrays live in gd._fullData, which is what Plotly actually drew.
CHART_DATA = f"""() => [...document.querySelectorAll('{CHARTS}')].map((e) =>
  (e._fullData || []).map((t) => {{
    const arr = (v) => (v == null || typeof v !== 'object') ? v : Array.from(v);
    return {{name: t.name, type: t.type, x: arr(t.x), y: arr(t.y), customdata: arr(t.customdata)}};
  }}))"""

# Arms one latency measurement: the clock starts at the Enter key-down in the exact-rate box and each
# mark is stamped when first seen after it: the loss chart's first line (its SVG path, i.e. what is on
# screen) changed, the console text changed. The rerun's start and end are the first ones window.__gdl
# stamps after the key (their messages' arrival; see INIT_SCRIPT), read by LATENCY_MEASURED.
ARM_LATENCY = f"""() => {{
  const lossLine = () => document.querySelector('{LOSS_LINE}')
    ?.getAttribute('d');
  const console_ = () => [...document.querySelectorAll('{CODE}')]
    .map((e) => e.textContent).find((t) => t.startsWith('epoch 1:'));
  const m = {{t0: null, chart: null, console: null, line: lossLine(), text: console_(),
             runs: window.__gdl.done, starts: window.__gdl.startedAt.length}};
  window.__lat = m;
  const onKey = (e) => {{
    if (e.key === 'Enter' && e.target.getAttribute('aria-label') === '{LR_LABEL}' && m.t0 === null) {{
      m.t0 = performance.now();
    }}
  }};
  document.addEventListener('keydown', onKey, true);
  const obs = new MutationObserver(() => {{
    if (m.t0 === null) return;
    const now = performance.now();
    if (m.chart === null && lossLine() !== m.line) m.chart = now;
    if (m.console === null && console_() !== m.text) m.console = now;
    if (m.chart !== null && m.console !== null) {{
      obs.disconnect();
      document.removeEventListener('keydown', onKey, true);
    }}
  }});
  obs.observe(document.querySelector('[data-testid=stApp]'),
              {{subtree: true, childList: true, attributes: true, characterData: true}});
}}"""
# The marks, once all four are in: the rerun's start and end are the first ones stamped after the key-down.
LATENCY_MEASURED = """() => {
  const m = window.__lat, g = window.__gdl;
  const start = g.startedAt.slice(m.starts).find((t) => t >= m.t0), run = g.doneAt.slice(m.runs).find((t) => t >= m.t0);
  if (m.t0 === null || m.chart === null || m.console === null || start === undefined || run === undefined) return null;
  return {t0: m.t0, chart: m.chart, console: m.console, start, run};
}"""


# The replay (ui.replay_chart): the figure with frames in the main area, and a watch that counts, on every
# animation frame the browser paints (requestAnimationFrame), whether the replay shows a new epoch (the
# slider's active step changed), and whether a script run started or the script state left "notRunning".
REPLAY = CHARTS  # the replay is the one among them that has frames
REPLAY_READY = f"""() => [...document.querySelectorAll('{REPLAY}')].some((e) =>
  e._transitionData && e._transitionData._frames && e._transitionData._frames.length > 1
  && e.querySelector('.slider-container') && e.querySelector('.updatemenu-button'))"""
WATCH_REPLAY = f"""() => {{
  const gd = [...document.querySelectorAll('{REPLAY}')].find((e) => e._transitionData
    && e._transitionData._frames && e._transitionData._frames.length > 1);
  const active = () => gd._fullLayout.sliders[0].active;
  const w = {{frames: gd._transitionData._frames.length, start: active(), last: active(), changes: 0,
             t0: performance.now(), t1: null, tLast: null, paints: 0, states: new Set(),
             runsStarted: window.__gdl.startedAt.length, runsDone: window.__gdl.done, stop: false}};
  window.__replay = w;
  const tick = (now) => {{
    w.paints += 1;
    w.states.add({STATE});
    const a = active();
    if (a !== w.last) {{
      if (w.t1 === null) w.t1 = now;  // the first new epoch on screen: the clock for the frame rate starts
      w.changes += 1;
      w.tLast = now;
      w.last = a;
    }}
    if (!w.stop) requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
}}"""
READ_REPLAY = """() => { const w = window.__replay; w.stop = true;
  return {frames: w.frames, start: w.start, last: w.last, changes: w.changes, paints: w.paints,
          seconds: (w.tLast - w.t1) / 1000, states: [...w.states],
          runsStarted: window.__gdl.startedAt.length - w.runsStarted, runsDone: window.__gdl.done - w.runsDone}; }"""


def chromium_path() -> str | None:
    """Debian's Chromium, or None (never `playwright install`: it cannot download browsers here)."""
    return shutil.which("chromium")


def launch(pw, headless: bool = True):
    """Debian's headless Chromium through Playwright `pw` (a started sync_playwright())."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("needs Debian's Chromium: apt-get install -y chromium (never `playwright install`)")
    return pw.chromium.launch(executable_path=executable, headless=headless, args=BROWSER_ARGS)


class App:
    """A page of the lab in the browser, with what it logged and the actions tests and benches take."""

    def __init__(self, context, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.page = context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.console_errors: list[tuple[str, str]] = []  # (text, url of the resource or script)
        self.page_errors: list[str] = []
        self.external: list[str] = []
        self.opened: set[str] = set()  # paths opened by URL (deep links)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def _on_console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append((msg.text, msg.location.get("url", "")))

    # ---- waiting

    def wait_for(self, predicate: str, arg=None, timeout: float | None = None):
        """Wait until the JavaScript `predicate(arg)` is truthy in the page (checked every POLL_MS)."""
        return self.page.wait_for_function(predicate, arg=arg, timeout=timeout, polling=POLL_MS)

    def runs(self) -> int:
        """Script runs finished so far in this page."""
        return self.page.evaluate("window.__gdl ? window.__gdl.done : 0")

    def wait_run(self, before: int) -> None:
        """Wait until a run that started after `before` runs has finished."""
        try:
            self.wait_for(f"(n) => window.__gdl && window.__gdl.done > n && {STATE} === 'notRunning'", before)
        except Exception as e:  # playwright's timeout says only that it timed out: say what the page is doing
            raise AssertionError(f"no script run finished after run {before}: the page has seen {self.runs()} runs, "
                                 f"its script state is {self.page.evaluate(f'() => {STATE}')!r}, "
                                 f"problems: {self.problems()}") from e

    def act(self, action: Callable[[], object]) -> None:
        """Do something that makes Streamlit rerun, and wait for that rerun to finish."""
        before = self.runs()
        action()
        self.wait_run(before)

    def goto(self, path: str, wait: bool = True) -> None:
        """Open a URL as a visitor does, and (unless wait=False) wait until it is drawn: see wait_drawn."""
        self.opened.add(path.split("?")[0])  # Streamlit's deep-link probes leave the query out
        self.page.goto(self.base_url + path, wait_until="commit")
        if wait:
            self.wait_drawn(path)

    def wait_drawn(self, path: str) -> None:
        """Wait for the page's first run to finish and for the page to be complete (see wait_complete)."""
        self.wait_run(0)
        self.wait_complete(path)

    def wait_complete(self, path: str) -> None:
        """Wait until all the page's charts are drawn and, on a lesson, its console is shown."""
        self.wait_charts(PAGES[path][1])
        if path != "/":
            self.wait_for(CONSOLE_SHOWN)

    def wait_charts(self, n: int) -> None:
        """Wait until exactly n charts are drawn with all their traces."""
        self.wait_for(CHARTS_DRAWN, n)

    def snapshot_charts(self) -> list[list[dict]]:
        """Remember the charts' data in the page (for wait_charts_change) and return it."""
        self.page.evaluate(f"() => {{ window.__gdl.charts = JSON.stringify(({CHART_DATA})()); }}")
        return self.chart_data()

    def wait_charts_change(self) -> list[list[dict]]:
        """Poll until every chart's data differs from the last snapshot (Plotly redraws after the run ends)."""
        self.wait_for(f"""() => {{
          const old = JSON.parse(window.__gdl.charts), now = ({CHART_DATA})();
          return now.length === old.length && now.every((c, i) => JSON.stringify(c) !== JSON.stringify(old[i]));
        }}""")
        return self.chart_data()

    # ---- reading

    def chart_data(self) -> list[list[dict]]:
        """Each chart's traces as Plotly drew them."""
        return self.page.evaluate(CHART_DATA)

    def console(self) -> str:
        """The console view: the code block that starts with "epoch 1:", ending with one newline.

        A code block cannot show whether its text ends with a newline, so only that is normalised.
        """
        self.wait_for(CONSOLE_SHOWN)
        consoles = [t for t in self.page.locator(CODE).all_text_contents() if t.startswith("epoch 1:")]
        assert len(consoles) == 1, f"expected one console block, found {len(consoles)}"
        return consoles[0].rstrip("\n") + "\n"

    def exceptions(self) -> list[str]:
        """The texts of the exceptions Streamlit shows on the page."""
        return self.page.locator("[data-testid=stException]").all_inner_texts()

    def title(self) -> str:
        """The page's h1."""
        return self.page.locator("[data-testid=stMain] h1").first.inner_text().strip()

    def alerts(self) -> list[str]:
        """The texts of the alerts (st.info, st.warning, ...) in the main area."""
        return self.page.locator("[data-testid=stMain] [data-testid=stAlertContainer]").all_inner_texts()

    def unexpected_console_errors(self) -> list[tuple[str, str]]:
        """Console errors, less the two 404s Streamlit's frontend makes when opened at a deep link: it
        probes <page>/_stcore/health and <page>/_stcore/host-config before falling back to the root."""
        allowed = {f"{self.base_url}{path}/_stcore/{probe}"
                   for path in self.opened if path != "/" for probe in ("health", "host-config")}
        return [(text, url) for text, url in self.console_errors
                if not (url in allowed and "status of 404" in text)]

    def problems(self) -> dict:
        """Everything that must be empty on a healthy page."""
        return {"exceptions": self.exceptions(), "page errors": self.page_errors,
                "console errors": self.unexpected_console_errors()}

    # ---- acting

    def sidebar_link(self, label: str):
        """The sidebar's link with this label."""
        return self.page.locator("[data-testid=stSidebar]").get_by_role("link", name=label)

    def button(self, name: str):
        """The button with this name, in the main area or the sidebar."""
        return self.page.locator("[data-testid=stMain], [data-testid=stSidebar]").get_by_role("button", name=name)

    def click(self, name: str) -> None:
        """Click a button (exactly one may match) and wait for the rerun."""
        self.act(lambda: self.button(name).click(timeout=CLICK_MS))

    def set_number(self, label: str, value: str) -> None:
        """Type into a number input and press Enter, as a visitor does; wait for the rerun."""
        box = self.page.get_by_label(label, exact=True)

        def type_it() -> None:
            box.fill(value)
            box.press("Enter")

        self.act(type_it)

    def measure_rate_change(self, value: str, timeout_ms: float = 60_000) -> dict:
        """Type `value` into the exact-rate box and press Enter; milliseconds from the key-down to the rerun's
        start, the new loss line on screen, the new console text, and the rerun's end (see ARM_LATENCY)."""
        box = self.page.get_by_label(LR_LABEL, exact=True)
        if float(box.input_value()) == float(value):
            raise ValueError(f"{value} is already the rate: no rerun would follow")
        box.fill(value)
        self.page.evaluate(ARM_LATENCY)
        box.press("Enter")
        try:
            m = self.wait_for(LATENCY_MEASURED, timeout=timeout_ms).json_value()
        except Exception as e:  # say which of the four never came
            seen = self.page.evaluate("(({line, text, ...rest}) => rest)(window.__lat)")
            raise RuntimeError(f"rate {value}: not all of start, chart, console, run were seen: {seen}, "
                               f"runs {self.page.evaluate('JSON.stringify(window.__gdl)')}") from e
        return {"value": value, "start_ms": m["start"] - m["t0"], "chart_ms": m["chart"] - m["t0"],
                "console_ms": m["console"] - m["t0"], "run_ms": m["run"] - m["t0"]}

    def edit_cell(self, row: int, column: int, value: str) -> None:
        """Type `value` into cell (row, column) of the data editor (0-based; column 0 is x) and commit it.

        st.data_editor is a glide-data-grid canvas: its cells are not DOM elements you can click. What
        works reliably: click where the cell should be on the canvas, then ask the grid's hidden
        accessibility table which cell it selected (td[aria-selected=true], data-testid
        glide-cell-<col>-<row>, where canvas column 0 is the row-selection column) and correct the
        position by whole rows and columns until it is the wanted one. That needs no exact geometry,
        and it also retries the click glide sometimes swallows within a second or two of a rerun (seen
        after clicking a sidebar button). Typing a character on a selected cell opens glide's overlay
        editor (textarea.gdg-input) holding what was typed, replacing the old value; Enter commits, and
        Streamlit reruns. (A double click also opens the editor, but one that lands while glide ignores
        clicks goes unnoticed; select, check, then type does not.)
        """
        editor = self.page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first
        canvas = editor.locator("[data-testid=data-grid-canvas]")
        # Centred, not just "into view": at the top edge the cell would sit under Streamlit's fixed header.
        canvas.evaluate("(e) => e.scrollIntoView({block: 'center'})")
        box = canvas.bounding_box()
        row_h = 35  # Streamlit's default row height (the header is as tall); corrected below if not
        marker_w = 33
        col_w = (box["width"] - marker_w) / 2
        x = box["x"] + marker_w + col_w * (column + 0.5)
        y = box["y"] + row_h * (row + 1.5)  # + 1 for the header row
        want = f"glide-cell-{column + 1}-{row}"
        selected = editor.locator("td[aria-selected=true]")
        got = None
        for _ in range(6):
            self.page.mouse.click(x, y)
            try:
                expect(selected).to_have_count(1, timeout=1_500)
            except AssertionError:
                continue  # swallowed: click again
            got = selected.get_attribute("data-testid")
            if got == want:
                break
            col, r = (int(v) for v in got.removeprefix("glide-cell-").split("-"))
            x += (column + 1 - col) * col_w
            y += (row - r) * row_h
        else:
            raise AssertionError(f"could not select {want} in the data editor at {box}: last selected {got}")

        def type_it() -> None:
            self.page.keyboard.type(value)
            textarea = self.page.locator("textarea.gdg-input")
            assert textarea.input_value() == value, "glide's overlay editor should hold exactly what was typed"
            self.page.keyboard.press("Enter")

        self.act(type_it)

    def download(self, name: str, to: Path) -> Path:
        """Click a download button and save the file under `to`; then wait for the rerun, if the click
        causes one (st.download_button's default on_click="rerun" does, on_click="ignore" does not)."""
        before = self.runs()
        with self.page.expect_download() as info:
            self.button(name).click(timeout=CLICK_MS)
        path = to / info.value.suggested_filename
        info.value.save_as(path)
        try:
            self.wait_for(f"(n) => window.__gdl.done > n || {STATE} !== 'notRunning'", before, timeout=2_000)
        except PlaywrightTimeout:
            return path  # no rerun came
        self.wait_run(before)
        return path

    def replay_button(self, label: str):
        """A button of the replay's Plotly updatemenu ("▶ Play", "❚❚ Pause", "0.5×" … "4×")."""
        return self.page.locator(f"{REPLAY} g.updatemenu-button").filter(has_text=label)

    def play_replay(self, label: str = "▶ Play", until_last: bool = True, seconds: float = 3.0) -> dict:
        """Press a replay button and watch it play: how many new epochs were painted and over how long
        (`fps` = epochs shown per second between the first and the last change), the script states seen
        meanwhile, and the script runs started or finished (a replay must cause none)."""
        self.wait_for(REPLAY_READY)
        self.page.evaluate(WATCH_REPLAY)
        self.replay_button(label).click()
        if until_last:  # played to its last frame (the slider's last step)
            self.page.wait_for_function("() => window.__replay.last === window.__replay.frames - 1", polling=100)
        else:
            self.page.wait_for_timeout(seconds * 1000)  # a fixed watch window, not a wait for a condition
        out = self.page.evaluate(READ_REPLAY)
        out["fps"] = (out["changes"] - 1) / out["seconds"] if out["seconds"] else 0.0
        return out

    def throttle_cpu(self, rate: float) -> None:
        """Slow this page's CPU `rate` times (Chrome DevTools' CPU throttling; 1 switches it off)."""
        session = self.context.new_cdp_session(self.page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": rate})

    def close(self) -> None:
        """Close the page's browser context."""
        self.context.close()


def listen(app: App) -> None:
    """Keep the websocket frames the browser receives while app.ws_listen is on, in app.ws_frames
    (call before opening the page): what the server sends, for the byte guard and bench/breakdown."""
    app.ws_frames, app.ws_listen = [], False

    def on_ws(ws) -> None:
        ws.on("framereceived", lambda payload: app.ws_frames.append(payload) if app.ws_listen else None)

    app.page.on("websocket", on_ws)


def recorded(app: App, action: Callable[[], object], settle_ms: int = 300) -> list:
    """The websocket frames the browser receives during action() and settle_ms after it (what is sent after a
    run has finished counts too). listen(app) must have been called before the page was opened."""
    app.ws_frames.clear()
    app.ws_listen = True
    try:
        action()
        app.page.wait_for_timeout(settle_ms)
    finally:
        app.ws_listen = False
    frames, app.ws_frames = app.ws_frames, []
    return frames


def element_kind(msg) -> tuple[str, str]:
    """(kind, what) of a ForwardMsg: the element type of a new_element delta, or the message type."""
    kind = msg.WhichOneof("type")
    if kind != "delta":
        return kind, ""
    d = msg.delta.WhichOneof("type")
    if d == "new_element":
        return msg.delta.new_element.WhichOneof("type"), ""
    if d == "add_block":
        return "add_block", msg.delta.add_block.WhichOneof("type") or ""
    return d, ""


def messages(frames: list) -> list:
    """The recorded frames as ForwardMsg protos, in the order the browser received them."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return [ForwardMsg.FromString(f if isinstance(f, bytes) else f.encode()) for f in frames]


def hermetic(context, app: App) -> None:
    """Record in app.external every request to another host: the tests never need the internet, and one that
    would fail offline must say so, not fail with a puzzling console error. (Example: `page_icon=":material/...:"`
    makes the browser fetch the icon from fonts.gstatic.com.) The browser itself cannot reach another host
    (BROWSER_ARGS' resolver rule). Not `context.route`: routing turns the browser's cache off and sends each
    of a page's ~60 requests through Python before it goes out, ~1.1 CPU-s more per page opened."""
    def record(request) -> None:
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            app.external.append(request.url)

    context.on("request", record)


def new_app(browser, base_url: str, width: int = 1366, height: int = 768, contexts: list | None = None) -> App:
    """A new visitor (its own browser context, with the run-counting init script) on the server at base_url.
    The context is appended to `contexts`, if given, so a fixture can close it."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    context.add_init_script(INIT_SCRIPT)
    if contexts is not None:
        contexts.append(context)
    app = App(context, base_url)
    hermetic(context, app)
    return app
