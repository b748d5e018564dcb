"""The optimizer race: the lesson's own program, with its optimizer step swapped for another torch.optim one.

Each racer is the lesson's program (core.programs) with one step replaced: the `optimizer` step
builds `torch.optim.<Name>(...)` instead of `torch.optim.SGD(...)`. The autograd lesson has no
optimizer: its hand-written update (`w -= learning_rate * w.grad`) and `w.grad.zero_()` become
`optimizer.step()` and `optimizer.zero_grad()`, and an optimizer step is added before the loop. The
variant runs through core.lessons.execute with the lab's Tape, so its history is recorded exactly
as the lesson's is, and its script (Program.script) runs with plain python and prints its own log.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import analysis
from core.catalog import lesson
from core.lessons import Run, Tape, execute
from core.program import Program, Step
from core.settings import MAX_LR, Settings

MAX_EPOCHS_RACE = 5_000


@dataclass(frozen=True)
class Optimizer:
    """A torch.optim optimizer in the race: its code, its default rate, and what it changes, in one line."""

    name: str  # the label in the race
    cls: str  # torch.optim.<cls>
    extra: str  # more constructor arguments, a string.Template over the racer's hyperparameters
    lr: float | None  # its default rate; None: the page's own rate
    differs: str  # the one-line difference from plain SGD's update p ← p − η·g


OPTIMIZERS: tuple[Optimizer, ...] = (
    Optimizer("SGD", "SGD", "", None, "p ← p − η·g: the lesson's own update."),
    Optimizer("Momentum", "SGD", ", momentum=$beta", None,
              "keeps a velocity v ← β·v + g and steps p ← p − η·v: steps grow along a steady slope."),
    Optimizer("Nesterov", "SGD", ", momentum=$beta, nesterov=True", None,
              "momentum that looks ahead: p ← p − η·(g + β·v), which damps the overshoot."),
    Optimizer("RMSprop", "RMSprop", "", 0.05,
              "divides each parameter's step by √(running mean of g²): every direction moves at a similar pace."),
    Optimizer("Adagrad", "Adagrad", "", 0.5,
              "divides by √(sum of all past g²): steps only shrink, large ones first."),
    Optimizer("Adam", "Adam", "", 0.1,
              "momentum on g and RMSprop's scaling on g², both bias-corrected: steps of about η per parameter."),
)
BY_NAME = {o.name: o for o in OPTIMIZERS}
DEFAULT_BETA = 0.9


class RaceError(ValueError):
    """A racer's setting is out of range; `field` names the control it came from."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check(lrs: dict[str, float], beta: float) -> None:
    """RaceError for the first rate outside (0, MAX_LR] or β outside [0, 1)."""
    for name, lr in lrs.items():
        if name not in BY_NAME:
            raise RaceError(name, f"There is no optimizer {name!r} in the race.")
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and 0 < lr <= MAX_LR):
            raise RaceError(name, f"{name}'s learning rate must be greater than 0 and at most {MAX_LR:g}, got {lr}.")
    if not (isinstance(beta, (int, float)) and math.isfinite(beta) and 0 <= beta < 1):
        raise RaceError("beta", f"Momentum β must be at least 0 and below 1, got {beta}.")


def default_lrs(s: Settings) -> dict[str, float]:
    """Each racer's default rate: the page's own for the SGD family, a usual value for the adaptive ones."""
    return {o.name: float(s.lr) if o.lr is None else o.lr for o in OPTIMIZERS}


def constructor(opt: Optimizer, params: str, beta: float) -> str:
    """The line's right-hand side: `torch.optim.<cls>(<params>, learning_rate, ...)`."""
    extra = opt.extra.replace("$beta", repr(float(beta)))
    return f"torch.optim.{opt.cls}({params}, learning_rate{extra})"


def variant(lesson_key: int | str, name: str, beta: float = DEFAULT_BETA) -> Program:
    """The lesson's program with `name`'s optimizer in place of its own update."""
    les = lesson(lesson_key)
    opt = BY_NAME[name]
    steps = list(les.program.steps)
    has_optimizer = any(st.role == "optimizer" for st in steps)
    note = f"# Optimizer race: {opt.name} ({constructor(opt, '...', beta)})\n# {opt.name} {opt.differs}\n"
    if not has_optimizer:
        note += ("# This lesson has no optimizer: its hand-written update and w.grad.zero_() are replaced\n"
                 "# by optimizer.step() and optimizer.zero_grad().\n")
    note += "\n"
    out: list[Step] = []
    for st in steps:
        if st.role == "optimizer":
            # The lesson's own line names the parameters it trains: keep them, swap the class.
            m = re.search(r"torch\.optim\.SGD\((.*), learning_rate\)", st.code)
            params = m.group(1) if m else les.program.params
            st = dataclasses.replace(st, code=st.code.replace(m.group(0), constructor(opt, params, beta)), run=None)
        elif not has_optimizer and st.role == "loop":
            out.append(Step("optimizer", f"optimizer = {constructor(opt, les.program.params, beta)}\n\n"))
        elif not has_optimizer and st.role == "update":
            st = Step("update", "    optimizer.step()\n\n")
        elif not has_optimizer and st.role == "zero_grad":
            st = Step("zero_grad", "    optimizer.zero_grad()\n\n")
        out.append(st)
        if st.role == "setup" and st is steps[0]:
            out.append(Step("setup", note, run=""))  # shown, and says what changed; nothing to execute
    return dataclasses.replace(les.program, steps=tuple(out))


def script(s: Settings, name: str, beta: float = DEFAULT_BETA) -> str:
    """The runnable script of `name`'s racer with settings `s` (its own rate in s.lr): it prints its own log."""
    return variant(s.lesson, name, beta).script(s)


def run(s: Settings, name: str, beta: float = DEFAULT_BETA) -> Run:
    """Run the lesson's program with `name`'s optimizer at rate s.lr, recorded by the lab's Tape."""
    les = lesson(s.lesson)
    tape = Tape(les.params, s.epochs, None)
    execute(s, tape, variant(s.lesson, name, beta))
    return tape.run(s)


@dataclass(frozen=True, eq=False)
class Race:
    """Every racer's run on the same data and start, and the table that compares them."""

    runs: dict[str, Run]
    table: pd.DataFrame  # optimizer, lr, final loss, distance to optimum, epochs to converge, verdict
    beta: float


def race(s: Settings, lrs: dict[str, float] | None = None, beta: float = DEFAULT_BETA) -> Race:
    """Run every optimizer (its rate from `lrs`, default default_lrs) on the settings' data and start."""
    lrs = {**default_lrs(s), **(lrs or {})}
    check(lrs, beta)
    les = lesson(s.lesson)
    opt = analysis.optimum(s.x, s.y, les.has_bias)
    runs: dict[str, Run] = {}
    rows = []
    for o in OPTIMIZERS:
        r = run(s.replace(lr=float(lrs[o.name])), o.name, beta)
        runs[o.name] = r
        finite = analysis.finite_epochs(r) == len(r.history)
        d = analysis.distance(r.params, opt) if finite else None
        since = converged_from(r, opt) if finite else None
        rows.append({"optimizer": o.name, "lr": r.settings.lr, "final loss": r.final_loss,
                     "distance to optimum": math.nan if d is None else d,
                     "epochs to converge": math.nan if since is None else float(since),
                     "outcome": _outcome(finite, since, len(r.history))})
    return Race(runs, pd.DataFrame(rows), beta)


def converged_from(r: Run, opt: analysis.Optimum) -> int | None:
    """The epoch from which every parameter stays within the verdict's tolerance of the optimum; None if never.

    Read off the trajectory alone: the verdict's theory (1 − ηλ per step) is fixed-rate gradient
    descent's, and says nothing true about momentum or the adaptive optimizers.
    """
    if opt.params is None:
        return None
    tol = analysis.tolerance(opt)
    inside = np.ones(len(r.history), dtype=bool)
    for p, star in opt.params.items():
        inside &= np.abs(r.history[p].to_numpy(dtype=float) - star) <= tol[p]
    if not len(inside) or not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return int(outside[-1]) + 2 if len(outside) else 1


def _outcome(finite: bool, since: int | None, epochs: int) -> str:
    if not finite:
        return "overflowed"
    return f"converged at epoch {since:,}" if since is not None else f"not within tolerance after {epochs:,} epochs"


def momentum_bound(lam_max: float, beta: float) -> float:
    """The largest stable rate of heavy-ball momentum on a quadratic of top curvature λmax: (2 + 2β)/λmax.

    Heavy ball, v ← βv + g, p ← p − ηv, is stable along an eigendirection iff 0 < ηλ < 2 + 2β; plain
    gradient descent (β = 0) gives back 2/λmax.
    """
    return (2 + 2 * beta) / lam_max if lam_max > 0 else math.inf
