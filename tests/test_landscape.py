"""core.landscape: the loss over a grid equals mean((w·x + b − y)²) evaluated point by point in float64."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from core.analysis import optimum
from core.landscape import grid, loss_curve, loss_surface, span

DATA = [
    pytest.param((1.0, 2.0, 3.0, 4.0, 6.0), (2.0, 4.0, 6.0, 7.0, 12.0), id="lesson1"),
    pytest.param((1.0, 2.0, 3.0, 4.0, 6.0, 8.0), (2.0, 4.0, 6.0, 8.0, 11.0, 16.0), id="lesson2-4"),
    pytest.param((-2.5, -1.0, 0.0, 0.5, 1.25, 3.75), (-4.1, -2.2, 0.3, 0.9, 2.6, 7.3), id="odd"),
    pytest.param((10.0, 20.0, 30.0, 40.0, 60.0, 80.0), (20.0, 40.0, 60.0, 80.0, 110.0, 160.0), id="large-x"),
]


def _point(x, y, w: float, b: float = 0.0) -> float:
    """The reference: one (w, b) at a time, straight from the definition."""
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    return ((w * X + b - Y) ** 2).mean().item()


@pytest.mark.parametrize(("x", "y"), DATA)
def test_loss_curve_equals_point_by_point(x, y):
    ws = [-3.0, -0.5, 0.0, 0.25, 1.0, 1.9393939, 2.0, 4.5]
    curve = loss_curve(x, y, ws)
    assert isinstance(curve, list) and len(curve) == len(ws)
    for w, got in zip(ws, curve, strict=True):
        assert got == pytest.approx(_point(x, y, w), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("x", "y"), DATA)
def test_loss_surface_equals_point_by_point(x, y):
    opt = optimum(x, y, bias=True).params
    ws = [opt["w"] + d for d in (-2.0, -0.3, -0.01, 0.0, 0.02, 1.5, 3.0)]  # 7 columns
    bs = [opt["b"] + d for d in (-5.0, -0.1, 0.0, 0.2, 4.0)]  # 5 rows
    surface = loss_surface(x, y, ws, bs)
    assert len(surface) == len(bs)
    assert all(len(row) == len(ws) for row in surface)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            assert surface[i][j] == pytest.approx(_point(x, y, w, b), rel=1e-9, abs=1e-12), (i, j)


def test_loss_surface_rows_are_b_and_columns_are_w():
    x, y = (1.0, 2.0, 3.0), (1.0, 2.0, 3.0)  # L(w, b) = 0 only at w = 1, b = 0
    surface = loss_surface(x, y, ws=[0.0, 1.0, 2.0, 3.0], bs=[-1.0, 0.0])
    assert surface[1][1] == 0.0
    assert surface[0][1] == pytest.approx(1.0)  # b = -1, w = 1: every point is 1 too low
    assert surface[1][0] == pytest.approx(_point(x, y, 0.0, 0.0))
    assert surface[1][3] == pytest.approx(_point(x, y, 3.0, 0.0))


def test_loss_surface_at_b_zero_is_the_loss_curve():
    x, y = (-2.5, -1.0, 0.0, 0.5, 1.25, 3.75), (-4.1, -2.2, 0.3, 0.9, 2.6, 7.3)
    ws = grid(-1, 4, 11)
    assert loss_surface(x, y, ws, [0.0])[0] == pytest.approx(loss_curve(x, y, ws), rel=1e-12)


def test_minimum_of_the_grid_is_at_the_closed_form_optimum():
    x, y = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0), (2.0, 4.0, 6.0, 8.0, 11.0, 16.0)
    opt = optimum(x, y, bias=True)
    ws = [opt.params["w"] + d for d in (-0.1, 0.0, 0.1)]
    bs = [opt.params["b"] + d for d in (-0.1, 0.0, 0.1)]
    surface = loss_surface(x, y, ws, bs)
    assert min(min(row) for row in surface) == surface[1][1] == pytest.approx(opt.loss, rel=1e-12)


def test_loss_surface_keeps_its_precision_for_large_data():
    # Values the lab accepts (|v| <= 1e6); the line y = 2x fits them to within a few thousandths.
    x = (999999.0, 500001.0, -700003.0)
    y = (2 * 999999.0 + 0.001, 2 * 500001.0 - 0.002, 2 * -700003.0 + 0.001)
    surface = loss_surface(x, y, [2.0], [0.0])
    assert surface[0][0] == pytest.approx(_point(x, y, 2.0, 0.0), rel=1e-6)


def test_empty_grids():
    assert loss_curve((1.0, 2.0), (1.0, 2.0), []) == []
    assert loss_surface((1.0, 2.0), (1.0, 2.0), [1.0, 2.0], []) == []


def test_grid_is_evenly_spaced_with_exact_ends():
    g = grid(-1.5, 2.5, 9)
    assert len(g) == 9
    assert g[0] == -1.5 and g[-1] == 2.5
    assert all(b - a == pytest.approx(0.5) for a, b in itertools.pairwise(g))


def test_span_covers_the_values_and_the_point_with_padding():
    lo, hi = span([1.0, 3.0], around=None)
    assert (lo, hi) == pytest.approx((0.5, 3.5))
    lo, hi = span([1.0, 3.0], around=5.0, pad=0.1)
    assert (lo, hi) == pytest.approx((0.6, 5.4))
    lo, hi = span([1.0, 3.0, math.nan, math.inf, -math.inf], around=None)
    assert (lo, hi) == pytest.approx((0.5, 3.5))


def test_span_of_a_single_value_has_a_width():
    lo, hi = span([2.0, 2.0], around=2.0)
    assert lo < 2.0 < hi
    lo, hi = span([0.0], around=None)
    assert lo < 0.0 < hi
