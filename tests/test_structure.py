"""The structure that makes each new capability a local change: lesson specs, the field table, programs written once.

- A fifth lesson is one spec, its program and a one-line page: registered here, it renders through
  the normal renderer and its console is its program's output.
- Every field of the table reaches the widgets, problems() and the command line.
- Nothing outside the catalog branches on a lesson's number.
- The code the lab executes is the shown program, but for the differences each step declares.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from core import catalog, programs
from core.catalog import Lesson, lesson
from core.cli import parser
from core.fields import FIELDS, SCALARS
from core.lessons import train
from core.program import Program, Step
from core.script import line_map, script
from core.settings import problems
from tests.support.apptest import figures

ROOT = Path(__file__).resolve().parents[1]

# A throwaway fifth lesson: lesson 2's program with momentum, built from the same steps.
MOMENTUM = Program(
    steps=tuple(Step("optimizer", "optimizer = torch.optim.SGD([w], learning_rate, momentum=0.9)\n\n")
                if st.role == "optimizer" else st for st in programs.OPTIMIZER.steps),
    params="[w]", prediction="forward($predict, w).item()", final_loss="loss(Y, forward(X, w)).item()",
)
FIFTH = Lesson(5, "momentum", "Momentum", "SGD with momentum: each step remembers the last one.",
               program=MOMENTUM, params=("w",), page="pages/5_Momentum.py", code_note="`momentum=0.9` is the change.",
               sections=("charts", "console"), tabs=("program", "epoch_log"),
               defaults_={"x": catalog.DOCUMENT_X, "y": catalog.DOCUMENT_Y, "lr": 0.01, "epochs": 30, "log_every": 3,
                          "init_w": 0.0})


def _momentum_reference(s) -> str:
    """The same run written out by hand: x*w, MSELoss, SGD with momentum, the document's print format."""
    X, Y = torch.tensor(s.x), torch.tensor(s.y)
    w = torch.tensor(s.init_w, requires_grad=True)
    opt = torch.optim.SGD([w], s.lr, momentum=0.9)
    out = []
    for i in range(s.epochs):
        loss = torch.nn.MSELoss()(Y, X * w)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i % s.log_every == 0:
            out.append("epoch %i: w = %f, loss = %f" % (i + 1, w.item(), loss.item()))  # noqa: UP031 (the document's)
    out.append("model prediction: f(5) = %f" % (5 * w).item())  # noqa: UP031
    return "\n".join(out) + "\n"


@pytest.fixture
def fifth_lesson(monkeypatch, tmp_path):
    """The app copied with a fifth page, and the fifth spec registered in the catalog."""
    monkeypatch.setattr(catalog, "LESSONS", (*catalog.LESSONS, FIFTH))
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    shutil.copytree(ROOT / ".streamlit", tmp_path / ".streamlit")
    (tmp_path / FIFTH.page).write_text('from ui.lesson_page import render_lesson\n\nrender_lesson("momentum")\n')
    yield tmp_path
    from ui import runs

    runs.warm_up().join()  # the server-wide warm-up runs every registered lesson: let it end while 5 exists


def test_a_fifth_lesson_is_one_spec_and_renders_through_the_normal_renderer(fifth_lesson):
    s = lesson("momentum").defaults()
    assert train(s).log_text == _momentum_reference(s)  # the spec's program runs, exactly

    at = AppTest.from_file(str(fifth_lesson / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    at.switch_page(FIFTH.page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "5 · Momentum"
    console = next(c.value for c in at.code if c.value.startswith("epoch "))
    assert console.rstrip("\n") + "\n" == train(s).log_text
    program = next(c.value for c in at.code if c.language == "python")
    assert "momentum=0.9" in program and program.rstrip("\n") == script(s).rstrip("\n")
    assert len(figures(at)) == 3
    assert at.number_input(key="l5.lr").value == 0.01
    assert {"The math", "Results", "Console", "The program"} <= {h.value for h in at.subheader}
    assert [t.label for t in at.tabs] == ["The program", "Epoch log"]


# ---- the field table reaches everything ------------------------------------------------------


def _bad_value(f) -> object:
    return {"rate": -1.0, "count": -1, "value": float("nan")}[f.kind]


@pytest.mark.parametrize("f", SCALARS, ids=lambda f: f.name)
def test_each_field_reaches_problems_the_cli_and_the_widgets(f):
    les = next(les for les in catalog.LESSONS if f.applies(les.params))
    s = les.defaults()
    # problems(): a bad value is named by the field.
    assert f.name in problems(s.replace(**{f.name: _bad_value(f)}))
    # The CLI: an option named after the field, parsed by the field's codec.
    action = next(a for a in parser()._actions if a.dest == f.name)
    assert action.option_strings == [f.flag]
    assert action.type(f.format(getattr(s, f.name) if getattr(s, f.name) is not None else 1.5)) is not None
    # The widgets: a number input keyed by the field's name on the lesson's page.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(les.page)
    if f.optional:
        at.session_state[f"l{les.number}.start"] = "fixed values"
    at.run()
    assert not at.exception
    widget = at.number_input(key=f"l{les.number}.{f.name}")
    assert widget.label.startswith(f.label)


def test_the_column_fields_are_cli_options_with_a_codec():
    for f in FIELDS:
        if f.kind == "column":
            action = next(a for a in parser()._actions if a.dest == f.name)
            assert action.type("1, -2.5,3") == ("1", "-2.5", "3")
            assert f.parse(f.format((1.0, -2.5, 0.1))) == ("1", "-2.5", "0.1")


@pytest.mark.parametrize("f", [f for f in SCALARS if f.kind != "column"], ids=lambda f: f.name)
@pytest.mark.parametrize("value", [0.1, 3.0, -0.0, 1e-7, 123456.789])
def test_each_codec_reads_back_what_it_writes(f, value):
    if f.kind == "count":
        value = int(abs(value) * 10)
    if f.kind == "rate":
        value = abs(value) or 0.5
    assert f.parse(f.format(value)) == value


# ---- no lesson numbers outside the catalog ------------------------------------------------------


def test_nothing_outside_the_catalog_dispatches_on_a_lesson_number():
    # The grep, and any comparison of a lesson's number or a table keyed by one.
    pattern = re.compile(r"number in \(|lesson ==|== 3|in \(3, 4\)|in \(1, 2\)|\.number\s*[=!<>]=|"
                         r"lesson\s*[=!<>]=|\{\s*1\s*:\s*[\"'a-z_]|PROGRAMS\[")
    found = []
    for path in [*ROOT.glob("core/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]:
        if path.name == "catalog.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not found, "\n".join(found)


# ---- one program text, two uses -------------------------------------------------------------------


def _normal(text: str) -> str:
    """A step's text without the differences the lab may declare: .item(), its own generator."""
    return text.replace(".item()", "").replace(", generator=_g", "").strip()


@pytest.mark.parametrize("les", catalog.LESSONS, ids=lambda les: les.slug)
def test_each_run_variant_differs_from_its_shown_step_only_as_declared(les):
    for st in les.program.steps:
        if st.run is None:
            continue
        shown, run = _normal(st.code), _normal(st.run)
        # Either the lab executes the shown line among a few of its own (its model built on the meta
        # device), or it executes a part of the shown text (the header's import, without the comments).
        assert shown in run or run in shown, (st.role, st.code, st.run)


@pytest.mark.parametrize("les", catalog.LESSONS, ids=lambda les: les.slug)
def test_line_map_points_at_the_statements_of_each_role(les):
    s = les.defaults()
    lines = script(s).splitlines()
    roles = line_map(s)
    text = {role: "\n".join(lines[i - 1] for i in numbers) for role, numbers in roles.items()}
    assert "Loss.backward()" in text["backward"] and "Loss.backward()" not in text["loss"]
    assert "Loss = loss(Y, Y_pred)" in text["loss"]
    assert "Y_pred = " in text["forward"]
    assert ("step()" in text["update"]) or ("w -= learning_rate * w.grad" in text["update"])
    assert "zero_" in text["zero_grad"]
    assert "print(" in text["log"] and "print(" in text["predict"]
    # Every non-blank line of the script belongs to exactly one role.
    numbered = sorted(n for numbers in roles.values() for n in numbers)
    assert numbered == [i for i, line in enumerate(lines, start=1) if line.strip()]


def test_the_shown_program_prints_the_run_with_python_exec():
    """In-process twin of tests/test_script.py's subprocess check, for every lesson incl. a fixed start."""
    for les in catalog.LESSONS:
        for s in (les.defaults(), les.defaults().replace(init_w=-0.5, lr=0.02, epochs=7, log_every=3)):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(script(s), "lesson.py", "exec"), {"__name__": "__main__"})
            assert out.getvalue() == train(s).log_text, (les.slug, s)
