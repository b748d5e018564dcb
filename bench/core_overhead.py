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

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.catalog import lesson


def bare_loop(epochs: int) -> float:
    """Section 3 of the document as written (printing to a list), seeded like core's default."""
    torch.manual_seed(0)
    X = torch.tensor([[1], [2], [3], [4], [6], [8]], dtype=torch.float32)
    Y = torch.tensor([[2], [4], [6], [8], [11], [16]], dtype=torch.float32)
    model = torch.nn.Linear(1, 1)
    loss = torch.nn.MSELoss()
    optimiser = torch.optim.SGD(model.parameters(), 0.015)
    lines = []
    for iter in range(epochs):
        Y_pred = model(X)
        Loss = loss(Y, Y_pred)
        Loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        if iter % 10 == 0:
            [w, b] = model.parameters()
            lines.append("epoch %i: w = %f, b = %f, loss = %f" % (iter + 1, w, b, Loss))
    return model.weight.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    les = lesson(3)
    settings = les.defaults().replace(epochs=args.epochs)
    les.train(settings.replace(epochs=200))  # warm up both paths
    bare_loop(200)
    bare, core = [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        w_bare = bare_loop(args.epochs)
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
