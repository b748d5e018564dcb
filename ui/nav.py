"""The sidebar menu, drawn once for every page so labels and order live in one place."""

from __future__ import annotations

import streamlit as st

from core import catalog
from core.catalog import Lesson

HOME = "app.py"


def url_path(les: Lesson) -> str:
    """The URL path Streamlit serves a lesson's page at: its script's name after the number, /Autograd, ..."""
    return "/" + les.page.removeprefix("pages/").removesuffix(".py").split("_", 1)[1]


def menu(place=None, carry=None) -> None:
    """Home and every lesson as links in the sidebar (or in `place`, a sidebar container); `carry(lesson)`
    gives the URL parameters a lesson's link keeps (ui.links)."""
    with place or st.sidebar:
        st.page_link(HOME, label="Gradient Descent Lab", icon=":material/home:")
        for les in catalog.LESSONS:  # read when drawn: a lesson registered later shows too
            st.page_link(les.page, label=f"{les.number} · {les.title}", query_params=carry(les) if carry else None)
        st.divider()
