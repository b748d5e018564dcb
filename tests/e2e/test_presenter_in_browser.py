"""The presenter view in Chromium: every lesson at ?present=1 on a 1280×720 and (the window resized) a 1920×1080
projector, with the sidebar collapsed and the title, the update equation and the replay (the fit, the loss and its
controls) above the fold; then the same at 125 % zoom, readable. Screenshots: present-lesson{n}-{w}x{h}.png
(tests/support/shots.py says where)."""

from __future__ import annotations

import pytest

from tests.support import CLICK_MS
from tests.support.browser import INIT_SCRIPT, REPLAY_READY, App, hermetic
from tests.support.paths import LESSON_PATH
from tests.support.shots import screenshot

pytestmark = pytest.mark.e2e

SIZES = ((1920, 1080), (1280, 720))

# Bottom edges (CSS px from the top of the viewport) of what must be seen without scrolling.
_BOXES = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const bottom = (e) => e ? Math.round(e.getBoundingClientRect().bottom) : null;
  const chart = main.querySelector('.js-plotly-plot');
  return {
    title: bottom(main.querySelector('h1')),
    equation: Math.max(...[...main.querySelectorAll('.katex')].map(bottom)),
    chart: bottom(chart),
    slider: bottom(chart && chart.querySelector('.slider-container')),
    buttons: bottom(chart && chart.querySelector('.updatemenu-container')),
    tabs: bottom(main.querySelector('[data-testid=stTab]')),
    sidebar: Math.round(document.querySelector('[data-testid=stSidebar]')?.getBoundingClientRect().right ?? 0),
    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
  };
}"""


def _open(app, n: int) -> None:
    path = LESSON_PATH[n]
    app.opened.add(path)
    app.page.goto(f"{app.base_url}{path}?present=1", wait_until="commit")
    app.wait_run(0)
    app.wait_for(REPLAY_READY)
    app.wait_for("() => document.fonts.status === 'loaded'")


def _settled(app) -> dict:
    """The boxes once they have not moved for 0.6 s (a resize reflows the page, and Plotly redraws the replay
    after Streamlit has measured its new width)."""
    m, still = app.page.evaluate(_BOXES), 0
    for _ in range(40):
        app.page.wait_for_timeout(200)
        again = app.page.evaluate(_BOXES)
        still = still + 1 if again == m else 0
        if still == 3:
            break
        m = again
    return m


@pytest.mark.parametrize("n", sorted(LESSON_PATH))
def test_presenter_view_above_the_fold(n, server, new_app):
    """Opened on the smaller projector, then the window resized to the larger one: one page load per lesson."""
    app = new_app(server.url, *SIZES[-1])
    _open(app, n)
    app.wait_for("() => { const s = document.querySelector('[data-testid=stSidebar]');"
                 " return !s || s.getBoundingClientRect().right <= 1; }")  # collapsed
    for width, height in reversed(SIZES):
        app.page.set_viewport_size({"width": width, "height": height})
        m = _settled(app)
        for part in ("title", "equation", "tabs", "chart", "buttons", "slider"):
            assert m[part] is not None and m[part] <= height, \
                f"lesson {n} at {width}×{height}: {part} below the fold: {m}"
        assert m["scrollWidth"] <= m["clientWidth"], m
        screenshot(app.page, f"present-lesson{n}-{width}x{height}.png")
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}


@pytest.mark.parametrize("n", (1, 3))
def test_readable_at_125_percent_zoom(n, server, browser):
    """Browser zoom 125 % on a 1280×720 screen: a 1024×576 CSS-pixel window drawn at 1.25 device pixels each."""
    context = browser.new_context(viewport={"width": 1024, "height": 576}, device_scale_factor=1.25)
    context.add_init_script(INIT_SCRIPT)
    app = App(context, server.url)
    hermetic(context, app)
    try:
        _open(app, n)
        m = app.page.evaluate(_BOXES)
        assert m["scrollWidth"] <= m["clientWidth"], f"the page scrolls sideways at 125 %: {m}"
        assert m["title"] <= 576 and m["tabs"] <= 576, m
        screenshot(app.page, f"present-lesson{n}-1280x720-zoom125.png")
        assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}
    finally:
        context.close()


def test_the_toggle_switches_views_and_the_sidebar_follows(server, new_app):
    app = new_app(server.url, width=1280, height=720)
    app.goto(LESSON_PATH[2])
    sidebar = "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right"
    assert app.page.evaluate(sidebar) > 100  # the page: the sidebar open
    app.act(lambda: app.page.get_by_text("Presenter view", exact=True).click(timeout=CLICK_MS))
    app.wait_for(f"() => ({sidebar})() <= 1")  # a rerun's set_page_config folds it
    assert "present=1" in app.page.url
    app.wait_for(REPLAY_READY)
    app.act(lambda: app.page.get_by_text("Presenter view", exact=True).click(timeout=CLICK_MS))
    app.wait_for(f"() => ({sidebar})() > 100")  # and unfolds it again
    assert "present=1" not in app.page.url
