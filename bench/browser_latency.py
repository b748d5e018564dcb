"""How fast the lab feels in a real browser, today's app next to an older revision's, side by side.

    python bench/browser_latency.py [--baseline REV [REV ...]] [--also DIR ...] [--lessons 1 3]
                                    [--distinct 10] [--changes 6] [--cold 3] [--lesson-visits 1] [--small] [--quick]

(a) Cold start: from launching `streamlit run app.py` to the home page fully drawn in Chromium (the
    script has finished and the home chart is drawn), in a fresh browser context. Target: ≤ 0.8× old.
(b) Learning rate on a lesson (default 1 and 3): type a rate into "Learning rate (exact)" and press
    Enter, as a visitor does; the time from that Enter key-down to the loss chart's line redrawn with
    the new run. Measured inside the page with performance.now() (a capture-phase key listener starts
    the clock, a MutationObserver stops it when the loss line's SVG path changes: tests.support.browser
    .ARM_LATENCY), so no Python or Playwright overhead is counted. "uncached" types a rate never run
    before each time (0.01 + i·1e-6: the server trains it); "cached" alternates two rates already run.
    Also shown: when the rerun started (script state "running"), when the console text changed, and
    when the rerun finished (state back to "notRunning"). Target: ≤ 0.5× old and ≤ 300 ms.
(c) First visit to each lesson after the home page, on a fresh server: open the home page, read it
    for 3 s, click the lesson in the menu; the time from the click to the lesson's run finished and
    its charts drawn. Target: no slower than old.

With --baseline REV, REV is unpacked into a temporary folder (git archive) and served by its own
`streamlit run`; every measurement alternates old and new (cold starts and visits one by one, rate
changes in blocks of --block), and the table gives both medians and new/old. Several revisions (and
--also folders, e.g. patched copies) bisect a regression: every side alternates with the others, and
each column's ratio is to the first side's.
--small stands in for a small machine (a Community Cloud app): Chromium's CPU throttled 4× (CDP
Emulation.setCPUThrottlingRate) and each server pinned to core 0 (taskset -c 0).
Needs Debian's Chromium and the playwright package. Samples: artifacts/bench/browser_latency[-small].json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import LESSON_PATH, PAGES, Server, fresh_rate, launch, new_app, sync_playwright  # noqa: E402
from tests.support.browser import CHARTS, CODE, HOME_DRAWN, STATE  # noqa: E402
from tests.support.checkout import checkout, resolve  # noqa: E402
from tests.support.paths import ARTIFACTS  # noqa: E402

TARGET_CHANGE_MS = 300
LOG_DIR = ARTIFACTS / "bench" / "servers"
CACHED = ("0.02", "0.03")  # stable on every lesson's default data, and no lesson's default

_LESSON_DRAWN = f"""(n) => window.__gdl.done > n
  && {STATE} === 'notRunning'
  && [...document.querySelectorAll('{CODE}')]
       .some((e) => e.textContent.startsWith('epoch 1:'))
  && [...document.querySelectorAll('{CHARTS}')].length === 3
  && [...document.querySelectorAll('{CHARTS}')]
       .every((e) => e.querySelectorAll('.scatterlayer .trace, .contourlayer .contour').length > 0)"""


class Side:
    """One app folder: how its servers are started and how its pages are throttled."""

    def __init__(self, name: str, root: Path, small: bool) -> None:
        self.name, self.root, self.small = name, root, small

    def server(self) -> Server:
        return Server(self.root, log_dir=LOG_DIR, cpus="0" if self.small else None)

    def app(self, browser, url: str):
        app = new_app(browser, url)
        if self.small:
            app.throttle_cpu(4)
        return app


def cold_start(browser, side: Side) -> float:
    """Seconds from `streamlit run` to the home page drawn."""
    srv = side.server()
    try:
        srv.wait_ready()
        app = side.app(browser, srv.url)
        app.page.goto(srv.url + "/", wait_until="commit")
        app.page.wait_for_function(HOME_DRAWN, polling=10)
        seconds = time.perf_counter() - srv.started
        app.close()
    finally:
        srv.stop()
    return seconds


def lesson_after_home(browser, side: Side, n: int) -> float:
    """Seconds from clicking lesson n in the menu, after reading the home page of a fresh server for 3 s,
    to that lesson drawn."""
    srv = side.server()
    try:
        srv.wait_ready()
        app = side.app(browser, srv.url)
        app.page.goto(srv.url + "/", wait_until="commit")
        app.page.wait_for_function(HOME_DRAWN, polling=10)
        app.page.wait_for_timeout(3_000)
        runs = app.runs()
        t0 = time.perf_counter()
        app.sidebar_link(PAGES[LESSON_PATH[n]][0]).click()
        app.page.wait_for_function(_LESSON_DRAWN, arg=runs, polling=10)
        seconds = time.perf_counter() - t0
        app.close()
    finally:
        srv.stop()
    return seconds


def rate_changes(browser, sides: list[Side], lessons: list[int], distinct: int, changes: int, block: int) -> dict:
    """Per lesson, case and side: the marks of each rate change (ms after Enter), sides alternating in blocks."""
    out: dict = {}
    servers = [s.server() for s in sides]
    try:
        for srv in servers:
            srv.wait_ready()
        for n in lessons:
            apps = []
            for side, srv in zip(sides, servers, strict=True):
                app = side.app(browser, srv.url)
                app.goto(LESSON_PATH[n])
                for warm in ("0.005", "0.006"):  # lazy chunks, first websocket round trips: not counted
                    app.measure_rate_change(warm)
                apps.append(app)
            fresh = iter(range(1, 10**6))
            series = {"uncached": [f"{fresh_rate(next(fresh)):.6f}" for _ in range(distinct)],
                      # the first two run the cached pair once: not counted
                      "cached": [CACHED[i % 2] for i in range(changes + 2)]}
            for case, values in series.items():
                got: dict[str, list] = {s.name: [] for s in sides}
                for start in range(0, len(values), block):
                    for side, app in zip(sides, apps, strict=True):
                        got[side.name] += [app.measure_rate_change(v) for v in values[start:start + block]]
                if case == "cached":
                    got = {k: v[2:] for k, v in got.items()}
                out.setdefault(n, {})[case] = got
                print(f"  lesson {n} {case:<8}: " + "  ".join(
                    f"{k} {_med(v, 'chart_ms'):.0f} ms" for k, v in got.items()), flush=True)
            for app in apps:
                app.close()
    finally:
        for srv in servers:
            srv.stop()
    return out


def _med(rows: list, key: str | None = None) -> float:
    xs = [r[key] for r in rows] if key else rows
    return statistics.median(xs) if xs else float("nan")


def report(results: dict, names: list[str]) -> None:
    pair = len(names) > 1
    cols = "".join(f"{n:>16}" for n in names) + ("".join(f"{n[:8] + '/1st':>12}" for n in names[1:]) if pair else "")

    def row(label: str, values: list[float], unit: str, fmt: str) -> None:
        line = f"{label:<44}" + "".join(f"{format(v, fmt) + ' ' + unit:>16}" for v in values)
        if pair:
            line += "".join(f"{v / values[0]:>12.2f}" for v in values[1:])
        print(line)

    print(f"\n{'median':<44}{cols}")
    if results.get("cold_start"):
        row("(a) cold start → home chart drawn", [_med(results["cold_start"][k]) for k in names], "s", ".2f")
    for n, got in results.get("rate_change", {}).items():
        for case, by_side in got.items():
            for key, what in (("chart_ms", "loss line drawn"), ("start_ms", "rerun started"),
                              ("console_ms", "console changed"), ("run_ms", "rerun finished")):
                row(f"(b) lesson {n} {case}: Enter → {what}", [_med(by_side[k], key) for k in names], "ms", ".0f")
    for n, by_side in results.get("lesson_after_home", {}).items():
        row(f"(c) lesson {n} first visit after home", [_med(by_side[k]) for k in names], "s", ".2f")
    print(f"target: the new loss line within {TARGET_CHANGE_MS} ms and ≤ 0.5× old; cold start ≤ 0.8× old")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REV", nargs="+", default=[],
                        help="also measure these revisions, alternating with today's")
    parser.add_argument("--also", metavar="DIR", nargs="+", default=[], type=Path,
                        help="also measure these app folders (e.g. patched copies)")
    parser.add_argument("--lessons", type=int, nargs="+", default=[1, 3], help="lessons for (b) (default 1 3)")
    parser.add_argument("--distinct", type=int, default=10, help="uncached rate changes per lesson and side")
    parser.add_argument("--changes", type=int, default=6, help="cached rate changes per lesson and side")
    parser.add_argument("--block", type=int, default=2, help="rate changes per side before switching side")
    parser.add_argument("--cold", type=int, default=3, help="cold starts per side (median reported)")
    parser.add_argument("--lesson-visits", type=int, default=1, help="fresh servers per lesson and side for (c)")
    parser.add_argument("--small", action="store_true", help="CPU throttled 4× in Chromium, servers on core 0")
    parser.add_argument("--quick", action="store_true", help="--distinct 4 --changes 2 --cold 1 --lesson-visits 0")
    args = parser.parse_args()
    if args.quick:
        args.distinct, args.changes, args.cold, args.lesson_visits = 4, 2, 1, 0
    if sync_playwright is None:
        raise SystemExit("needs the playwright package: pip install -r requirements-dev.txt")

    results: dict = {"args": vars(args)}
    with contextlib.ExitStack() as stack:
        sides = [Side(f"old {resolve(rev)[:7]}", stack.enter_context(checkout(rev)), args.small)
                 for rev in args.baseline]
        sides += [Side(d.name, d.resolve(), args.small) for d in args.also]
        sides.append(Side("new", ROOT, args.small))
        names = [s.name for s in sides]
        print(f"sides: {', '.join(names)}{' (small machine: CPU 4× slower, server on core 0)' if args.small else ''}",
              flush=True)
        with sync_playwright() as pw:
            browser = launch(pw)
            results["rate_change"] = rate_changes(browser, sides, args.lessons, args.distinct, args.changes,
                                                  args.block)
            cold: dict[str, list] = {s.name: [] for s in sides}
            for i in range(args.cold):
                for side in sides:
                    cold[side.name].append(cold_start(browser, side))
                print(f"  cold start {i + 1}: " + "  ".join(f"{k} {v[-1]:.2f} s" for k, v in cold.items()), flush=True)
            results["cold_start"] = cold
            visits: dict = {}
            for n in LESSON_PATH if args.lesson_visits else ():
                visits[n] = {s.name: [] for s in sides}
                for _ in range(args.lesson_visits):
                    for side in sides:
                        visits[n][side.name].append(lesson_after_home(browser, side, n))
                print(f"  lesson {n} after home: " + "  ".join(f"{k} {v[-1]:.2f} s" for k, v in visits[n].items()),
                      flush=True)
            results["lesson_after_home"] = visits
            browser.close()
    report(results, names)
    out = ARTIFACTS / "bench" / f"browser_latency{'-small' if args.small else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nall samples: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
