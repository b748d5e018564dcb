"""The batched sweep against looping core.run_lesson over the same rates, side by side; and the sweep's cost.

    python bench/sweep.py

Prints wall time (and process CPU time: the machine may be shared) for K = 200 rates on lesson 3:
batched vs looped at 100 epochs, and the whole sweep (batched run and the real verdict on every rate,
read for all K at once) at 100 and 1,000 epochs, as the page computes it when its section opens. The
line "one Run + analysis.verdict per rate" is the table as it was built before the verdict was read
for K runs at once: the same verdicts, one DataFrame and one call per rate. The load average is
printed first: numbers taken above a load of about 3 on this 2-core machine say little.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core
from core import analysis
from core.catalog import lesson
from core.lr_sweep import batched, runs, table


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall and CPU seconds of `repeat` calls."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def per_run_verdicts(s, lrs) -> list[str]:
    """The old way: a Run (and its DataFrame) per rate, and analysis.verdict called on each."""
    opt, curv = analysis.optimum(s.x, s.y, s.has_bias), analysis.curvature(s.x, s.has_bias)
    return [analysis.verdict(r, opt, curv).kind for r in runs(s, lrs)]


def line(label: str, t: tuple[float, float], base: float | None = None) -> str:
    ratio = f"   {base / t[0]:.0f}x faster than the loop" if base else ""
    return f"  {label:<42}{t[0] * 1e3:8.0f} ms {t[1] * 1e3:6.0f} ms{ratio}"


def main() -> None:
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    s = lesson(3).defaults()
    crit = 2 / 44.8277
    lrs = [float(v) for v in np.geomspace(crit / 100, crit * 1.5, 200)]
    s100 = s.replace(epochs=100)
    table(s100, lrs[:3])  # warm up
    core.run_lesson(3, lr=0.01)
    fast = timed(lambda: batched(s100, lrs))
    whole = timed(lambda: table(s100, lrs))
    old = timed(lambda: per_run_verdicts(s100, lrs))
    looped = timed(lambda: [core.run_lesson(3, lr=lr, epochs=100) for lr in lrs], repeat=1)
    print("K = 200 rates, lesson 3, 100 epochs                   wall      cpu")
    print(line("looping core.run_lesson", looped))
    print(line("batched program (histories)", fast, looped[0]))
    print(line("core.sweep table (verdicts for all K)", whole, looped[0]))
    print(line("  (before: one Run + analysis.verdict per rate)", old, looped[0]))
    s1000 = s.replace(epochs=1000)
    b1000 = timed(lambda: batched(s1000, lrs))
    t1000 = timed(lambda: table(s1000, lrs))
    o1000 = timed(lambda: per_run_verdicts(s1000, lrs))
    print("K = 200 rates, lesson 3, 1,000 epochs (what opening the sweep costs, uncached)")
    print(line("batched program", b1000))
    print(line("core.sweep table (verdicts for all K)", t1000))
    print(line("  (before: one Run + analysis.verdict per rate)", o1000))


if __name__ == "__main__":
    main()
