"""The batched sweep against looping core.run_lesson over the same rates, side by side; and the sweep's cost.

    python bench/sweep.py

Prints wall time (and process CPU time: the machine may be shared) for K = 200 rates on lesson 3:
batched vs looped at 100 epochs, and the whole sweep (batched run, per-rate Run objects, the real
verdict on each) at 1,000 epochs, as the page computes it when its section opens.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core
from core.catalog import lesson
from core.lr_sweep import batched, table


def timed(fn, repeat: int = 3) -> tuple[float, float]:
    """Best wall and CPU seconds of `repeat` calls."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def main() -> None:
    s = lesson(3).defaults()
    crit = 2 / 44.8277
    lrs = [float(v) for v in np.geomspace(crit / 100, crit * 1.5, 200)]
    s100 = s.replace(epochs=100)
    table(s100, lrs[:3])  # warm up
    core.run_lesson(3, lr=0.01)
    fast = timed(lambda: batched(s100, lrs))
    whole = timed(lambda: table(s100, lrs))
    looped = timed(lambda: [core.run_lesson(3, lr=lr, epochs=100) for lr in lrs], repeat=1)
    print("K = 200 rates, lesson 3, 100 epochs           wall      cpu")
    print(f"  looping core.run_lesson              {looped[0] * 1e3:8.0f} ms {looped[1] * 1e3:6.0f} ms")
    print(f"  batched program (histories)          {fast[0] * 1e3:8.0f} ms {fast[1] * 1e3:6.0f} ms"
          f"   {looped[0] / fast[0]:.0f}x faster")
    print(f"  core.sweep table (+ Runs, verdicts)  {whole[0] * 1e3:8.0f} ms {whole[1] * 1e3:6.0f} ms"
          f"   {looped[0] / whole[0]:.0f}x faster")
    s1000 = s.replace(epochs=1000)
    b1000 = timed(lambda: batched(s1000, lrs))
    t1000 = timed(lambda: table(s1000, lrs))
    print("K = 200 rates, lesson 3, 1,000 epochs (what opening the sweep costs, uncached)")
    print(f"  batched program                      {b1000[0] * 1e3:8.0f} ms {b1000[1] * 1e3:6.0f} ms")
    print(f"  core.sweep table (+ Runs, verdicts)  {t1000[0] * 1e3:8.0f} ms {t1000[1] * 1e3:6.0f} ms")


if __name__ == "__main__":
    main()
