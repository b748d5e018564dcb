"""The home page: what the lab is, the four lessons, and lesson 1's run as a picture.

app.py only calls render_home(), as each page script calls render_lesson: Streamlit compiles a page's
script (with its "magic") for every session's first run, and AppTest for every rerun; a module is
compiled once. (This one is light: the cold start imports torch only in picture().)
"""

import sys

import streamlit as st

from core import catalog
from ui import live_chart, nav, style


def picture(slot) -> None:
    """Lesson 1 at the document's settings, on its loss curve, drawn into `slot`.

    A live chart, like the lessons' charts: the browser loads the code that draws them while this page is
    read. Opened from a page that had none, a lesson drew its three charts ~1.5 s after the click, with its
    console and its table (the component's code came with theirs); opened from this page, ~0.5 s after it.
    """
    if "torch" not in sys.modules:
        # The first visit after the server starts waits 1-2 s for torch. Drawing the chart's frame first
        # has the browser load its charting code meanwhile instead of after: the page is drawn ~1 s sooner.
        live_chart.draw(style.frame("w", "loss L(w) (MSE)", "Loading PyTorch and running lesson 1…"), "home_frame",
                        slot)
    from ui import charts, runs  # torch: imported only once the rest of the page is on its way

    view = runs.build(catalog.LESSONS[0].defaults())
    live_chart.draw(charts.landscape_chart(view), "home_picture", slot)
    runs.warm_up()


def render_home() -> None:
    """Draw the home page, with the lessons registered now (read when drawn, as the menu does)."""
    lessons = catalog.LESSONS
    st.set_page_config(page_title="Gradient Descent Lab", page_icon="assets/icon.png", layout="wide")
    nav.menu()

    st.title("Gradient Descent Lab")
    st.markdown(
        "Four short PyTorch programs fit a line to a handful of points. Each lesson runs one of them on "
        "data you can edit, with the **real code**, **the math** and **live charts of the same run** side by side — "
        "and the console prints exactly what the program prints."
    )

    st.subheader("The lessons")
    cards = st.columns(len(lessons))
    for col, les in zip(cards, lessons, strict=True):
        with col.container(border=True, height="stretch"):
            st.markdown(f"#### {les.number} · {les.title}")
            st.markdown(les.adds)
            st.page_link(les.page, label=f"Open lesson {les.number}", icon=":material/arrow_forward:")

    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader("Gradient descent in three sentences")
        st.markdown(
            "1. The **loss** measures how far the line's predictions are from the data: the mean of the squared "
            "errors.\n"
            "2. The **gradient** says which way, and how steeply, the loss rises as each parameter changes; "
            "PyTorch's autograd computes it for you (backpropagation).\n"
            "3. **Gradient descent** repeats one small step: move every parameter a little against its gradient, "
            "by the *learning rate* times the gradient — too small is slow, too large overshoots and blows up."
        )
    with right:
        home_picture = st.empty()  # drawn last (see picture())
        st.caption("Lesson 1 at the document's settings: the loss L(w) of each line y = w·x, and the 20 steps "
                   "gradient descent takes down it.")

    st.subheader("Using it in class")
    st.markdown(
        "- **Every lesson opens at the document's settings** (seed 0): the console matches the document digit for "
        "digit, on every machine, every time. *Reset to the lesson's defaults* brings it back after any experiment.\n"
        "- **One link per lesson**: "
        + ", ".join(f"[{nav.url_path(les)}]({nav.url_path(les).lstrip('/')})" for les in lessons) + ".\n"
        "- **Try, in this order**: move the learning-rate slider up — its marks include the data's own 1/λmax and "
        "2/λmax — and watch the descent go smooth, then zigzag, then diverge past 2/λmax (the verdict says which and "
        "why); load the *Large x* preset to see why scaling the inputs matters; in lesson 3, raise the iterations to "
        "watch b crawl towards its optimum.\n"
        "- **On a projector**: wide layout, big charts; zoom the browser to 125 % for the back row "
        "(Ctrl/⌘ +). The sidebar can be collapsed with the « button.\n"
        "- **Take it home**: every lesson shows the complete program for its current settings, with a download button; "
        "`python -m core 3 --lr 0.03` prints the same run in a terminal."
    )

    picture(home_picture)
