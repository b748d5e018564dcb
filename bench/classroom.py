"""A class at once: thirty visitors open the same shared lesson link on a fresh server, then each changes the rate.

    python bench/classroom.py [--visitors 30] [--lesson 3] [--spread 2] [--link "lr=0.02&epochs=60&seed=7"]

1. A fresh `streamlit run app.py` (nothing served yet). One Chromium, one browser context per visitor
   (its own cookies and websocket: its own Streamlit session). Visitor i opens the shared link at
   i·spread/visitors seconds, by a timer set in its idle tab beforehand, so all of them arrive within
   --spread seconds (reported: the spread of the pages' navigation starts).
   *open*: from the navigation's start (the page's performance.timeOrigin) to the page drawn: its first
   script run finished, its three charts drawn with every trace, and its console shown.
2. Once every page is drawn, each visitor types its own learning rate into "Learning rate (exact)"
   and presses Enter, one page after another as fast as Playwright can (the spread of the key presses
   is reported). *change*: from that Enter key-down to the page drawn again: a script run that started
   after the key finished, every chart holds new data and is drawn, and the console text changed.
   Also shown: the key-down to the rerun's start, and the rerun's start to its end as the page saw them
   (script state "running" to "notRunning": the server's queueing and work plus delivery).

Every time is stamped inside the page (performance.now(), by a MutationObserver), so Playwright's
one-page-at-a-time waiting adds nothing to it. Each page must then show exactly its own run: its console
is compared with core.run_lesson(...) for the link's settings after opening, and for its own rate after
the change; an exception, a page error, a console error, a mismatch or a missing rerun is an error
(must be 0).

Server: its resident memory (VmRSS from /proc/<pid>/status, sampled every 50 ms; the peak and the value
once the class is idle), its CPU time in each phase split into the main thread (uvicorn's event loop:
HTTP, websockets, sending messages) and the other threads (script runs, torch), from /proc/<pid>/stat
and /proc/<pid>/task/<pid>/stat.
The machine's load average is sampled throughout. Browser and server share this machine's cores, so the
figures are pessimistic for a real class (one browser per student, on their own machine): compare the
server's CPU seconds with the wall time to see which side was the bottleneck.

Results: artifacts/bench/classroom.json (every sample) and a printed table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import core  # noqa: E402
from core.fields import BY_NAME  # noqa: E402
from tests.support import LESSON_PATH, LR_LABEL, Server, launch, new_app, sync_playwright  # noqa: E402
from tests.support.browser import CHARTS, CHARTS_DRAWN, CODE, STATE  # noqa: E402
from tests.support.paths import ARTIFACTS  # noqa: E402

LOG_DIR = ARTIFACTS / "bench" / "servers"
SETUP_S = 10.0  # time to tell thirty idle tabs when to go (~0.2 s each on a quiet machine)
TIMEOUT_MS = 600_000  # thirty cold pages on two shared cores can take minutes; a lost rerun never comes
TICK = os.sysconf("SC_CLK_TCK")

# window.__watch(name, pred): stamp window.__marks[name] with performance.now() the first time pred() holds,
# checked after each batch of DOM mutations (coalesced) and every 50 ms.
WATCH = f"""
(() => {{
  if (window.__watch) return;
  window.__marks = {{}};
  window.__charts = {CHARTS_DRAWN};
  window.__console = () => [...document.querySelectorAll('{CODE}')].map((e) => e.textContent)
    .find((t) => t.startsWith('epoch 1:'));
  window.__state = () => {STATE};
  window.__watch = (name, pred) => {{
    window.__marks[name] = null;
    let pending = false, iv = null, obs = null;
    const check = () => {{
      pending = false;
      if (window.__marks[name] !== null) return;
      let ok = false;
      try {{ ok = pred(); }} catch (e) {{ ok = false; }}
      if (ok) {{ window.__marks[name] = performance.now(); obs.disconnect(); clearInterval(iv); }}
    }};
    obs = new MutationObserver(() => {{ if (!pending) {{ pending = true; setTimeout(check, 0); }} }});
    obs.observe(document, {{subtree: true, childList: true, attributes: true, characterData: true}});
    iv = setInterval(check, 50);
    check();
  }};
  const arm = () => window.__watch('open', () => window.__gdl && window.__gdl.done > 0
    && window.__state() === 'notRunning' && window.__charts(3) && window.__console() !== undefined);
  arm();  // observing the document node works before its root element exists
}})();
"""

# Arm the change: remember the charts' data, the console and the runs; stamp the Enter key-down, then the
# rerun's start, its end, and the page drawn with the new run.
ARM_CHANGE = f"""() => {{
  const els = () => [...document.querySelectorAll('{CHARTS}')];
  const old = {{data: els().map((e) => e.data), text: window.__console(), runs: window.__gdl.done,
               starts: window.__gdl.startedAt.length}};
  window.__change = {{t0: null, runs: old.runs, starts: old.starts}};
  const onKey = (e) => {{
    if (e.key === 'Enter' && e.target.getAttribute('aria-label') === '{LR_LABEL}' && window.__change.t0 === null) {{
      window.__change.t0 = performance.now();
      document.removeEventListener('keydown', onKey, true);
    }}
  }};
  document.addEventListener('keydown', onKey, true);
  window.__watch('changed', () => window.__change.t0 !== null && window.__gdl.done > old.runs
    && window.__state() === 'notRunning' && window.__console() !== old.text
    && els().length === old.data.length && els().every((e, i) => e.data !== old.data[i]) && window.__charts(3));
}}"""

CHANGE_MARKS = """() => ({t0: window.__change.t0, drawn: window.__marks.changed,
  start: window.__gdl.startedAt[window.__change.starts] ?? null, end: window.__gdl.doneAt[window.__change.runs] ?? null,
  runs: window.__gdl.done - window.__change.runs})"""


class ServerWatch:
    """Samples a process's resident memory and the machine's load average in a background thread."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every = pid, every
        self.rss: list[tuple[float, int]] = []  # (s since start, KiB)
        self.load: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last_load = -1.0
        while not self._stop.is_set():
            now = time.perf_counter() - self._t0
            try:
                self.rss.append((now, rss_kib(self.pid)))
            except (OSError, RuntimeError):
                return
            if now - last_load >= 1:
                self.load.append((now, float(Path("/proc/loadavg").read_text().split()[0])))
                last_load = now
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mib(self) -> float:
        return max(k for _, k in self.rss) / 1024


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _stat_seconds(path: Path) -> float:
    fields = path.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) of the process's main thread (the server's event loop) and of all its other
    threads, ended ones included (a script run's thread ends with the run: the process's total counts it), and
    how many threads it has now."""
    total = _stat_seconds(Path(f"/proc/{pid}/stat"))
    main = _stat_seconds(Path(f"/proc/{pid}/task/{pid}/stat"))
    return {"main": main, "other": total - main, "threads": len(list(Path(f"/proc/{pid}/task").iterdir()))}


def cpu_delta(a: dict, b: dict) -> dict:
    return {"main_s": b["main"] - a["main"], "other_s": b["other"] - a["other"], "threads": b["threads"]}


def schedule_navigation(app, path: str, at_ms: float) -> None:
    """Have the visitor's (blank, idle) tab open `path` at `at_ms` (ms since the epoch, by the machine's clock) and
    return at once. The tabs keep the time themselves, so thirty arrivals land within the spread however long it
    takes Playwright to reach each tab (page.goto returns only once the server has answered, and even starting one
    navigation is a round trip: thirty of them in a row took 6.5 s on a quiet machine, 90 s on a busy one)."""
    app.opened.add(path.split("?")[0])
    app.page.evaluate("([url, at]) => { setTimeout(() => window.location.assign(url), Math.max(0, at - Date.now())); }",
                      [app.base_url + path, at_ms])


def link_settings(link: str) -> dict:
    """The shared link's query as core.run_lesson keywords, parsed by each field's own codec."""
    return {name: BY_NAME[name].parse(text) for name, text in parse_qsl(link) if name != "hide"}


def visitor_rate(i: int, lesson_n: int) -> float:
    """Visitor i's own rate: all different, stable on every lesson's default data (below 0.0446 for i < 290)."""
    return round(0.005 + (i + 1) * 1e-4, 6)


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of xs."""
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=30, help="browser contexts (default 30)")
    parser.add_argument("--lesson", type=int, default=3, choices=sorted(LESSON_PATH), help="lesson (default 3)")
    parser.add_argument("--link", default="lr=0.02&epochs=60&seed=7",
                        help="the shared link's query (default lr=0.02&epochs=60&seed=7)")
    parser.add_argument("--spread", type=float, default=2.0, help="seconds over which the visitors arrive")
    parser.add_argument("--out", default="classroom", help="name of the JSON file in artifacts/bench/")
    args = parser.parse_args()
    if sync_playwright is None:
        raise SystemExit("needs the playwright package: pip install -r requirements-dev.txt")

    shared = link_settings(args.link)
    path = f"{LESSON_PATH[args.lesson]}?{args.link}"
    expected_open = core.run_lesson(args.lesson, **shared).log_text
    rates = [visitor_rate(i, args.lesson) for i in range(args.visitors)]
    expected_change = [core.run_lesson(args.lesson, **{**shared, "lr": lr}).log_text for lr in rates]
    errors: list[str] = []
    result: dict = {"args": vars(args), "path": path}

    srv = Server(log_dir=LOG_DIR)
    watch = None
    try:
        srv.wait_ready()
        watch = ServerWatch(srv.proc.pid)
        cpu0 = cpu_seconds(srv.proc.pid)
        with sync_playwright() as pw:
            browser = launch(pw)
            apps = []
            for _ in range(args.visitors):
                app = new_app(browser, srv.url)
                app.context.add_init_script(WATCH)
                apps.append(app)
            print(f"{args.visitors} visitors open {path} within {args.spread:g} s", flush=True)
            # Every tab is told when to go (SETUP_S from now, leaving time to reach all of them), then left alone.
            t_open = time.perf_counter() + SETUP_S
            at0 = time.time() * 1000 + SETUP_S * 1000
            for i, app in enumerate(apps):
                schedule_navigation(app, path, at0 + i * args.spread * 1000 / args.visitors)
            late = time.perf_counter() - t_open
            if late > 0:
                print(f"  (reaching every tab took {SETUP_S + late:.1f} s: the first arrivals were late)", flush=True)
            open_ms: list[float] = []
            origins: list[float] = []  # each navigation's start (ms since the epoch)
            for i, app in enumerate(apps):
                try:
                    # `window.__marks &&`: the wait starts in the blank tab, before its navigation
                    app.page.wait_for_function("() => window.__marks && window.__marks.open != null",
                                               timeout=TIMEOUT_MS)
                    open_ms.append(app.page.evaluate("window.__marks.open"))
                    origins.append(app.page.evaluate("performance.timeOrigin"))
                    if app.console() != expected_open:
                        errors.append(f"visitor {i}: after opening, the console is not the link's run")
                except Exception as e:
                    errors.append(f"visitor {i}: not drawn after opening: {e!s:.300} {app.problems()}")
            opened_wall = time.perf_counter() - t_open
            arrived = (max(origins) - min(origins)) / 1000 if origins else float('nan')
            cpu1 = cpu_seconds(srv.proc.pid)
            rss_open = watch.peak_mib()
            if not open_ms:
                raise SystemExit("no page was drawn:\n" + "\n".join(errors))
            print(f"  opened: median {statistics.median(open_ms):.0f} ms, all drawn {opened_wall:.1f} s after the "
                  f"first visitor (arrivals over {arrived:.1f} s)", flush=True)

            # Everyone types a rate, one page after another, without waiting for anyone's rerun.
            t_change = time.perf_counter()
            for app, lr in zip(apps, rates, strict=True):
                app.page.evaluate(ARM_CHANGE)
                box = app.page.get_by_label(LR_LABEL, exact=True)
                box.fill(f"{lr:g}")
                box.press("Enter")
            typed_wall = time.perf_counter() - t_change
            changes: list[dict] = []
            for i, app in enumerate(apps):
                try:
                    app.page.wait_for_function("() => window.__marks.changed != null", timeout=TIMEOUT_MS)
                except Exception as e:
                    errors.append(f"visitor {i}: not redrawn after the rate change: {e!s:.200} "
                                  f"{app.page.evaluate(CHANGE_MARKS)} {app.problems()}")
                    continue
                m = app.page.evaluate(CHANGE_MARKS)
                changes.append({"visitor": i, "lr": rates[i], "drawn_ms": m["drawn"] - m["t0"],
                                "start_ms": m["start"] - m["t0"], "run_ms": m["end"] - m["start"], "runs": m["runs"],
                                "enter_at_ms": app.page.evaluate("performance.timeOrigin") + m["t0"]})
                if app.console() != expected_change[i]:
                    errors.append(f"visitor {i}: after the change to {rates[i]}, the console is not its own run")
            changed_wall = time.perf_counter() - t_change
            cpu2 = cpu_seconds(srv.proc.pid)
            for i, app in enumerate(apps):
                problems = app.problems()
                if any(problems.values()):
                    errors.append(f"visitor {i}: {problems}")
            time.sleep(1)  # the class idle: what the server holds for thirty sessions
            idle_mib = rss_kib(srv.proc.pid) / 1024
            for app in apps:
                app.close()
            browser.close()
    finally:
        if watch is not None:
            watch.stop()
        srv.stop()

    enters = [c["enter_at_ms"] for c in changes]
    result.update({
        "open_ms": open_ms, "changes": changes, "errors": errors,
        "open_wall_s": opened_wall, "arrivals_s": arrived, "typed_wall_s": typed_wall, "change_wall_s": changed_wall,
        "enter_spread_s": (max(enters) - min(enters)) / 1000 if enters else None,
        "server_cpu": {"open": cpu_delta(cpu0, cpu1), "change": cpu_delta(cpu1, cpu2)},
        "rss_peak_mib": watch.peak_mib(), "rss_after_open_mib": rss_open, "rss_idle_mib": idle_mib,
        "rss_samples": watch.rss, "load": watch.load, "cpus": os.cpu_count(),
    })
    report(result)
    out = ARTIFACTS / "bench" / f"{args.out}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"\nall samples: {out.relative_to(ROOT)}")
    if errors:
        raise SystemExit(f"{len(errors)} errors")


def report(r: dict) -> None:
    a = r["args"]
    loads = [v for _, v in r["load"]]
    print(f"\n{a['visitors']} visitors, lesson {a['lesson']}, {r['path']}, {r['cpus']} cores, "
          f"load average {min(loads):.1f}–{max(loads):.1f} (1-min) during the run")
    print(f"{'':<48}{'median':>10}{'p95':>10}{'max':>10}")

    def row(label: str, xs: list[float]) -> None:
        print(f"{label:<48}" + "".join(f"{v / 1000:>9.2f}s" for v in (statistics.median(xs), pct(xs, 0.95), max(xs))))

    if r["open_ms"]:
        row("open: navigation → charts and console drawn", r["open_ms"])
    ch = r["changes"]
    if ch:
        row("change: Enter → charts and console redrawn", [c["drawn_ms"] for c in ch])
        row("  Enter → rerun started", [c["start_ms"] for c in ch])
        row("  rerun started → finished (as the page saw it)", [c["run_ms"] for c in ch])
    for phase, wall in (("open", r["open_wall_s"]), ("change", r["change_wall_s"])):
        c = r["server_cpu"][phase]
        print(f"server CPU during {phase:<7}: main thread {c['main_s']:.1f} s, other threads {c['other_s']:.1f} s "
              f"in {wall:.1f} s wall ({c['threads']} threads)")
    print(f"rate changes typed over {r['enter_spread_s'] or 0:.1f} s; visitors arrived over {r['arrivals_s']:.1f} s")
    print(f"server resident memory: peak {r['rss_peak_mib']:.0f} MiB, idle with the class connected "
          f"{r['rss_idle_mib']:.0f} MiB")
    print(f"errors: {len(r['errors'])}")
    for e in r["errors"]:
        print("  " + e)


if __name__ == "__main__":
    main()
