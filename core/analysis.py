"""Closed-form facts about the MSE of a line on given data, and a verdict on a run.

Everything here is in float64. The loss is PyTorch's MSELoss: mean((w*x + b - y)**2), no 1/2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from core.lessons import Run
from core.settings import MAX_LR

# The one convergence tolerance: every parameter within CONVERGED_TOL·(1 + |optimum|) of the optimum.
# "Converged" and the "about N more epochs" estimate both use it; TOLERANCE_TEXT is how the page states it.
CONVERGED_TOL = 1e-4
TOLERANCE_TEXT = "1e-4·(1 + |optimum|) per parameter"


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

    @property
    def eigenvectors(self) -> tuple[tuple[float, ...], ...]:
        """Unit eigenvectors in (w[, b]) order, one per eigenvalue (ascending), largest component positive."""
        vals, vecs = np.linalg.eigh(np.array(self.hessian, dtype=np.float64))
        out = []
        for i in range(len(vals)):
            v = vecs[:, i]
            v = v if v[np.argmax(np.abs(v))] > 0 else -v
            out.append(tuple(float(c) for c in v))
        return tuple(out)

    def contraction(self, lr: float) -> float:
        """How much one step shrinks the error along the slowest-shrinking direction: max|1 - lr λ|."""
        return max(abs(1 - lr * lam) for lam in self.eigenvalues)


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


def finite_rows(values: np.ndarray) -> np.ndarray:
    """Per run (the leading axis of a (K, epochs, columns) array), how many rows come before the first inf or nan."""
    bad = ~np.isfinite(values).all(axis=2)
    return np.where(bad.any(axis=1), bad.argmax(axis=1), values.shape[1])


def finite_epochs(run: Run) -> int:
    """How many epochs ran before the loss or a parameter stopped being a finite number."""
    values = run.history.to_numpy(dtype="float64")[:, 1:]  # every column but the epoch (DataFrame.drop is slow)
    return int(finite_rows(values[None])[0])


# ---------------------------------------------------------------------------------------------- the verdict
#
# For fixed-rate gradient descent on this quadratic loss the update is θ ← θ − ηH(θ − θ*), so the error's
# component along each eigenvector of H is multiplied by exactly (1 − ηλ) per step. The verdict states that
# (the theory, in float64) and checks it against what the float32 run did; where they differ it says so.

KINDS = ("converged", "converging", "on the edge", "diverging", "stalled", "overflowed")
EPS32 = 2.0**-24  # float32's unit roundoff: a rate stored in float32 is off by up to this, relatively
# η·λmax within two float32 steps of 2 is "equal to 2 to float rounding": the steep error keeps its size.
EDGE_TOL = 2 * 2.0**-22
# A factor 1 − ηλ within this of 0 or ±1 is 0 or ±1 to float64 rounding: λ comes from sums of the data and η·λ
# near 1 or 2 is off by a few units in the last place (2.2e-16 each): '−(1 − 2.2e-16)' would print noise.
F64_NOISE = 8 * 2.0**-52


@dataclass(frozen=True)
class Direction:
    """One eigen-direction of the Hessian and what the run did along it."""

    names: tuple[str, ...]  # the parameters, in the order of `vector`
    eigenvalue: float
    vector: tuple[float, ...]  # unit eigenvector, largest component positive
    factor: float  # 1 − ηλ: what each step multiplies the error along this direction by
    start: float  # the error's component along it before the first update
    end: float  # ... after the last finite epoch
    sign_changes: int  # steps in which that component changed sign (both ends above float32 noise)
    steps: int  # steps in which both ends were above float32 noise

    @property
    def moves(self) -> str:
        """Which parameter this direction mostly moves, from the eigenvector: 'only w', 'mostly b', ..."""
        if len(self.vector) == 1:
            return f"only {self.names[0]}"
        shares = [c * c for c in self.vector]
        k = int(np.argmax(shares))
        if shares[k] == 1.0:
            return f"only {self.names[k]}"
        if abs(shares[0] - shares[1]) < 1e-9:
            return f"{self.names[0]} and {self.names[1]} equally"
        return f"mostly {self.names[k]}"


@dataclass(frozen=True)
class Verdict:
    """What a run did, when that became clear, and why; every number in it is a fact of the run."""

    kind: str  # one of KINDS
    epoch: int | None  # the epoch where it was decided (1-based); None when no single epoch decides it
    reason: str  # markdown sentences: the why, with the numbers
    headline: str = ""  # the banner's bold text, e.g. "Converged at epoch 8"
    theory: str = ""  # what the rate implies in exact arithmetic: converging, on the edge, diverging, flat
    tolerance: dict[str, float] = field(default_factory=dict)  # per parameter, CONVERGED_TOL·(1 + |optimum|)
    directions: tuple[Direction, ...] = ()  # ascending eigenvalue; empty when the run overflowed at once
    more_epochs: int | None = None  # converging only: float64 estimate with the same tolerance
    overflow: tuple[str, ...] = ()  # overflowed only: what was non-finite first ("loss", "w", "grad_w", ...)


def number(v: float, digits: int = 6) -> str:
    """A number with `digits` significant digits, as the page prints it."""
    return f"{v:.{digits}g}"


def epoch_text(k: int) -> str:
    """An epoch number, one format everywhere (1,173, never 1173 next to 1,173)."""
    return f"{k:,}"


def pair_text(a: float, b: float, digits: int = 6) -> tuple[str, str]:
    """a and b with just enough digits that the printed numbers compare as a and b do (equal only if equal)."""
    for d in range(digits, 18):
        sa, sb = f"{a:.{d}g}", f"{b:.{d}g}"
        fa, fb = float(sa), float(sb)
        if (fa < fb) == (a < b) and (fa > fb) == (a > b) and (fa == fb) == (a == b):
            return sa, sb
    return repr(a), repr(b)


def relation(a: float, b: float) -> str:
    """'above', 'below' or 'equal to', comparing a with b in float64."""
    return "above" if a > b else "below" if a < b else "equal to"


def factor_text(f: float) -> str:
    """A per-step factor 1 − ηλ with enough digits to tell it from ±1: '0.736', '1 − 9.6e-13', '−(1 + 4.8e-06)'."""
    if abs(f) < F64_NOISE:  # 1/λ as the rate: the factor is 0 to float64 rounding
        return "0"
    d = 1 - abs(f)
    if abs(d) < F64_NOISE:  # ηλ is off by a few float64 roundings: digits this small would be noise
        d = 0.0
    if f"{abs(f):.4g}" not in ("1", "1.000") and abs(d) >= 5e-4:
        return f"{f:.4g}".replace("-", "−", 1) if f < 0 else f"{f:.4g}"
    core_ = "1" if d == 0 else f"(1 − {d:.2g})" if d > 0 else f"(1 + {-d:.2g})"
    if f > 0:
        return core_.strip("()")
    return f"−{core_}"


def tolerance(opt: Optimum | dict[str, float]) -> dict[str, float]:
    """The convergence tolerance per parameter: CONVERGED_TOL·(1 + |optimum|)."""
    params = opt.params if isinstance(opt, Optimum) else opt
    return {k: CONVERGED_TOL * (1 + abs(v)) for k, v in (params or {}).items()}


def _reference_point(s, opt: Optimum) -> dict[str, float]:
    """The optimum, or where it is not unique, the least-squares solution of smallest norm."""
    if opt.params is not None:
        return dict(opt.params)
    X = np.array(s.x, dtype=np.float64)
    A = np.stack([X, np.ones_like(X)], axis=1) if s.has_bias else X[:, None]
    sol = np.linalg.lstsq(A, np.array(s.y, dtype=np.float64), rcond=None)[0]
    return dict(zip(("w", "b") if s.has_bias else ("w",), (float(v) for v in sol), strict=True))


def _gap32(v: float) -> float:
    """The distance from float32(v) to the next float32 number away from zero."""
    return float(np.spacing(np.float32(abs(v))))


def _times(a: np.ndarray, M: np.ndarray) -> np.ndarray:
    """a @ M over the last axis, summed in a fixed order: the same bits for one run as for K runs at once.

    (BLAS picks its kernel by the shape, and may round a sum of two products differently.)
    """
    out = a[..., 0, None] * M[0]
    for q in range(1, M.shape[0]):
        out = out + a[..., q, None] * M[q]
    return out


def _last(mask: np.ndarray) -> np.ndarray:
    """Per row of a (K, m) mask, the index of its last True; -1 where there is none."""
    m = mask.shape[1]
    return np.where(mask.any(axis=1), m - 1 - mask[:, ::-1].argmax(axis=1), -1)


@dataclass(frozen=True, eq=False)  # arrays inside: compared by identity
class Basis:
    """What the verdict needs of the data alone, whatever the rate: worked out once for any number of runs."""

    opt: Optimum
    curv: Curvature
    names: tuple[str, ...]
    lam: np.ndarray  # eigenvalues, ascending
    vecs: np.ndarray  # unit eigenvectors as columns, largest component positive
    ref: np.ndarray  # the optimum, or where it is not unique, the least-squares solution of smallest norm
    tol: np.ndarray  # per parameter, CONVERGED_TOL·(1 + |ref|)
    active: np.ndarray  # the directions the loss depends on
    proj: np.ndarray  # projection onto them: the error that counts (across the line of optima where not unique)


def basis(s, opt: Optimum | None = None, curv: Curvature | None = None) -> Basis:
    """The verdict's frame of reference for the data, start and lesson of settings `s` (its lr plays no part)."""
    opt = opt or optimum(s.x, s.y, s.has_bias)
    curv = curv or curvature(s.x, s.has_bias)
    names = tuple(s.params)
    lam = np.array(curv.eigenvalues, dtype=np.float64)
    vecs = np.array(curv.eigenvectors, dtype=np.float64).T
    ref_d = _reference_point(s, opt)
    ref = np.array([ref_d[p] for p in names])
    lam_max = float(lam[-1])
    active = lam > lam_max * 1e-12 if lam_max > 0 else np.zeros(len(lam), dtype=bool)
    return Basis(opt, curv, names, lam, vecs, ref, CONVERGED_TOL * (1 + np.abs(ref)), active,
                 vecs[:, active] @ vecs[:, active].T)


def _theory(lr: np.ndarray, lam_max: float) -> np.ndarray:
    """Per rate, what it implies in exact arithmetic: converging, on the edge, diverging, or flat."""
    if lam_max <= 0:
        return np.full(len(lr), "flat", dtype=object)
    d = lr * lam_max - 2
    return np.where(np.abs(d) <= EDGE_TOL, "on the edge", np.where(d > 0, "diverging", "converging")).astype(object)


def _epochs_to_tolerance(c: np.ndarray, f: np.ndarray, V: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Per run, steps until every parameter is, and stays, within tolerance in exact arithmetic; -1 if never.

    c, f: (K, D) the error along each direction now and its factor per step; V: (P, D) the directions.
    """
    k_runs = len(c)
    weight = np.abs(V[None, :, :] * c[:, None, :])  # |v_ip·c_i|: parameter p's share of direction i's error
    af = np.abs(f)

    def bound_ok(rows: np.ndarray, k: np.ndarray) -> np.ndarray:  # an upper bound on |error_p|, decreasing in k
        with np.errstate(over="ignore", invalid="ignore"):
            power = af[rows] ** k[:, None].astype(np.float64)  # (R, D)
            bound = weight[rows, :, 0] * power[:, None, 0]
            for i in range(1, af.shape[1]):
                bound = bound + weight[rows, :, i] * power[:, None, i]
        return np.all(bound <= tol, axis=1)

    def first_ok(rows: np.ndarray, ks: np.ndarray) -> np.ndarray:
        """Per row, the index of the first of its ks (R, M) where the bound holds; M where none does.

        The bound decreases in k, so this is the k a binary search would find; trying M at once costs one
        vectorised call where a search costs one per halving (~20 for a run ~1,000 steps from the tolerance).
        """
        ok = bound_ok(np.repeat(rows, ks.shape[1]), ks.ravel()).reshape(ks.shape)
        return np.where(ok.any(axis=1), ok.argmax(axis=1), ks.shape[1])

    out = np.full(k_runs, -1, dtype=np.int64)
    rows = np.nonzero(~np.any((af >= 1) & (np.abs(c) > 0), axis=1))[0]  # the error does not grow
    # The first power of two where the bound holds; none up to 2**62: never, in any length that matters.
    powers = np.broadcast_to(np.int64(1) << np.arange(63, dtype=np.int64), (len(rows), 63))
    at = first_ok(rows, powers)
    rows, at = rows[at < 63], at[at < 63]
    top = np.int64(1) << at
    lo = top // 2  # 0, or a power of two where the bound does not hold
    m = max(2, min(64, 4096 // max(len(rows), 1)))  # steps a try: fewer when there are many runs
    j = np.arange(m + 1, dtype=np.int64)[None, :]
    while np.any(lo < top):  # narrow lo..top (the bound holds at top) to the first k where it holds
        span = (top - lo)[:, None]
        ks = lo[:, None] + span // m * j + span % m * j // m  # lo, ..., top in m steps, without overflow
        at = first_ok(rows, ks)
        pick = np.arange(len(rows))
        lo = np.where(at > 0, ks[pick, np.maximum(at - 1, 0)] + 1, lo)
        top = ks[pick, at]
    out[rows] = top  # past 200,000 steps the bound is tight to a step or two; exact steps would cost too much
    # Below that, the exact error after k steps, per parameter: the step after the last k outside, scanning
    # down from the bound's k (every k above it is inside).
    todo = rows[top <= 200_000]
    start = out.copy()
    width = 256
    while len(todo):
        ks = start[todo, None] - np.arange(width)[None, :]  # (R, width), descending
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            steps = f[todo, None, :] ** ks[:, :, None].astype(np.float64) * c[todo, None, :]
            outside = ~np.all(np.abs(_times(steps, V.T)) <= tol, axis=2) & (ks >= 0)
        found = outside.any(axis=1)
        out[todo[found]] = ks[found, outside[found].argmax(axis=1)] + 1
        done = found | (ks[:, -1] <= 0)
        out[todo[done & ~found]] = 0
        start[todo] -= width
        todo = todo[~done]
        width = min(width * 2, max(256, (1 << 20) // max(len(todo), 1)))  # at most about a million steps at once
    return out


def _stall_forecast(lr: np.ndarray, b: Basis) -> np.ndarray:
    """Per rate, how far outside the tolerance float32 is expected to stall: error/tolerance (< 1: inside).

    Approaching along the slowest direction, parameter p freezes once η·|∂L/∂p| is below half the float32
    gap at p; the first to freeze holds the others at their best values given it. A rough figure: the
    verdict only acts on it when it is far from 1.
    """
    H, ref, tol, lam = np.array(b.curv.hessian), b.ref, b.tol, b.lam
    half = np.array([_gap32(r) / 2 for r in ref])
    if len(ref) == 1:
        return half[0] / (lr * H[0, 0]) / tol[0]
    det = float(np.linalg.det(H))
    if det <= 0:
        return np.zeros(len(lr))
    slow = int(np.argmin(np.where(lam > 0, lam, np.inf)))
    v, lam_s = b.vecs[:, slow], lam[slow]
    with np.errstate(divide="ignore"):
        c_freeze = half[None, :] / (lr[:, None] * lam_s * np.abs(v)[None, :])  # |error along it| where p freezes
    p = np.argmax(c_freeze, axis=1)
    q = 1 - p
    e_p = half[p] / (lr * det / H[q, q])  # p's error where even p's Schur-complement gradient rounds away
    e_q = -H[p, q] / H[q, q] * e_p  # the other parameter at its best value given p
    return np.maximum(np.abs(e_p) / tol[p], np.abs(e_q) / tol[q])


@dataclass(frozen=True, eq=False)  # arrays inside: compared by identity
class Readings:
    """What K runs on the same data did, as numbers, one row per run: everything the verdict decides by.

    `read` computes it for K runs at once; `verdict` reads one run (K = 1) and puts its row into words.
    """

    basis: Basis
    lr: np.ndarray  # (K,)
    theta: np.ndarray  # (K, epochs + 1, P): the parameters from the start, after each epoch
    err: np.ndarray  # (K, epochs + 1, P): their error that counts (projected)
    finite: np.ndarray  # (K,) epochs before the first inf or nan
    theory: np.ndarray  # (K,) converging, on the edge, diverging, flat
    kind: np.ndarray  # (K,) one of KINDS
    epoch: np.ndarray  # (K,) the epoch that decided it, 0 where no single epoch decides it
    more: np.ndarray  # (K,) converging: about how many more epochs to the tolerance; -1 where unknown
    forecast: np.ndarray  # (K,) converging: float32's expected stall, error/tolerance (0 where not unique)
    factor: np.ndarray  # (K, D) 1 − ηλ per eigen-direction
    start: np.ndarray  # (K, D) the error along each direction before the first update
    end: np.ndarray  # (K, D) ... after the last finite epoch
    flips: np.ndarray  # (K, D) sign changes above float32 noise
    steps: np.ndarray  # (K, D) steps above float32 noise

    def stall_first(self, i: int) -> bool:
        """Converging, but float32 is expected to stall before the tolerance."""
        return bool(self.forecast[i] > 1.5)

    def more_epochs(self, i: int) -> int | None:
        return int(self.more[i]) if self.more[i] >= 0 else None

    def decided(self, i: int) -> int | None:
        return int(self.epoch[i]) if self.epoch[i] > 0 else None

    def headline(self, i: int) -> str:
        """Run i's banner text: its kind and the number that goes with it."""
        kind, epoch, more = self.kind[i], self.decided(i), self.more_epochs(i)
        if kind == "converging":
            if self.stall_first(i):
                return "Converging, but float32 will stall first"
            return "Converging" if more is None else f"Converging: about {more:,} more epoch{'' if more == 1 else 's'}"
        if kind == "on the edge":
            return "On the edge: the error keeps its size"
        if epoch is None or (kind == "stalled" and self.theory[i] == "flat"):  # flat: no epoch decides it
            return kind.capitalize()
        return {"converged": "Converged at epoch {}", "stalled": "Stalled at epoch {}",
                "diverging": "Diverging from epoch {}", "overflowed": "Overflowed at epoch {}"}[kind].format(
            epoch_text(epoch))

    def directions(self, i: int) -> tuple[Direction, ...]:
        """Run i's eigen-directions, ascending eigenvalue."""
        b = self.basis
        return tuple(Direction(b.names, float(b.lam[j]), tuple(b.vecs[:, j].tolist()), float(self.factor[i, j]),
                               float(self.start[i, j]), float(self.end[i, j]), int(self.flips[i, j]),
                               int(self.steps[i, j])) for j in range(len(b.lam)))


def _growth(losses: np.ndarray) -> np.ndarray:
    """Per run (row), the index from which `losses` grows at every step to its end (its last index if it never does)."""
    return _last(~(losses[:, :-1] < losses[:, 1:])) + 1


def periods(theta: np.ndarray) -> np.ndarray:
    """Per run of theta (K, epochs + 1, P), how many states back the last state last occurred: the period of the
    float32 cycle the run ends in (1: a fixed point), or 0 where the last state is new."""
    n = theta.shape[1] - 1
    back = np.where(np.all(theta[:, :-1] == theta[:, -1:], axis=2), np.arange(n, 0, -1)[None, :], n + 1)
    period = back.min(axis=1, initial=n + 1)
    period[period > n] = 0
    return period


def read(b: Basis, lr, theta: np.ndarray, loss: np.ndarray, final_loss, finite) -> Readings:
    """The verdict's numbers for K runs on the data of `b`, at once.

    lr (K,); theta (K, epochs + 1, P): the start, then the parameters after each epoch; loss (K, epochs):
    each epoch's loss; final_loss (K,): the loss at the final parameters; finite (K,): finite_rows.
    """
    lr = np.asarray(lr, dtype=np.float64)
    final_loss = np.asarray(final_loss, dtype=np.float64)
    finite = np.asarray(finite, dtype=np.int64)
    k_runs, n = len(lr), theta.shape[1] - 1
    rows = np.arange(k_runs)
    theory = _theory(lr, float(b.lam[-1]))
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowed run's rows past its finite epochs
        d = theta - b.ref
        err = _times(d, b.proj)  # error per parameter, k = 0..n (across the line of optima where not unique)
        comps = _times(d, b.vecs)  # error along each eigen-direction
        noise = 16 * EPS32 * (1 + np.abs(theta).max(axis=2))
        a = np.abs(comps)
        big = (a[:, :-1] > noise[:, :-1, None]) & (a[:, 1:] > noise[:, 1:, None])
        big &= (np.arange(1, n + 1)[None, :] <= finite[:, None])[:, :, None]  # both ends finite
        flips = np.sum(big & (comps[:, :-1] * comps[:, 1:] < 0), axis=1)
        within = np.all(np.abs(err) <= b.tol, axis=2)  # k = 0..n
        # Diverging: the loss (and the final loss after it) grows at every epoch from `grows` on.
        grows = _growth(np.concatenate([loss, final_loss[:, None]], axis=1))
    # A float32 fixed point or cycle at the end: the first epoch of it, or 0. Plain gradient descent's next
    # parameters are a function of the current ones alone (no momentum, the same data every step), so a run
    # whose last state equals an earlier one repeats that stretch for ever, whatever its period. The period is
    # the distance to the latest equal state; on different CPUs float32's rounding can land on a fixed point
    # or on a cycle of 5 (tests/test_verdict.py's x = ±1e6 case), so no period is privileged.
    stall = np.zeros(k_runs, dtype=np.int64)
    period = periods(theta)
    for q in np.unique(period[period > 0]):
        rows_q = period == q
        same = np.all(theta[rows_q, q:] == theta[rows_q, :-q], axis=2)  # index j − q: state j repeats j − q
        k = _last(~same) + 1 + q
        stall[rows_q] = k if q == 1 else np.maximum(k - q, 1)  # the first epoch that changed nothing, or repeats

    overflowed = (finite < n) | ~np.isfinite(final_loss)
    converged = ~overflowed & within[:, -1]
    theory_says = [theory == t for t in ("flat", "on the edge", "diverging")]
    stalled = (stall > 0) & ~theory_says[2]
    cases = [overflowed, converged, theory_says[0], theory_says[1], stalled, theory_says[2]]
    kind = np.select(cases, ["overflowed", "converged", "stalled", "on the edge", "stalled", "diverging"],
                     "converging").astype(object)
    epoch = np.select(cases, [np.where(finite < n, finite + 1, n), _last(~within[:, 1:]) + 2, 1, 0, stall,
                              np.where(n - grows >= 2, grows + 1, 0)], 0)

    factor = 1 - lr[:, None] * b.lam[None, :]
    end = comps[rows, finite]
    more = np.full(k_runs, -1, dtype=np.int64)
    forecast = np.zeros(k_runs)
    going = np.nonzero(kind == "converging")[0]
    if len(going) and b.opt.params is not None:
        forecast[going] = _stall_forecast(lr[going], b)
    going = going[~(forecast[going] > 1.5)]
    if len(going):
        act = b.active
        more[going] = _epochs_to_tolerance(end[going][:, act], factor[going][:, act], b.vecs[:, act], b.tol)
    return Readings(b, lr, theta, err, finite, theory, kind, epoch, more, forecast, factor, comps[:, 0], end,
                    flips, big.sum(axis=1))


def _one(run: Run) -> tuple:
    """read()'s arrays for one run (K = 1), from its history."""
    h = run.history
    cols = list(h.columns)
    values = h.to_numpy(dtype=np.float64)
    names = tuple(run.params)
    theta = np.vstack([[run.initial[p] for p in names], values[:, [cols.index(p) for p in names]]])
    return ([run.settings.lr], theta[None], values[None, :, cols.index("loss")], [run.final_loss],
            finite_rows(values[None, :, 1:]))


def verdict(run: Run, opt: Optimum | None = None, curv: Curvature | None = None) -> Verdict:
    """Converged, converging, on the edge, diverging, stalled or overflowed: the theory and the float32 run."""
    b = basis(run.settings, opt, curv)
    return words(run, read(b, *_one(run)), 0)


def words(run: Run, r: Readings, i: int) -> Verdict:
    """Row i of `r`, which is `run`, as a Verdict: its kind and numbers, and the why in sentences."""
    s, b = run.settings, r.basis
    opt, curv = b.opt, b.curv
    theory, kind, epoch = r.theory[i], r.kind[i], r.decided(i)
    tol_d = dict(zip(b.names, b.tol.tolist(), strict=True))
    dirs_t = r.directions(i)
    common = {"theory": theory, "tolerance": tol_d, "directions": dirs_t, "headline": r.headline(i)}
    physics = _physics(s.lr, curv, dirs_t, b.active)
    rate = _rate_text(s.lr, curv)

    if kind == "overflowed":
        return _overflowed(run, int(r.finite[i]), epoch, rate, theory, physics, common)
    if kind == "converged":
        text = (f"From epoch {epoch_text(epoch)} on, every parameter is within the tolerance "
                f"({TOLERANCE_TEXT}: {_tol_list(tol_d)}) of the closed-form optimum"
                + ("." if opt.params is not None else " line: every point on it fits equally well.")
                + f" {physics}")
        if theory == "diverging":
            steep = dirs_t[-1]
            text += (f" The rate is above 2/λmax, so an error along the steep direction would grow; it is "
                     f"{number(abs(steep.end), 2)} here, below the tolerance, and has not grown past it yet.")
        return Verdict("converged", epoch, text.strip(), **common)
    if kind == "stalled" and theory == "flat":  # nothing can move, yet not within tolerance: keep the run's own word
        return Verdict("stalled", epoch, f"The loss does not depend on the parameters here. {opt.note}".strip(),
                       **common)
    if kind == "on the edge":
        return _on_edge(run, dirs_t, rate, physics, common)
    err = r.err[i]
    if kind == "stalled":
        return _stalled(run, r.theta[i], epoch, err, b.tol, physics, common)
    if kind == "diverging":
        return _diverging(run, dirs_t, epoch, rate, physics, common)

    # Converging in theory: say how, and how long it still needs (if float32 will get there).
    parts = []
    d_start = float(np.linalg.norm(err[0]))
    d_now = float(np.linalg.norm(err[-1]))
    where = (f"The parameters are {number(d_now)} from the optimum (they started {number(d_start)} away)"
             if opt.params is not None else
             f"The parameters are {number(d_now)} from the line of optima (they started {number(d_start)} away)")
    parts.append(where + ".")
    parts.append(physics)
    zig = [d for d in dirs_t if d.factor < 0 and d.sign_changes > 0]
    for d in zig:
        parts.append(f"Along the {_dir_name(d, dirs_t)} direction the factor is negative, so the error there "
                     f"changes sign at each step, a damped zigzag: it did in {d.sign_changes:,} of the "
                     f"{d.steps:,} steps where it was above float32 noise.")
    if d_now > d_start * (1 + 1e-6):
        parts.append("Float32 disagrees with the theory here: the error grew over the run although every factor "
                     "is smaller than 1 in size; float32 rounding in the gradient is larger than the steps.")
    more, n = r.more_epochs(i), len(run.history)
    if r.stall_first(i):
        parts.append("Float32 will most likely stall before the tolerance is reached: near the optimum the "
                     "slow direction's updates η·∂L/∂p become smaller than half the gap between neighbouring "
                     "float32 numbers, and adding them rounds back to the same value. More epochs will not "
                     "get it there; a larger rate (below 2/λmax) makes those updates larger.")
    elif more is not None:
        caveat = ("; float32 may stall a little short of it, as its resolution near the optimum is close to "
                  "the tolerance" if r.forecast[i] > 0.67 else "")
        parts.append(f"With the same tolerance ({TOLERANCE_TEXT}), about {more:,} more "
                     f"{'epoch is' if more == 1 else 'epochs are'} needed, "
                     f"converging at about epoch {epoch_text(n + more)}{caveat}.")
    return Verdict("converging", None, " ".join(parts), more_epochs=more, **common)


def _tol_list(tol: dict[str, float]) -> str:
    return ", ".join(f"{p} ± {number(t, 3)}" for p, t in tol.items())


def _dir_name(d: Direction, dirs: tuple[Direction, ...]) -> str:
    if len(dirs) == 1:
        return "only"
    return "steep" if d is dirs[-1] else "flat"


def _physics(lr: float, curv: Curvature, dirs: tuple[Direction, ...], active: np.ndarray) -> str:
    """The exact statement: each eigen-direction's error is multiplied by 1 − ηλ per step, with the factors."""
    if len(dirs) == 1:
        d = dirs[0]
        return (f"Each step multiplies w's error by 1 − ηλ = {factor_text(d.factor)} "
                f"(λ = {number(d.eigenvalue)}, the loss's curvature).")
    pieces = []
    for d in reversed(dirs):
        label = "steep" if d is dirs[-1] else "flat"
        if not active[dirs.index(d)]:
            pieces.append(f"1 along the flat direction (λ = 0: the line of optima, {d.moves})")
            continue
        lam = "λmax" if label == "steep" else "λmin"
        pieces.append(f"{factor_text(d.factor)} along the {label} direction ({lam} = {number(d.eigenvalue)}, "
                      f"{d.moves})")
    return ("For fixed-rate gradient descent on this quadratic loss, each step multiplies the error along each "
            f"eigen-direction of the Hessian by 1 − ηλ: {pieces[0]} and {pieces[1]}.")


def _rate_text(lr: float, curv: Curvature) -> str:
    a, b = pair_text(lr, curv.lr_critical)
    a1, c = pair_text(lr, curv.lr_overshoot)
    a = a if len(a) >= len(a1) else a1
    return (f"The rate {a} is {relation(lr, curv.lr_critical)} 2/λmax = {b}"
            f" and {relation(lr, curv.lr_overshoot)} 1/λmax = {c}")


def _on_edge(run: Run, dirs, rate: str, physics: str, common: dict) -> Verdict:
    steep = dirs[-1]
    s = run.settings
    d = s.lr * steep.eigenvalue - 2
    p = steep.names[int(np.argmax(np.abs(steep.vector)))]
    last = run.history[p].iloc[-2:].tolist() if len(run.history) >= 2 else []
    alt = (f" {p} alternates between {number(min(last))} and {number(max(last))} at the end."
           if len(last) == 2 and last[0] != last[1] else "")
    text = (f"{rate}: η·λmax − 2 = {number(d, 2)}, zero to float rounding, so 1 − ηλmax = −1 and each step "
            f"flips the error along the steep direction ({steep.moves}) to the other side of the optimum at the "
            f"same size. In exact arithmetic it neither shrinks nor grows; in this run it measured "
            f"{number(abs(steep.start), 4)} at the start and {number(abs(steep.end), 4)} at the end.{alt} {physics}")
    return Verdict("on the edge", None, text, **common)


def growth_start(loss: Sequence[float]) -> int | None:
    """The epoch from which the loss grows at every epoch to the end, if it grows for at least two.

    `loss[k]` is the loss at the parameters after k epochs (k = 0 is the start), so the answer is the
    first epoch whose update raised the loss, counted as the log counts epochs (from 1). The
    verdict's "diverging" epoch is this rule read for K runs at once (`read`).
    """
    losses = np.asarray(loss, dtype=np.float64)[None, :]
    grows = int(_growth(losses)[0])
    return grows + 1 if losses.shape[1] - 1 - grows >= 2 else None


def _diverging(run: Run, dirs, epoch: int | None, rate: str, physics: str, common: dict) -> Verdict:
    steep = dirs[-1]
    grew = abs(steep.end) > abs(steep.start)
    text = (f"{rate}, so 1 − ηλmax = {factor_text(steep.factor)}: each step flips the error along the steep "
            f"direction ({steep.moves}) and multiplies its size by {factor_text(abs(steep.factor))}. "
            f"Along it the error went from {number(abs(steep.start), 4)} to {number(abs(steep.end), 4)} "
            f"in {len(run.history):,} epochs.")
    if epoch is not None:
        text += f" The loss grows at every epoch from epoch {epoch_text(epoch)} on."
    if not grew:
        text += (" Float32 has not shown the growth yet: it is smaller than the rounding of these epochs, but "
                 "in exact arithmetic it compounds every step.")
    else:
        text += " Left to run, it grows until float32 overflows."
    return Verdict("diverging", epoch, f"{text} {physics}", **common)


def _stalled(run: Run, theta, stall: int, err, tol, physics: str, common) -> Verdict:
    s = run.settings
    h = run.history
    names = tuple(run.params)
    last = h.iloc[-1]
    cycle = not np.array_equal(theta[-1], theta[-2])
    changed_last = {}  # per parameter, the last epoch that changed it (0: never)
    for i, p in enumerate(names):
        changed = np.nonzero(theta[1:, i] != theta[:-1, i])[0]
        changed_last[p] = int(changed[-1]) + 1 if len(changed) else 0
    moved = [f"{p} never changed" if k == 0 else f"{p} last changed in epoch {epoch_text(k)}"
             for p, k in changed_last.items()]
    if cycle:
        q = int(periods(theta[None])[0])
        held = [m for m, k in zip(moved, changed_last.values(), strict=True) if k <= stall]  # fixed in the cycle
        what = (f"From epoch {epoch_text(stall)} on, float32 repeats the same {q} values of "
                f"{names[0] if len(names) == 1 else '(' + ', '.join(names) + ')'} over and over"
                f"{' (' + '; '.join(held) + ')' if held else ''}: the updates are at the level of float32 "
                "rounding, so the run cycles instead of closing in.")
    else:
        ups = ", ".join(f"{p}: {number(abs(s.lr * float(last[f'grad_{p}'])), 2)}" for p in names)
        gaps = " and ".join(f"{number(_gap32(float(last[p])), 2)} at {p} = {number(float(last[p]))}"
                            for p in names)
        what = (f"From epoch {epoch_text(stall)} on, float32 leaves every parameter unchanged ({'; '.join(moved)}): "
                f"each update η·∂L/∂p ({ups}) is too small to change a float32 number of that size (the gap "
                f"between neighbouring float32 values is {gaps}), so adding it rounds back to the same value.")
    off = [f"{p} is {number(abs(float(err[-1, i])), 2)} from {p}*, tolerance {number(float(tol[i]), 2)}"
           for i, p in enumerate(names) if abs(err[-1, i]) > tol[i]]
    text = (f"{what} The run stopped outside the tolerance ({'; '.join(off)}), and more epochs cannot help. "
            f"In exact arithmetic it would keep converging. {physics}")
    return Verdict("stalled", stall, text, **common)


def _overflowed(run: Run, ok: int, epoch: int, rate: str, theory: str, physics: str, common: dict) -> Verdict:
    h = run.history
    n = len(h)
    names = tuple(run.params)
    if ok < n:
        row = h.iloc[ok]
        bad = tuple(c for c in h.columns if c not in ("epoch",) and not c.endswith("_before")
                    and not math.isfinite(float(row[c])))
        first = ", ".join(f"{'the loss' if c == 'loss' else c} is {float(row[c])}" for c in bad)
        text = f"The numbers overflowed float32 at epoch {epoch_text(epoch)}: {first}."
        if "loss" in bad:
            text = f"The loss overflowed float32 at epoch {epoch_text(epoch)}: {first}."
        for p in names:
            if p in bad:
                continue
            vals = h[p].to_numpy(dtype=np.float64)
            later = np.nonzero(~np.isfinite(vals))[0]
            text += (f" {p} is still finite there, and through all {n:,} epochs." if not len(later) else
                     f" {p} is still finite there and becomes {vals[later[0]]} at epoch "
                     f"{epoch_text(int(later[0]) + 1)}.")
        text += (f" The first {ok:,} epochs are finite; the loss chart and the landscape stop there, and the fit "
                 "shows the last line whose parameters are finite.")
    else:
        bad = ("final loss",)
        text = (f"The loss at the final parameters overflowed float32 (it is {run.final_loss}); all {n:,} epochs "
                "of the history are finite.")
    if theory == "diverging":
        text += (f" {rate}: the error along the steep direction grows by "
                 f"{factor_text(abs(common['directions'][-1].factor))} per step until float32 cannot hold it.")
    else:
        text += (f" {rate}, so in exact arithmetic the run would not diverge; the overflow comes from the size "
                 "of the numbers themselves, beyond float32's 3.4e38.")
    return Verdict("overflowed", epoch, f"{text} {physics}", overflow=bad, **common)
