"""Home page of Gradient Descent Lab: `streamlit run app.py`. Drawn by ui.home, as the lessons by ui.lesson_page."""

from ui.home import render_home

render_home()
