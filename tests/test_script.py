"""core.script: the code panel's script, run with plain `python`, prints exactly the lab's log."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from core.catalog import lesson
from core.lessons import train
from core.script import script
from core.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def _case(n: int, **changes) -> Settings:
    return lesson(n).defaults().replace(**changes)


# The document's defaults each run in their own `python` process; these cases run as files, one after
# another, in one more (each process spends ~3 CPU-seconds importing torch). Each script seeds torch
# itself when it draws from it, so the order changes nothing.
CASES = {
    "l1-floats-seed123-every1-predict2.5": _case(
        1, x=(0.1, -2.5, 1e-3, 4, 6), y=(0.3, -5.1, 0.002, 7.5, 12), seed=123, log_every=1, epochs=12,
        predict=2.5),
    "l1-fixed-w-lr0.5-diverges": _case(1, init_w=0.5, lr=0.5, epochs=60, log_every=7),
    "l2-fixed-w-lr0.03-every7-predict-3": _case(
        2, x=(-2.5, -1, 0.1, 1e-3, 2, 3.75), y=(-4.9, -2.2, 0.3, 0, 4.1, 7.4), init_w=-1.25, lr=0.03,
        epochs=30, log_every=7, predict=-3),
    "l2-seed42-predict-minus-zero": _case(2, init_w=None, seed=42, predict=-0.0),
    "l3-fixed-w-b-lr0.04-every1-predict2.5": _case(3, init_w=0.5, init_b=-1.5, lr=0.04, log_every=1, predict=2.5),
    "l3-fixed-b-only-seed7-predict-3": _case(3, init_b=0.25, seed=7, predict=-3),
    "l4-fixed-w-b-floats-every7": _case(
        4, x=(0.1, -2.5, 1e-3, 3, 4.5), y=(1.2, -4, 1, 7.25, 10), init_w=-0.75, init_b=2, lr=0.05, epochs=50,
        log_every=7),
    "l4-seed2024-predict0.001": _case(4, seed=2024, lr=0.01, predict=1e-3),
}


def _run(code: str, tmp_path: Path) -> str:
    """Run `code` as a file with plain python, outside the project, and return what it prints."""
    path = tmp_path / "lesson.py"
    path.write_text(code)
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("n", [1, 2, 3, 4], ids=lambda n: f"lesson{n}")
def test_defaults_print_the_documents_output(n: int, tmp_path: Path):
    s = lesson(n).defaults()
    out = _run(script(s), tmp_path)
    assert out == (FIXTURES / f"section{n}.manual_seed0.txt").read_text()
    assert out == train(s).log_text


# Runs each file given as __main__, as `python file` would, and prints what each printed, as JSON.
_IN_TURN = """
import contextlib, io, json, runpy, sys
printed = {}
for path in sys.argv[1:]:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        runpy.run_path(path, run_name="__main__")
    printed[path] = out.getvalue()
print(json.dumps(printed))
"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, str]:
    """What each case's script prints, all run in one plain `python` process outside the project."""
    folder = tmp_path_factory.mktemp("cases")
    paths = {}
    for name, s in CASES.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(script(s))
    done = subprocess.run([sys.executable, "-c", _IN_TURN, *map(str, paths.values())], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return {name: out[str(path)] for name, path in paths.items()}


@pytest.mark.parametrize("name", CASES)
def test_script_prints_the_labs_log(name: str, printed: dict[str, str]):
    assert printed[name] == train(CASES[name]).log_text


def test_a_diverging_run_still_matches_digit_for_digit():
    # The subprocess case above proves the match; this pins that it covers inf and nan at all.
    log = train(CASES["l1-fixed-w-lr0.5-diverges"]).log_text
    assert "loss = inf" in log and "w = nan" in log
    assert log.endswith("The prediction of input 5 is nan\n")


# Fast checks: no subprocess.

def _many_points(n: int) -> Settings:
    rng = random.Random(n)
    x = tuple(rng.uniform(-1e3, 1e3) for _ in range(1_000))
    y = tuple(2 * v + rng.gauss(0, 1) for v in x)
    return _case(n, x=x, y=y)


def _tensor_data(code: str, name: str) -> list:
    """The list literal passed to torch.tensor in the script's assignment to `name`."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == [name]:
            return ast.literal_eval(node.value.args[0])
    raise AssertionError(f"no assignment to {name}")


@pytest.mark.parametrize("n", [1, 2, 3, 4], ids=lambda n: f"lesson{n}")
def test_a_thousand_points_make_tidy_lines_that_read_back_exactly(n: int):
    s = _many_points(n)
    code = script(s)
    compile(code, f"lesson{n}.py", "exec")
    assert max(len(line) for line in code.splitlines()) <= 120
    x, y = _tensor_data(code, "X"), _tensor_data(code, "Y")
    if n >= 3:  # column vectors, as in the document
        assert all(len(row) == 1 for row in x + y)
        x, y = [row[0] for row in x], [row[0] for row in y]
    assert tuple(x) == s.x and tuple(y) == s.y  # exact: every float round-trips


@pytest.mark.parametrize("s", [*(lesson(n).defaults() for n in (1, 2, 3, 4)), *CASES.values()])
def test_every_script_compiles(s: Settings):
    compile(script(s), "lesson.py", "exec")


def test_short_data_is_written_as_the_document_writes_it():
    assert "X = torch.tensor([1, 2, 3, 4, 6], dtype=torch.float32)\n" in script(lesson(1).defaults())
    assert "Y = torch.tensor([2, 4, 6, 8, 11, 16], dtype=torch.float32)\n" in script(lesson(2).defaults())
    code = script(lesson(3).defaults())
    assert "X = torch.tensor([[1], [2], [3], [4], [6], [8]], dtype=torch.float32)\n" in code
    assert "Y = torch.tensor([[2], [4], [6], [8], [11], [16]], dtype=torch.float32)\n" in code


def test_settings_are_filled_in():
    code = script(CASES["l2-fixed-w-lr0.03-every7-predict-3"])
    assert "torch.manual_seed(0)\n" in code
    assert "w = torch.tensor(-1.25, dtype=torch.float32, requires_grad=True)\n" in code
    assert "learning_rate = 0.03\niter_num = 30\n" in code
    assert "    if iter % 7 == 0:\n" in code
    assert code.endswith('print("model prediction: f(-3) = %f" % forward(-3, w))\n')

    code = script(CASES["l1-floats-seed123-every1-predict2.5"])
    assert "torch.manual_seed(123)\n" in code
    assert "X = torch.tensor([0.1, -2.5, 0.001, 4, 6], dtype=torch.float32)\n" in code
    assert "w = torch.rand(1, dtype=torch.float32, requires_grad=True)\n" in code
    assert code.endswith('print(f"The prediction of input 2.5 is {2.5 * w.item()}")\n')


def test_the_initial_weights_are_the_documents_or_the_fixed_ones():
    assert "w = torch.tensor([0.5], dtype=torch.float32, requires_grad=True)\n" in script(
        CASES["l1-fixed-w-lr0.5-diverges"])
    assert "w = torch.rand((), dtype=torch.float32, requires_grad=True)\n" in script(
        CASES["l2-seed42-predict-minus-zero"])
    assert "w = torch.tensor(0, dtype=torch.float32, requires_grad=True)\n" in script(lesson(2).defaults())

    assert "fill_" not in script(lesson(3).defaults())
    code = script(CASES["l3-fixed-b-only-seed7-predict-3"])
    assert "    model.bias.fill_(0.25)\n" in code and "weight.fill_" not in code
    code = script(CASES["l4-fixed-w-b-floats-every7"])
    assert "    model.lin.weight.fill_(-0.75)\n    model.lin.bias.fill_(2)\n" in code


def test_negative_zero_keeps_its_sign_in_the_code_and_core_text_in_the_output():
    code = script(_case(1, predict=-0.0))
    # -0.0 is written as -0.0 (not 0) in the text and in the code: it multiplies to -0.0.
    assert code.endswith('print(f"The prediction of input -0.0 is {-0.0 * w.item()}")\n')
    assert script(CASES["l2-seed42-predict-minus-zero"]).endswith('f(-0.0) = %f" % forward(-0.0, w))\n')


def test_the_documents_spelling_is_fixed_but_not_its_names():
    full = script(lesson(4).defaults())
    assert "its spelling corrected (it writes optemiser, LinearRegresion)" in full  # and says so
    code = "\n".join(line for line in full.splitlines() if not line.startswith("#"))
    assert "class LinearRegression(torch.nn.Module):" in code and "# define layers" in code
    assert "optimizer = torch.optim.SGD(model.parameters(), learning_rate)" in code
    for typo in ("optemiser", "Regresion", "leyers"):
        assert typo not in code
    assert "def predictor(x, w):" in script(lesson(1).defaults())
    assert "Loss = loss(Y, Y_pred)" in script(lesson(2).defaults())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "1); import os; (1"])
def test_only_finite_numbers_reach_the_code(bad):
    with pytest.raises(ValueError):
        script(_case(1, x=(bad, 2, 3, 4, 6)))
