"""Browser tests: a real `streamlit run app.py` driven by Debian's Chromium through Playwright.

Fixtures: `server` (one server for the session), `fresh_servers` (servers no page has been opened
on yet, for the "first request" tests), `browser` (one headless Chromium), and `new_app` /
`app_factory`, which open a page as a new visitor and return an `App`: the page plus what it
logged, and the few actions the tests need, each of which waits for Streamlit's rerun to finish.

Waiting: Streamlit 1.67 sets `data-test-script-state` on [data-testid="stApp"] ("initial",
"running", "notRunning", ...). An init script counts the transitions *into* "notRunning", so an
action waits for "one more finished run than before it", which cannot be fooled by the state
still reading "notRunning" before the rerun has even started. Plotly draws after the run
finishes (asynchronously), so chart checks poll for the drawn traces too. No sleeps: every wait
is a bounded poll for a condition.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture skips (or fails in CI) and says how to install it
    expect = sync_playwright = None
    PlaywrightTimeout = TimeoutError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
FIXTURES = ROOT / "tests" / "fixtures"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
START_TIMEOUT = 60  # s: Streamlit boots in ~1.5 s here; a loaded CI machine can be much slower
CLICK_MS = 20_000  # a button is there once the run that draws it has finished: a missing one fails fast
WAIT_MS = 120_000  # the longest any page condition may take (a cold page draws in ~5-12 s on 2 busy cores)

# Every page by URL path: its sidebar label (which is also its title) and how many Plotly charts it draws.
PAGES = {
    "/": ("Gradient Descent Lab", 1),
    "/Autograd": ("1 · Autograd", 3),
    "/Loss_and_optimizer": ("2 · Loss & optimizer", 3),
    "/Model_loss_and_optimizer": ("3 · Model, loss & optimizer", 3),
    "/Model_as_a_class": ("4 · Model as a class", 3),
}
LESSON_PATH = {1: "/Autograd", 2: "/Loss_and_optimizer", 3: "/Model_loss_and_optimizer", 4: "/Model_as_a_class"}

# Counts finished script runs (transitions into "notRunning"). Records are batched, so each
# record's new value is the next record's old value (or, for the last one, the current value).
_INIT_SCRIPT = """
(() => {
  if (window.__gdl) return;
  window.__gdl = {done: 0};
  const name = 'data-test-script-state';
  new MutationObserver((records) => {
    records.forEach((r, i) => {
      const now = i + 1 < records.length ? records[i + 1].oldValue : r.target.getAttribute(name);
      if (now === 'notRunning' && r.oldValue !== 'notRunning') window.__gdl.done += 1;
    });
  }).observe(document, {attributes: true, attributeOldValue: true, subtree: true, attributeFilter: [name]});
})();
"""

_STATE = "document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"

# True once exactly n charts are in the main area and every one has drawn every trace it holds
# (a scatter trace is a g.trace in .scatterlayer, a contour a g.contour in .contourlayer).
_CHARTS_DRAWN = """(n) => {
  const els = [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')];
  return els.length === n && els.every((e) => {
    const data = e.data || [];
    const drawn = e.querySelectorAll('.scatterlayer .trace').length
      + e.querySelectorAll('.contourlayer > .contour').length;
    return data.length > 0 && (e._fullData || []).length === data.length && drawn === data.length;
  });
}"""

_CODE = "[data-testid=stMain] [data-testid=stCode] code"
# st.code's highlighter is a chunk loaded on first use: the console can appear after the charts.
_CONSOLE_SHOWN = f"() => [...document.querySelectorAll('{_CODE}')].some((e) => e.textContent.startsWith('epoch 1:'))"

# Each chart's traces as plain arrays. Plotly 7 receives arrays as base64 ({dtype, bdata}); the
# decoded typed arrays live in gd._fullData, which is what Plotly actually drew.
_CHART_DATA = """() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].map((e) =>
  (e._fullData || []).map((t) => {
    const arr = (v) => (v == null || typeof v !== 'object') ? v : Array.from(v);
    return {name: t.name, type: t.type, x: arr(t.x), y: arr(t.y), customdata: arr(t.customdata)};
  }))"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the real app in Chromium (slow; needs apt-get install chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In test_interactions.py, run each lesson's tests together (stable: file order within a lesson),
    so that lesson's page is loaded once, not once per test."""
    spots = [i for i, item in enumerate(items) if item.path.name == "test_interactions.py"]
    grouped = sorted((items[i] for i in spots), key=lambda item: item.callspec.params.get("n", 0))
    for i, item in zip(spots, grouped, strict=True):
        items[i] = item


def reference(n: int) -> str:
    """The document's program n's output after torch.manual_seed(0)."""
    return (FIXTURES / f"section{n}.manual_seed0.txt").read_text()


# ---- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free loopback port, its output in artifacts/e2e/."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = ARTIFACTS / "e2e"
        log_dir.mkdir(parents=True, exist_ok=True)
        for old in log_dir.glob("server-*.log"):  # logs of earlier runs: an hour is long enough to read them
            if old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
        self.log_path = log_dir / f"server-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
             "--server.port", str(self.port), "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> Server:
        """Return once GET /_stcore/health answers "ok" (no page is requested)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return self
            except OSError:
                pass
            time.sleep(0.05)  # polling interval, not synchronisation
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        # Killed, not asked to stop: a test server has nothing to save, and Streamlit's graceful
        # shutdown takes ~2 s per server.
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One server for the session."""
    srv = Server()
    try:
        yield srv.wait_ready()
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def fresh_servers() -> Iterator[Callable[[int], list[Server]]]:
    """fresh_servers(k): k servers that have served no page yet (only /_stcore/health was asked), booted
    side by side; all are stopped when the module ends."""
    started: list[Server] = []

    def start(k: int) -> list[Server]:
        servers = [Server() for _ in range(k)]
        started.extend(servers)
        return [srv.wait_ready() for srv in servers]

    yield start
    for srv in started:
        srv.stop()


# ---- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium; skipped if missing, unless GDL_REQUIRE_BROWSER=1 (CI) makes it a failure."""
    required = os.environ.get("GDL_REQUIRE_BROWSER") == "1"
    executable = shutil.which("chromium")
    if sync_playwright is None:
        if required:
            pytest.fail("GDL_REQUIRE_BROWSER=1 but the playwright package is missing: pip install -r "
                        "requirements-dev.txt")
        pytest.skip("browser tests need the playwright package: pip install -r requirements-dev.txt")
    if executable is None:
        message = "browser tests need Debian's Chromium: apt-get install -y chromium (never `playwright install`)"
        if required:
            pytest.fail(f"GDL_REQUIRE_BROWSER=1 and no chromium on PATH. {message}")
        pytest.skip(message)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


class App:
    """A page of the lab in the browser, with what it logged and the actions the tests take."""

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

    def runs(self) -> int:
        """Script runs finished so far in this page."""
        return self.page.evaluate("window.__gdl ? window.__gdl.done : 0")

    def wait_run(self, before: int) -> None:
        """Wait until a run that started after `before` runs has finished."""
        try:
            self.page.wait_for_function(f"(n) => window.__gdl && window.__gdl.done > n && {_STATE} === 'notRunning'",
                                        arg=before)
        except Exception as e:  # playwright's timeout says only that it timed out: say what the page is doing
            raise AssertionError(f"no script run finished after run {before}: the page has seen {self.runs()} runs, "
                                 f"its script state is {self.page.evaluate(f'() => {_STATE}')!r}, "
                                 f"problems: {self.problems()}") from e

    def act(self, action: Callable[[], object]) -> None:
        """Do something that makes Streamlit rerun, and wait for that rerun to finish."""
        before = self.runs()
        action()
        self.wait_run(before)

    def goto(self, path: str, wait: bool = True) -> None:
        """Open a URL as a visitor does, and (unless wait=False) wait until it is drawn: see wait_drawn."""
        self.opened.add(path)
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
            self.page.wait_for_function(_CONSOLE_SHOWN)

    def wait_charts(self, n: int) -> None:
        self.page.wait_for_function(_CHARTS_DRAWN, arg=n)

    def snapshot_charts(self) -> list[list[dict]]:
        """Remember the charts' data in the page (for wait_charts_change) and return it."""
        self.page.evaluate(f"() => {{ window.__gdl.charts = JSON.stringify(({_CHART_DATA})()); }}")
        return self.chart_data()

    def wait_charts_change(self) -> list[list[dict]]:
        """Poll until every chart's data differs from the last snapshot (Plotly redraws after the run ends)."""
        self.page.wait_for_function(f"""() => {{
          const old = JSON.parse(window.__gdl.charts), now = ({_CHART_DATA})();
          return now.length === old.length && now.every((c, i) => JSON.stringify(c) !== JSON.stringify(old[i]));
        }}""")
        return self.chart_data()

    # ---- reading

    def chart_data(self) -> list[list[dict]]:
        return self.page.evaluate(_CHART_DATA)

    def console(self) -> str:
        """The console view: the code block that starts with "epoch 1:", ending with one newline.

        A code block cannot show whether its text ends with a newline, so only that is normalised.
        """
        self.page.wait_for_function(_CONSOLE_SHOWN)
        consoles = [t for t in self.page.locator(_CODE).all_text_contents() if t.startswith("epoch 1:")]
        assert len(consoles) == 1, f"expected one console block, found {len(consoles)}"
        return consoles[0].rstrip("\n") + "\n"

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid=stException]").all_inner_texts()

    def title(self) -> str:
        return self.page.locator("[data-testid=stMain] h1").first.inner_text().strip()

    def alerts(self) -> list[str]:
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
        return self.page.locator("[data-testid=stSidebar]").get_by_role("link", name=label)

    def button(self, name: str):
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
            self.page.wait_for_function(f"(n) => window.__gdl.done > n || {_STATE} !== 'notRunning'", arg=before,
                                        timeout=2_000)
        except PlaywrightTimeout:
            return path  # no rerun came
        self.wait_run(before)
        return path

    def close(self) -> None:
        self.context.close()


def _hermetic(context, app: App) -> None:
    """Answer requests to other hosts from here, and record them in app.external: the tests never need
    the internet, and one that fails offline does not show up as a puzzling console error. (Example:
    `page_icon=":material/...:"` makes the browser fetch the icon from fonts.gstatic.com.)"""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"/>'

    def handle(route) -> None:
        app.external.append(route.request.url)
        route.fulfill(status=200, content_type="image/svg+xml", body=svg)

    context.route(lambda url: not url.startswith("http://127.0.0.1:"), handle)


def _make_app(browser, contexts: list, base_url: str, width: int = 1366, height: int = 768) -> App:
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    context.add_init_script(_INIT_SCRIPT)
    contexts.append(context)
    app = App(context, base_url)
    _hermetic(context, app)
    return app


@pytest.fixture
def new_app(browser) -> Iterator[Callable[..., App]]:
    """new_app(base_url, width=1366, height=768): a new visitor (own browser context) on that server."""
    contexts: list = []
    yield lambda *args, **kw: _make_app(browser, contexts, *args, **kw)
    for c in contexts:
        c.close()  # a no-op for one already closed


@pytest.fixture(scope="session")
def app_factory(browser) -> Iterator[Callable[..., App]]:
    """Like new_app, for pages that module-scoped fixtures keep open across tests."""
    contexts: list = []
    yield lambda *args, **kw: _make_app(browser, contexts, *args, **kw)
    for c in contexts:
        c.close()  # a no-op for one already closed
