"""core.data: the document's datasets, the presets, and turning typed tables into numbers or clear errors."""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import pandas as pd
import pytest

from core.analysis import verdict
from core.catalog import lesson
from core.data import (
    MAX_POINTS,
    DataError,
    parse_columns,
    parse_table,
    presets,
    table,
)
from core.fields import BY_NAME
from core.lessons import train

LESSON_NUMBERS = (1, 2, 3, 4)


def _flatten(v):
    return [c for item in v for c in _flatten(item)] if isinstance(v, list) else [v]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_document_data_is_the_documents(n, programs):
    text = programs[n]
    xs = ast.literal_eval(re.search(r"^X = torch\.tensor\((\[.*\]), dtype", text, re.M).group(1))
    ys = ast.literal_eval(re.search(r"^Y = torch\.tensor\((\[.*\]), dtype", text, re.M).group(1))
    d = lesson(n).defaults()
    assert (d.x, d.y) == (tuple(_flatten(xs)), tuple(_flatten(ys)))


def _error(table_or_columns) -> DataError:
    with pytest.raises(DataError) as info:
        if isinstance(table_or_columns, tuple):
            parse_columns(*table_or_columns)
        else:
            parse_table(table_or_columns)
    assert info.value.message == str(info.value)
    assert info.value.message.strip()
    assert "Traceback" not in info.value.message
    return info.value


def _obj(x, y) -> pd.DataFrame:
    return pd.DataFrame({"x": pd.Series(x, dtype=object), "y": pd.Series(y, dtype=object)})


# ---------------------------------------------------------------- what parses


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(pd.DataFrame({"x": [1.0, -2.5, 0.125], "y": [3.0, 4.0, -0.5]}), id="float-frame"),
        pytest.param(pd.DataFrame({"x": [1, -2.5, 0.125], "y": [3, 4, -0.5]}), id="mixed-frame"),
        pytest.param(_obj(["1", " -2.5 ", "0.125"], [" 3", "4 ", "-5e-1"]), id="text-with-spaces"),
        pytest.param({"x": [1, "-2.5", 0.125], "y": [np.int64(3), np.float32(4.0), "-0.5"]}, id="mapping"),
        pytest.param(pd.DataFrame({"x": pd.array([1, -2.5, 0.125], dtype="Float64"),
                                   "y": pd.array([3, 4, -0.5], dtype="Float64")}), id="nullable-float"),
    ],
)
def test_parse_table_accepts_numbers_in_any_shape(given):
    assert parse_table(given) == ((1.0, -2.5, 0.125), (3.0, 4.0, -0.5))


def test_parse_table_returns_plain_floats():
    x, y = parse_table(pd.DataFrame({"x": [1, 2], "y": [3, 4]}))
    assert all(type(v) is float for v in (*x, *y))


def test_values_at_the_limit_are_accepted():
    assert parse_columns([1e6, -1e6], [-1e6, 1e6]) == ((1e6, -1e6), (-1e6, 1e6))


def test_max_points_are_accepted():
    x, y = parse_table(pd.DataFrame({"x": range(MAX_POINTS), "y": range(MAX_POINTS)}))
    assert MAX_POINTS == 1_000
    assert len(x) == len(y) == 1_000
    assert x[-1] == 999.0


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(_obj([None, 1, "", 2, "  "], [None, 3, "", 4, None]), id="object-none-and-empty"),
        pytest.param({"x": [None, 1, "", 2], "y": ["", 3, None, 4]}, id="mapping"),
        pytest.param(pd.DataFrame({"x": pd.array([None, 1, 2, None], dtype="Float64"),
                                   "y": pd.array([None, 3, 4, None], dtype="Float64")}), id="nullable-NA"),
    ],
)
def test_fully_blank_rows_are_skipped(given):
    assert parse_table(given) == ((1.0, 2.0), (3.0, 4.0))


def test_fully_blank_rows_of_a_numeric_table_are_skipped():
    # What the data editor hands back after "add row" on core.data.table(): a float64 frame, NaN in the new row.
    edited = pd.concat([table([1, 2], [3, 4]), pd.DataFrame({"x": [None], "y": [None]}, dtype="float64")],
                       ignore_index=True)
    assert parse_table(edited) == ((1.0, 2.0), (3.0, 4.0))


def test_an_int_too_big_for_a_float_is_a_data_error():
    e = _error(([1, 10**400], [1, 2]))
    assert (e.row, e.column) == (2, "x")


def test_rows_are_numbered_as_the_table_shows_them_even_after_blank_rows():
    e = _error(_obj([None, "", 1, 2, "oops"], [None, "", 3, 4, 5]))
    assert (e.row, e.column) == (5, "x")
    assert "Row 5" in e.message


def test_parse_never_evaluates_text():
    e = _error(_obj(["1", "__import__('os').getcwd()"], ["2", "3"]))
    assert (e.row, e.column) == (2, "x")


# ---------------------------------------------------------------- errors, with where


CELL_ERRORS = [
    # (x column, y column, row, column)
    pytest.param([1, 2, "abc"], [1, 2, 3], 3, "x", id="text"),
    pytest.param([1, 2, 3], [1, "two", 3], 2, "y", id="word"),
    pytest.param([1, 2, 3], [1, "1,5", 3], 2, "y", id="comma-decimal"),
    pytest.param([1, "", 3], [1, 2, 3], 2, "x", id="blank-x"),
    pytest.param([1, 2, 3], [1, 2, "   "], 3, "y", id="spaces-only-y"),
    pytest.param([1, 2, 3], [1, None, 3], 2, "y", id="none-y"),
    pytest.param([1, 2, 5], [1, 2, None], 3, "y", id="row-with-only-x"),
    pytest.param([None, 2, 5], [1, 2, 3], 1, "x", id="row-with-only-y"),
    pytest.param([1, float("nan"), 3], [1, 2, 3], 2, "x", id="nan"),
    pytest.param([1, 2, 3], [1, 2, "NaN"], 3, "y", id="nan-text"),
    pytest.param([1, 2, 3], [float("inf"), 2, 3], 1, "y", id="inf"),
    pytest.param([1, float("-inf"), 3], [1, 2, 3], 2, "x", id="minus-inf"),
    pytest.param([1, 2, "-inf"], [1, 2, 3], 3, "x", id="minus-inf-text"),
    pytest.param([1, 2, 1e300], [1, 2, 3], 3, "x", id="1e300"),
    pytest.param([1, 2, 3], [1, -1e300, 3], 2, "y", id="minus-1e300"),
    pytest.param([1, 2, 3], [1, 2, "1e300"], 3, "y", id="1e300-text"),
    pytest.param([1, 1_000_001, 3], [1, 2, 3], 2, "x", id="just-over-1e6"),
    pytest.param([1, 2, 3], [1, 2, -1_000_000.5], 3, "y", id="just-under-minus-1e6"),
    pytest.param([True, 2, 3], [1, 2, 3], 1, "x", id="bool"),
]


@pytest.mark.parametrize(("x", "y", "row", "column"), CELL_ERRORS)
def test_bad_cells_are_reported_with_row_and_column(x, y, row, column):
    for given in (_obj(x, y), {"x": x, "y": y}, (x, y)):
        e = _error(given)
        assert (e.row, e.column) == (row, column)
        assert e.message.startswith(f"Row {row}, column {column}")


@pytest.mark.parametrize(("x", "y", "row", "column"), [
    pytest.param([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], 2, "x", id="nan"),
    pytest.param([1.0, 2.0, 3.0], [1.0, 2.0, np.nan], 3, "y", id="only-x"),
    pytest.param([1.0, 2.0, np.inf], [1.0, 2.0, 3.0], 3, "x", id="inf"),
    pytest.param([1.0, 2.0, 3.0], [-1e300, 2.0, 3.0], 1, "y", id="-1e300"),
])
def test_bad_cells_of_a_float_frame_are_reported_with_row_and_column(x, y, row, column):
    e = _error(pd.DataFrame({"x": x, "y": y}, dtype="float64"))
    assert (e.row, e.column) == (row, column)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        pytest.param(pd.DataFrame({"x": [], "y": []}), "no data", id="empty-frame"),
        pytest.param(([], []), "no data", id="empty-lists"),
        pytest.param(_obj([None, ""], ["", None]), "no data", id="only-blank-rows"),
        pytest.param(pd.DataFrame({"x": [1.0], "y": [2.0]}), "only one point", id="one-point"),
        pytest.param(_obj([None, 1, ""], [None, 2, ""]), "only one point", id="one-point-among-blanks"),
        pytest.param(([1, 2, 3], [1, 2]), "x has 3 values but y has 2", id="lengths-differ"),
        pytest.param(([1], [1, 2]), "x has 1 values but y has 2", id="lengths-differ-2"),
        pytest.param(pd.DataFrame({"x": range(2000), "y": range(2000)}), "2,000 rows", id="2000-rows"),
        pytest.param(pd.DataFrame({"x": range(1001), "y": range(1001)}), "1,001 rows", id="1001-rows"),
        pytest.param(pd.DataFrame({"x": [1, 2]}), "column y is missing", id="no-y-column"),
        pytest.param(pd.DataFrame({"w": [1, 2], "y": [1, 2]}), "column x is missing", id="no-x-column"),
    ],
)
def test_table_wide_errors(given, words):
    e = _error(given)
    assert words in e.message
    assert e.row is None and e.column is None


# ---------------------------------------------------------------- command-line lists, the editor's table


@pytest.mark.parametrize(("text", "cells"), [("1,2,3", ("1", "2", "3")), (" 1 , -2.5,3 ", ("1", "-2.5", "3")),
                                             ("", ()), ("  ", ()), ("1,,2", ("1", "", "2")), ("a", ("a",))])
def test_parse_list_splits_on_commas(text, cells):
    assert parse_list(text) == cells


def parse_list(text: str):
    return BY_NAME["x"].parse(text)  # the column fields' text codec (CLI and URL)


def test_parse_list_then_parse_columns():
    assert parse_columns(parse_list("-2, -1,0"), parse_list("1.5,2,2.5")) == ((-2.0, -1.0, 0.0), (1.5, 2.0, 2.5))
    e = _error((parse_list("1,,3"), parse_list("1,2,3")))
    assert (e.row, e.column) == (2, "x")


def test_table_round_trips():
    t = table([1, 2.5, -3], [4, 5, 6])
    assert list(t.columns) == ["x", "y"]
    assert [str(d) for d in t.dtypes] == ["float64", "float64"]
    assert parse_table(t) == ((1.0, 2.5, -3.0), (4.0, 5.0, 6.0))


# ---------------------------------------------------------------- presets


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_presets_are_valid_data(n):
    ps = presets(lesson(n))
    assert len(ps) >= 2
    assert len({p.name for p in ps}) == len(ps)
    for p in ps:
        x, y = parse_columns(p.x, p.y)
        assert (x, y) == (tuple(map(float, p.x)), tuple(map(float, p.y)))
        assert 2 <= len(x) <= MAX_POINTS
        assert all(math.isfinite(v) and abs(v) <= 1e6 for v in (*x, *y))
        assert p.why.strip()
        assert len(set(x)) > 1  # a unique optimum, so the page's distance to it means something


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_first_preset_is_the_documents_data(n):
    first = presets(lesson(n))[0]
    d = lesson(n).defaults()
    assert (first.x, first.y) == (d.x, d.y)


def _preset(n: int, name: str):
    return next(p for p in presets(lesson(n)) if p.name == name)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_large_x_preset_diverges_at_the_default_rate(n):
    p = _preset(n, "Large x (diverges)")
    s = lesson(n).defaults()
    run = train(s.replace(x=tuple(map(float, p.x)), y=tuple(map(float, p.y))))
    assert verdict(run).kind in ("diverging", "overflowed")
    assert verdict(train(s)).kind not in ("diverging", "overflowed")


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_other_presets_do_not_diverge_at_the_default_rate(n):
    s = lesson(n).defaults()
    for p in presets(lesson(n)):
        if p.name != "Large x (diverges)":
            run = train(s.replace(x=tuple(map(float, p.x)), y=tuple(map(float, p.y))))
            assert verdict(run).kind not in ("diverging", "overflowed"), p.name
