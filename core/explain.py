"""Each lesson's "Look closer" paragraph, written from the run's own facts and chosen by what the run did.

Pure functions returning markdown: no streamlit here. Every number in a sentence is computed from the run,
the closed form (core.analysis) or a comparison (core.insight), and tests/test_explain.py recomputes each one
independently. A paragraph written for one kind of run (say, slow convergence) is never shown for another
(a diverged run is explained as divergence).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.analysis import (
    EPS32,
    Curvature,
    Optimum,
    Verdict,
    curvature,
    epoch_text,
    factor_text,
    number,
    pair_text,
    relation,
)
from core.insight import Comparison, UpdateCheck
from core.lessons import Run

# Below this condition number the bowl is nearly round: the rate, not the data, sets the pace.
ILL_CONDITIONED = 10.0


@dataclass(frozen=True)
class Closer:
    """A "Look closer" section: its title and its markdown body."""

    title: str
    text: str


def keeps_text(f: float) -> str:
    """What share of the error one step keeps: '0.9924', or 'all but 9.6e-13' when it rounds to 1."""
    f = abs(f)
    if f < 1 and f"{f:.4g}" in ("1", "1.000"):
        return f"all but {1 - f:.2g}"
    return f"{f:.4g}"


def min_loss_text(opt: Optimum, y: Sequence[float]) -> str:
    """The minimum possible loss: 0 where the fit is exact and the closed form only shows round-off."""
    scale = float(np.mean(np.square(np.asarray(y, dtype=np.float64)))) or 1.0
    if opt.loss <= 1e-24 * scale:  # float64 round-off of an exact fit: residuals of a few ulps of y, squared
        shown = f" (float64 gives {opt.loss:.3g}, round-off)" if opt.loss else ""
        return f"Minimum possible (closed form): 0 — a line fits every point exactly{shown}"
    return f"Minimum possible (closed form): {opt.loss:.6g}"


def _finite_rows(*cols: pd.Series) -> np.ndarray:
    ok = np.ones(len(cols[0]), dtype=bool)
    for c in cols:
        ok &= np.isfinite(c.to_numpy(dtype=np.float64))
    return ok


def gradient_check(run: Run, table: pd.DataFrame) -> Closer:
    """Lesson 1: autograd's gradient against (2/N)·Σ x(ŷ − y), with overflow named as overflow."""
    auto, formula = table["autograd dL/dw"], table["(2/N)·Σ x(ŷ−y)"]
    loss = run.history["loss"]
    ok = _finite_rows(auto, formula, loss)
    n = len(table)
    title = "Look closer: autograd's gradient is the formula"
    if not ok.any():
        return Closer(title, f"Every one of the {n:,} epochs overflowed float32 (the loss or the gradient is "
                             "inf or nan), so there is no finite gradient to compare with the formula.")
    a, f = auto.to_numpy(dtype=np.float64)[ok], formula.to_numpy(dtype=np.float64)[ok]
    diff = np.abs(a - f)
    worst = float(diff.max())
    rel = float((diff / np.maximum(np.abs(f), np.finfo(np.float64).tiny)).max()) if worst else 0.0
    where = f"in every one of the {n:,} epochs" if ok.all() else f"in each of the {int(ok.sum()):,} finite epochs"
    text = (f"`Loss.backward()` never sees the formula for ∂L/∂w, yet {where} `w.grad` equals (2/N)·Σ x(ŷ − y) "
            f"at the w of that epoch: the largest difference is **{worst:.2g}**")
    if worst == 0:
        text += ", bit for bit."
    elif rel <= 1e-4:
        text += f", at most {rel:.2g} of the gradient's size: float32 rounding."
    else:
        text += f", up to {rel:.2g} of the gradient's size."
    if not ok.all():
        first = int(np.nonzero(~ok)[0][0]) + 1
        text += (f" From epoch {epoch_text(first)} on the loss or the gradient overflowed float32 (inf or nan): "
                 "that is overflow, not rounding, and those epochs are left out.")
    return Closer(title, text)


def optimizer_check(run: Run, cmp: Comparison, check: UpdateCheck | None) -> Closer:
    """Lesson 2: optimizer.step() against lesson 1's `w -= lr * w.grad`; the cause of any difference, tested."""
    title = "Look closer: `optimizer.step()` is lesson 1's update"
    start = (f"Lesson 1's program (`w -= learning_rate * w.grad`) on this data, from the same start "
             f"w = {number(run.initial['w'])}, against `torch.optim.SGD`:")
    nan_note = (f" (from epoch {epoch_text(cmp.first_nonfinite)} on both overflowed float32 to the same inf or nan, "
                "counted as equal)") if cmp.first_nonfinite is not None else ""
    if cmp.identical:
        return Closer(title, f"{start} identical, bit for bit, in all {cmp.epochs:,} epochs{nan_note}.")
    text = (f"{start} bit-for-bit identical in {cmp.identical_epochs:,} of {cmp.epochs:,} epochs (NaN = NaN counts "
            f"as identical); they first differ at epoch {epoch_text(cmp.first_difference)}")
    text += f", and while both are finite they are never more than {cmp.max_difference:.2g} apart."
    if cmp.first_nonfinite is not None:
        text += (f" From epoch {epoch_text(cmp.first_nonfinite)} on at least one run has overflowed float32 "
                 "(inf or nan): that is overflow, not rounding.")
    if check is not None:
        if check.same_gradient and not check.same_update:
            text += (f" The cause is the update, not the loss: at epoch {epoch_text(check.epoch)} both start from "
                     f"w = {check.w!r} and compute the same gradient, bit for bit ({check.grad_optimizer!r}). "
                     "`w -= lr * w.grad` rounds lr·grad to float32 and then subtracts, giving "
                     f"w = {check.manual_update!r}; SGD's `add_(grad, alpha=-lr)` rounds once, giving "
                     f"w = {check.sgd_update!r}.")
        elif not check.same_gradient:
            text += (f" At epoch {epoch_text(check.epoch)} both start from w = {check.w!r}, but the gradients "
                     f"differ ({check.grad_manual!r} by hand, {check.grad_optimizer!r} with `MSELoss`): the two "
                     "losses round in different places.")
    return Closer(title, text)


def module_check(cmp: Comparison) -> Closer:
    """Lesson 4: the nn.Module class against lesson 3's bare nn.Linear (NaN = NaN)."""
    title = "Look closer: a class around nn.Linear changes nothing"
    nan_note = (f" (from epoch {epoch_text(cmp.first_nonfinite)} on both hold the same inf or nan after overflow, "
                "counted as equal)") if cmp.first_nonfinite is not None else ""
    if cmp.identical:
        same = f"identical, bit for bit, in every one of the {cmp.epochs:,} epochs{nan_note}"
    else:
        same = (f"identical in {cmp.identical_epochs:,} of the {cmp.epochs:,} epochs (NaN = NaN counts as "
                f"identical), first differing at epoch {epoch_text(cmp.first_difference)}")
    return Closer(title, f"Lesson 3's bare `nn.Linear` with the same settings gives parameters {same}: the class "
                         "only gives the model a name and a `forward()`.")


def side_changes(run: Run, opt: Optimum, p: str) -> tuple[int, int]:
    """Steps in which parameter p crossed to the other side of its optimum, of the steps above float32 noise."""
    h = run.history
    v = np.array([run.initial[p], *h[p].to_numpy(dtype=np.float64)])
    v = v[np.isfinite(v)]
    e = v - opt.params[p]
    noise = 16 * EPS32 * (1 + np.abs(v))
    big = (np.abs(e[:-1]) > noise[:-1]) & (np.abs(e[1:]) > noise[1:])
    return int(np.sum(big & (e[:-1] * e[1:] < 0))), int(big.sum())


def conditioning(run: Run, opt: Optimum, curv: Curvature, verdict: Verdict) -> Closer:
    """Lesson 3: what the curvature of the bowl does to this run, chosen by the run's class."""
    s = run.settings
    if opt.params is None or len(curv.eigenvalues) != 2:
        return Closer("Look closer: no single optimum", opt.note)
    lo, hi = curv.eigenvalues
    flat, steep = curv.eigenvectors
    f_lo, f_hi = 1 - s.lr * lo, 1 - s.lr * hi
    names = ("w", "b")
    flat_moves = _moves(flat, names)
    steep_moves = _moves(steep, names)
    bowl = (f"The loss is a bowl in (w, b) whose curvature (the Hessian's eigenvalues) is λmax = **{number(hi)}** "
            f"along the steep direction ({steep_moves}: eigenvector ({steep[0]:.2f}, {steep[1]:.2f})) and "
            f"λmin = **{number(lo)}** along the flat one ({flat_moves}: ({flat[0]:.2f}, {flat[1]:.2f})): a "
            f"condition number κ = **{curv.condition:.3g}**. Each step multiplies the error along each direction "
            f"by 1 − ηλ.")
    rate, crit = pair_text(s.lr, curv.lr_critical)
    kind = verdict.kind
    if kind in ("overflowed", "diverging"):
        what = "overflowed float32" if kind == "overflowed" else "diverges"
        return Closer("Look closer: why this run diverges", (
            f"{bowl} At the rate {rate}, {relation(s.lr, curv.lr_critical)} 2/λmax = **{crit}**, the steep "
            f"factor is 1 − η·λmax = **{factor_text(f_hi)}**: each step flips the error along the steep direction "
            f"and multiplies its size by {factor_text(abs(f_hi))}, so the run {what}. This is divergence, not slow "
            f"convergence: any rate below 2/λmax is stable."))
    if kind == "on the edge":
        return Closer("Look closer: the edge of stability", (
            f"{bowl} At the rate {rate}, equal to 2/λmax = **{crit}** to float rounding, the steep factor is "
            f"1 − η·λmax = −1: the error along the steep direction flips sign each step and keeps its size, while "
            f"along the flat direction each step keeps {keeps_text(f_lo)} of it. Any rate below 2/λmax converges."))
    parts = [bowl]
    parts.append(f"At the rate {number(s.lr)} the flat direction's factor is 1 − η·λmin = {factor_text(f_lo)} "
                 f"(each epoch keeps {keeps_text(f_lo)} of its error) and the steep direction's is "
                 f"{factor_text(f_hi)}.")
    if f_hi < 0:
        p = names[int(np.argmax(np.abs(steep)))]
        k, m = side_changes(run, opt, p)
        if m and k == m:
            parts.append(f"The steep factor is negative, and {p} jumps to the other side of its optimum at every "
                         f"one of the {m:,} steps where its error is above float32 noise.")
        elif k:
            parts.append(f"The steep factor is negative: {p} jumps to the other side of its optimum in {k:,} of "
                         f"{m:,} steps ({100 * k / m:.0f}%).")
    if kind == "stalled":
        parts.append(f"Float32 stopped this run at epoch {epoch_text(verdict.epoch)} before it reached the optimum: "
                     "near it, the flat direction's updates are smaller than the gap between neighbouring float32 "
                     "numbers at the parameters, so they round away. A flatter λmin means smaller updates there.")
        title = "Look closer: float32 stopped the flat direction"
    else:
        fast = curv.contraction(curv.lr_fastest)
        if curv.condition >= ILL_CONDITIONED:
            parts.append(f"Even the fastest fixed rate, 2/(λmax+λmin) = {number(curv.lr_fastest)}, keeps "
                         f"{keeps_text(fast)} of the error per epoch along the flat direction: the data (κ = "
                         f"{curv.condition:.3g}), not the rate, is the limit. This is why optimizers with momentum "
                         "or per-parameter rates (Adam) exist, and why inputs are usually centred and scaled.")
        else:
            faster = (f"a rate up to 2/(λmax+λmin) = {number(curv.lr_fastest)} would keep only {keeps_text(fast)}"
                      if s.lr < curv.lr_fastest else
                      f"this rate is at or above the fastest fixed rate 2/(λmax+λmin) = {number(curv.lr_fastest)}")
            parts.append(f"With κ = {curv.condition:.3g} the bowl is nearly round: the rate, not the data, sets the "
                         f"pace; {faster}.")
        err = {p: abs(run.params[p] - opt.params[p]) for p in names}
        tol = verdict.tolerance
        if kind == "converged":
            parts.append(f"It converged at epoch {epoch_text(verdict.epoch)}: w = {number(run.params['w'])}, "
                         f"b = {number(run.params['b'])} (w* = {number(opt.params['w'])}, "
                         f"b* = {number(opt.params['b'])}).")
            title = "Look closer: the flat direction sets the pace"
        else:
            far = [p for p in names if err[p] > tol.get(p, 0)]
            outside = "; ".join(f"{p} is {number(err[p], 2)} from {p}*, tolerance {number(tol[p], 2)}" for p in far)
            parts.append(f"After {s.epochs:,} epochs w = {number(run.params['w'])}, b = {number(run.params['b'])} "
                         f"(w* = {number(opt.params['w'])}, b* = {number(opt.params['b'])})"
                         + (f": still outside the tolerance ({outside})." if far else "."))
            title = "Look closer: what sets the pace"
    return Closer(title, " ".join(parts))


def _moves(v: Sequence[float], names: Sequence[str]) -> str:
    shares = [c * c for c in v]
    k = int(np.argmax(shares))
    if shares[k] == 1.0:
        return f"only {names[k]}"
    if math.isclose(shares[0], shares[1], rel_tol=1e-9):
        return "w and b equally"
    return f"mostly {names[k]}"


def scaling_note(x_before: Sequence[float], x_after: Sequence[float], bias: bool) -> str:
    """How rescaling x changes the curvature, computed from the data (not assumed to be a square law)."""
    a, b = curvature(x_before, bias), curvature(x_after, bias)
    if not bias:
        growth = b.eigenvalues[-1] / a.eigenvalues[-1]
        return (f"The curvature λ = 2·mean(x²) grows {growth:.3g}-fold (from {number(a.eigenvalues[-1])} to "
                f"{number(b.eigenvalues[-1])}), so the critical rate 2/λ falls from {number(a.lr_critical)} to "
                f"{number(b.lr_critical)}.")
    (lo_a, hi_a), (lo_b, hi_b) = a.eigenvalues, b.eigenvalues
    return (f"λmax grows ×{hi_b / hi_a:.3g} (from {number(hi_a)} to {number(hi_b)}) and λmin ×{lo_b / lo_a:.3g}, "
            f"so the condition number goes from {a.condition:.3g} to {b.condition:,.4g} and the critical rate "
            f"2/λmax falls from {number(a.lr_critical)} to {number(b.lr_critical)}.")
