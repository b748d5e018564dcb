"""core.explain: each "Look closer" paragraph is chosen by the run's class, and its numbers are recomputed here."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core import explain, insight
from core.analysis import curvature, optimum, verdict
from core.catalog import lesson
from core.data import presets
from core.lessons import train

LARGE = presets(lesson(2))[3]


def _run(n, **kw):
    return train(lesson(n).defaults().replace(**kw))


def _closer3(run):
    s = run.settings
    opt, curv = optimum(s.x, s.y, True), curvature(s.x, True)
    return explain.conditioning(run, opt, curv, verdict(run, opt, curv))


def _eig(x):
    X = np.array(x, dtype=np.float64)
    A = np.stack([X, np.ones_like(X)], 1)
    lam, V = np.linalg.eigh(2 * A.T @ A / len(X))
    return lam, V


# ---------------------------------------------------------------- lesson 3: the slow direction, by class


@pytest.mark.parametrize(("x", "y", "flat"), [
    ((1, 2, 3, 4, 6, 8), (2, 4, 6, 8, 11, 16), "mostly b"),
    ((0.1, 0.2, 0.3, 0.4, 0.6, 0.8), (2, 4, 6, 8, 11, 16), "mostly w"),
    ((-1, 0, 1), (-2, 0.1, 2.2), "only w"),
])
def test_case7_the_flat_direction_is_named_from_the_eigenvector(x, y, flat):
    run = _run(3, x=tuple(map(float, x)), y=tuple(map(float, y)), lr=0.015)
    c = _closer3(run)
    _, V = _eig(x)
    v = np.abs(V[:, 0])
    want = ("only " if v.max() ** 2 == 1.0 else "mostly ") + "wb"[int(np.argmax(v))]
    assert want == flat
    assert f"along the flat one ({flat}:" in c.text
    assert "That direction mostly moves b" not in c.text


def test_case7_nearly_round_bowl_does_not_blame_the_data():
    c = _closer3(_run(3, x=(-1.0, 0.0, 1.0), y=(-2.0, 0.1, 2.2), lr=0.495, epochs=8))
    assert "κ = **1.5**" in c.text and "momentum" not in c.text and "the rate, not the data, sets the pace" in c.text
    assert "a rate up to 2/(λmax+λmin) = 0.6 would keep only 0.2" in c.text  # (κ−1)/(κ+1) = 0.2


def test_ill_conditioned_data_is_the_limit():
    c = _closer3(_run(3))
    assert "κ = **88.7**" in c.text and "momentum" in c.text
    lam, _ = _eig(lesson(3).defaults().x)
    assert f"keeps {(lam[1] - lam[0]) / (lam[1] + lam[0]):.4g} of the error per epoch" in c.text


def test_case8_a_diverged_run_is_explained_as_divergence():
    c = _closer3(_run(3, lr=0.05))
    assert c.title == "Look closer: why this run diverges"
    assert "removes just" not in c.text and "This is not a bug" not in c.text
    assert "1 − η·λmax = **−1.241**" in c.text
    lam, _ = _eig(lesson(3).defaults().x)
    assert f"{1 - 0.05 * lam[1]:.4g}" == "-1.241"


def test_jumps_give_the_share_of_steps_not_every_step():
    run = _run(3, lr=0.0423845, epochs=50, init_w=-3.0, init_b=0.0)
    c = _closer3(run)
    m = re.search(r"w jumps to the other side of its optimum in (\d+) of (\d+) steps \((\d+)%\)", c.text)
    assert m and "at every" not in c.text
    opt = optimum(run.settings.x, run.settings.y, True).params["w"]
    w = np.array([run.initial["w"], *run.history["w"]]) - opt
    noise = 16 * 2.0**-24 * (1 + np.abs(w + opt))
    big = (np.abs(w[:-1]) > noise[:-1]) & (np.abs(w[1:]) > noise[1:])
    k, total = int(np.sum(big & (w[:-1] * w[1:] < 0))), int(big.sum())
    assert (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (k, total, round(100 * k / total))


def test_no_slowly_for_a_fast_error():
    run = _run(3, lr=0.015)
    assert "slowly" not in _closer3(run).text


def test_stalled_run_gets_the_float32_paragraph():
    run = _run(3, x=(0.1, 0.2, 0.3, 0.4, 0.6, 0.8), y=(2.0, 4.0, 6.0, 8.0, 11.0, 16.0), init_w=19.4, init_b=0.07,
               lr=0.015, epochs=2500)
    c = _closer3(run)
    assert c.title == "Look closer: float32 stopped the flat direction" and "epoch 2,338" in c.text


def test_converging_paragraph_numbers():
    run = _run(3)
    c = _closer3(run)
    lam, V = _eig(lesson(3).defaults().x)
    assert f"λmax = **{lam[1]:.6g}**" in c.text and f"λmin = **{lam[0]:.6g}**" in c.text
    assert f"1 − η·λmin = {1 - 0.015 * lam[0]:.4g}" in c.text
    assert f"the steep direction's is {1 - 0.015 * lam[1]:.4g}" in c.text
    flat = V[:, 0] * np.sign(V[np.argmax(np.abs(V[:, 0])), 0])
    assert f"({flat[0]:.2f}, {flat[1]:.2f})" in c.text
    opt = optimum(run.settings.x, run.settings.y, True).params
    assert f"b is {abs(run.params['b'] - opt['b']):.2g} from b*, tolerance {1e-4 * (1 + abs(opt['b'])):.2g}" in c.text


# ---------------------------------------------------------------- lessons 1, 2 and 4


def test_case6_overflow_is_not_called_float32_rounding():
    for kw in ({"lr": 1.0, "epochs": 200}, {"x": LARGE.x, "y": LARGE.y}):
        run = _run(1, **kw)
        c = explain.gradient_check(run, insight.analytic_gradients(run))
        assert "inf, float32 rounding" not in c.text and "overflow, not rounding" in c.text
        first = int(np.argmax(~np.isfinite(run.history["loss"].to_numpy())) + 1)
        assert f"From epoch {first} on the loss or the gradient overflowed float32" in c.text


def test_gradient_difference_is_recomputed():
    run = _run(1)
    c = explain.gradient_check(run, insight.analytic_gradients(run))
    X, Y = np.array(run.settings.x), np.array(run.settings.y)
    w = run.history["w_before"].to_numpy()
    formula = 2 * ((w[:, None] * X - Y) * X).mean(axis=1)
    worst = np.abs(run.history["grad_w"].to_numpy() - formula).max()
    assert f"the largest difference is **{worst:.2g}**" in c.text and "float32 rounding" in c.text


def test_case4_the_cause_is_the_update_tested_on_the_same_gradient():
    s = lesson(2).defaults().replace(x=(0.1, 0.7, 3.3), y=(1.1, 2.9, 0.3), init_w=1.7, lr=0.2)
    cmp = insight.manual_vs_optimizer(s)
    check = insight.update_check(s, cmp)
    assert check.same_gradient and not check.same_update
    # The two updates, redone here, are what the two runs did at that epoch.
    manual = train(s.replace(lesson=1, init_w=1.7))
    assert manual.history["w"].iloc[check.epoch - 1] == check.manual_update
    assert train(s).history["w"].iloc[check.epoch - 1] == check.sgd_update
    text = explain.optimizer_check(train(s), cmp, check).text
    assert "The cause is the update, not the loss" in text
    assert "MSELoss` and `((y - y_pred)**2).mean()` round" not in text
    assert f"identical in {cmp.identical_epochs} of 20 epochs" in text


def test_case5_nan_equals_nan():
    s = lesson(2).defaults().replace(lr=1.0, epochs=200)
    cmp = insight.manual_vs_optimizer(s)
    assert cmp.identical and cmp.identical_epochs == 200
    text = explain.optimizer_check(train(s), cmp, insight.update_check(s, cmp)).text
    assert "identical, bit for bit, in all 200 epochs" in text and "24 of 200" not in text
    cmp4 = insight.class_vs_linear(lesson(4).defaults().replace(x=LARGE.x, y=LARGE.y))
    assert cmp4.identical
    assert "in every one of the 100 epochs" in explain.module_check(cmp4).text


def test_scaling_note_is_computed_from_the_data():
    assert "grows 164-fold" in explain.scaling_note(presets(lesson(1))[0].x, presets(lesson(1))[3].x, False)
    assert "grows 100-fold" in explain.scaling_note(presets(lesson(2))[0].x, presets(lesson(2))[3].x, False)
    note = explain.scaling_note(presets(lesson(3))[0].x, presets(lesson(3))[3].x, True)
    assert "λmax grows ×96.7" in note and "λmin ×1.03" in note and "from 88.7 to 8,290" in note
    lam_a, _ = _eig(presets(lesson(3))[0].x)
    lam_b, _ = _eig(presets(lesson(3))[3].x)
    assert f"{lam_b[1] / lam_a[1]:.3g}" == "96.7" and f"{lam_b[0] / lam_a[0]:.3g}" == "1.03"


def test_min_loss_of_an_exact_fit_reads_zero():
    x, y = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0), (3.1, 5.2, 7.3, 9.4, 13.6, 17.8)
    opt = optimum(x, y, True)
    assert "Minimum possible (closed form): 0" in explain.min_loss_text(opt, y)
    assert "1.3" not in explain.min_loss_text(opt, y).split("(float64")[0]
    y_doc = (2.0, 4.0, 6.0, 8.0, 11.0, 16.0)
    assert explain.min_loss_text(optimum(x, y_doc, True), y_doc) == "Minimum possible (closed form): 0.119281"


def test_keeps_all_but_instead_of_1():
    assert explain.keeps_text(1 - 9.6e-13) == "all but 9.6e-13"
    assert explain.keeps_text(0.9924) == "0.9924"
