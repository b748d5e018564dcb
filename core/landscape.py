"""The loss over a grid of parameters, each grid computed in one batched tensor operation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


def loss_curve(x: Sequence[float], y: Sequence[float], ws: Sequence[float]) -> list[float]:
    """L(w) = mean((w·x − y)²) for every w in `ws` (lessons 1-2: no bias)."""
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    W = torch.tensor(ws, dtype=torch.float64)
    return ((W[:, None] * X[None, :] - Y[None, :]) ** 2).mean(dim=1).tolist()


def loss_surface(x: Sequence[float], y: Sequence[float], ws: Sequence[float], bs: Sequence[float]) -> list[list[float]]:
    """L(w, b) = mean((w·x + b − y)²) on the grid; row i is b = bs[i], column j is w = ws[j]."""
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    W = torch.tensor(ws, dtype=torch.float64)
    B = torch.tensor(bs, dtype=torch.float64)
    # Residuals of every grid point at every data point, (b, w, N): direct, so no cancellation near
    # the minimum (expanding the square loses small losses when |x| is near 1e6). At the lab's
    # limits (1,000 points, a 70×70 grid) that is 5M doubles, freed at once.
    residual = W[None, :, None] * X + B[:, None, None] - Y
    return (residual**2).mean(dim=2).tolist()


def span(values: Sequence[float], around: float | None, pad: float = 0.25) -> tuple[float, float]:
    """A plotting range covering `values` (and `around`, if given) with some padding."""
    pts = [v for v in values if v == v and abs(v) != float("inf")]
    if around is not None:
        pts.append(around)
    lo, hi = min(pts), max(pts)
    width = hi - lo if hi > lo else max(1.0, abs(hi))
    return lo - pad * width, hi + pad * width


def grid(lo: float, hi: float, n: int) -> list[float]:
    """n evenly spaced values from lo to hi."""
    return torch.linspace(lo, hi, n, dtype=torch.float64).tolist()


CURVE_POINTS = 300  # samples of L(w): a parabola looks smooth with far fewer
GRID = 70  # per side of the L(w, b) grid


@dataclass(frozen=True)
class Landscape:
    """The loss over a grid of the parameters that covers a run's path and the optimum."""

    ws: list[float]
    bs: list[float] | None  # None for a model without b: then `loss` is the curve L(w)
    loss: list  # L(w) for each w, or rows of L(w, b) (row i is b = bs[i], column j is w = ws[j])


def around(x: Sequence[float], y: Sequence[float], path: dict[str, Sequence[float]],
           star: dict[str, float] | None) -> Landscape:
    """The landscape over a range that covers `path` (values per parameter) and the optimum `star`."""
    star = star or {}
    ws = grid(*span(list(path["w"]), star.get("w")), CURVE_POINTS if "b" not in path else GRID)
    if "b" not in path:
        return Landscape(ws, None, loss_curve(x, y, ws))
    bs = grid(*span(list(path["b"]), star.get("b")), GRID)
    return Landscape(ws, bs, loss_surface(x, y, ws, bs))
