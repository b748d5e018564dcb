"""core.race: each racer is an independent plain-torch run of the same optimizer; the momentum bound."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from core import analysis, race
from core.catalog import lesson
from core.lessons import init_linear

LESSONS = (1, 2, 3, 4)
BETA = 0.8


def make(name: str, params: list, lr: float):
    """The optimizer, written by hand for the reference."""
    return {
        "SGD": lambda: torch.optim.SGD(params, lr),
        "Momentum": lambda: torch.optim.SGD(params, lr, momentum=BETA),
        "Nesterov": lambda: torch.optim.SGD(params, lr, momentum=BETA, nesterov=True),
        "RMSprop": lambda: torch.optim.RMSprop(params, lr),
        "Adagrad": lambda: torch.optim.Adagrad(params, lr),
        "Adam": lambda: torch.optim.Adam(params, lr),
    }[name]()


def reference(n: int, name: str, lr: float, epochs: int) -> tuple[list[float], list[tuple[float, ...]]]:
    """Plain torch: the lesson's model and loss, this optimizer, the lab's start (its generator, seed 0)."""
    s = lesson(n).defaults()
    g = torch.Generator().manual_seed(s.seed)
    if lesson(n).has_bias:
        X = torch.tensor(s.x).reshape(-1, 1)
        Y = torch.tensor(s.y).reshape(-1, 1)
        model = torch.nn.Linear(1, 1)
        init_linear(model, g)
        params = [model.weight, model.bias]
        forward = model
    else:
        X, Y = torch.tensor(s.x), torch.tensor(s.y)
        shape = (1,) if n == 1 else ()
        w = (torch.rand(shape, requires_grad=True, generator=g) if s.init_w is None
             else torch.full(shape, s.init_w, requires_grad=True))
        params = [w]
        forward = lambda x: w * x  # noqa: E731
    mse = (lambda a, b: ((a - b) ** 2).mean()) if n == 1 else torch.nn.MSELoss()
    opt = make(name, params, lr)
    losses, after = [], []
    for _ in range(epochs):
        loss = mse(Y, forward(X))
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
        after.append(tuple(p.item() for p in params))
    return losses, after


@pytest.mark.parametrize("n", LESSONS)
@pytest.mark.parametrize("name", [o.name for o in race.OPTIMIZERS])
def test_racer_is_plain_torch(n, name):
    s = lesson(n).defaults().replace(epochs=40)
    lr = race.default_lrs(s)[name]
    r = race.run(s.replace(lr=lr), name, BETA)
    losses, after = reference(n, name, lr, 40)
    assert r.history["loss"].tolist() == losses
    got = list(zip(*(r.history[p].tolist() for p in lesson(n).params), strict=True))
    assert got == after


@pytest.mark.parametrize("n", (1, 3))
def test_script_runs_and_prints_its_own_log(n, tmp_path):
    s = lesson(n).defaults().replace(lr=0.05, epochs=12, log_every=3)
    code = race.script(s, "Adam")
    assert "torch.optim.Adam(" in code and "optimizer.step()" in code
    if n == 1:
        assert "w -= learning_rate" not in code and "has no optimizer" in code
    path = tmp_path / "racer.py"
    path.write_text(code)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    assert out == race.run(s, "Adam").log_text


def test_table_and_defaults():
    s = lesson(3).defaults()
    result = race.race(s, beta=0.5)
    assert list(result.table["optimizer"]) == [o.name for o in race.OPTIMIZERS]
    assert set(result.table.columns) >= {"final loss", "distance to optimum", "epochs to converge"}
    assert result.table.loc[0, "lr"] == s.lr


@pytest.mark.parametrize("lrs, beta", [({"SGD": 0.0}, 0.9), ({"Adam": -1}, 0.9), ({"Adam": math.nan}, 0.9),
                                       ({"SGD": 11.0}, 0.9), ({}, 1.0), ({}, -0.1), ({}, math.nan)])
def test_bad_hyperparameters(lrs, beta):
    with pytest.raises(race.RaceError):
        race.check(lrs, beta)


@pytest.mark.parametrize("n", LESSONS)
@pytest.mark.parametrize("beta", (0.0, 0.5, 0.9))
def test_momentum_bound(n, beta):
    """Heavy ball converges just inside (2 + 2β)/λmax and diverges just outside."""
    s = lesson(n).defaults().replace(epochs=600, init_w=0.0, init_b=0.0 if lesson(n).has_bias else None)
    curv = analysis.curvature(s.x, s.has_bias)
    bound = race.momentum_bound(curv.eigenvalues[-1], beta)
    if beta == 0:
        assert bound == pytest.approx(curv.lr_critical)
    name = "Momentum" if beta else "SGD"
    inside = race.run(s.replace(lr=bound * 0.97), name, beta).history["loss"].to_numpy()
    outside = race.run(s.replace(lr=bound * 1.03), name, beta).history["loss"].to_numpy()
    assert inside[-1] < inside[0]
    assert not np.isfinite(outside[-1]) or outside[-1] > 1e3 * outside[0]


@pytest.mark.parametrize("n", (1, 3))
def test_the_race_reports_what_each_trajectory_did_not_the_sgd_theory(n):
    """No fixed-rate verdict for adaptive optimizers: the outcome is read off each run, with the verdict's tolerance."""
    s = lesson(n).defaults().replace(epochs=400)
    result = race.race(s)
    opt = analysis.optimum(s.x, s.y, lesson(n).has_bias)
    tol = analysis.tolerance(opt)
    for name, r in result.runs.items():
        row = result.table.set_index("optimizer").loc[name]
        err = {p: abs(r.history[p].to_numpy() - v) for p, v in opt.params.items()}
        inside = [all(err[p][k] <= tol[p] for p in err) for k in range(len(r.history))]
        if inside[-1]:
            first = next(k for k in range(len(inside)) if all(inside[k:])) + 1
            assert row["outcome"] == f"converged at epoch {first:,}" and row["epochs to converge"] == first, name
        else:
            assert row["outcome"].startswith(("not within tolerance", "overflowed")), name
    sgd = analysis.verdict(result.runs["SGD"], opt)
    if sgd.kind == "converged":  # plain SGD: the same epoch as the verdict's
        assert result.table.set_index("optimizer").loc["SGD", "epochs to converge"] == sgd.epoch
