"""render_lesson(key): one renderer for every lesson — controls → settings → one view → the lesson's sections."""

from __future__ import annotations

import functools

import streamlit as st

from core import analysis
from core.catalog import Lesson, lesson
from core.data import DataError
from core.settings import MAX_EPOCHS_PAGE, Settings, problems
from ui import controls, explain, links, runs, sections
from ui.controls import Values
from ui.data_table import data_ui


def render_lesson(key: int | str) -> None:
    """Draw a lesson's page: its header and math, data and results, then its declared sections in order."""
    les = lesson(key)
    st.set_page_config(page_title=f"{les.number} · {les.title} — Gradient Descent Lab",
                       page_icon="assets/icon.png", layout="wide")
    menu = st.sidebar.container()  # the menu is drawn by links.write, once its links can carry the settings
    st.title(f"{les.number} · {les.title}")
    links.read(les)
    st.markdown(f"**What this lesson adds:** {les.adds}")
    explain.math_ui(les)

    data_col, results_col = st.columns([2, 3], gap="large")
    with data_col:
        points = data_ui(les)
    # The sidebar is drawn after the data, so the rate slider can offer this data's own critical rates.
    values = controls.controls_ui(les, _rate_choices(les, points))
    settings = _settings(les, values, points)
    links.write(les, settings, menu)
    with results_col:
        if settings is None:
            st.subheader("Results")
            st.info("Fix the input marked in red to see the run. Everything else on the page still works.",
                    icon=":material/edit:")
            return
        results = st.container()
    # Places first, contents after: the charts are filled before the results, so the browser gets them
    # first (what a visitor watches after changing a setting), while the page keeps its order.
    fill = [(st.container(), sections.SECTIONS[name].draw) for name in les.sections]
    fill.insert(min(1, len(fill)), (results, explain.results_ui))  # after the first section, the charts
    view = runs.build(settings)
    for place, draw in fill:
        with place:
            draw(view)
    _tabs(les, view)
    runs.warm_up()  # whichever page a server serves first readies the other lessons


def _tabs(les: Lesson, view) -> None:
    """The lesson's tabs; only the open one is computed and sent (st.tabs with on_change="rerun")."""
    labels = [sections.SECTIONS[name].label for name in les.tabs]
    for tab, name in zip(st.tabs(labels, key=controls.key(les, "tab"), on_change="rerun"), les.tabs, strict=True):
        if tab.open:
            with tab:
                sections.SECTIONS[name].draw(view)


def _rate_choices(les: Lesson, points: tuple | DataError) -> tuple[float, ...]:
    """Rates around this data's 1/λmax and 2/λmax, so each regime (monotone, zigzag, divergent) is on the slider."""
    if isinstance(points, DataError):
        return ()
    return _landmarks(points[0], les.has_bias)


@functools.lru_cache(maxsize=256)
def _landmarks(x: tuple[float, ...], bias: bool) -> tuple[float, ...]:
    # The slider is drawn before the run, so not from the view; cached by the data, which a rate change keeps.
    return controls.landmark_rates(analysis.curvature(x, bias).eigenvalues[-1])


def _settings(les: Lesson, v: Values, points: tuple | DataError) -> Settings | None:
    """Checked settings, or None after showing each problem next to its input."""
    x, y = ((), ()) if isinstance(points, DataError) else points
    s = Settings(lesson=les.number, x=x, y=y, **v.values)
    found = problems(s, MAX_EPOCHS_PAGE)
    for field, message in found.items():
        if field in v.slots:
            v.slots[field].error(message)
    if found or isinstance(points, DataError):
        return None
    return s
