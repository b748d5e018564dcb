"""core.insight: the numbers behind each lesson's own point."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core import insight
from core.catalog import lesson
from core.lessons import train


@pytest.mark.parametrize("n", (1, 3))
def test_analytic_gradients_match_autograd(n):
    run = train(lesson(n).defaults().replace(epochs=30))
    table = insight.analytic_gradients(run)
    assert list(table["autograd dL/dw"]) == run.history["grad_w"].tolist()
    # The formula, evaluated independently here with torch.autograd in float64 at w_before.
    s = run.settings
    X, Y = torch.tensor(s.x, dtype=torch.float64), torch.tensor(s.y, dtype=torch.float64)
    for i in (0, 7, 29):
        w = torch.tensor(run.history["w_before"].iloc[i], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(run.history["b_before"].iloc[i] if s.has_bias else 0.0, dtype=torch.float64,
                         requires_grad=True)
        ((w * X + b - Y) ** 2).mean().backward()
        assert table["(2/N)·Σ x(ŷ−y)"].iloc[i] == pytest.approx(w.grad.item(), rel=1e-12)
        if s.has_bias:
            assert table["(2/N)·Σ (ŷ−y)"].iloc[i] == pytest.approx(b.grad.item(), rel=1e-12)
    assert (table["autograd dL/dw"] - table["(2/N)·Σ x(ŷ−y)"]).abs().max() < 1e-4


def test_optimizer_step_is_the_manual_update_at_the_documents_settings():
    cmp = insight.manual_vs_optimizer(lesson(2).defaults())
    assert cmp.identical and cmp.epochs == 20 and cmp.max_difference == 0.0
    manual = train(lesson(2).defaults().replace(lesson=1, init_w=0.0))
    assert list(cmp.table["w (w -= lr·grad)"]) == manual.history["w"].tolist()


def test_comparison_reports_float32_differences_honestly():
    s = lesson(2).defaults().replace(x=(0.1, 0.7, 3.3), y=(1.1, 2.9, 0.3), init_w=1.7, lr=0.2)
    cmp = insight.manual_vs_optimizer(s)
    assert not cmp.identical
    assert 0 < cmp.max_difference < 1e-6  # a float32 ulp or two, not a different algorithm
    diff = (cmp.table["w (w -= lr·grad)"] - cmp.table["w (optimizer.step())"]).abs()
    assert cmp.identical_epochs == int((diff == 0).sum())


def test_module_class_equals_bare_linear():
    cmp = insight.class_vs_linear(lesson(4).defaults())
    assert cmp.identical and cmp.epochs == 100


def test_module_structure_is_what_print_model_shows():
    run = train(lesson(4).defaults())
    text, named = insight.module_structure(run)
    assert text == "LinearRegression(\n  (lin): Linear(in_features=1, out_features=1, bias=True)\n)"
    assert named == [("lin.weight", (1, 1), run.params["w"]), ("lin.bias", (1,), run.params["b"])]


def test_compare_counts_nan_as_equal_and_keeps_overflow_out_of_the_max_difference():
    s = lesson(2).defaults().replace(lr=1.0, epochs=200)
    cmp = insight.manual_vs_optimizer(s)
    manual = cmp.table["w (w -= lr·grad)"].to_numpy()
    assert cmp.identical_epochs == 200 and cmp.first_difference is None
    first_bad = int(np.argmax(~np.isfinite(manual))) + 1
    assert cmp.first_nonfinite == first_bad and cmp.nonfinite_epochs == 200 - first_bad + 1
    assert math.isfinite(cmp.max_difference)


def test_update_check_redoes_both_updates_on_the_same_gradient():
    s = lesson(2).defaults().replace(x=(0.1, 0.7, 3.3), y=(1.1, 2.9, 0.3), init_w=1.7, lr=0.2)
    check = insight.update_check(s)
    assert check.same_gradient and not check.same_update
    assert insight.one_update(check.w, check.grad_optimizer, s.lr) == (check.manual_update, check.sgd_update)
