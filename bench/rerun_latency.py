"""Server time of a rerun after the learning rate changes, per lesson page, uncached and cached, old vs new.

    python bench/rerun_latency.py [--baseline REV] [--reruns 20] [--lessons 1 2 3 4] [--quick]

Measured with Streamlit's AppTest (the script's own time, no browser), as a visitor changes the
"Learning rate (exact)" box:

- uncached: every rerun sets a rate never run before (0.01 + i·1e-6), so the run is trained, its
  analysis computed and its figures built anew: the usual case, since a visitor almost always types
  a new value. Median of --reruns after two warm-up reruns.
- cached: the rate alternates between two values already run (both served from st.cache_data).

Each rerun of a lesson is followed by a rerun of a one-line page in the same process, so the
difference is the page's own cost with AppTest's overhead taken out. The script's work only: the
hand-over pause (ui.live_chart.hand_over: 30 ms of waiting after the loss chart, so a browser draws
it before the rest of the page arrives) is set to 0 here; it costs no CPU, and the browser bench counts it.

With --baseline REV, REV is unpacked into a temporary folder (git archive) and measured the same
way in its own process (cwd and sys.path that folder, so it imports its own core and ui), alternating
old and new rerun by rerun (this machine's speed drifts by up to 2x within seconds; blocks of five let a
drift land on one side); both columns and the ratio new/old are printed. Budget
(issue 10 / DESIGN.md): 100 ms uncached; target ≤ 0.6× of dcd8a6b uncached and no slower cached.
All samples go to artifacts/bench/rerun_latency.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_MS = 100
SECOND_LR = 0.02  # stable for every lesson's default data, and not a default
BLOCK = 1  # reruns per side before switching to the other side
WARM = 2  # reruns per case not counted (first run of a case, lazy imports)


# ---- the worker: one process per side, its cwd and sys.path[0] the app's folder -----------------


def _page_script(root: Path, n: int) -> str:
    """Lesson n's page script relative to app.py: pages/<n>_*.py, else what ui.nav says (if pages/ has moved)."""
    found = sorted((root / "pages").glob(f"{n}_*.py"))
    if found:
        return str(found[0].relative_to(root))
    from ui.nav import PAGES
    return PAGES[n]


def worker() -> None:
    """Answer one JSON command per stdin line: {"lesson": n, "rates": [...]} → seconds per rerun, page and trivial."""
    root = Path.cwd()
    sys.path.insert(0, str(root))
    from streamlit.testing.v1 import AppTest

    _without_hand_over()
    tmp = Path(tempfile.mkdtemp(prefix="gdl-one-line-"))
    (tmp / "one_line.py").write_text('import streamlit as st\nst.write("Hello")\n')
    trivial = AppTest.from_file(str(tmp / "one_line.py"), default_timeout=60)
    trivial.run()
    pages: dict[int, AppTest] = {}

    def timed(at: AppTest) -> float:
        start = time.perf_counter()
        at.run()
        return time.perf_counter() - start

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        n = cmd["lesson"]
        if n not in pages:
            at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
            at.run()
            at.switch_page(_page_script(root, n))
            at.run()
            _await_warm_up()
            pages[n] = at
        at = pages[n]
        page, plain = [], []
        for rate in cmd["rates"]:
            at.number_input(key=f"l{n}.lr").set_value(rate)
            page.append(timed(at))
            if at.exception:
                print(json.dumps({"error": f"lesson {n} raised: {at.exception[0].value}"}), flush=True)
                break
            plain.append(timed(trivial))
        else:
            print(json.dumps({"page": page, "plain": plain}), flush=True)


def _without_hand_over() -> None:
    """The script's work alone: no hand-over pause (an older revision has none to remove)."""
    with contextlib.suppress(ImportError):
        from ui import live_chart

        live_chart.HAND_OVER_S = 0


def _await_warm_up() -> None:
    """Let the server's one-off warm-up (a thread running every lesson once) end before timing reruns.

    Its first minute of work (torch._dynamo's import among it) would otherwise slow the first lesson's
    reruns on whichever side had started it last, and nothing a visitor meets twice.
    """
    import ui.runs

    warm_up = getattr(ui.runs, "warm_up", None)
    if warm_up is not None:
        warm_up().join()


class Side:
    """One app folder measured in its own worker process."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(root)})
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name}: the worker exited ({self.proc.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        return answer

    def rerun(self, n: int, rates: list[float]) -> dict:
        self.proc.stdin.write(json.dumps({"lesson": n, "rates": rates}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _default_lr(n: int) -> float:
    return {1: 0.01, 2: 0.01, 3: 0.015, 4: 0.015}[n]


def measure(sides: list[Side], lessons: list[int], reruns: int) -> dict:
    """Per lesson and case, each side's seconds per rerun (page, trivial), alternating sides in blocks."""
    from tests.support.keys import fresh_rate

    out: dict = {}
    for n in lessons:
        fresh = iter(range(1, 10**6))
        rates = {
            # The same never-seen rates for every side: each side's process has its own cache.
            "uncached": [fresh_rate(next(fresh)) for _ in range(WARM + reruns)],
            "cached": [(SECOND_LR, _default_lr(n))[i % 2] for i in range(WARM + reruns)],
        }
        for case, series in rates.items():
            got = {s.name: {"page": [], "plain": []} for s in sides}
            for s in sides:  # warm-up, not counted
                s.rerun(n, series[:WARM])
            for start in range(WARM, len(series), BLOCK):
                for s in sides:
                    r = s.rerun(n, series[start:start + BLOCK])
                    got[s.name]["page"] += r["page"]
                    got[s.name]["plain"] += r["plain"]
            out.setdefault(n, {})[case] = got
            summary = "  ".join(f"{name} {statistics.median(v['page']) * 1000:.0f} ms" for name, v in got.items())
            print(f"  lesson {n} {case:<8}: {summary}", flush=True)
    return out


def report(results: dict, names: list[str]) -> None:
    """The table: per lesson and case, each side's median (and its difference to the one-line page), and new/old."""
    print(f"\nmedian server time of a rerun after a learning-rate change (AppTest), budget {BUDGET_MS} ms uncached")
    head = f"{'lesson':<7}{'case':<10}" + "".join(f"{n + ' ms':>12}{'(−1-line)':>11}" for n in names)
    print(head + (f"{'new/old':>9}" if len(names) == 2 else ""))
    for n, cases in results.items():
        for case, got in cases.items():
            meds = {name: statistics.median(got[name]["page"]) * 1000 for name in names}
            plain = {name: statistics.median(got[name]["plain"]) * 1000 for name in names}
            row = f"{n:<7}{case:<10}" + "".join(f"{meds[k]:>12.0f}{meds[k] - plain[k]:>11.0f}" for k in names)
            if len(names) == 2:
                row += f"{meds[names[1]] / meds[names[0]]:>9.2f}"
            print(row)


def steps(lessons: list[int], reruns: int) -> None:
    """Median server time of a Next in the step-through (a fragment: only it reruns), and of the fragment's body."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from streamlit.testing.v1 import AppTest

    from core.catalog import lesson
    from core.view import build
    from tests.support.apptest import open_page, open_tab
    from ui.step_through import stepper_body

    _without_hand_over()
    tmp = Path(tempfile.mkdtemp(prefix="gdl-one-line-"))
    (tmp / "one_line.py").write_text('import streamlit as st\nst.write("Hello")\n')
    trivial = AppTest.from_file(str(tmp / "one_line.py"), default_timeout=60)
    trivial.run()
    print(f"median of {reruns} steps (Next) after {WARM} uncounted; AppTest, one-line page subtracted")
    for n in lessons:
        at = open_tab(open_page(n, timeout=120), n, "Step through one epoch")
        page, plain = [], []
        for _ in range(WARM + reruns):
            start = time.perf_counter()
            at.button(key=f"l{n}.trace_next").click().run()
            page.append(time.perf_counter() - start)
            start = time.perf_counter()
            trivial.run()
            plain.append(time.perf_counter() - start)
        diff = statistics.median(p - q for p, q in zip(page[WARM:], plain[WARM:], strict=True))
        view = build(lesson(n).defaults())
        body = []
        for _ in range(reruns):  # the fragment's own code, outside AppTest (it needs no script context)
            start = time.perf_counter()
            with contextlib.suppress(Exception):
                stepper_body(view)
            body.append(time.perf_counter() - start)
        print(f"lesson {n}: a step {statistics.median(page[WARM:]) * 1e3:.0f} ms in AppTest, "
              f"{diff * 1e3:.0f} ms beyond a one-line page; the fragment's body alone "
              f"{statistics.median(body) * 1e3:.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", help="also measure this revision, alternating with today's")
    parser.add_argument("--reruns", type=int, default=20, help="counted reruns per lesson and case (default 20)")
    parser.add_argument("--lessons", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true", help="8 reruns per case")
    parser.add_argument("--steps", action="store_true",
                        help="instead: the server time of one step of the step-through (Next), per lesson")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.steps:
        steps(args.lessons, 8 if args.quick else args.reruns)
        return

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from tests.support.checkout import checkout, resolve
    from tests.support.paths import ARTIFACTS

    reruns = 8 if args.quick else args.reruns
    with checkout(args.baseline) if args.baseline else contextlib.nullcontext() as old_root:
        sides = []
        if old_root is not None:
            sides.append(Side(f"old {resolve(args.baseline)[:7]}", old_root))
        sides.append(Side("new", root))
        try:
            print(f"{reruns} counted reruns per lesson and case; sides: {', '.join(s.name for s in sides)}", flush=True)
            results = measure(sides, args.lessons, reruns)
        finally:
            for s in sides:
                s.close()
    report(results, [s.name for s in sides])
    out = ARTIFACTS / "bench" / "rerun_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"\nall samples: {out.relative_to(root)}")


if __name__ == "__main__":
    main()
