"""render_lesson(key): one renderer for every lesson — data → (a fragment:) settings → one view → sections → controls.

Two layouts of the same sections: the page (the charts and the console always drawn, the rest in tabs)
and the presenter view (ui.presenter: every section a tab, the replay first, the data one click away).
Both put what the settings decide in one fragment (`_run`), so a change of setting reruns only that.
"""

from __future__ import annotations

import functools

import streamlit as st

from core import analysis
from core.catalog import Lesson, lesson
from core.data import DataError
from core.settings import MAX_EPOCHS_PAGE, Settings, problems
from ui import controls, explain, links, presenter, runs, sections
from ui.data_table import data_ui


def render_lesson(key: int | str) -> None:
    """Draw a lesson's page: its header and math, data and results, then its declared sections in order."""
    les = lesson(key)
    st.set_page_config(page_title=f"{les.number} · {les.title} — Gradient Descent Lab",
                       page_icon="assets/icon.png", layout="wide")
    menu = st.sidebar.container()  # the menu is drawn by links.write, once its links can carry the settings
    row = st.container(horizontal=True, vertical_alignment="center")  # the toggle at the right, its label whole
    row.title(f"{les.number} · {les.title}")
    links.read(les)  # before the toggle: a link's present=1 sets it (a warning about the link goes below the row)
    with row:
        presenter.toggle_ui(les)
    presenter.page_config(les)
    if presenter.on(les):
        _presenter(les, menu)
    else:
        _page(les, menu)
    runs.warm_up()  # whichever page a server serves first readies the other lessons


def _page(les: Lesson, menu) -> None:
    """The lesson page: what it adds, the math, data beside the results, the charts, the console, the tabs."""
    head = st.container()
    data_col, results_col = st.columns([2, 3], gap="large")
    with data_col:
        points = data_ui(les)

    def beside_data(view) -> None:
        with results_col:
            explain.results_ui(view)

    def show(view) -> None:
        draws = [sections.SECTIONS[name].draw for name in les.sections]
        draws.insert(min(1, len(draws)), beside_data)  # after the first section, the charts: they arrive first
        for draw in draws:
            draw(view)

    def fix() -> None:
        with results_col:
            st.subheader("Results")
            _fix_input()

    _run(les, points, menu, show, fix, (les.tabs, "tab"))
    with head:  # after the run: a full rerun sends what it changes first
        st.markdown(f"**What this lesson adds:** {les.adds}")
        explain.math_ui(les)


def _presenter(les: Lesson, menu) -> None:
    """The presenter view: the update equation, the verdict and the data (folded) in one row, then every section
    as a tab with the replay open first — the title, the equation and the replay fit a 1280×720 screen."""
    presenter.style_ui()
    math, verdict, data = st.columns([5, 3, 1.2], vertical_alignment="center")
    with math:
        explain.update_ui(les)
    with data, st.expander("Data", icon=":material/table:"):
        points = data_ui(les)

    def show(view) -> None:
        with verdict:
            explain.verdict_ui(view)

    def fix() -> None:
        with verdict:
            _fix_input()

    _run(les, points, menu, show, fix, (les.presenter_tabs, "present_tab"))


@st.fragment
def _run(les: Lesson, points: tuple | DataError, menu, show, fix, tabs: tuple[tuple[str, ...], str]) -> None:
    """Everything the settings decide: the run's sections (`show(view)`, or `fix()` if an input is wrong),
    the sidebar's controls and the link, then the tabs (names, widget key). A fragment, so a change of
    setting reruns this alone.

    The data and the lesson's text are outside it: they do not depend on the settings, so a rate change
    does not send them again (a data edit, outside, reruns the whole page). Inside, the run goes first:
    its settings are read from the controls' keys before the controls are drawn (a widget returns what
    its key holds), and the run is built before this code sends its first element, so the charts are
    sent as soon as it is ready, ahead of the ~20 sidebar elements.
    """
    found, settings = _settings(les, controls.values(les), points)
    view = None if settings is None else runs.build(settings)  # before the first element: see above
    side = st.sidebar.container()  # the controls, then the link, below the menu
    if view is None:
        fix()
    else:
        show(view)
    with side:
        controls.controls_ui(les, _rate_choices(les, points), found)
    links.write(les, settings, menu)
    if view is not None:  # last: with the tabs before the sidebar, the loss line came ~70 ms later (12 changes)
        _tabs(les, view, *tabs)


def _fix_input() -> None:
    st.info("Fix the input marked in red to see the run. Everything else on the page still works.",
            icon=":material/edit:")


def _tabs(les: Lesson, view, names: tuple[str, ...], name: str) -> None:
    """These sections as tabs; only the open one is computed and sent (st.tabs with on_change="rerun")."""
    labels = [sections.SECTIONS[n].label for n in names]
    for tab, n in zip(st.tabs(labels, key=controls.key(les, name), on_change="rerun"), names, strict=True):
        if tab.open:
            with tab:
                sections.SECTIONS[n].draw(view)


def _rate_choices(les: Lesson, points: tuple | DataError) -> tuple[float, ...]:
    """Rates around this data's 1/λmax and 2/λmax, so each regime (monotone, zigzag, divergent) is on the slider."""
    if isinstance(points, DataError):
        return ()
    return _landmarks(points[0], les.has_bias)


@functools.lru_cache(maxsize=256)
def _landmarks(x: tuple[float, ...], bias: bool) -> tuple[float, ...]:
    # The slider is drawn before the run, so not from the view; cached by the data, which a rate change keeps.
    return controls.landmark_rates(analysis.curvature(x, bias).eigenvalues[-1])


def _settings(les: Lesson, raw: dict, points: tuple | DataError) -> tuple[dict[str, str], Settings | None]:
    """Each input's problem by field name, and the checked settings (None if any input or the data is wrong)."""
    x, y = ((), ()) if isinstance(points, DataError) else points
    s = Settings(lesson=les.number, x=x, y=y, **raw)
    found = problems(s, MAX_EPOCHS_PAGE)
    return found, None if found or isinstance(points, DataError) else s
