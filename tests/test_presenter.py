"""ui.presenter: ?present=1 (or the toggle) lays the same sections out for a projector, and the link keeps it."""

from __future__ import annotations

import pytest

from core.catalog import lesson
from tests.support.apptest import console, figures, open_link
from tests.support.paths import reference
from ui import sections

visit = open_link


def tab_labels(n: int, names) -> list[str]:
    return [sections.SECTIONS[name].label for name in names]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_present_link_opens_the_presenter_view_with_the_replay_first(n):
    les = lesson(n)
    at = visit(n, {"present": "1"})
    assert at.toggle(key=f"l{n}.present").value is True
    assert [t.label for t in at.tabs] == tab_labels(n, les.presenter_tabs)
    assert at.tabs[0].label == "Replay"
    # Only the open tab is sent: the replay, the one chart on the page.
    figs = figures(at)
    assert len(figs) == 1 and figs[0]["frames"]
    # The same sections as the page, none lost: every tab and always-drawn section of the lesson is a tab here.
    assert set(les.presenter_tabs) == {*les.sections, "results", *les.tabs}
    # The update equation and the verdict above the tabs; the data one click away in an expander.
    assert any(r"\leftarrow" in m.value for m in at.latex)
    assert "Data" in [e.label for e in at.expander]


@pytest.mark.parametrize("n", [1, 3])
def test_console_and_program_are_one_click_away(n):
    at = visit(n, {"present": "1"})
    at.session_state[f"l{n}.present_tab"] = "Console"
    at.run()
    assert console(at) == reference(n)
    at.session_state[f"l{n}.present_tab"] = "The program"
    at.run()
    assert any("torch.manual_seed(0)" in c.value for c in at.code)


def test_toggle_writes_present_to_the_link_and_a_fresh_session_reads_it():
    at = visit(3, {"lr": "0.03"})
    assert at.toggle(key="l3.present").value is False
    at.toggle(key="l3.present").set_value(True).run()
    assert not at.exception
    assert at.query_params["present"] == "1" and at.query_params["lr"] == "0.03"
    fresh = visit(3, dict(at.query_params))
    assert fresh.toggle(key="l3.present").value is True
    assert fresh.number_input(key="l3.lr").value == 0.03
    # Off again: the parameter leaves the link.
    at.toggle(key="l3.present").set_value(False).run()
    assert "present" not in at.query_params
    assert at.tabs[0].label == "The program"


def test_menu_links_keep_the_presenter_view():
    at = visit(1, {"present": "1", "seed": "3"})
    links = {el.proto.label: el.proto.query_string for el in at.get("page_link")}
    other = next(q for label, q in links.items() if label.startswith("3 ·"))
    assert "present=1" in other and "seed=3" in other


@pytest.mark.parametrize("value", ["2", "maybe", "<b>x</b>"])
def test_a_bad_present_value_is_named_and_ignored(value):
    at = visit(2, {"present": value})
    assert at.toggle(key="l2.present").value is False
    assert len(at.warning) == 1 and "present" in at.warning[0].value
