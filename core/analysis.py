"""Closed-form facts about the MSE of a line on given data, and a verdict on a run.

Everything here is in float64. The loss is PyTorch's MSELoss: mean((w*x + b - y)**2), no 1/2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from core.lessons import Run
from core.settings import MAX_LR

CONVERGED_TOL = 1e-4  # converged: every parameter within 1e-4 * (1 + |optimum|) of the optimum


@dataclass(frozen=True)
class Optimum:
    """The least-squares line: its parameters (None where not unique) and the minimum loss."""

    params: dict[str, float] | None
    loss: float
    note: str  # empty when unique; otherwise why not, in words

    @property
    def unique(self) -> bool:
        return self.params is not None


@dataclass(frozen=True)
class Curvature:
    """The MSE's Hessian (constant: the loss is quadratic) and the learning rates it implies."""

    hessian: tuple[tuple[float, ...], ...]
    eigenvalues: tuple[float, ...]  # ascending
    lr_critical: float  # 2/λmax: any larger fixed rate diverges
    lr_fastest: float  # 2/(λmax+λmin): the fixed rate that shrinks the slowest direction fastest
    condition: float  # λmax/λmin; inf when a direction is flat

    @property
    def lr_overshoot(self) -> float:
        """1/λmax: above it, each step overshoots the minimum along the steepest direction."""
        return 1 / self.eigenvalues[-1] if self.eigenvalues[-1] > 0 else math.inf

    @property
    def lr_safe(self) -> float:
        """The fastest fixed rate rounded down to two significant digits: stable, and quick."""
        if not math.isfinite(self.lr_fastest) or self.lr_fastest >= MAX_LR:
            return MAX_LR if math.isfinite(self.lr_fastest) else 0.1
        exponent = math.floor(math.log10(self.lr_fastest)) - 1
        return float(f"{math.floor(self.lr_fastest / 10**exponent)}e{exponent}")  # 0.036, not 0.036000000000000004

    def contraction(self, lr: float) -> float:
        """How much one step shrinks the error along the slowest-shrinking direction: max|1 - lr λ|."""
        return max(abs(1 - lr * lam) for lam in self.eigenvalues)


@dataclass(frozen=True)
class Verdict:
    """What a run did, when that became clear, and why, in a sentence or two."""

    kind: str  # one of KINDS
    epoch: int | None  # the epoch where it was decided (1-based); None while still converging
    reason: str


KINDS = ("converged", "still converging", "oscillating", "diverged")


def _t(v: Sequence[float]) -> torch.Tensor:
    return torch.tensor(v, dtype=torch.float64)


def _mse(x: torch.Tensor, y: torch.Tensor, w: float, b: float) -> float:
    return ((w * x + b - y) ** 2).mean().item()


def optimum(x: Sequence[float], y: Sequence[float], bias: bool) -> Optimum:
    """The closed-form least-squares fit of y ≈ w·x (+ b)."""
    X, Y = _t(x), _t(y)
    if not bias:
        sxx = (X * X).sum().item()
        if sxx == 0:
            return Optimum(None, (Y * Y).mean().item(), "Every x is 0, so w has no effect: every w fits equally well.")
        w = (X * Y).sum().item() / sxx
        return Optimum({"w": w}, _mse(X, Y, w, 0.0), "")
    xm, ym = X.mean(), Y.mean()
    var = ((X - xm) ** 2).mean().item()
    if var == 0:
        return Optimum(
            None, ((Y - ym) ** 2).mean().item(),
            f"Every x equals {X[0].item():g}, so any line through ({X[0].item():g}, {ym.item():g}) fits "
            "equally well: the optimum is a whole line of (w, b), not one point.",
        )
    w = (((X - xm) * (Y - ym)).mean() / var).item()
    b = (ym - w * xm).item()
    return Optimum({"w": w, "b": b}, _mse(X, Y, w, b), "")


def curvature(x: Sequence[float], bias: bool) -> Curvature:
    """The Hessian of mean((w·x + b − y)²) and its eigenvalues; it does not depend on y."""
    X = _t(x)
    if bias:
        one = torch.ones((), dtype=X.dtype)
        H = 2 * torch.stack([torch.stack([(X * X).mean(), X.mean()]), torch.stack([X.mean(), one])])
    else:
        H = 2 * (X * X).mean().reshape(1, 1)
    eig = tuple(torch.linalg.eigvalsh(H).clamp(min=0.0).tolist())
    lo, hi = eig[0], eig[-1]
    return Curvature(
        hessian=tuple(tuple(row) for row in H.tolist()),
        eigenvalues=eig,
        lr_critical=2 / hi if hi > 0 else math.inf,
        lr_fastest=2 / (hi + lo) if hi > 0 else math.inf,
        condition=hi / lo if lo > 0 else math.inf,
    )


def distance(params: dict[str, float], opt: Optimum) -> float | None:
    """Euclidean distance from `params` to the optimum, or None where the optimum is not unique."""
    if opt.params is None:
        return None
    return math.sqrt(sum((params[k] - v) ** 2 for k, v in opt.params.items()))


def finite_epochs(run: Run) -> int:
    """How many epochs ran before the loss or a parameter stopped being a finite number."""
    values = run.history.drop(columns="epoch").to_numpy(dtype="float64")
    bad = (~np.isfinite(values)).any(axis=1).nonzero()[0]
    return int(bad[0]) if len(bad) else len(values)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def verdict(run: Run, opt: Optimum | None = None, curv: Curvature | None = None) -> Verdict:
    """Converged, still converging, oscillating or diverged, judged from the run's own history."""
    s = run.settings
    curv = curv or curvature(s.x, s.has_bias)
    opt = opt or optimum(s.x, s.y, s.has_bias)
    h = run.history
    n = len(h)
    rate = (f"The learning rate {_fmt(s.lr)} is above the critical rate 2/λmax = {_fmt(curv.lr_critical)} "
            "for this data, so every step overshoots the minimum by more than it corrects.")

    ok = finite_epochs(run)
    if ok < n:
        why = rate if s.lr > curv.lr_critical else "The numbers grew beyond what float32 can hold."
        return Verdict("diverged", ok + 1, f"The numbers overflowed float32 at epoch {ok + 1}, after {ok:,} finite "
                       f"epochs of {n:,}; the charts stop there. {why}")

    loss = [*h["loss"].tolist(), run.final_loss]
    tail = max(3, n // 10)
    rising = all(b > a for a, b in zip(loss[-tail - 1:-1], loss[-tail:], strict=True))
    if n >= 3 and rising and loss[-1] > min(loss) * (1 + 1e-3) + 1e-12:
        start = len(loss) - 1
        while start > 0 and loss[start - 1] < loss[start]:
            start -= 1
        why = rate if s.lr > curv.lr_critical else ""
        return Verdict("diverged", start + 1, f"The loss grows every epoch from epoch {start + 1} on. {why}".strip())

    names = list(run.params)
    if opt.params is None:
        # loss[k] is the loss after epoch k's update (k = 1..n): judge the loss, as no point is "the" optimum.
        close = [v - opt.loss <= 1e-6 * (1 + opt.loss) for v in loss[1:]]
        if close[-1]:
            at = len(close) - close[::-1].index(False) + 1 if False in close else 1
            return Verdict("converged", at,
                           f"From epoch {at} on the loss is at its minimum {_fmt(opt.loss)}. {opt.note}")
        gap = run.final_loss - opt.loss
        return Verdict("still converging", None, f"The loss is still {_fmt(gap)} above its minimum. {opt.note}")

    err = torch.tensor(h[names].to_numpy(dtype="float64")) - _t([opt.params[k] for k in names])
    tol = torch.tensor([CONVERGED_TOL * (1 + abs(opt.params[k])) for k in names], dtype=torch.float64)
    within = (err.abs() <= tol).all(dim=1)
    if within[-1]:
        outside = (~within).nonzero()
        at = int(outside[-1].item()) + 2 if len(outside) else 1
        return Verdict("converged", at, f"From epoch {at} on, every parameter is within "
                       f"{CONVERGED_TOL:g}·(1 + |optimum|) of the closed-form optimum.")

    half = err[n // 2:]
    if len(half) >= 4:
        flips = (half[1:] * half[:-1] < 0).double().mean(dim=0)
        k = int(flips.argmax())
        if flips[k] >= 0.5:
            first = int(((err[1:, k] * err[:-1, k]) < 0).nonzero()[0].item()) + 2
            return Verdict(
                "oscillating", first,
                f"{names[k]} jumps from one side of its optimum to the other at every step: the rate "
                f"{_fmt(s.lr)} is above 1/λmax = {_fmt(curv.lr_overshoot)}, so each step overshoots. It still "
                f"shrinks, since the rate is below the critical {_fmt(curv.lr_critical)}, but slowly.",
            )

    d = distance(run.params, opt)
    r = curv.contraction(s.lr)
    more = ""
    if 0 < r < 1 and d:
        need = math.log(CONVERGED_TOL / d) / math.log(r)
        if need > 0:
            more = (f" At this rate each step keeps {r:.4g} of the remaining error, "
                    f"so about {math.ceil(need):,} more epochs are needed.")
    return Verdict("still converging", None,
                   f"The loss is still falling; the parameters are {_fmt(d)} from the optimum.{more}")
