"""The editable data table and its presets: cells in, two tuples of floats (or a DataError) out."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.catalog import Lesson
from core.data import MAX_POINTS, DataError, parse_table, presets
from core.lessons import number_literal
from ui.controls import key as _key

# Streamlit re-applies every added row on every rerun, one pandas append each (about 1 ms a row),
# so a pasted block of 2,000 rows would cost seconds on each rerun. From this many added rows on,
# the edits are folded into the table once, as typed.
FOLD_FROM = 50
_COLUMNS = ("x", "y")


def _as_text(x: tuple[float, ...], y: tuple[float, ...]) -> pd.DataFrame:
    # Text columns keep exactly what a visitor types, even "1,5" or "abc", so a validation
    # message can point at it instead of the grid silently dropping it.
    return pd.DataFrame({"x": [number_literal(v) for v in x], "y": [number_literal(v) for v in y]}, dtype=object)


def _replace(les: Lesson, table: pd.DataFrame) -> None:
    """Make `table` the editor's data; a new editor key drops the edits made to the old one."""
    st.session_state[_key(les, "data")] = table
    st.session_state[_key(les, "data_version")] = st.session_state.get(_key(les, "data_version"), 0) + 1


def load(les: Lesson, x: tuple[float, ...], y: tuple[float, ...]) -> None:
    """Replace the table with these points."""
    _replace(les, _as_text(x, y))


def editor_key(les: Lesson) -> str:
    """The data editor's widget key now (it changes when a preset is loaded)."""
    return _key(les, f"editor{st.session_state.get(_key(les, 'data_version'), 0)}")


def _cell(v: object) -> object:
    return None if v is None else str(v)  # what a text column holds: the text typed, or nothing


def _fold_big_paste(les: Lesson) -> None:
    """Make many added rows part of the table itself (a new editor key), keeping every cell as typed."""
    edits = st.session_state.get(editor_key(les))
    if not isinstance(edits, dict) or len(edits.get("added_rows") or ()) < FOLD_FROM:
        return
    base = st.session_state[_key(les, "data")]
    rows = [[base["x"].iat[i], base["y"].iat[i]] for i in range(len(base))]
    for i, cells in (edits.get("edited_rows") or {}).items():
        if 0 <= int(i) < len(rows):
            for col, value in cells.items():
                if col in _COLUMNS:
                    rows[int(i)][_COLUMNS.index(col)] = _cell(value)
    deleted = {int(i) for i in edits.get("deleted_rows") or ()}
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    rows += [[_cell(r.get("x")), _cell(r.get("y"))] for r in edits["added_rows"]]
    _replace(les, pd.DataFrame(rows, columns=list(_COLUMNS), dtype=object))


def data_ui(les: Lesson) -> tuple[tuple[float, ...], tuple[float, ...]] | DataError:
    """Draw the table and the presets; return the points, or the problem with them (also shown)."""
    if _key(les, "data") not in st.session_state:
        x, y = presets(les)[0].x, presets(les)[0].y
        st.session_state[_key(les, "data")] = _as_text(x, y)
    _fold_big_paste(les)
    st.subheader("Data")
    edited = st.data_editor(
        st.session_state[_key(les, "data")], key=editor_key(les), num_rows="dynamic", hide_index=True,
        width="stretch", height="auto",
        column_config={
            "x": st.column_config.TextColumn("x", help="Input of each point"),
            "y": st.column_config.TextColumn("y", help="Target of each point"),
        },
    )
    try:
        points = parse_table(edited, min_points=len(les.params))
        st.caption(f"{len(points[0])} points. Edit a cell, add a row at the bottom, or select rows to delete them "
                   f"(at most {MAX_POINTS:,}).")
    except DataError as e:
        st.error(e.message, icon=":material/edit:")
        points = e
    st.caption("Presets")
    with st.container(horizontal=True, gap="small"):
        for i, p in enumerate(presets(les)):
            label = "Reset to the document's data" if i == 0 else p.name
            st.button(label, key=_key(les, f"preset{i}"), help=p.why, on_click=load, args=(les, p.x, p.y))
    return points
