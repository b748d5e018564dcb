"""How much recording a run's history costs: lesson 3 through core against the document's bare loop.

Both run side by side in one process, alternating, so machine noise hits them alike.
Prints the median time of each and their ratio (target: at most 1.10).

    python bench/core_overhead.py [--epochs 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.catalog import lesson
from core.script import script


def bare_loop(code, epochs: int) -> float:
    """The shown program of lesson 3 as written (core.script: the document's text), its prints kept in a list."""
    lines: list[str] = []
    namespace = {"__name__": "__main__", "print": lines.append}
    exec(code, namespace)  # it seeds torch's global generator itself, as the document's reference does
    return namespace["model"].weight.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    les = lesson(3)
    settings = les.defaults().replace(epochs=args.epochs)
    code = compile(script(settings), "lesson3.py", "exec")
    les.train(settings.replace(epochs=200))  # warm up both paths
    bare_loop(compile(script(settings.replace(epochs=200)), "lesson3.py", "exec"), 200)
    bare, core = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        w_bare = bare_loop(code, args.epochs)
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        run = les.train(settings)
        core.append(time.perf_counter() - t)
    assert run.params["w"] == w_bare, "core and the bare loop must compute the same run"
    b, c = statistics.median(bare), statistics.median(core)
    print(f"lesson 3, {args.epochs:,} epochs, median of {args.repeats}:")
    print(f"  document's bare loop: {b:.3f} s ({b / args.epochs * 1e6:.1f} us/epoch)")
    print(f"  core with history:    {c:.3f} s ({c / args.epochs * 1e6:.1f} us/epoch)")
    print(f"  ratio core/bare:      {c / b:.3f}  (target <= 1.10)")


if __name__ == "__main__":
    main()
