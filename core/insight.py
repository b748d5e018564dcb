"""The numbers behind each lesson's own point, computed from runs so the page can show them live."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
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
    identical_epochs: int  # epochs in which every parameter is bit-for-bit equal (NaN = NaN counts as equal)
    epochs: int
    max_difference: float  # the largest |difference| of any parameter over epochs where both are finite
    first_difference: int | None = None  # the first epoch (1-based) in which they differ; None if never
    nonfinite_epochs: int = 0  # epochs in which either run holds inf or nan (overflow, not rounding)
    first_nonfinite: int | None = None  # the first such epoch

    @property
    def identical(self) -> bool:
        return self.identical_epochs == self.epochs


def compare(a: Run, b: Run, label_a: str, label_b: str) -> Comparison:
    """Put two runs' parameters side by side: where they are equal (NaN = NaN), and how far apart when finite."""
    names = [p for p in a.params if p in b.params]
    table = pd.DataFrame({"epoch": a.history["epoch"]})
    same = np.ones(len(table), dtype=bool)
    nonfinite = np.zeros(len(table), dtype=bool)
    worst = 0.0
    for p in names:
        table[f"{p} ({label_a})"] = a.history[p]
        table[f"{p} ({label_b})"] = b.history[p]
        va, vb = a.history[p].to_numpy(dtype=np.float64), b.history[p].to_numpy(dtype=np.float64)
        same &= (va == vb) | (np.isnan(va) & np.isnan(vb))
        finite = np.isfinite(va) & np.isfinite(vb)
        nonfinite |= ~finite
        if finite.any():
            worst = max(worst, float(np.abs(va[finite] - vb[finite]).max()))
    differ = np.nonzero(~same)[0]
    bad = np.nonzero(nonfinite)[0]
    return Comparison(table, int(same.sum()), len(table), worst,
                      int(differ[0]) + 1 if len(differ) else None, int(nonfinite.sum()),
                      int(bad[0]) + 1 if len(bad) else None)


@dataclass(frozen=True)
class UpdateCheck:
    """At the first epoch where lesson 1's and lesson 2's w differ: the same start, and where they part."""

    epoch: int  # 1-based
    w: float  # w before that epoch's update, the same in both runs
    grad_manual: float  # Loss.backward() with ((y - y_pred)**2).mean()
    grad_optimizer: float  # Loss.backward() with torch.nn.MSELoss()
    manual_update: float  # w after `w -= lr * w.grad`, applied to grad_optimizer
    sgd_update: float  # w after torch.optim.SGD's step on grad_optimizer

    @property
    def same_gradient(self) -> bool:
        return self.grad_manual == self.grad_optimizer

    @property
    def same_update(self) -> bool:
        return self.manual_update == self.sgd_update


def one_update(w: float, grad: float, lr: float) -> tuple[float, float]:
    """One float32 step from the same w on the same gradient: lesson 1's `w -= lr * w.grad`, then SGD's step."""
    manual = torch.tensor([w], dtype=torch.float32)
    with torch.no_grad():
        manual -= lr * torch.tensor([grad], dtype=torch.float32)  # rounds lr·grad to float32, then subtracts
    p = torch.tensor(w, dtype=torch.float32, requires_grad=True)
    p.grad = torch.tensor(grad, dtype=torch.float32)
    torch.optim.SGD([p], lr).step()  # add_(grad, alpha=-lr): one rounding
    return manual.item(), p.item()


def update_check(s: Settings, cmp: Comparison | None = None, pair: tuple[Run, Run] | None = None,
                 ) -> UpdateCheck | None:
    """Test what makes lesson 1's update and optimizer.step() part ways; None if they never do while finite."""
    manual, opt = pair or manual_and_optimizer(s)
    cmp = cmp or compare(manual, opt, *LABELS)
    k = cmp.first_difference
    if k is None:
        return None
    row_m, row_o = manual.history.iloc[k - 1], opt.history.iloc[k - 1]
    w = float(row_o["w_before"])
    if not (math.isfinite(w) and math.isfinite(float(row_o["grad_w"]))) or float(row_m["w_before"]) != w:
        return None  # they part only after an overflow: nothing finite to compare
    mu, su = one_update(w, float(row_o["grad_w"]), s.lr)
    return UpdateCheck(k, w, float(row_m["grad_w"]), float(row_o["grad_w"]), mu, su)


def _run_as(slug: str, s: Settings, **changes) -> Run:
    """The lesson named `slug` run with the data and settings of `s`."""
    les = lesson(slug)
    return les.train(s.replace(lesson=les.number, **changes))


LABELS = ("w -= lr·grad", "optimizer.step()")


def manual_and_optimizer(s: Settings) -> tuple[Run, Run]:
    """The autograd lesson's hand-written update and the optimizer lesson's SGD, same data and start."""
    opt = _run_as("optimizer", s)
    # The autograd lesson draws its start with shape (1,), the optimizer lesson with shape (): start both at one w.
    return _run_as("autograd", s, init_w=opt.initial["w"]), opt


def manual_vs_optimizer(s: Settings) -> Comparison:
    """Lesson 1's hand-written update against lesson 2's optimizer.step(), same data and start."""
    return compare(*manual_and_optimizer(s), *LABELS)


def class_vs_linear(s: Settings) -> Comparison:
    """Lesson 4's nn.Module subclass against lesson 3's bare nn.Linear, same settings."""
    return compare(_run_as("linear", s), _run_as("module", s), "nn.Linear", "nn.Module class")


def module_structure(run: Run) -> tuple[str, list[tuple[str, tuple[int, ...], float]]]:
    """print(model) for lesson 4's model, and its named parameters (name, shape, final value)."""
    s = run.settings.replace(epochs=1)  # the program's own model: build it, train it one epoch, read its shape
    model = execute(s, Tape(run.settings.params, 1, None))["model"]
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    final = {"lin.weight": run.params["w"], "lin.bias": run.params["b"]}
    return repr(model), [(name, shape, final[name]) for name, shape in shapes.items()]
