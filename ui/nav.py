"""The sidebar menu, drawn once for every page so labels and order live in one place."""

from __future__ import annotations

import streamlit as st

from core.catalog import LESSONS

HOME = "app.py"
# Streamlit makes each page's URL from its file name: /Autograd, /Loss_and_optimizer, ...
PAGES = {
    1: "pages/1_Autograd.py",
    2: "pages/2_Loss_and_optimizer.py",
    3: "pages/3_Model_loss_and_optimizer.py",
    4: "pages/4_Model_as_a_class.py",
}


def page_path(number: int) -> str:
    """The script of lesson `number`, relative to app.py (what st.page_link takes)."""
    return PAGES[number]


def url_path(number: int) -> str:
    """The URL path Streamlit serves lesson `number` at."""
    return "/" + PAGES[number].removeprefix("pages/").removesuffix(".py").split("_", 1)[1]


def menu() -> None:
    """Home and the four lessons as links in the sidebar."""
    with st.sidebar:
        st.page_link(HOME, label="Gradient Descent Lab", icon=":material/home:")
        for les in LESSONS:
            st.page_link(page_path(les.number), label=f"{les.number} · {les.title}")
        st.divider()
