"""Presenter view: the same lesson laid out for a projector — sidebar collapsed, larger type, the replay first.

`?present=1` (ui.links) or the toggle at the top of the page turns it on; the layout itself is declared
by the lesson spec (`Lesson.presenter_tabs`) and drawn by ui.lesson_page.
"""

from __future__ import annotations

import streamlit as st

from core.catalog import Lesson
from ui import style
from ui.controls import key

LABEL = "Presenter view"
KEY = "present"  # the toggle's widget name, and the link's parameter (ui.links: present=1)


def on(les: Lesson) -> bool:
    """Whether this lesson's page is in presenter view."""
    return bool(st.session_state.get(key(les, KEY), False))


def page_config(les: Lesson) -> None:
    """Collapse the sidebar in presenter view (Streamlit applies a changed initial state on a rerun too)."""
    st.set_page_config(initial_sidebar_state="collapsed" if on(les) else "auto")


def toggle_ui(les: Lesson) -> None:
    """The switch at the top of the page (kept in the URL as present=1)."""
    st.toggle(LABEL, key=key(les, KEY), help="For a projector: the sidebar folds away, the type grows, and "
              "the replay is the main chart. The data, the program, the console and the log are one click away.")


def style_ui() -> None:
    """The presenter view's larger type and tighter page margins."""
    st.html(f"<style>{style.PRESENTER_CSS}</style>")
