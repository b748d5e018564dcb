"""core.lessons: fidelity to the document's programs, the recorded history, isolation between runs.

The reference for every log is the document's own program (tests/conftest.py keeps it verbatim),
run with exec() after torch.manual_seed(seed), or the stored output of the document's runs.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from core.catalog import LESSONS, lesson
from core.lessons import Run, number_literal, train

LESSON_NUMBERS = (1, 2, 3, 4)

# Data a learner might type: not integers, negative values, a zero.
ODD_X = (-2.5, -1.0, 0.0, 0.5, 1.25, 3.75)
ODD_Y = (-4.1, -2.2, 0.3, 0.9, 2.6, 7.3)


def _settings(n: int, **changes):
    return lesson(n).defaults().replace(**changes)


# Each case: (lesson, changes to the lesson's defaults). Ids say what differs from the document.
FIDELITY_CASES = [
    *[pytest.param(n, {"seed": seed}, id=f"L{n}-seed{seed}") for n in LESSON_NUMBERS for seed in (1, 7, 12345)],
    *[pytest.param(n, {"log_every": k}, id=f"L{n}-log_every{k}") for n in LESSON_NUMBERS for k in (1, 3, 7)],
    *[pytest.param(n, {"predict": p}, id=f"L{n}-predict{p}") for n in LESSON_NUMBERS for p in (2.5, -3.0)],
    *[pytest.param(n, {"lr": lr}, id=f"L{n}-lr{lr}") for n in LESSON_NUMBERS for lr in (0.001, 0.03)],
    *[pytest.param(n, {"x": ODD_X, "y": ODD_Y, "seed": 7}, id=f"L{n}-odd-data") for n in LESSON_NUMBERS],
    *[pytest.param(n, {"epochs": 7}, id=f"L{n}-epochs7") for n in LESSON_NUMBERS],
    *[pytest.param(n, {"init_w": -0.75, "seed": 3}, id=f"L{n}-init_w") for n in LESSON_NUMBERS],
    pytest.param(2, {"init_w": None, "seed": 12345}, id="L2-random-init"),
    pytest.param(2, {"init_w": None, "seed": 0}, id="L2-random-init-seed0"),
    *[pytest.param(n, {"init_w": 1.25, "init_b": -0.5, "seed": 5}, id=f"L{n}-init_w_b") for n in (3, 4)],
    *[pytest.param(n, {"init_b": -0.5, "seed": 5}, id=f"L{n}-init_b-only") for n in (3, 4)],
    # Everything at once, and a run that blows up (inf and nan in the log must match too).
    *[pytest.param(n, {"x": ODD_X, "y": ODD_Y, "lr": 0.02, "epochs": 33, "log_every": 3, "seed": 12345,
                       "predict": -3.0, "init_w": 0.5}, id=f"L{n}-everything") for n in LESSON_NUMBERS],
    *[pytest.param(n, {"lr": 0.5, "epochs": 40, "log_every": 1}, id=f"L{n}-diverging") for n in LESSON_NUMBERS],
]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_defaults_reproduce_the_documents_output_byte_for_byte(n, reference):
    run = train(lesson(n).defaults())
    assert run.log_text.encode("utf-8") == reference(n).encode("utf-8")


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_the_reference_harness_reproduces_the_fixtures(n, document_log, reference):
    # The verbatim program with the defaults typed back in prints the stored output: the harness is sound.
    assert document_log(lesson(n).defaults()) == reference(n)


@pytest.mark.parametrize(("n", "changes"), FIDELITY_CASES)
def test_log_equals_the_documents_program_with_the_same_settings(n, changes, document_log):
    s = _settings(n, **changes)
    assert train(s).log_text == document_log(s)


@pytest.mark.parametrize("n", (1, 2))
def test_predicting_at_negative_zero_matches_the_document(n, document_log):
    s = _settings(n, predict=-0.0)
    assert train(s).log_text == document_log(s)


def test_lessons_table_matches_the_design():
    got = [(les.number, les.slug, d.lr, d.epochs, d.log_every, d.init_w, les.params)
           for les, d in ((les, les.defaults()) for les in LESSONS)]
    assert got == [
        (1, "autograd", 0.01, 20, 2, None, ("w",)),
        (2, "optimizer", 0.01, 20, 2, 0.0, ("w",)),
        (3, "linear", 0.015, 100, 10, None, ("w", "b")),
        (4, "module", 0.015, 100, 10, None, ("w", "b")),
    ]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_defaults_are_the_documents_settings(n):
    s = lesson(n).defaults()
    doc_x = (1, 2, 3, 4, 6) if n == 1 else (1, 2, 3, 4, 6, 8)
    doc_y = (2, 4, 6, 7, 12) if n == 1 else (2, 4, 6, 8, 11, 16)
    assert (s.lesson, s.x, s.y, s.seed, s.predict, s.init_b) == (n, doc_x, doc_y, 0, 5, None)


@pytest.mark.parametrize(("key", "n"), [(1, 1), ("2", 2), (" 3 ", 3), ("linear", 3), ("MODULE", 4), ("autograd", 1)])
def test_lesson_lookup_by_number_or_slug(key, n):
    assert lesson(key).number == n


@pytest.mark.parametrize("key", [0, 5, "five", "", "lin"])
def test_unknown_lesson_raises_key_error(key):
    with pytest.raises(KeyError):
        lesson(key)


@pytest.mark.parametrize(("v", "text"), [(5.0, "5"), (5, "5"), (-3.0, "-3"), (2.5, "2.5"), (0.1, "0.1"),
                                         (1e-07, "1e-07"), (1e6, "1000000"), (-123.25, "-123.25")])
def test_number_literal_reads_back_as_the_same_number(v, text):
    assert number_literal(v) == text
    assert float(eval(text)) == float(v)


# ---------------------------------------------------------------- history


def _mse32(n: int, s, w: float, b: float) -> tuple[float, float, float]:
    """Loss and gradients at (w, b) in float32 by autograd, with the lesson's own formulation."""
    X = torch.tensor(s.x, dtype=torch.float32)
    Y = torch.tensor(s.y, dtype=torch.float32)
    tw = torch.tensor(w, dtype=torch.float32, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float32, requires_grad=True)
    if n == 1:
        loss = ((Y - tw * X) ** 2).mean()
    elif n == 2:
        loss = torch.nn.MSELoss()(X * tw, Y)
    else:
        loss = torch.nn.MSELoss()(torch.nn.functional.linear(X[:, None], tw.reshape(1, 1), tb.reshape(1)), Y[:, None])
    loss.backward()
    return loss.item(), tw.grad.item(), 0.0 if tb.grad is None else tb.grad.item()


HISTORY_CASES = [
    *[pytest.param(n, {}, id=f"L{n}-defaults") for n in LESSON_NUMBERS],
    *[pytest.param(n, {"x": ODD_X, "y": ODD_Y, "lr": 0.03, "epochs": 40, "seed": 7}, id=f"L{n}-odd")
      for n in LESSON_NUMBERS],
]


def _run(n: int, changes: dict) -> Run:
    return train(_settings(n, **changes))


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_history_columns_and_epochs(n, changes):
    run = _run(n, changes)
    names = ("w", "b") if n in (3, 4) else ("w",)
    expected_columns = ["epoch", "loss", *[c for p in names for c in (f"{p}_before", p, f"grad_{p}")]]
    assert list(run.history.columns) == expected_columns
    assert run.history["epoch"].tolist() == list(range(1, run.settings.epochs + 1))
    assert set(run.initial) == set(run.params) == set(names)


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_history_chains_before_and_after_values(n, changes):
    run = _run(n, changes)
    h = run.history
    for p in run.params:
        before, after = h[f"{p}_before"].tolist(), h[p].tolist()
        assert before[0] == run.initial[p]
        assert before[1:] == after[:-1]
        assert run.params[p] == after[-1]


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_history_loss_is_before_the_update_and_grads_are_autograds(n, changes):
    run = _run(n, changes)
    s = run.settings
    for row in run.history.itertuples():
        b = row.b_before if n in (3, 4) else 0.0
        loss, gw, gb = _mse32(n, s, row.w_before, b)
        # Same float32 operations on the same values: the same bits.
        assert (row.loss, row.grad_w) == (loss, gw)
        if n in (3, 4):
            assert row.grad_b == gb


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_each_update_is_sgd_with_the_recorded_grad(n, changes):
    run = _run(n, changes)
    lr = run.settings.lr
    for p in run.params:
        for before, grad, after in zip(run.history[f"{p}_before"], run.history[f"grad_{p}"], run.history[p],
                                       strict=True):
            assert after == pytest.approx(before - lr * grad, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_history_matches_every_line_the_document_prints(n, document_log):
    # With log_every=1 the document prints w (and b) after each update and the loss before it.
    s = _settings(n, log_every=1, x=ODD_X, y=ODD_Y, seed=12345, epochs=25)
    lines = document_log(s).splitlines()[:-1]
    run = train(s)
    assert len(lines) == len(run.history) == 25
    for line, row in zip(lines, run.history.itertuples(), strict=True):
        if n == 1:
            assert line == f"epoch {row.epoch}: w = {row.w!r}, loss = {row.loss!r}"
        elif n == 2:
            assert line == f"epoch {row.epoch}: w = {row.w:f}, loss = {row.loss:f}"
        else:
            assert line == f"epoch {row.epoch}: w = {row.w:f}, b = {row.b:f}, loss = {row.loss:f}"


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_final_loss_is_the_mse_at_the_final_parameters(n, changes):
    run = _run(n, changes)
    X = torch.tensor(run.settings.x, dtype=torch.float64)
    Y = torch.tensor(run.settings.y, dtype=torch.float64)
    mse = ((run.params["w"] * X + run.params.get("b", 0.0) - Y) ** 2).mean().item()
    assert run.final_loss == pytest.approx(mse, rel=1e-5, abs=1e-6)
    assert run.final_loss == _mse32(n, run.settings, run.params["w"], run.params.get("b", 0.0))[0]


@pytest.mark.parametrize("predict", (5.0, 2.5, -3.0))
@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_prediction_is_the_final_model_at_predict(n, changes, predict):
    run = _run(n, {**changes, "predict": predict})
    expected = run.params["w"] * predict + run.params.get("b", 0.0)
    assert run.prediction == pytest.approx(expected, rel=1e-6, abs=1e-6)
    # Exactly what the program computes: a Python float product in lesson 1, float32 tensors after.
    w32 = torch.tensor([[run.params["w"]]], dtype=torch.float32)
    if n == 1:
        assert run.prediction == predict * run.params["w"]
    elif n == 2:
        assert run.prediction == (predict * w32).item()
    else:
        b32 = torch.tensor([run.params["b"]], dtype=torch.float32)
        assert run.prediction == torch.nn.functional.linear(torch.tensor([predict]), w32, b32).item()
    if n == 1:
        assert run.log_lines[-1] == f"The prediction of input {number_literal(predict)} is {run.prediction!r}"
    else:
        assert run.log_lines[-1] == f"model prediction: f({number_literal(predict)}) = {run.prediction:f}"


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_fixed_initial_values_are_the_first_before_values(n):
    changes = {"init_w": -0.75, "init_b": 0.25} if n in (3, 4) else {"init_w": -0.75}
    run = train(_settings(n, **changes))
    assert run.initial == ({"w": -0.75, "b": 0.25} if n in (3, 4) else {"w": -0.75})


@pytest.mark.parametrize("n", (3, 4))
def test_fixing_one_parameter_keeps_the_other_drawn_from_the_seed(n):
    free = train(_settings(n, seed=9))
    only_w = train(_settings(n, seed=9, init_w=3.0))
    only_b = train(_settings(n, seed=9, init_b=-2.0))
    assert only_w.initial == {"w": 3.0, "b": free.initial["b"]}
    assert only_b.initial == {"w": free.initial["w"], "b": -2.0}


def test_random_initial_values_are_nn_linears_default_init():
    # nn.Linear(1, 1) draws w and b uniformly from [-1, 1] (bound 1/sqrt(in_features)).
    for seed in range(20):
        init = train(_settings(3, seed=seed, epochs=1)).initial
        torch.manual_seed(seed)
        ref = torch.nn.Linear(1, 1)
        assert init == {"w": ref.weight.item(), "b": ref.bias.item()}


def test_progress_reports_epochs_done():
    calls = []
    train(_settings(1, epochs=600), lambda done, total: calls.append((done, total)))
    assert calls == [(250, 600), (500, 600), (600, 600)]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_equal_settings_give_identical_runs(n):
    a, b = train(_settings(n, seed=3)), train(_settings(n, seed=3))
    assert a.log_lines == b.log_lines
    assert a.history.equals(b.history)
    assert (a.params, a.final_loss, a.prediction) == (b.params, b.final_loss, b.prediction)


@pytest.mark.parametrize("n", (1, 3, 4))
def test_different_seeds_give_different_initial_values(n):
    assert train(_settings(n, seed=1, epochs=1)).initial != train(_settings(n, seed=2, epochs=1)).initial


# ---------------------------------------------------------------- gradients against the math


def _analytic(x, y, w: float, b: float) -> tuple[float, float, float, float]:
    """(2/N)·Σ x(ŷ−y) and (2/N)·Σ(ŷ−y) in float64, and the size of the terms each one sums.

    float32 rounds each term, so the recorded grad may differ by a few ulps of the terms' size,
    which near the optimum is much more than the (small) gradient itself.
    """
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    r = w * X + b - Y
    size = (w * X).abs() + abs(b) + Y.abs()
    n = len(x)
    return ((2 / n) * (X * r).sum().item(), (2 / n) * r.sum().item(),
            (2 / n) * (X.abs() * size).sum().item(), (2 / n) * size.sum().item())


def _mse64(x, y, w: float, b: float) -> float:
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    return ((w * X + b - Y) ** 2).mean().item()


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_recorded_grads_equal_the_analytic_gradient(n, changes):
    run = _run(n, changes)
    x, y = run.settings.x, run.settings.y
    for row in run.history.itertuples():
        b = row.b_before if n in (3, 4) else 0.0
        gw, gb, size_w, size_b = _analytic(x, y, row.w_before, b)
        assert abs(row.grad_w - gw) <= 1e-5 * (abs(gw) + size_w)
        if n in (3, 4):
            assert abs(row.grad_b - gb) <= 1e-5 * (abs(gb) + size_b)
        # Away from the optimum the terms do not cancel, and the match is relative to the grad itself.
        if abs(gw) > 0.1 * size_w:
            assert row.grad_w == pytest.approx(gw, rel=1e-5)


@pytest.mark.parametrize(("n", "changes"), HISTORY_CASES)
def test_analytic_gradient_matches_central_differences(n, changes):
    run = _run(n, changes)
    x, y = run.settings.x, run.settings.y
    for row in run.history.iloc[:: max(1, len(run.history) // 10)].itertuples():
        w = row.w_before
        b = row.b_before if n in (3, 4) else 0.0
        gw, gb, _, _ = _analytic(x, y, w, b)
        h = 1e-4
        fd_w = (_mse64(x, y, w + h, b) - _mse64(x, y, w - h, b)) / (2 * h)
        assert fd_w == pytest.approx(gw, rel=1e-6, abs=1e-6)
        assert row.grad_w == pytest.approx(fd_w, rel=1e-5, abs=1e-4)
        if n in (3, 4):
            fd_b = (_mse64(x, y, w, b + h) - _mse64(x, y, w, b - h)) / (2 * h)
            assert fd_b == pytest.approx(gb, rel=1e-6, abs=1e-6)
            assert row.grad_b == pytest.approx(fd_b, rel=1e-5, abs=1e-4)


# ---------------------------------------------------------------- isolation


def test_concurrent_runs_get_exactly_their_sequential_logs():
    seeds = (0, 1, 7, 12345, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 42, 2**32 - 1)
    jobs = [(LESSON_NUMBERS[i % 4], seed) for i, seed in enumerate(seeds)]  # 16 runs, 4 of each lesson
    # Lesson 2 draws its w from the seed too here, so every run's log differs from every other's.
    settings = [_settings(n, seed=seed, log_every=1, epochs=60, init_w=None) for n, seed in jobs]
    sequential = [train(s).log_text for s in settings]
    assert len(set(sequential)) == len(jobs)  # every run differs, so a mix-up would show
    barrier = threading.Barrier(len(jobs))

    def job(s):
        barrier.wait(timeout=30)
        return train(s).log_text

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        concurrent = list(pool.map(job, settings))
    assert concurrent == sequential


@pytest.mark.parametrize(("n", "changes"), [(1, {}), (2, {"init_w": None}), (3, {}), (4, {}),
                                             (3, {"init_w": 1.0, "init_b": 2.0}), (4, {"init_b": 2.0})])
def test_a_run_never_touches_torchs_global_rng(n, changes):
    torch.manual_seed(2024)
    state = torch.get_rng_state()
    train(_settings(n, seed=5, **changes))
    assert torch.equal(torch.get_rng_state(), state)


def test_runs_do_not_depend_on_the_global_rng_state():
    torch.manual_seed(1)
    a = train(_settings(3, seed=4)).log_text
    torch.rand(1000)
    b = train(_settings(3, seed=4)).log_text
    assert a == b


def test_run_is_frozen():
    run = train(_settings(1, epochs=2))
    with pytest.raises(AttributeError):
        run.final_loss = 0.0  # type: ignore[misc]
