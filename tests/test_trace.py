"""core.trace and `python -m core N --trace K`: every number is the document's program's, run verbatim, instrumented.

The reference is the document's program text (tests/conftest.py) with the settings typed in, and a
few capture lines inserted into that text at epoch K: after the loop's header, after each statement
of the loop body. It is exec'd right after torch.manual_seed(seed), as the document runs; core is
never called to build it. Its graph is walked here with a few lines of our own.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings

import pytest
import torch

from core.catalog import lesson
from core.cli import main
from core.lessons import train
from core.script import line_map, script
from core.trace import PHASES, TraceError, contributions, gradient_check, notable_epochs, phase_lines, trace

F32 = 2.0**-24  # float32's unit roundoff


from tests.support.document import document_program  # noqa: E402

# ---- the reference: the document's program with capture lines typed in ---------------------------

# Per lesson: (statement in the document's loop, phase it ends). A capture line goes right after it.
_AFTER = {
    1: [("for iter in range(iter_num):\n", "start"), ("    Y_pred = predictor(X, w)\n", "forward"),
        ("    Loss = loss(Y, Y_pred)\n", "loss"), ("    Loss.backward()\n", "backward"),
        ("        w -= learning_rate * w.grad\n", "update"), ("    w.grad.zero_()\n", "zero_grad")],
    2: [("for iter in range(iter_num):\n", "start"), ("    Y_pred = forward(X, w)\n", "forward"),
        ("    Loss = loss(Y, Y_pred)\n", "loss"), ("    Loss.backward()\n", "backward"),
        ("    optemiser.step()\n", "update"), ("    optemiser.zero_grad()\n", "zero_grad")],
}
_AFTER[3] = _AFTER[4] = [(a.replace("forward(X, w)", "model(X)"), p) for a, p in _AFTER[2]]
_PARAMS = {1: "[w]", 2: "[w]", 3: "list(model.parameters())", 4: "list(model.parameters())"}


def _instrumented(s, k: int) -> str:
    text = document_program(s)
    for statement, phase in _AFTER[s.lesson]:
        assert text.count(statement) == 1, statement
        # A 4-space indent: inside the loop body, after the `with torch.no_grad():` block for lesson 1's update.
        text = text.replace(statement, statement + f"    if iter == {k - 1}: _cap({phase!r}, {_PARAMS[s.lesson]}, "
                                                   "globals())\n")
    return text


def _walk(fn) -> list:
    """The document's graph, depth first from the loss, each node once (our own few lines)."""
    seen, order = set(), []

    def visit(node):
        seen.add(node)
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                visit(child)

    visit(fn)
    return order


def reference(s, k: int) -> dict:
    """What the document's program holds at each phase of epoch k (1-based), and its graph; None if never reached."""
    got: dict = {"states": {}}

    def cap(phase, params, g):
        got["states"][phase] = {"params": [p.item() for p in params],
                                "grads": [None if p.grad is None else p.grad.item() for p in params]}
        if phase == "forward":
            got["y_pred"] = g["Y_pred"].detach().flatten().tolist()
        if phase == "loss":
            loss = g["Loss"]
            got["loss"] = loss.item()
            nodes = _walk(loss.grad_fn)
            got["ops"] = [type(n).__name__ for n in nodes]
            got["leaves"] = [n.variable for n in nodes if type(n).__name__ == "AccumulateGrad"]
            g["Y_pred"].retain_grad()  # reads ∂L/∂ŷ after backward; changes no value
        if phase == "backward":
            got["dL_dy_pred"] = g["Y_pred"].grad.flatten().tolist()
            got["x"], got["y"] = g["X"].flatten().tolist(), g["Y"].flatten().tolist()
            got["param_ids"] = [id(p) for p in params]

    ns = {"torch": torch, "__name__": "__document__", "_cap": cap}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.manual_seed(s.seed)
        exec(compile(_instrumented(s, k), "<document>", "exec"), ns)
    got["leaf_names"] = [("w", "b")[got["param_ids"].index(id(v))] for v in got.pop("leaves")]
    return got


# ---- the settings: >= 20 per lesson ---------------------------------------------------------------


def _cases() -> list[tuple]:
    cases = []
    wide_x = tuple(i / 100 for i in range(1000))
    wide_y = tuple(round(2 * x + 0.5 * math.sin(7 * x), 4) for x in wide_x)
    for n in (1, 2, 3, 4):
        d = lesson(n).defaults()
        bias = d.has_bias
        e = d.epochs
        stable = 0.07 if n == 1 else (0.045 if n == 2 else 0.044)  # just under 2/λmax: a zigzag
        over = 0.1 if n == 1 else 0.05  # over 2/λmax: diverges
        variants = [
            ("defaults, first", d, 1), ("defaults, middle", d, e // 2), ("defaults, last", d, e),
            ("seed 1", d.replace(seed=1, init_w=None), 3), ("seed 7", d.replace(seed=7, init_w=None), e),
            ("seed 123", d.replace(seed=123, init_w=None, epochs=5), 5),
            ("lr 0.001", d.replace(lr=0.001), e // 3), ("lr 0.03", d.replace(lr=0.03), 7),
            ("zigzag", d.replace(lr=stable), 4), ("diverging", d.replace(lr=over, epochs=25), 20),
            ("diverging last", d.replace(lr=over, epochs=12), 12),
            ("fixed -3", d.replace(init_w=-3.0), 2), ("fixed 10", d.replace(init_w=10.0, epochs=8), 8),
            ("negative x", d.replace(x=(-2.0, -1.0, 0.0, 1.5), y=(-4.5, -2.0, 0.25, 3.0)), 6),
            ("fractions", d.replace(x=(0.5, 1.5, 2.5), y=(1.0, 2.0, 2.0), lr=0.1, epochs=30), 30),
            ("exact fit", d.replace(x=(1.0, 2.0, 3.0), y=(2.0, 4.0, 6.0), epochs=40), 40),
            ("1,000 points", d.replace(x=wide_x, y=wide_y, lr=0.003, epochs=6), 4),
            ("one epoch", d.replace(epochs=1), 1), ("log every 7", d.replace(log_every=7, epochs=30), 15),
            ("predict -2", d.replace(predict=-2.0), 9),
            ("big data", d.replace(x=(100.0, 200.0, 300.0), y=(1.0, 2.0, 3.5), lr=1e-5, epochs=10), 10),
        ]
        if n == 1:
            variants.append(("one point", d.replace(x=(3.0,), y=(6.0,)), 5))
        if bias:
            variants += [("fixed b", d.replace(init_w=0.5, init_b=-2.0), 50),
                         ("fixed b only", d.replace(init_b=3.0, seed=5), 10)]
        cases += [pytest.param(s, k, id=f"lesson{n}-{name}") for name, s, k in variants]
    return cases


CASES = _cases()


@pytest.mark.parametrize(("s", "k"), CASES)
def test_every_number_is_the_documents_program_at_epoch_k(s, k):
    tr = trace(s, k)
    ref = reference(s, k)
    names = list(s.params)
    for phase in ("start", *PHASES):
        mine = next(st for st in tr["states"] if st["phase"] == phase)
        assert [mine["params"][p] for p in names] == ref["states"][phase]["params"], phase
        assert [mine["grads"][p] for p in names] == ref["states"][phase]["grads"], phase
    assert tr["loss"] == ref["loss"]
    assert tr["y_pred"] == ref["y_pred"]
    assert (tr["x"], tr["y"]) == (ref["x"], ref["y"])
    assert [tr["params_before"][p] for p in names] == ref["states"]["start"]["params"]
    assert [tr["grads"][p] for p in names] == ref["states"]["backward"]["grads"]
    assert [tr["params_after"][p] for p in names] == ref["states"]["update"]["params"]
    assert [tr["zeroed"][p] for p in names] == ref["states"]["zero_grad"]["grads"]
    # The graph: the same ops in the same order, the same leaves, ŷ's value and the gradient flowing into it.
    assert [node["op"] for node in tr["graph"]] == ref["ops"]
    assert [node["param"] for node in tr["graph"] if node["op"] == "AccumulateGrad"] == ref["leaf_names"]
    y_node = next(node for node in tr["graph"] if node["y_pred"])
    assert y_node["value"] == ref["y_pred"]
    assert y_node["grad"] == ref["dL_dy_pred"]
    assert tr["graph"][0]["value"] == [ref["loss"]] and tr["graph"][0]["grad"] == [1.0]
    for node in tr["graph"]:
        if node["op"] == "AccumulateGrad":
            assert node["grad"] == [tr["grads"][node["param"]]]
            assert node["value"] == [tr["params_before"][node["param"]]]
    # Arithmetic on the trace.
    c = contributions(tr)
    n = len(tr["x"])
    for p in names:
        bound = 4 * n * F32 * math.fsum(abs(v) for v in c["rows"][p]) + F32 * abs(tr["grads"][p])
        assert abs(c["sum"][p] - tr["grads"][p]) <= bound, (p, c["sum"][p], tr["grads"][p])
    for row in gradient_check(tr):
        scale = max(abs(row["formula"]), 2 / n * math.fsum(
            abs(xi * (tr["params_before"]["w"] * xi + tr["params_before"].get("b", 0.0) - yi))
            for xi, yi in zip(tr["x"], tr["y"], strict=True)))
        assert abs(row["finite_difference"] - row["formula"]) <= 1e-6 * scale, row


def test_the_trace_sees_the_same_run_as_the_lab():
    """A cross-check against the lab's own history (the document is the oracle above)."""
    s = lesson(3).defaults()
    h = train(s).history
    for k in (1, 37, 100):
        tr = trace(s, k)
        row = h.iloc[k - 1]
        assert tr["loss"] == row["loss"]
        assert tr["params_before"] == {"w": row["w_before"], "b": row["b_before"]}
        assert tr["grads"] == {"w": row["grad_w"], "b": row["grad_b"]}
        assert tr["params_after"] == {"w": row["w"], "b": row["b"]}


@pytest.mark.parametrize("s", [lesson(3).defaults(), lesson(3).defaults().replace(lr=0.04, seed=9, init_w=None),
                               lesson(3).defaults().replace(init_w=2.0, init_b=-1.0, x=(0.0, 1.0, 5.0),
                                                            y=(1.0, 1.0, 2.0))])
def test_lesson_4s_graph_is_lesson_3s(s):
    k = s.epochs // 2
    three, four = trace(s, k), trace(s.replace(lesson=4), k)
    strip = [{key: v for key, v in node.items()} for node in three["graph"]]
    assert strip == four["graph"]
    assert [node["op"] for node in four["graph"]] == [
        "MseLossBackward0", "AddmmBackward0", "AccumulateGrad", "TBackward0", "AccumulateGrad"]


def test_zero_grad_is_shown_as_it_is():
    assert trace(lesson(1).defaults(), 2)["zeroed"] == {"w": 0.0}
    assert trace(lesson(2).defaults(), 2)["zeroed"] == {"w": None}
    assert trace(lesson(3).defaults(), 2)["zeroed"] == {"w": None, "b": None}
    # Before epoch 1 no gradient exists yet; lesson 1's later epochs start from the zeros zero_() left.
    assert trace(lesson(1).defaults(), 1)["states"][0]["grads"] == {"w": None}
    assert trace(lesson(1).defaults(), 2)["states"][0]["grads"] == {"w": 0.0}


@pytest.mark.parametrize("n", (1, 2, 3, 4))
def test_the_highlighted_lines_hold_their_phases_statements(n):
    for s in (lesson(n).defaults(), lesson(n).defaults().replace(init_w=1.5, x=tuple(range(1, 40)),
                                                                 y=tuple(range(2, 80, 2)))):
        rows = script(s).split("\n")
        lines = phase_lines(s)
        assert set(lines) == set(PHASES)
        assert lines == {p: line_map(s)[p] for p in PHASES}
        update = "w -= learning_rate * w.grad" if n == 1 else "optimizer.step()"
        zero = "w.grad.zero_()" if n == 1 else "optimizer.zero_grad()"
        want = {"forward": "Y_pred = ", "loss": "Loss = loss(Y, Y_pred)", "backward": "Loss.backward()",
                "update": update, "zero_grad": zero}
        for phase, text in want.items():
            shown = "\n".join(rows[i - 1] for i in lines[phase])
            assert text in shown, (phase, shown)
            assert all(rows[i - 1].startswith("    ") for i in lines[phase])  # inside the loop


def test_notable_epochs():
    assert notable_epochs([5, 4, 3], {"w": [-1, -1, -1]}, 3) == {"first": 1, "last": 3}
    assert notable_epochs([5, 4, 3], {"w": [-1, 1, -1]}, 3) == {"first": 1, "sign": 2, "last": 3}
    assert notable_epochs([5, 6, 9, math.inf], {"w": [-1, 2, -4, math.nan]}, 3) == {"first": 1, "rises": 2,
                                                                                   "last": 3}


# ---- bad epochs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "words"), [(0, "from 1 to 20"), (21, "from 1 to 20"), (-3, "from 1 to 20"),
                                          ("3", "whole number"), (2.0, "whole number"), (True, "whole number")])
def test_bad_epochs_say_what_is_wrong(k, words):
    with pytest.raises(TraceError, match=words):
        trace(lesson(1).defaults(), k)


def test_an_epoch_after_an_overflow_says_where_it_overflowed():
    s = lesson(1).defaults().replace(lr=0.5, epochs=100)
    with pytest.raises(TraceError, match=r"overflowed at epoch 18.*from 1 to 17"):
        trace(s, 40)
    assert trace(s, 17)["epoch"] == 17  # the last finite epoch can be traced


# ---- the command line ------------------------------------------------------------------------------


def test_cli_json_is_the_trace(capsys):
    assert main(["3", "--lr", "0.03", "--seed", "4", "--trace", "12", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("\n") == 1
    got = json.loads(out)
    tr = trace(lesson(3).defaults().replace(lr=0.03, seed=4), 12)
    for key in ("epoch", "loss", "params_before", "grads", "params_after", "zeroed"):
        assert got[key] == tr[key], key
    assert [(n["op"], n["param"]) for n in got["graph"]] == [(n["op"], n["param"]) for n in tr["graph"]]
    assert got["zeroed"] == {"w": None, "b": None}


def test_cli_text(capsys):
    assert main(["1", "--trace", "3"]) == 0
    out, _ = capsys.readouterr()
    assert "after zero_grad" in out and "w.grad = 0.0" in out and "AccumulateGrad [w]" in out


@pytest.mark.parametrize("argv", [["1", "--trace", "0"], ["1", "--trace", "21"], ["1", "--trace", "abc"],
                                  ["1", "--trace", "1.5"], ["1", "--lr", "0.5", "--epochs", "100", "--trace", "40"],
                                  ["1", "--json"], ["9", "--trace", "1"]])
def test_cli_bad_trace_is_one_error_line(argv, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
