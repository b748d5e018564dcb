"""core.sweep: each of the K batched runs is the lesson's own program at that rate."""

from __future__ import annotations

import math

import numpy as np
import pytest

import core
from core import analysis, lr_sweep
from core.catalog import lesson
from core.lr_sweep import SweepError, batched, check_rates, log_rates, read, runs
from core.settings import MAX_LR

LESSONS = (1, 2, 3, 4)


def rates(n: int) -> list[float]:
    """30 log-spaced rates, and 1/λmax, 2/λmax and the fastest rate with their float neighbours."""
    s = lesson(n).defaults()
    curv = analysis.curvature(s.x, s.has_bias)
    edges = [curv.lr_overshoot, curv.lr_critical, curv.lr_fastest]
    near = [float(v) for e in edges for v in (np.nextafter(e, 0), e, np.nextafter(e, 1))]
    return [float(v) for v in np.geomspace(1e-4, 0.3, 30)] + near


@pytest.mark.parametrize("n", LESSONS)
def test_every_row_is_the_lessons_own_run(n):
    s = lesson(n).defaults().replace(epochs=150)
    lrs = rates(n)
    batched = runs(s, lrs)
    table = core.sweep(n, lrs, epochs=150)
    assert list(table["lr"]) == lrs
    for lr, got, row in zip(lrs, batched, table.itertuples(), strict=True):
        ref = core.run_lesson(n, lr=lr, epochs=150)
        a = ref.history.drop(columns="epoch").to_numpy()
        b = got.history.drop(columns="epoch").to_numpy()
        fin = np.isfinite(a)
        assert (fin == np.isfinite(b)).all(), f"lr {lr}: overflow differs"
        # A value near zero that is a difference of large terms (a gradient near the optimum) keeps only the
        # terms' float32 precision, and the batched runs sum them in another order (it differs by CPU, e.g. AVX2
        # against AVX-512): so each column is also allowed 1e-6 of its largest size in the run.
        scale = np.nanmax(np.where(fin, np.abs(a), np.nan), axis=0, initial=0.0)
        with np.errstate(invalid="ignore"):  # inf − inf past an overflow: those entries are not compared
            close = np.abs(b - a) <= 1e-5 * np.abs(a) + 1e-6 * scale
        assert close[fin].all(), (f"lr {lr}", np.argwhere(fin & ~close)[:3], a[fin & ~close][:3], b[fin & ~close][:3])
        assert analysis.finite_epochs(got) == analysis.finite_epochs(ref)
        assert analysis.verdict(got).kind == analysis.verdict(ref).kind == row.verdict
        for p in lesson(n).params:
            if math.isfinite(ref.params[p]):
                assert getattr(row, p) == pytest.approx(ref.params[p], rel=1e-5)
        if math.isfinite(ref.final_loss):
            assert row.final_loss == pytest.approx(ref.final_loss, rel=1e-5)
        v = analysis.verdict(ref)
        if v.kind == "converged":
            assert row.epochs_to_converge == v.epoch
        else:
            assert math.isnan(row.epochs_to_converge)


@pytest.mark.parametrize("n", (1, 3))
def test_overflow_epoch_matches_on_a_long_run(n):
    s = lesson(n).defaults().replace(epochs=1000)
    crit = analysis.curvature(s.x, s.has_bias).lr_critical
    lrs = [crit * 1.05, crit * 1.5, crit * 3, float(np.nextafter(crit, 1))]
    for lr, got in zip(lrs, runs(s, lrs), strict=True):
        assert analysis.finite_epochs(got) == analysis.finite_epochs(core.run_lesson(n, lr=lr, epochs=1000))


def test_columns_and_rows():
    t = core.sweep(1, [0.01, 0.02])
    assert list(t.columns) == ["lr", "final_loss", "w", "verdict", "epochs_to_converge"]
    t = core.sweep(3, [0.01])
    assert list(t.columns) == ["lr", "final_loss", "w", "b", "verdict", "epochs_to_converge"]


@pytest.mark.parametrize("bad", [[], [0.0], [-1.0], [math.nan], [11.0], [math.inf], ["x"], [0.01] * 1001])
def test_bad_rates_are_refused(bad):
    with pytest.raises(SweepError):
        check_rates(bad)


@pytest.mark.parametrize("lo, hi, k", [(0.1, 0.01, 10), (0, 0.1, 10), (0.01, 20, 10), (0.01, 0.1, 0),
                                        (0.01, 0.1, 1001), (math.nan, 0.1, 5)])
def test_bad_ranges_are_refused(lo, hi, k):
    with pytest.raises(SweepError):
        log_rates(lo, hi, k)


def test_log_rates_span_the_range():
    r = log_rates(0.001, 0.1, 3)
    assert r[0] == 0.001 and r[-1] == pytest.approx(0.1) and r[1] == pytest.approx(0.01)


# ---------------------------------------------------------------- the batched verdict is the verdict


def edge_rates(s) -> list[float]:
    """Rates at every edge of the verdict: 2/λmax and 1/λmax exactly and a step either side (in float64
    and in float32), the fastest rate, stalling tiny rates, overflowing ones, and the lab's maximum."""
    curv = analysis.curvature(s.x, s.has_bias)
    out = [1e-9, 1e-7, 1e-5, 1e-3, 0.01, MAX_LR]
    for e in (curv.lr_critical, curv.lr_overshoot, curv.lr_fastest):
        if math.isfinite(e):
            e32 = np.float32(e)
            out += [e, float(np.nextafter(e, 0)), float(np.nextafter(e, 1)),
                    float(np.nextafter(e32, np.float32(0))), float(np.nextafter(e32, np.float32(1)))]
    if math.isfinite(curv.lr_critical):
        out += [curv.lr_critical * f for f in (0.3, 0.9, 0.99, 1.01, 1.1, 1.5, 3.0)]
    return [r for r in out if 0 < r <= MAX_LR]


SAME_X = {"x": (2.0, 2.0, 2.0, 2.0), "y": (1.0, 2.0, 4.0, 3.0)}  # with a bias: a whole line of optima
STALL = {"x": (0.1, 0.2, 0.3, 0.4, 0.6, 0.8), "y": (2.0, 4.0, 6.0, 8.0, 11.0, 16.0), "init_w": 19.4, "init_b": 0.07}
CASES = [pytest.param(n, {}, 100, id=f"lesson{n}") for n in LESSONS] + [
    pytest.param(n, SAME_X, 60, id=f"lesson{n}-same-x") for n in LESSONS] + [
    pytest.param(1, {}, 3000, id="lesson1-long"),
    pytest.param(3, {}, 5000, id="lesson3-long"),
    pytest.param(4, STALL, 2500, id="lesson4-float32-stall"),
]


@pytest.mark.parametrize(("n", "data", "epochs"), CASES)
def test_batched_verdicts_are_each_runs_own_verdict(n, data, epochs, monkeypatch):
    """Every row of the sweep's verdicts, read for K runs at once, is analysis.verdict of that run alone:
    the kind, the epoch that decided it, the estimate of more epochs, and the headline that quotes them."""
    s = lesson(n).defaults().replace(epochs=epochs, **data)
    lrs = edge_rates(s)
    out = batched(s, lrs)
    r = read(s, lrs, out, slice(None), analysis.basis(s))
    monkeypatch.setattr(lr_sweep, "READ_AT_ONCE", 3 * (epochs + 1))  # the table reads 3 runs at a time
    t = lr_sweep.table(s, lrs)
    seen = set()
    for i, run in enumerate(runs(s, lrs)):
        v = analysis.verdict(run)
        seen.add(v.kind)
        got = (r.kind[i], r.decided(i), r.more_epochs(i), r.headline(i))
        assert got == (v.kind, v.epoch, v.more_epochs, v.headline), f"lr {lrs[i]!r}"
        assert t["verdict"].iat[i] == v.kind
        np.testing.assert_equal(t["epochs_to_converge"].iat[i], v.epoch if v.kind == "converged" else math.nan)
    assert len(seen) >= 2, seen
