"""The numbers behind each lesson's own point, computed from runs so the page can show them live."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from core.catalog import lesson
from core.lessons import Run, Tape, execute
from core.settings import Settings


def analytic_gradients(run: Run) -> pd.DataFrame:
    """Per epoch: autograd's grad next to the formula dL/dw = (2/N)·Σ x(ŷ − y) (and dL/db = (2/N)·Σ(ŷ − y)).

    The formula is evaluated in float64 at the parameters before that epoch's update.
    """
    s, h = run.settings, run.history
    X = torch.tensor(s.x, dtype=torch.float64)
    Y = torch.tensor(s.y, dtype=torch.float64)
    w = torch.tensor(h["w_before"].to_numpy(dtype="float64"))[:, None]
    b = torch.tensor(h["b_before"].to_numpy(dtype="float64"))[:, None] if s.has_bias else 0.0
    residual = w * X[None, :] + b - Y[None, :]  # ŷ − y, one row per epoch
    out = {"epoch": h["epoch"], "w": h["w_before"], "autograd dL/dw": h["grad_w"],
           "(2/N)·Σ x(ŷ−y)": (2 * (X * residual).mean(dim=1)).tolist()}
    if s.has_bias:
        out["b"] = h["b_before"]
        out["autograd dL/db"] = h["grad_b"]
        out["(2/N)·Σ (ŷ−y)"] = (2 * residual.mean(dim=1)).tolist()
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Comparison:
    """Two runs of the same data and start, epoch by epoch."""

    table: pd.DataFrame  # epoch, then one column per run and parameter
    identical_epochs: int  # epochs in which every parameter is bit-for-bit equal
    epochs: int
    max_difference: float  # the largest |difference| of any parameter, in any epoch

    @property
    def identical(self) -> bool:
        return self.identical_epochs == self.epochs


def compare(a: Run, b: Run, label_a: str, label_b: str) -> Comparison:
    """Put two runs' parameters side by side and measure how far apart they ever are."""
    names = [p for p in a.params if p in b.params]
    table = pd.DataFrame({"epoch": a.history["epoch"]})
    same = pd.Series(True, index=table.index)
    worst = 0.0
    for p in names:
        table[f"{p} ({label_a})"] = a.history[p]
        table[f"{p} ({label_b})"] = b.history[p]
        diff = (a.history[p] - b.history[p]).abs()
        same &= a.history[p] == b.history[p]
        worst = max(worst, float(diff.max()))
    return Comparison(table, int(same.sum()), len(table), worst)


def manual_vs_optimizer(s: Settings) -> Comparison:
    """Lesson 1's hand-written update against lesson 2's optimizer.step(), same data and start."""
    opt = lesson(2).train(s)
    # Lesson 1 draws its start with shape (1,), lesson 2 with shape (): start both at lesson 2's w.
    manual = lesson(1).train(s.replace(lesson=1, init_w=opt.initial["w"]))
    return compare(manual, opt, "w -= lr·grad", "optimizer.step()")


def class_vs_linear(s: Settings) -> Comparison:
    """Lesson 4's nn.Module subclass against lesson 3's bare nn.Linear, same settings."""
    return compare(lesson(3).train(s.replace(lesson=3)), lesson(4).train(s.replace(lesson=4)),
                   "nn.Linear", "nn.Module class")


def module_structure(run: Run) -> tuple[str, list[tuple[str, tuple[int, ...], float]]]:
    """print(model) for lesson 4's model, and its named parameters (name, shape, final value)."""
    s = run.settings.replace(epochs=1)  # the program's own model: build it, train it one epoch, read its shape
    model = execute(s, Tape(run.settings.params, {}, 1, None))["model"]
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    final = {"lin.weight": run.params["w"], "lin.bias": run.params["b"]}
    return repr(model), [(name, shape, final[name]) for name, shape in shapes.items()]
