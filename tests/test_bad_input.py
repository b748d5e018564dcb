"""Bad input never breaks a page: every bad cell or setting gets a message beside it, and fixing it brings the run back.

Each case drives a lesson page through AppTest as a visitor would: type something bad, check the page
(no exception, no traceback, a message right below the input that names what and where, the controls
and the math still drawn, what was typed still there), then fix it and check the results come back.
"""

from __future__ import annotations

import math
import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import core
from core.catalog import lesson
from core.data import presets
from core.settings import MAX_EPOCHS_PAGE, MAX_SEED
from tests.support.apptest import console, figures, open_page
from ui.data_table import FOLD_FROM

CONTROL_KEYS = ("lr_pick", "lr", "epochs", "log_every", "seed", "predict", "reset")


def edits(edited: dict | None = None, added: list | None = None, deleted: list | None = None) -> dict:
    """A data editor's edit state, as the browser sends it."""
    return {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}


def with_edits(n: int, state: dict):
    def setup(at: AppTest) -> None:
        at.session_state[f"l{n}.editor0"] = state

    return setup


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _siblings_after(at: AppTest, key: str) -> list:
    """The elements drawn right after the element with this key, in the same block."""
    for block in _nodes(at._tree):
        children = [c for _, c in sorted(getattr(block, "children", {}).items())]
        for i, child in enumerate(children):
            if getattr(child, "key", None) == key:
                return children[i + 1:]
    raise AssertionError(f"no element with key {key!r} on the page")


def message_below(at: AppTest, key: str) -> str:
    """The error shown right below the widget with this key (the next element in its block)."""
    after = _siblings_after(at, key)
    assert after and after[0].type == "error", f"no error right below {key!r}: {[c.type for c in after[:2]]}"
    return after[0].value


def no_message_below(at: AppTest, key: str) -> bool:
    after = _siblings_after(at, key)
    return not after or after[0].type != "error"


def says(message: str, part: str | tuple[str, ...]) -> bool:
    """Whether the message contains the part (or one of its spellings, given as a tuple)."""
    return any(p in message for p in ((part,) if isinstance(part, str) else part))


def editor(at: AppTest):
    (ed,) = at.data_editor
    return ed


def shown_table(at: AppTest) -> list[list]:
    """What the data editor shows: its table with its pending edits applied (cells as typed)."""
    ed = editor(at)
    rows = ed.value[["x", "y"]].astype(object).values.tolist()
    state = at.session_state[ed.key] if ed.key in at.session_state else edits()
    for i, cells in state["edited_rows"].items():
        for col, value in cells.items():
            rows[int(i)]["xy".index(col)] = value
    rows = [r for i, r in enumerate(rows) if i not in set(state["deleted_rows"])]
    return rows + [[r.get("x"), r.get("y")] for r in state["added_rows"]]


def assert_page_intact(at: AppTest, n: int) -> None:
    """No exception or traceback anywhere; every control and the math are still drawn."""
    assert not at.exception, at.exception[0].value
    text = "\n".join(str(node.proto) for node in _nodes(at._tree) if hasattr(node, "proto"))
    assert "Traceback" not in text and 'File "' not in text
    keys = {getattr(node, "key", None) for node in _nodes(at._tree)}
    for name in CONTROL_KEYS:
        assert f"l{n}.{name}" in keys, name
    formulas = [m for m in at.markdown if r"\frac{\partial L}" in m.value and "$$" in m.value]
    assert len(formulas) >= 2, "the math (the gradient and the update, as display math) is still shown"
    assert len(at.data_editor) == 1


def assert_no_results(at: AppTest) -> None:
    assert not figures(at), "no charts of a run that was not made"
    assert not any(c.value.startswith("epoch ") for c in at.code)
    assert any("Fix the input" in i.value for i in at.info), "the page says why there is no run"


def assert_results(at: AppTest, n: int, **settings) -> None:
    assert not at.exception, at.exception[0].value
    assert console(at) == core.run_lesson(n, **settings).log_text
    assert len(figures(at)) == 3


# ---- the data table -----------------------------------------------------------------------


# (lesson, edit state, what the message must contain, a fix for the bad cells, the data after the fix)
DOC1 = ([1.0, 2, 3, 4, 6], [2.0, 4, 6, 7, 12])
DOC3 = ([1.0, 2, 3, 4, 6, 8], [2.0, 4, 6, 8, 11, 16])
TABLE_CASES = {
    "text": (1, edits({1: {"x": "abc"}}), ("Row 2", "column x", "'abc'", "not a number"),
             edits({1: {"x": "2.5"}}), ([1, 2.5, 3, 4, 6], DOC1[1])),
    "decimal comma": (3, edits({4: {"y": "1,5"}}), ("Row 5", "column y", "'1,5'", "not a number"),
                      edits({4: {"y": "1.5"}}), (DOC3[0], [2, 4, 6, 8, 1.5, 16])),
    "empty text": (1, edits({0: {"x": ""}}), ("Row 1", "column x", "blank"),
                   edits({0: {"x": "0.5"}}), ([0.5, 2, 3, 4, 6], DOC1[1])),
    "None": (3, edits({2: {"y": None}}), ("Row 3", "column y", "blank"),
             edits({2: {"y": "6"}}), DOC3),
    "nan": (1, edits({3: {"y": "nan"}}), ("Row 4", "column y", "NaN"), edits(), DOC1),
    "inf": (1, edits({3: {"x": "-inf"}}), ("Row 4", "column x", "infinite"), edits(), DOC1),
    "1e300": (1, edits({2: {"x": "1e300"}}), ("Row 3", "column x", "1e+300", "between -1e6 and 1e6"),
              edits({2: {"x": "1e6"}}), ([1, 2, 1e6, 4, 6], DOC1[1])),
    "-1e300": (3, edits({5: {"y": "-1e300"}}), ("Row 6", "column y", "-1e+300", "between -1e6 and 1e6"),
               edits({5: {"y": "-1e6"}}), (DOC3[0], [2, 4, 6, 8, 11, -1e6])),
    "only x": (1, edits(added=[{"x": "7"}]), ("Row 6", "column y", "blank"),
               edits(added=[{"x": "7", "y": "14"}]), ([*DOC1[0], 7], [*DOC1[1], 14])),
    "only x, y None": (3, edits(added=[{"x": "7", "y": None}]), ("Row 7", "column y", "blank"),
                       edits(added=[{"x": "7", "y": "13"}]), ([*DOC3[0], 7], [*DOC3[1], 13])),
    "all deleted": (1, edits(deleted=[0, 1, 2, 3, 4]), ("no data", "at least one point"),
                    edits(deleted=[0, 1, 2]), ([4, 6], [7, 12])),
    "one left": (3, edits(deleted=[0, 1, 2, 3, 4]), ("only one point", "add at least one more"),
                 edits(deleted=[0, 1, 2, 3]), ([6, 8], [11, 16])),
}


@pytest.mark.parametrize("case", TABLE_CASES)
def test_a_bad_cell_is_named_beside_the_table_and_fixing_it_brings_the_run_back(case):
    n, bad, expected, fix, (x, y) = TABLE_CASES[case]
    at = open_page(n, with_edits(n, bad))
    assert_page_intact(at, n)
    message = message_below(at, f"l{n}.editor0")
    for part in expected:
        assert says(message, part), (part, message)
    assert_no_results(at)

    # Another control changes: the typed cells are kept (the editor's state), the message stays.
    at.number_input(key=f"l{n}.lr").set_value(0.002).run()
    assert at.session_state[f"l{n}.editor0"] == bad
    assert editor(at).key == f"l{n}.editor0"
    table = shown_table(at)
    for i, cells in bad["edited_rows"].items():
        for col, typed in cells.items():
            assert table[i]["xy".index(col)] == typed
    for row in bad["added_rows"]:
        assert [row.get("x"), row.get("y")] in table
    assert expected[0] in message_below(at, f"l{n}.editor0")
    assert_page_intact(at, n)

    at.session_state[f"l{n}.editor0"] = fix
    at.run()
    assert no_message_below(at, f"l{n}.editor0")
    assert_results(at, n, lr=0.002, x=x, y=y)


def test_all_x_equal_is_a_valid_run_that_explains_the_optimum_is_not_unique():
    at = open_page(3, with_edits(3, edits({i: {"x": "2"} for i in range(6)})))
    assert_page_intact(at, 3)
    assert no_message_below(at, "l3.editor0")
    x = [2.0] * 6
    assert_results(at, 3, x=x, y=DOC3[1])
    shown = [m.value for m in [*at.markdown, *at.success, *at.info, *at.warning, *at.error]]
    assert any("Every x equals 2" in t and "not one point" in t for t in shown), shown
    distance = next(m for m in at.metric if m.label == "distance to optimum")
    assert distance.value == "—"


def test_two_thousand_pasted_rows_are_refused_kept_and_cheap():
    """More than 1,000 points: a message, every pasted cell kept as typed, and later reruns stay fast."""
    at = open_page(1)
    base = []
    for lr in (0.02, 0.01, 0.02, 0.01):  # both runs cached after the first two
        start = time.perf_counter()
        at.number_input(key="l1.lr").set_value(lr).run()
        base.append(time.perf_counter() - start)

    pasted = [{"x": str(i), "y": f"{2 * i},5" if i == 1500 else str(2 * i)} for i in range(2_000)]
    at.session_state["l1.editor0"] = edits(added=pasted)
    at.run()
    assert_page_intact(at, 1)
    ed = editor(at)
    assert "There are 2,005 rows" in message_below(at, ed.key) and "at most 1,000" in message_below(at, ed.key)
    assert_no_results(at)
    table = shown_table(at)
    assert len(table) == 2_005 and table[5 + 1500] == ["1500", "3000,5"] and table[-1] == ["1999", "3998"]

    later = []
    for lr in (0.02, 0.01, 0.02):
        start = time.perf_counter()
        at.number_input(key="l1.lr").set_value(lr).run()
        later.append(time.perf_counter() - start)
    assert "There are 2,005 rows" in message_below(at, editor(at).key)
    # Streamlit re-appends added rows one by one on every rerun (~1 ms each): seconds for 2,000 rows.
    assert min(later) < 5 * min(base) + 0.05, (later, base)

    # Deleting all but 1,000 rows (in the folded table, so by position) gives a valid run of 1,000 points.
    ed = editor(at)
    at.session_state[ed.key] = edits(deleted=list(range(1_000, 2_005)))
    at.run()
    assert no_message_below(at, editor(at).key)
    x = [1.0, 2, 3, 4, 6, *range(995)]
    y = [2.0, 4, 6, 7, 12, *(2 * i for i in range(995))]
    assert not at.exception
    assert console(at) == core.run_lesson(1, lr=0.02, x=x, y=y).log_text


def test_a_few_added_rows_stay_edits_of_the_same_table():
    """Below the fold threshold nothing is folded: the editor keeps its key and its edit state."""
    added = [{"x": str(10 + i), "y": str(20 + 2 * i)} for i in range(FOLD_FROM - 1)]
    at = open_page(1, with_edits(1, edits(added=added)))
    assert editor(at).key == "l1.editor0"
    assert len(editor(at).value) == 5
    x = [*DOC1[0], *(10 + i for i in range(FOLD_FROM - 1))]
    y = [*DOC1[1], *(20 + 2 * i for i in range(FOLD_FROM - 1))]
    assert_results(at, 1, x=x, y=y)


def test_a_folded_paste_keeps_edits_and_deletions_of_the_document_rows():
    added = [{"x": str(10 + i), "y": None if i == 3 else str(i)} for i in range(FOLD_FROM)]
    at = open_page(3, with_edits(3, edits({0: {"x": "abc"}, 5: {"y": "17"}}, added, [1])))
    ed = editor(at)
    assert ed.key == "l3.editor1"
    assert len(ed.value) == 5 + FOLD_FROM, "the paste is now part of the table"
    table = shown_table(at)
    assert table[:5] == [["abc", "2"], ["3", "6"], ["4", "8"], ["6", "11"], ["8", "17"]]
    assert len(table) == 5 + FOLD_FROM and table[5 + 3][0] == "13" and pd.isna(table[5 + 3][1])  # blank stays blank
    assert "Row 1, column x: 'abc' is not a number." in message_below(at, ed.key)


# ---- the settings -------------------------------------------------------------------------


# Per widget: a lesson, values beyond the limits with what their message must contain, values at the
# limits (valid), and a value that fixes the input.
SETTINGS = {
    "lr": (1, [(0.0, ("Learning rate", "greater than 0", "got 0")), (-0.01, ("Learning rate", "-0.01")),
               (10.5, ("Learning rate", "at most 10", "10.5")), (1e7, ("Learning rate", "10000000")),
               # A number input cannot hold NaN: Streamlit gives the widget's default, 0, instead.
               (math.nan, ("Learning rate", "got 0"))],
           [10.0, 1e-9], 0.005),
    "epochs": (3, [(0, ("Iterations", "1 to 5,000", "got 0")), (-5, ("Iterations", "got -5")),
                   (MAX_EPOCHS_PAGE + 1, ("Iterations", "1 to 5,000", "5001")),
                   (10_000_000, ("Iterations", "10000000"))],
               [1, MAX_EPOCHS_PAGE], 7),
    "log_every": (1, [(0, ("Log every", "got 0")), (-1, ("Log every", "got -1")),
                      (MAX_EPOCHS_PAGE + 1, ("Log every", "5001"))],
                  [1, MAX_EPOCHS_PAGE], 3),
    "seed": (3, [(-1, ("Seed", "0 to 4,294,967,295", "got -1")), (MAX_SEED + 1, ("Seed", "4294967296"))],
             [0, MAX_SEED], 11),
    "predict": (1, [(-1e7, ("x to predict", "between -1e6 and 1e6", ("-1e+07", "-10000000"))),
                    (1e300, ("x to predict", "1e+300"))],
                [1e6, -1e6], -2.5),
}


@pytest.mark.parametrize("name", SETTINGS)
def test_a_bad_setting_is_named_below_its_input_kept_and_fixable(name):
    n, bad_values, limits, good = SETTINGS[name]
    at = open_page(n)
    key = f"l{n}.{name}"
    for value in limits:
        at.number_input(key=key).set_value(value).run()
        assert_page_intact(at, n)
        assert no_message_below(at, key), (value, message_below(at, key))
        assert_results(at, n, **{name: value})

    for bad, expected in bad_values:
        at.number_input(key=key).set_value(bad).run()
        assert_page_intact(at, n)
        message = message_below(at, key)
        for part in expected:
            assert says(message, part), (bad, part, message)
        assert_no_results(at)
        typed = at.number_input(key=key).value
        if not math.isnan(bad):
            assert typed == bad, "the input still holds what was typed"

    # Something else changes (a preset is loaded): the bad value is kept, and so is its message.
    at.button(key=f"l{n}.preset1").click().run()
    assert at.number_input(key=key).value == typed
    assert expected[0] in message_below(at, key)
    assert no_message_below(at, editor(at).key), "the table is not blamed for a bad setting"
    assert_page_intact(at, n)

    at.number_input(key=key).set_value(good).run()
    assert no_message_below(at, key)
    p = presets(lesson(n))[1]
    assert_results(at, n, x=p.x, y=p.y, **{name: good})


def test_a_value_just_out_of_range_is_quoted_as_typed_not_rounded_into_range():
    """1000001 shown as "1e+06" would read as inside -1e6..1e6: the message must show the value itself."""
    at = open_page(1, with_edits(1, edits({1: {"y": "1000001"}})))
    at.number_input(key="l1.predict").set_value(1_000_001.0).run()
    assert_page_intact(at, 1)
    cell, predict = message_below(at, "l1.editor0"), message_below(at, "l1.predict")
    assert "Row 2, column y" in cell and "between -1e6 and 1e6" in cell
    assert "x to predict" in predict and "between -1e6 and 1e6" in predict
    assert "1000001" in cell, cell
    assert "1000001" in predict, predict


def test_a_non_finite_prediction_x_never_breaks_the_page():
    """A number input cannot hold NaN or inf: Streamlit replaces it by the widget's default (0)."""
    at = open_page(1)
    for bad in (math.nan, math.inf, -math.inf):
        at.number_input(key="l1.predict").set_value(bad).run()
        assert_page_intact(at, 1)
        value = at.number_input(key="l1.predict").value
        assert math.isfinite(value)
        assert_results(at, 1, predict=value)


def test_two_bad_settings_each_get_their_own_message_and_the_rest_works():
    at = open_page(3)
    at.number_input(key="l3.lr").set_value(-1.0).run()
    at.number_input(key="l3.epochs").set_value(0).run()
    assert "Learning rate" in message_below(at, "l3.lr")
    assert "Iterations" in message_below(at, "l3.epochs")
    assert no_message_below(at, "l3.log_every")
    assert_page_intact(at, 3)
    # The presets and reset still work while the settings are bad.
    at.button(key="l3.preset1").click().run()
    assert_page_intact(at, 3)
    assert "Learning rate" in message_below(at, "l3.lr")
    at.button(key="l3.reset").click().run()
    assert no_message_below(at, "l3.lr") and no_message_below(at, "l3.epochs")
    p = presets(lesson(3))[1]
    assert_results(at, 3, x=p.x, y=p.y)
