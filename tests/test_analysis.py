"""core.analysis: closed-form optimum and curvature against DESIGN.md, lstsq and autograd; verdicts on real runs."""

from __future__ import annotations

import math

import pytest
import torch

from core import analysis
from core.analysis import KINDS, curvature, distance, finite_epochs, optimum, verdict
from core.catalog import lesson
from core.lessons import train
from core.settings import MAX_LR

LESSON_NUMBERS = (1, 2, 3, 4)
ODD_X = (-2.5, -1.0, 0.0, 0.5, 1.25, 3.75)
ODD_Y = (-4.1, -2.2, 0.3, 0.9, 2.6, 7.3)


def _defaults(n: int):
    return lesson(n).defaults()


def _mse64(x, y, w, b=0.0):
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    return ((w * X + b - Y) ** 2).mean()


def _datasets():
    g = torch.Generator().manual_seed(11)
    x = (torch.rand(40, generator=g, dtype=torch.float64) * 20 - 10).tolist()
    y = [2.5 * v - 1.0 + e for v, e in zip(x, torch.randn(40, generator=g, dtype=torch.float64).tolist(), strict=True)]
    return [
        pytest.param(_defaults(1).x, _defaults(1).y, id="lesson1-data"),
        pytest.param(_defaults(2).x, _defaults(2).y, id="lesson2-data"),
        pytest.param(ODD_X, ODD_Y, id="odd"),
        pytest.param(tuple(x), tuple(y), id="random40"),
        pytest.param((1e6, -3e5, 2.5e5), (-1e6, 7e5, 0.5), id="large"),
    ]


# ---------------------------------------------------------------- the figures in DESIGN.md


def test_lesson1_figures():
    s = _defaults(1)
    opt, curv = optimum(s.x, s.y, bias=False), curvature(s.x, bias=False)
    assert opt.unique and opt.note == ""
    assert opt.params["w"] == pytest.approx(1.939394, abs=5e-7)
    assert opt.loss == pytest.approx(0.151515, abs=5e-7)
    assert curv.hessian == ((pytest.approx(26.4, abs=1e-12),),)
    assert curv.eigenvalues == (pytest.approx(26.4, abs=1e-12),)
    assert curv.lr_critical == pytest.approx(0.075758, abs=5e-7)
    assert curv.condition == pytest.approx(1.0)


def test_lesson2_figures():
    s = _defaults(2)
    opt, curv = optimum(s.x, s.y, bias=False), curvature(s.x, bias=False)
    assert opt.params["w"] == pytest.approx(1.953846, abs=5e-7)
    assert opt.loss == pytest.approx(0.120513, abs=5e-7)
    assert curv.lr_critical == pytest.approx(0.046154, abs=5e-7)


@pytest.mark.parametrize("n", (3, 4))
def test_lessons_3_and_4_figures(n):
    s = _defaults(n)
    opt, curv = optimum(s.x, s.y, bias=True), curvature(s.x, bias=True)
    assert opt.params["w"] == pytest.approx(1.941176, abs=5e-7)
    assert opt.params["b"] == pytest.approx(0.068627, abs=5e-7)
    assert opt.loss == pytest.approx(0.119281, abs=5e-7)
    lo, hi = curv.eigenvalues
    assert lo == pytest.approx(0.50564, abs=5e-6)
    assert hi == pytest.approx(44.8277, abs=5e-5)
    assert curv.lr_critical == pytest.approx(0.044615, abs=5e-7)
    assert curv.lr_fastest == pytest.approx(0.044118, abs=5e-7)
    assert curv.condition == pytest.approx(88.7, abs=0.05)


# ---------------------------------------------------------------- against torch.linalg and autograd


@pytest.mark.parametrize("bias", (False, True))
@pytest.mark.parametrize(("x", "y"), _datasets())
def test_optimum_equals_lstsq(x, y, bias):
    X = torch.tensor(x, dtype=torch.float64)
    A = torch.stack([X, torch.ones_like(X)], dim=1) if bias else X[:, None]
    sol = torch.linalg.lstsq(A, torch.tensor(y, dtype=torch.float64)[:, None], driver="gelsd").solution[:, 0].tolist()
    opt = optimum(x, y, bias)
    scale = max(1.0, *(abs(v) for v in sol))
    assert opt.params["w"] == pytest.approx(sol[0], rel=1e-9, abs=1e-9 * scale)
    if bias:
        assert opt.params["b"] == pytest.approx(sol[1], rel=1e-9, abs=1e-9 * scale)
    else:
        assert set(opt.params) == {"w"}
    assert opt.loss == pytest.approx(_mse64(x, y, *sol).item(), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("bias", (False, True))
@pytest.mark.parametrize(("x", "y"), _datasets())
def test_optimum_is_a_minimum_by_autograd(x, y, bias):
    opt = optimum(x, y, bias)
    p = torch.tensor([opt.params["w"], opt.params.get("b", 0.0)], dtype=torch.float64, requires_grad=True)
    loss = _mse64(x, y, p[0], p[1] if bias else 0.0)
    loss.backward()
    scale = (torch.tensor(x, dtype=torch.float64).abs().max() * torch.tensor(y, dtype=torch.float64).abs().max())
    assert p.grad.abs().max().item() <= 1e-9 * (1 + scale.item())
    for dw, db in ((1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)):
        if bias or db == 0.0:
            nearby = _mse64(x, y, opt.params["w"] + dw, opt.params.get("b", 0.0) + db).item()
            assert nearby >= opt.loss


@pytest.mark.parametrize("bias", (False, True))
@pytest.mark.parametrize(("x", "y"), _datasets())
def test_curvature_equals_autograds_hessian(x, y, bias):
    curv = curvature(x, bias)
    if bias:
        H = torch.autograd.functional.hessian(lambda p: _mse64(x, y, p[0], p[1]),
                                              torch.tensor([0.3, -0.7], dtype=torch.float64))
    else:
        H = torch.autograd.functional.hessian(lambda w: _mse64(x, y, w), torch.tensor(0.3, dtype=torch.float64))
        H = H.reshape(1, 1)
    assert torch.allclose(torch.tensor(curv.hessian, dtype=torch.float64), H, rtol=1e-12, atol=0)
    eig = torch.linalg.eigvalsh(H).tolist()
    assert curv.eigenvalues == pytest.approx(eig, rel=1e-9, abs=1e-9 * max(eig))
    lo, hi = eig[0], eig[-1]
    assert curv.lr_critical == pytest.approx(2 / hi, rel=1e-9)
    assert curv.lr_fastest == pytest.approx(2 / (hi + lo), rel=1e-9)
    assert curv.lr_overshoot == pytest.approx(1 / hi, rel=1e-9)
    assert curv.condition == pytest.approx(hi / lo, rel=1e-6)
    for lr in (0.001, curv.lr_fastest, curv.lr_critical * 0.99):
        assert curv.contraction(lr) == pytest.approx(max(abs(1 - lr * lo), abs(1 - lr * hi)), rel=1e-12)


def test_critical_rate_is_where_one_step_stops_shrinking():
    # The error along the steepest direction is multiplied by (1 - lr λmax) each step.
    curv = curvature(ODD_X, True)
    assert curv.contraction(curv.lr_critical * 0.999) < 1
    assert curv.contraction(curv.lr_critical * 1.001) > 1
    assert curv.contraction(curv.lr_fastest) == pytest.approx(min(
        curv.contraction(curv.lr_fastest * f) for f in (0.9, 0.99, 1.0, 1.01, 1.1)))


@pytest.mark.parametrize(("n", "safe"), [(1, 0.037), (2, 0.023), (3, 0.044), (4, 0.044)])
def test_safe_rate_is_the_fastest_rate_rounded_down_to_two_digits(n, safe):
    s = _defaults(n)
    curv = curvature(s.x, s.has_bias)
    assert curv.lr_safe == safe
    assert repr(curv.lr_safe) == repr(safe)  # 0.037, not 0.037000000000000005
    assert 0.9 * curv.lr_fastest <= curv.lr_safe <= curv.lr_fastest
    assert verdict(train(s.replace(lr=curv.lr_safe))).kind not in ("diverging", "overflowed")


@pytest.mark.parametrize("x", [ODD_X, (10.0, 20.0, 30.0, 40.0, 60.0, 80.0), (1e6, -1e6), (1e-3, 2e-3)])
def test_safe_rate_has_two_significant_digits_and_is_stable(x):
    for bias in (False, True):
        curv = curvature(x, bias)
        assert 0 < curv.lr_safe <= curv.lr_fastest < curv.lr_critical
        # A rate the controls accept: capped at MAX_LR (10) for tiny x, else within 10% of the fastest.
        assert curv.lr_safe == MAX_LR if curv.lr_fastest >= MAX_LR else curv.lr_safe >= 0.9 * curv.lr_fastest
        assert float(f"{curv.lr_safe:.2g}") == curv.lr_safe


def test_safe_rate_when_every_rate_is_stable():
    assert curvature((0.0, 0.0), bias=False).lr_safe == 0.1


# ---------------------------------------------------------------- optima that are not a point


def test_all_x_equal_with_bias_has_no_unique_optimum():
    x, y = (2.0, 2.0, 2.0), (1.0, 2.0, 4.0)
    opt = optimum(x, y, bias=True)
    assert not opt.unique and opt.params is None
    assert opt.loss == pytest.approx(((torch.tensor(y) - 7 / 3) ** 2).mean().item(), rel=1e-6)
    assert opt.note
    assert distance({"w": 1.0, "b": 0.0}, opt) is None
    curv = curvature(x, bias=True)
    assert curv.eigenvalues[0] == pytest.approx(0.0, abs=1e-12)
    assert curv.eigenvalues[1] == pytest.approx(2 * (2**2 + 1))
    assert curv.condition == math.inf
    assert curv.lr_critical == pytest.approx(2 / 10)
    # All x equal but not 0, without bias: the fit is unique.
    assert optimum(x, y, bias=False).params == {"w": pytest.approx((2 + 4 + 8) / 12)}


@pytest.mark.parametrize("bias", (False, True))
def test_all_x_zero_has_no_unique_optimum(bias):
    x, y = (0.0, 0.0, 0.0), (1.0, 2.0, 3.0)
    opt = optimum(x, y, bias)
    assert opt.params is None
    assert opt.loss == pytest.approx(2 / 3 if bias else 14 / 3)
    assert opt.note
    if not bias:
        curv = curvature(x, bias)
        assert curv.eigenvalues == (0.0,)
        assert curv.lr_critical == math.inf and curv.condition == math.inf


def test_distance_is_euclidean():
    opt = optimum(ODD_X, ODD_Y, bias=True)
    p = {"w": opt.params["w"] + 3.0, "b": opt.params["b"] - 4.0}
    assert distance(p, opt) == pytest.approx(5.0)
    assert distance(dict(opt.params), opt) == 0.0


# ---------------------------------------------------------------- verdicts on real runs


def _run(n: int, **changes):
    return train(_defaults(n).replace(**changes))


def _critical(n: int) -> float:
    s = _defaults(n)
    return curvature(s.x, s.has_bias).lr_critical


def _within(run) -> list[bool]:
    """Per epoch: every parameter within 1e-4·(1 + |optimum|) of the closed-form optimum."""
    s = run.settings
    opt = optimum(s.x, s.y, s.has_bias).params
    h = run.history
    return [all(abs(h[p].iloc[i] - opt[p]) <= 1e-4 * (1 + abs(opt[p])) for p in run.params) for i in range(len(h))]


def test_default_verdicts():
    assert verdict(train(_defaults(1))).kind == "converging"
    v2 = verdict(train(_defaults(2)))
    assert v2.kind == "converged"
    assert verdict(train(_defaults(3))).kind == "converging"
    assert verdict(train(_defaults(4))).kind == "converging"
    within = _within(train(_defaults(2)))
    assert all(within[v2.epoch - 1:]) and not within[v2.epoch - 2]


def test_still_converging_has_no_epoch_and_says_how_far():
    run = train(_defaults(3))
    v = verdict(run)
    assert v.epoch is None
    d = distance(run.params, optimum(run.settings.x, run.settings.y, True))
    assert f"{d:.6g}" in v.reason


def test_one_over_curvature_converges_in_one_step():
    run = _run(1, lr=1 / 26.4)
    v = verdict(run)
    assert (v.kind, v.epoch) == ("converged", 1)
    assert run.history["w"].iloc[0] == pytest.approx(1.9393939, abs=1e-6)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_just_below_the_critical_rate_zigzags_and_does_not_diverge(n):
    lr = 0.99 * _critical(n)
    assert verdict(_run(n, lr=lr)).kind not in ("diverging", "overflowed")
    run = _run(n, lr=lr, epochs=300)
    v = verdict(run)
    assert v.kind == "converging"
    # 1 − ηλmax < 0 and the error along the steep direction really changes sign: a damped zigzag.
    steep = v.directions[-1]
    assert steep.factor < 0 and steep.sign_changes > 0 and "zigzag" in v.reason


@pytest.mark.parametrize("epochs", (None, 300))
@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_just_above_the_critical_rate_diverges(n, epochs):
    changes = {"lr": 1.01 * _critical(n)}
    if epochs:
        changes["epochs"] = epochs
    run = _run(n, **changes)
    v = verdict(run)
    assert v.kind == "diverging"
    assert f"{_critical(n):.6g}" in v.reason
    # From its epoch on, the loss grows every epoch (the final loss after the last update included).
    loss = [*run.history["loss"].tolist(), run.final_loss]
    if v.epoch is None:
        return
    assert 1 <= v.epoch <= len(run.history)
    assert all(b > a for a, b in zip(loss[v.epoch - 1:], loss[v.epoch:], strict=False))
    assert v.epoch == 1 or loss[v.epoch - 2] >= loss[v.epoch - 1]


@pytest.mark.parametrize("factor", (3, 10))
@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_overflow_is_diverged_at_the_first_non_finite_value(n, factor, document_log):
    s = _defaults(n).replace(lr=factor * _critical(n), epochs=100, log_every=1)
    run = train(s)
    v = verdict(run)
    assert v.kind == "overflowed"
    # The document's program prints inf (or nan) first in the line of that epoch.
    lines = document_log(s).splitlines()[:-1]
    first_bad = next(i + 1 for i, line in enumerate(lines) if "inf" in line or "nan" in line)
    assert v.epoch == first_bad
    assert finite_epochs(run) == first_bad - 1
    assert str(v.epoch) in v.reason


def test_finite_epochs_of_a_finite_run_is_every_epoch():
    assert finite_epochs(train(_defaults(3))) == 100


def test_verdicts_with_no_unique_optimum():
    # All x equal with a bias: a whole line of optima. The loss still reaches its minimum.
    run = _run(3, x=(2.0, 2.0, 2.0), y=(1.0, 2.0, 4.0), epochs=200, lr=0.05)
    v = verdict(run)
    assert v.kind == "converged"
    assert run.final_loss == pytest.approx(optimum(run.settings.x, run.settings.y, True).loss, rel=1e-5)
    # Before that, the loss is still measurably above its minimum (by 8e-4 after 6 epochs, 3e-6 after 10).
    for epochs in (6, 10):
        early = verdict(_run(3, x=(2.0, 2.0, 2.0), y=(1.0, 2.0, 4.0), epochs=epochs, lr=0.05))
        assert (early.kind, early.epoch) == ("converging", None)
    # All x zero without bias: w changes nothing, the loss is at its minimum from the start.
    flat = _run(1, x=(0.0, 0.0), y=(1.0, 2.0))
    assert verdict(flat).kind == "converged"
    assert flat.history["grad_w"].tolist() == [0.0] * 20


def test_converged_epoch_with_no_unique_optimum_is_where_the_minimum_was_reached():
    flat = _run(1, x=(0.0, 0.0), y=(1.0, 2.0))  # the loss is at its minimum from the first epoch
    assert verdict(flat).epoch == 1
    line = _run(3, x=(2.0, 2.0, 2.0), y=(1.0, 2.0, 4.0), epochs=200, lr=0.05)
    assert verdict(line).epoch < 50  # the loss is within 1e-6 of its minimum from about epoch 12


@pytest.mark.parametrize("lr", (0.001, 0.01, 0.03, 0.07, 0.08, 0.5))
def test_every_verdict_is_one_of_the_kinds(lr):
    for n in LESSON_NUMBERS:
        v = verdict(_run(n, lr=lr))
        assert v.kind in KINDS
        assert v.reason.strip()
        assert (v.epoch is not None) == (v.kind in ("converged", "stalled", "overflowed")) or v.kind == "diverging"
        if v.epoch is not None:
            assert 1 <= v.epoch <= lesson(n).defaults().epochs


def test_converged_tolerance_is_the_documented_one():
    assert analysis.CONVERGED_TOL == 1e-4


def test_epochs_to_tolerance_equals_a_step_by_step_scan():
    """The search (the bound's first k, then an exact scan down from it) against walking every step from 0."""
    import numpy as np

    rng = np.random.default_rng(7)
    horizon, checked = 4_000, 0
    for _ in range(150):
        d = int(rng.integers(1, 3))
        k_runs = int(rng.integers(1, 6))
        f = rng.choice([-1, 1], size=(k_runs, d)) * (1 - 10.0 ** rng.uniform(-2.6, 0, size=(k_runs, d)))
        c = rng.normal(size=(k_runs, d)) * 10.0 ** rng.uniform(-6, 3, size=(k_runs, d))
        th = rng.uniform(0, 2 * math.pi)
        vecs = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])[:d, :d]
        tol = 1e-4 * (1 + np.abs(rng.normal(size=d)))
        got = analysis._epochs_to_tolerance(c, f, vecs, tol)
        ks = np.arange(horizon + 1, dtype=np.float64)
        for i in range(k_runs):
            if np.sum(np.abs(vecs * c[i]) * np.abs(f[i]) ** horizon, axis=1).max() > tol.min():
                continue  # might still leave the tolerance after the horizon: not decidable by this scan
            steps = f[i][None, :] ** ks[:, None] * c[i][None, :]  # (k, direction): the error along each
            errors = sum(steps[:, [q]] * vecs[:, q] for q in range(d))  # (k, parameter), summed in a fixed order
            outside = np.nonzero(~np.all(np.abs(errors) <= tol, axis=1))[0]
            assert got[i] == (outside[-1] + 1 if len(outside) else 0), (f[i], c[i])
            checked += 1
    assert checked > 250
