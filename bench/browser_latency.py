"""How fast the lab feels in a real browser: cold start, and a learning-rate change on lesson 1.

    python bench/browser_latency.py [--cold 3] [--changes 20] [--distinct 10] [--lesson-visits 1]

(a) Cold start: from launching `streamlit run app.py` to the home page fully drawn in Chromium (the
    script has finished and the home chart is drawn), in a fresh browser context. Target: ≤ 5 s.
(b) Learning rate on lesson 1: type a rate into "Learning rate (exact)" and press Enter, as a visitor
    does; the time from that Enter key-down to the loss chart's line being redrawn with the new run.
    Measured inside the page with performance.now() (a capture-phase key listener starts the clock,
    a MutationObserver stops it when the loss line's SVG path changes), so no Python or Playwright
    overhead is counted. "First time" uses rates never run before (the server trains them);
    "cached" alternates between two rates already run (every change is still a real change).
    Also shown: when the rerun started (Streamlit's script state turns "running": the server has
    the new value), when the console text changed, and when the rerun finished (state back to
    "notRunning": every element below the charts sent too). Target: ≤ 300 ms (DESIGN.md,
    "Performance budget").
(c) First visit to each lesson after the home page, on a fresh server: open the home page, read it
    for 3 s, click the lesson in the menu; the time from the click to the lesson's run finished and
    its charts drawn. (Lessons 2-4 build the first torch.optim.SGD of the process, which imports
    torch._dynamo: the home page warms that up in the background.) No target; reported for the note.

Needs Debian's Chromium (apt-get install -y chromium) and the playwright package. Results are also
written to artifacts/bench/browser_latency.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.catalog import LESSONS  # noqa: E402  (torch-free: the bench's own process stays light)

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
TARGET_CHANGE_MS = 300
TARGET_COLD_S = 5.0

# Counts finished script runs, as tests/e2e/conftest.py does, and stamps when each one finished.
_RUNS = """
(() => {
  if (window.__gdl) return;
  window.__gdl = {done: 0, doneAt: [], startedAt: []};
  const name = 'data-test-script-state';
  new MutationObserver((records) => {
    records.forEach((r, i) => {
      const now = i + 1 < records.length ? records[i + 1].oldValue : r.target.getAttribute(name);
      if (now === 'running' && r.oldValue !== 'running') window.__gdl.startedAt.push(performance.now());
      if (now === 'notRunning' && r.oldValue !== 'notRunning') {
        window.__gdl.done += 1;
        window.__gdl.doneAt.push(performance.now());
      }
    });
  }).observe(document, {attributes: true, attributeOldValue: true, subtree: true, attributeFilter: [name]});
})();
"""

_HOME_DRAWN = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const chart = document.querySelector('[data-testid=stMain] .js-plotly-plot');
  return window.__gdl && window.__gdl.done > 0 && app.getAttribute('data-test-script-state') === 'notRunning'
    && chart && chart.data && chart.data.length > 0 && chart.querySelectorAll('.scatterlayer .trace').length > 0;
}"""

# Arms one measurement: the clock starts at the Enter key-down in the rate box and stops when the
# loss chart's first line (its SVG path, i.e. what is on screen) and the console differ from now.
_ARM = """() => {
  const lossLine = () => document.querySelector('[data-testid=stMain] .js-plotly-plot .scatterlayer .trace .js-line')
    ?.getAttribute('d');
  const console_ = () => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stCode] code')]
    .map((e) => e.textContent).find((t) => t.startsWith('epoch 1:'));
  const m = {t0: null, chart: null, console: null, run: null, start: null, line: lossLine(), text: console_(),
             runs: window.__gdl.done, starts: window.__gdl.startedAt.length};
  window.__lat = m;
  const onKey = (e) => {
    if (e.key === 'Enter' && e.target.getAttribute('aria-label') === 'Learning rate (exact)' && m.t0 === null) {
      m.t0 = performance.now();
    }
  };
  document.addEventListener('keydown', onKey, true);
  const obs = new MutationObserver(() => {
    if (m.t0 === null) return;
    const now = performance.now();
    if (m.chart === null && lossLine() !== m.line) m.chart = now;
    if (m.console === null && console_() !== m.text) m.console = now;
    if (m.start === null && window.__gdl.startedAt.length > m.starts) m.start = window.__gdl.startedAt[m.starts];
    if (m.run === null && window.__gdl.done > m.runs) m.run = window.__gdl.doneAt[m.runs];
    if (m.chart !== null && m.console !== null && m.run !== null && m.start !== null) {
      obs.disconnect();
      document.removeEventListener('keydown', onKey, true);
    }
  });
  obs.observe(document.querySelector('[data-testid=stApp]'),
              {subtree: true, childList: true, attributes: true, characterData: true});
}"""

_MEASURED = "() => ['chart', 'console', 'run', 'start'].every((k) => window.__lat[k] !== null)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"streamlit did not answer /_stcore/health within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


def new_page(browser, width: int = 1366, height: int = 768):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(_RUNS)
    # The page icon is fetched from fonts.gstatic.com: answer it locally, so the bench runs offline.
    context.route(lambda u: not u.startswith("http://127.0.0.1:"),
                  lambda route: route.fulfill(status=200, content_type="image/svg+xml", body="<svg/>"))
    page = context.new_page()
    page.set_default_timeout(120_000)
    return context, page


def cold_start(browser) -> dict:
    """Seconds from `streamlit run` to the home page drawn; and when the server answered its health check."""
    t0 = time.perf_counter()
    proc, url = start_server()
    try:
        wait_healthy(proc, url)
        healthy = time.perf_counter() - t0
        context, page = new_page(browser)
        page.goto(url + "/", wait_until="commit")
        page.wait_for_function(_HOME_DRAWN, polling=10)
        drawn = time.perf_counter() - t0
        context.close()
    finally:
        stop(proc)
    return {"healthy_s": healthy, "drawn_s": drawn}


_LESSON_DRAWN = """(n) => window.__gdl.done > n
  && document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state') === 'notRunning'
  && [...document.querySelectorAll('[data-testid=stMain] [data-testid=stCode] code')]
       .some((e) => e.textContent.startsWith('epoch 1:'))
  && [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].length === 3
  && [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]
       .every((e) => e.querySelectorAll('.scatterlayer .trace, .contourlayer .contour').length > 0)"""


def lesson_after_home(browser, number: int, title: str) -> float:
    """Seconds from clicking lesson `number` in the menu, after reading the home page of a fresh server
    for 3 s, to that lesson drawn."""
    proc, url = start_server()
    try:
        wait_healthy(proc, url)
        context, page = new_page(browser)
        page.goto(url + "/", wait_until="commit")
        page.wait_for_function(_HOME_DRAWN, polling=10)
        page.wait_for_timeout(3_000)
        runs = page.evaluate("window.__gdl.done")
        t0 = time.perf_counter()
        page.locator("[data-testid=stSidebar]").get_by_role("link", name=f"{number} · {title}").click()
        page.wait_for_function(_LESSON_DRAWN, arg=runs, polling=10)
        seconds = time.perf_counter() - t0
        context.close()
    finally:
        stop(proc)
    return seconds


def change_rate(page, value: str) -> dict:
    """Type `value` and press Enter; milliseconds from the key-down to the rerun's end, the new loss line
    on screen and the new console text."""
    box = page.get_by_label("Learning rate (exact)", exact=True)
    if float(box.input_value()) == float(value):
        raise ValueError(f"{value} is already the rate: no rerun would follow")
    box.fill(value)
    page.evaluate(_ARM)
    box.press("Enter")
    try:
        page.wait_for_function(_MEASURED, polling=50, timeout=60_000)
    except Exception as e:  # say which of the four never came
        m = page.evaluate("(({line, text, ...rest}) => rest)(window.__lat)")
        raise RuntimeError(f"rate {value}: not all of start, chart, console, run were seen: {m}") from e
    m = page.evaluate("window.__lat")
    if m["start"] is None:
        raise RuntimeError(f"the rerun's start was not seen: {m}")
    return {"value": value, "start_ms": m["start"] - m["t0"], "chart_ms": m["chart"] - m["t0"],
            "console_ms": m["console"] - m["t0"], "run_ms": m["run"] - m["t0"]}


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=3, help="cold starts to time (median reported)")
    parser.add_argument("--changes", type=int, default=20, help="cached rate changes (alternating two rates)")
    parser.add_argument("--distinct", type=int, default=10, help="first-time rate changes (rates never run)")
    parser.add_argument("--lesson-visits", type=int, default=1, help="fresh servers per lesson for (c); 0 skips")
    args = parser.parse_args()

    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("needs the playwright package: pip install -r requirements-dev.txt") from None
    if chromium is None:
        raise SystemExit("needs Debian's Chromium: apt-get install -y chromium")

    results: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=BROWSER_ARGS)

        colds = []
        for i in range(args.cold):
            c = cold_start(browser)
            colds.append(c)
            print(f"cold start {i + 1}: server healthy after {c['healthy_s']:.2f} s, home page drawn after "
                  f"{c['drawn_s']:.2f} s", flush=True)
        results["cold_start"] = colds

        visits = {les.number: [lesson_after_home(browser, les.number, les.title) for _ in range(args.lesson_visits)]
                  for les in LESSONS}
        results["lesson_after_home"] = visits

        proc, url = start_server()
        try:
            wait_healthy(proc, url)
            context, page = new_page(browser)
            page.goto(url + "/Autograd", wait_until="commit")
            page.wait_for_function("() => document.querySelectorAll('[data-testid=stMain] .js-plotly-plot "
                                   ".scatterlayer .trace').length > 0 && window.__gdl.done > 0")
            for warm in ("0.005", "0.006"):  # lazy chunks, first websocket round trips: not counted
                change_rate(page, warm)
            # Distinct rates the server has never run: each change trains a new run.
            first = [change_rate(page, f"{0.0101 + 0.0001 * i:.4f}") for i in range(min(args.distinct, 90))]
            # Two other rates, alternated: after their first run both are cached server-side.
            cached = [change_rate(page, ("0.02", "0.03")[i % 2]) for i in range(args.changes + 2)][2:]
            context.close()
        finally:
            stop(proc)
        browser.close()
    results["first_time"] = first
    results["cached"] = cached

    cold_median = median([c["drawn_s"] for c in colds])
    print()
    print(f"(a) cold start, `streamlit run` to the home page drawn: median {cold_median:.2f} s over {len(colds)} "
          f"(target ≤ {TARGET_COLD_S:g} s: {'met' if cold_median <= TARGET_COLD_S else 'MISSED'})")
    print("(b) lesson 1, from Enter in 'Learning rate (exact)' to:  rerun started  loss line drawn  console  "
          "rerun done")
    for name, rows in (("first-time rates", first), ("cached rates", cached)):
        start, chart, cons, run = (median([r[k] for r in rows]) for k in ("start_ms", "chart_ms", "console_ms",
                                                                          "run_ms"))
        print(f"    {name:<17} median over {len(rows):>2}: {start:>14.0f} ms {chart:>13.0f} ms {cons:>6.0f} ms "
              f"{run:>7.0f} ms")
    chart_all = median([r["chart_ms"] for r in first + cached])
    print(f"    target: the new loss chart within {TARGET_CHANGE_MS} ms: "
          f"{'met' if chart_all <= TARGET_CHANGE_MS else 'MISSED'} (median of all {len(first + cached)}: "
          f"{chart_all:.0f} ms)")

    if any(visits.values()):
        print("(c) first visit to a lesson after the home page of a fresh server, menu click to drawn: "
              + ", ".join(f"lesson {n} {median(v):.2f} s" for n, v in visits.items() if v))

    out = ROOT / "artifacts" / "bench" / "browser_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nall samples: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
