"""K learning rates as one batched tensor program: every parameter carries a leading dimension K.

One forward, one backward (the chain rule autograd applies, written out) and one update per epoch
serve all K runs, and each of the K rows does the arithmetic of the lesson's own program at its rate,
read from the lesson's spec (never from its number):
- the data is a row or a column (`program.columns`); the model is w·x, plus b when `params` has one;
- the update is the program's own: with an `optimizer` step it is torch.optim.SGD's
  `p.add_(grad, alpha=-lr)`, one rounding of p − lr·grad (a fused multiply-add on this CPU);
  without one it is the hand-written `w -= lr * w.grad`, which rounds lr·grad to float32 first.
The start is the lesson's own: one epoch of its program gives the parameters it starts from.
The verdict on each row is core.analysis's own: `analysis.read` takes the K histories as arrays and
decides every row at once, and `analysis.verdict` is that same reading for one run (K = 1), put into
words. `runs` turns the rows into `core.lessons.Run`s with the Tape's history columns (for tests and
for a row's full verdict); the table needs no Run and no DataFrame per rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from core import analysis
from core.catalog import Lesson, lesson
from core.lessons import Run
from core.settings import MAX_LR, Settings

MAX_RATES = 1_000


class SweepError(ValueError):
    """The rates asked for cannot be swept; the message says why, for the control that set them."""


def check_rates(lrs: Sequence[float]) -> list[float]:
    """The rates as floats, or SweepError: 1 to MAX_RATES of them, each finite, > 0 and at most MAX_LR."""
    try:
        rates = [float(v) for v in lrs]
    except (TypeError, ValueError):
        raise SweepError("The learning rates must be numbers.") from None
    if not 1 <= len(rates) <= MAX_RATES:
        raise SweepError(f"Sweep 1 to {MAX_RATES:,} learning rates, not {len(rates):,}.")
    for v in rates:
        if not (math.isfinite(v) and 0 < v <= MAX_LR):
            raise SweepError(f"Every learning rate must be greater than 0 and at most {MAX_LR:g}, got {v}.")
    return rates


def log_rates(lo: float, hi: float, k: int) -> list[float]:
    """k rates log-spaced from lo to hi (both included), or SweepError saying which bound is wrong."""
    for name, v in (("lowest", lo), ("highest", hi)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= MAX_LR):
            raise SweepError(f"The {name} rate must be greater than 0 and at most {MAX_LR:g}, got {v}.")
    if not (isinstance(k, int) and 1 <= k <= MAX_RATES):
        raise SweepError(f"The number of rates must be a whole number from 1 to {MAX_RATES:,}, got {k}.")
    if lo >= hi and k > 1:
        raise SweepError(f"The lowest rate ({lo:g}) must be below the highest ({hi:g}).")
    if k == 1:
        return [float(lo)]
    return [float(v) for v in np.geomspace(lo, hi, k)]


SEQUENTIAL_UP_TO = 64  # points: up to here dL/dw of nn.Linear is summed exactly in the lesson's order


def _in_order(products: torch.Tensor) -> torch.Tensor:
    """Row sums of a (K, N) float32 tensor, added left to right in float32 (a (K, 1) tensor).

    The lesson's one-row matrix product (MKL's dot) adds its products in this order, for any N.
    torch's own sum (and the batched matrix product, which fuses multiply and add from 8 rows on)
    add in other orders, so the results drift apart in the last bit. Past SEQUENTIAL_UP_TO points the
    loop would cost more than the whole sweep: there torch's sum is used, within float32 rounding.
    """
    n = products.shape[1]
    if n > SEQUENTIAL_UP_TO:
        return products.sum(dim=1, keepdim=True)
    if n == 1:
        return products
    cols = products.unbind(1)  # one call for the N column views (slicing each costs a call per epoch)
    acc = cols[0] + cols[1]
    for col in cols[2:]:
        acc += col
    return acc[:, None]


def _summed(products: torch.Tensor) -> torch.Tensor:
    """Row sums as autograd reduces a broadcast product (w·x with w of one element) to w's shape."""
    return products.sum(dim=1, keepdim=True)


def _roles(les: Lesson) -> set[str]:
    return {st.role for st in les.program.steps}


def start(s: Settings) -> dict[str, float]:
    """Where the lesson's program starts with these settings: one epoch of the program itself."""
    return lesson(s.lesson).train(s.replace(epochs=1, log_every=1)).initial


def batched(s: Settings, lrs: Sequence[float]) -> dict[str, np.ndarray]:
    """Run lesson `s.lesson` at every rate in `lrs` at once; arrays of shape (epochs, K), and the finals (K,).

    Keys: loss, <p>, grad_<p> per epoch (as the Tape records them), and final_loss, prediction.
    """
    les = lesson(s.lesson)
    rates = check_rates(lrs)
    k, n_epochs = len(rates), int(s.epochs)
    names = les.params
    init = start(s)
    f32 = torch.float32
    x = torch.tensor(s.x, dtype=f32)
    y = torch.tensor(s.y, dtype=f32)
    # One row of parameters per rate; the data broadcasts along the rates.
    p = {name: torch.full((k, 1), init[name], dtype=f32) for name in names}
    lr32 = torch.tensor(rates, dtype=f32)[:, None]  # torch rounds a Python rate to float32 in both updates
    minus_lr = (-lr32).double()
    fused = "optimizer" in _roles(les)
    in_order = _in_order if les.program.columns else _summed  # nn.Linear's matrix product, or autograd's sum
    two_over_n = torch.tensor(2 / len(s.x), dtype=f32)

    def predict(xs: torch.Tensor) -> torch.Tensor:
        return p["w"] * xs + p["b"] if "b" in p else p["w"] * xs  # (K, N): one row per rate

    losses: list[torch.Tensor] = []
    history: dict[str, list[torch.Tensor]] = {f"{kind}{name}": [] for name in names for kind in ("", "grad_")}
    for _ in range(n_epochs):
        # forward and loss: MSE = mean((y - ŷ)²), one value per rate
        y_pred = predict(x)
        diff = y - y_pred
        losses.append((diff**2).mean(dim=1))
        # backward: the chain rule autograd applies to this graph, in its order of roundings.
        # dL/dŷ = (2/N)(ŷ - y), as MSELoss's backward (and the hand-written loss's) computes it.
        g = two_over_n * (y_pred - y)
        grads = {"w": in_order(g * x)}
        if "b" in p:
            grads["b"] = g.sum(dim=1, keepdim=True)
        # update: each rate's own step, as the lesson's program does it
        for name, grad in grads.items():
            if fused:
                # optimizer.step(): p.add_(grad, alpha=-lr), one rounding of p - lr*grad. In float64 the
                # product of two float32 numbers is exact, so only the sum is rounded (then to float32).
                p[name] = torch.addcmul(p[name].double(), minus_lr, grad.double()).to(f32)
            else:
                p[name] = p[name] - lr32 * grad  # w -= learning_rate * w.grad: lr*grad rounded first
            history[name].append(p[name])
            history[f"grad_{name}"].append(grad)
    final = ((y - predict(x)) ** 2).mean(dim=1)
    pred = predict(torch.tensor([float(s.predict)], dtype=f32))
    out = {"loss": torch.stack(losses).numpy(), "final_loss": final.numpy().astype(np.float64),
           "prediction": pred[:, 0].numpy().astype(np.float64), "initial": init}
    for key, values in history.items():
        out[key] = torch.cat(values, dim=1).T.numpy()  # (epochs, K)
    return out


def runs(s: Settings, lrs: Sequence[float]) -> list[Run]:
    """One core.lessons.Run per rate, as the lesson's program would have recorded it (no console lines)."""
    rates = check_rates(lrs)
    b = batched(s, rates)
    names = lesson(s.lesson).params
    epochs = np.arange(1, int(s.epochs) + 1)
    out = []
    for i, lr in enumerate(rates):
        columns: dict[str, np.ndarray] = {"epoch": epochs, "loss": b["loss"][:, i].astype(np.float64)}
        for name in names:
            values = b[name][:, i].astype(np.float64)
            columns[f"{name}_before"] = np.r_[b["initial"][name], values[:-1]]
            columns[name] = values
            columns[f"grad_{name}"] = b[f"grad_{name}"][:, i].astype(np.float64)
        out.append(Run(settings=s.replace(lr=lr), history=pd.DataFrame(columns), initial=dict(b["initial"]),
                       params={name: float(b[name][-1, i]) for name in names},
                       final_loss=float(b["final_loss"][i]), prediction=float(b["prediction"][i]), log_lines=()))
    return out


READ_AT_ONCE = 250_000  # rates × epochs whose verdicts are read in one go: bounds the memory of long sweeps


def read(s: Settings, rates: list[float], out: dict[str, np.ndarray], rows: slice,
              b: analysis.Basis) -> analysis.Readings:
    """analysis.read for the runs `rows` of a batched sweep, straight from its arrays (no Run, no DataFrame)."""
    names = lesson(s.lesson).params
    k = len(rates[rows])
    theta = np.empty((k, int(s.epochs) + 1, len(names)))
    for j, name in enumerate(names):
        theta[:, 0, j] = out["initial"][name]
        theta[:, 1:, j] = out[name][:, rows].T
    # The Run's history columns but the epoch: finite_epochs reads the same (a _before column repeats its parameter)
    columns = np.stack([out[key][:, rows] for key in ("loss", *(f"{kind}{name}" for name in names
                                                                  for kind in ("", "grad_")))], axis=2)
    return analysis.read(b, rates[rows], theta, out["loss"][:, rows].T.astype(np.float64), out["final_loss"][rows],
                         analysis.finite_rows(columns.swapaxes(0, 1)))


def table(s: Settings, lrs: Sequence[float]) -> pd.DataFrame:
    """One row per rate, in the order given: lr, final_loss, the final parameters, verdict, epochs_to_converge.

    The verdict is core.analysis's own (`read`, which `verdict` calls for one run), for all K runs at once.
    """
    les = lesson(s.lesson)
    rates = check_rates(lrs)
    out = batched(s, rates)
    b = analysis.basis(s)
    kind, epoch = [], []
    step = max(1, READ_AT_ONCE // (int(s.epochs) + 1))
    for lo in range(0, len(rates), step):
        r = read(s, rates, out, slice(lo, lo + step), b)
        kind.append(r.kind)
        epoch.append(np.where(r.kind == "converged", r.epoch, np.nan))
    columns = {"lr": rates, "final_loss": out["final_loss"],
               **{name: out[name][-1].astype(np.float64) for name in les.params},
               "verdict": np.concatenate(kind), "epochs_to_converge": np.concatenate(epoch).astype(np.float64)}
    return pd.DataFrame(columns)
