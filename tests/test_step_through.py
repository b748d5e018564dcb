"""The step-through section (ui.step_through) through AppTest, and its drawing functions on their own.

The numbers themselves are checked against the document's programs in tests/test_trace.py; here:
the page steps through every phase on every lesson without an exception, shows the run's numbers,
says clearly what is wrong with a bad epoch, and a step costs little server time.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.catalog import lesson
from core.trace import PHASES, phase_lines, trace
from ui import step_through as ui

ROOT = Path(__file__).resolve().parents[1]


def open_step_through(n: int, setup=None) -> AppTest:
    """Lesson n's page (from the home page, as a visitor comes) with the step-through opened."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page(lesson(n).page)
    if setup:
        setup(at)
    at.session_state[f"l{n}.tab"] = "Step through one epoch"  # the page's tab for it
    at.run()
    assert not at.exception, at.exception
    return at


def _next(at: AppTest, n: int) -> None:
    at.button(key=f"l{n}.trace_next").click().run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("n", (1, 2, 3, 4))
def test_every_phase_of_every_lesson(n):
    at = open_step_through(n)
    tr = trace(lesson(n).defaults(), 1)
    assert len(at.get("graphviz_chart")) == 1
    seen = []
    for phase in PHASES:
        assert at.session_state[f"l{n}.trace_phase"] == phase
        text = " ".join(e.value for e in at.latex)
        seen.append(phase)
        if phase == "forward":
            assert ui.tex(tr["y_pred"][0]) in text
        if phase == "loss":
            assert ui.tex(tr["loss"]) in text
        if phase == "backward":
            assert ui.tex(tr["grads"]["w"]) in text
            assert len(at.dataframe) >= 1 and "central difference" in " ".join(m.value for m in at.markdown)
        if phase == "update":
            assert ui.tex(tr["params_after"]["w"]) in text
        if phase == "zero_grad":
            assert ("None" in text) == (tr["zeroed"]["w"] is None)
        _next(at, n)
    # Next after zero-grad crosses to the next epoch's forward; Previous comes back.
    assert (at.session_state[f"l{n}.trace_epoch"], at.session_state[f"l{n}.trace_phase"]) == (2, "forward")
    at.button(key=f"l{n}.trace_prev").click().run()
    assert (at.session_state[f"l{n}.trace_epoch"], at.session_state[f"l{n}.trace_phase"]) == (1, "zero_grad")
    assert not at.error


def test_closed_it_computes_nothing():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page(lesson(1).page)
    at.run()
    assert not at.exception
    assert any(t.label == "Step through one epoch" for t in at.tabs)
    assert len(at.get("graphviz_chart")) == 0 and "l1.trace_phase" not in at.session_state


@pytest.mark.parametrize(("epoch", "words"), [(0, "from 1 to 20"), (21, "from 1 to 20"), (-1, "from 1 to 20")])
def test_a_bad_epoch_is_a_clear_message(epoch, words):
    at = open_step_through(1)
    at.number_input(key="l1.trace_epoch").set_value(epoch).run()
    assert not at.exception
    assert len(at.error) == 1 and words in at.error[0].value
    assert len(at.get("graphviz_chart")) == 0
    at.button(key="l1.trace_go_last").click().run()  # a shortcut gets out of it
    assert not at.error and at.session_state["l1.trace_epoch"] == 20


def test_an_epoch_after_an_overflow_is_a_clear_message():
    def diverge(at):
        at.session_state["l1.lr"] = 0.5
        at.session_state["l1.lr_pick"] = 0.5
        at.session_state["l1.epochs"] = 100

    at = open_step_through(1, diverge)
    labels = [b.label for b in at.button]
    assert "Loss starts rising (2)" in labels and "Last finite epoch (17)" in labels
    at.number_input(key="l1.trace_epoch").set_value(40).run()
    assert not at.exception
    mine = [e.value for e in at.error if e.value.startswith("Cannot step through")]
    assert len(mine) == 1 and "overflowed at epoch 18" in mine[0] and "from 1 to 17" in mine[0]
    at.button(key="l1.trace_go_last").click().run()
    assert not [e for e in at.error if e.value.startswith("Cannot step through")]
    assert at.session_state["l1.trace_epoch"] == 17


# ---- the drawing functions --------------------------------------------------------------------------------


def test_the_dot_graph_is_the_traced_graph():
    s = lesson(3).defaults()
    tr = trace(s, 5)
    for phase in PHASES:
        dot = ui.graph_dot(tr, phase)
        assert dot.startswith("digraph G {") and dot.rstrip().endswith("}")
        assert "bgcolor=\"#ffffff\"" in dot and "fontcolor" in dot  # explicit colours, whatever the theme
        ops = re.findall(r"<B>(\w+Backward\d|AccumulateGrad|[wb])", dot)
        if phase == "forward":  # only ŷ and what it was made from exist yet
            assert "MseLossBackward0" not in dot and "AddmmBackward0" in dot
        else:
            assert {"MseLossBackward0", "AddmmBackward0", "TBackward0", "w", "b"} <= set(ops)
        assert ("grad in" in dot) == (PHASES.index(phase) >= 2)
    # Lesson 4's graph is drawn exactly as lesson 3's.
    assert ui.graph_dot(trace(s.replace(lesson=4), 5), "backward") == ui.graph_dot(tr, "backward")


def test_the_dot_graph_shows_values_and_escapes():
    tr = trace(lesson(1).defaults(), 3)
    dot = ui.graph_dot(tr, "backward")
    assert ui.num(tr["grads"]["w"], 6) in dot and ui.num(tr["loss"], 5) in dot
    assert "−" in dot  # the plain labels' math signs reach the drawing
    big = trace(lesson(1).defaults().replace(x=tuple(range(1, 21)), y=tuple(range(2, 42, 2))), 1)
    assert "20 values" in ui.graph_dot(big, "loss")


@pytest.mark.parametrize("n", (1, 3))
def test_the_code_listing_marks_the_phases_lines(n):
    s = lesson(n).defaults()
    lines = phase_lines(s)
    for phase in PHASES:
        page = ui.code_html(s, phase)
        marked = [int(m) for m in re.findall(r'data-mark="phase"[^>]*><span[^>]*>(\d+)</span>', page)]
        assert marked == lines[phase]
    page = ui.code_html(s, "zero_grad")
    assert "&quot;epoch" in page and '"epoch' not in page  # the program's text is escaped, not read as HTML


def test_large_data_is_summarised_in_the_math():
    s = lesson(1).defaults().replace(x=tuple(i / 10 for i in range(1, 1001)), y=tuple(i / 5 for i in range(1, 1001)),
                                     lr=1e-4)
    tr = trace(s, 2)
    for phase in PHASES:
        text = " ".join(ui.math_latex(tr, phase))
        assert len(text) < 2_000
    assert "1,000 terms" in " ".join(ui.math_latex(tr, "backward"))
    assert len(ui.chain_table(tr)) == 1000


# ---- the cost of a step ---------------------------------------------------------------------------------------

_TIMED = """
import time
import streamlit as st
from core.catalog import lesson
from core.view import build
from ui.step_through import stepper_body
view = build(lesson({n}).defaults())
t = time.perf_counter()
stepper_body(view)
st.session_state.setdefault("times", []).append(time.perf_counter() - t)
"""


@pytest.mark.parametrize("n", (1, 3))
def test_a_step_costs_little_server_time(n):
    """The fragment's body, timed: what a Previous / Next costs on the server (the fragment reruns only it)."""
    at = AppTest.from_string(_TIMED.format(n=n), default_timeout=90)
    at.run()
    for _ in range(2 * len(PHASES) + 1):  # two whole epochs and one step into the third
        at.button(key=f"l{n}.trace_next").click().run()
        assert not at.exception, at.exception
    times = at.session_state["times"][1:]  # the first run draws the page for the first time
    median = statistics.median(times)
    print(f"lesson {n}: median step {median * 1000:.1f} ms over {len(times)} steps")
    assert median < 0.1, times  # target 50 ms; the margin is for a loaded 2-core CI machine
