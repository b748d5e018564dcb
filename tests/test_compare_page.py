"""The comparison sections in AppTest: they render on every lesson, compute only when open, refuse bad input."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.catalog import lesson
from tests.support.apptest import figures, open_page, open_tab


def open_lesson(n: int) -> AppTest:
    at = open_page(n, timeout=120)
    assert not at.exception, at.exception
    return at


def charts(at: AppTest) -> int:
    return len(figures(at))


@pytest.mark.parametrize("n", (1, 2, 3, 4))
def test_sections_open_lazily_and_pin(n):
    at = open_lesson(n)
    k = f"l{n}."
    closed = charts(at)
    assert {"Pinned runs", "Learning-rate sweep", "Optimizer race"} <= {t.label for t in at.tabs}
    assert not any(el.key == k + "sweep_k" for el in at.number_input), "the closed sweep drew its controls"
    open_tab(at, n, "Learning-rate sweep")
    assert not at.exception, at.exception
    assert charts(at) == closed + 1
    assert any(el.key == k + "sweep_k" for el in at.number_input)
    open_tab(at, n, "Optimizer race")
    assert not at.exception, at.exception
    assert charts(at) == closed + 2
    assert not any(el.key == k + "sweep_k" for el in at.number_input), "only the open tab is computed"
    open_tab(at, n, "Pinned runs")
    assert charts(at) == closed
    at.button(key=k + "pin").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state[k + "pins"]) == 1
    assert charts(at) == closed + 2  # the pinned overlay: loss and landscape
    at.number_input(key=k + "lr").set_value(0.02).run()
    assert not at.exception, at.exception
    assert "lr 0.0" in "\n".join(str(df.value) for df in at.dataframe)
    table = next(df.value for df in at.dataframe if "what differs" in df.value.columns)
    assert list(table["pin"]) == ["1", "—"] and list(table["what differs"])[-1] == "this run"
    at.button(key=k + "unpin_all").click().run()
    assert at.session_state[k + "pins"] == []


@pytest.mark.parametrize("widget, value", [("sweep_k", 0), ("sweep_k", 1001), ("sweep_lo", 0.0),
                                           ("sweep_lo", 5.0), ("sweep_hi", 20.0), ("sweep_lo", -1.0)])
def test_bad_sweep_input_shows_a_message(widget, value):
    at = open_tab(open_lesson(1), 1, "Learning-rate sweep")
    at.number_input(key=f"l1.{widget}").set_value(value).run()
    assert not at.exception, at.exception
    assert at.error, "no message for a bad sweep setting"


@pytest.mark.parametrize("widget, value", [("race_beta", 1.0), ("race_beta", -0.5), ("race_lr_Adam", 0.0),
                                           ("race_lr_SGD", 50.0)])
def test_bad_race_input_shows_a_message(widget, value):
    at = open_tab(open_lesson(3), 3, "Optimizer race")
    at.number_input(key=f"l3.{widget}").set_value(value).run()
    assert not at.exception, at.exception
    assert at.error, "no message for a bad race setting"


def test_pins_survive_a_trip_to_another_lesson():
    at = open_tab(open_lesson(2), 2, "Pinned runs")
    at.button(key="l2.pin").click().run()
    at.switch_page(lesson(3).page)
    at.run()
    at.switch_page(lesson(2).page)
    at.run()
    assert not at.exception, at.exception
    assert len(at.session_state["l2.pins"]) == 1
