"""Every page reached through the sidebar menu, as a visitor clicks around; then its screenshots.

At each of two window sizes, a laptop (1366×768) and a projector (1920×1080), one visitor opens
the home page and walks the menu (lesson 1, 2, 3, 4, then home), so each page is reached from
another page by a click, never by a URL. At each stop the page is checked, then photographed: the
viewport as it opens ("what the projector shows") and the whole page. Each size gets its own
visitor, opened at that size: resizing a drawn page is a different case (see the last test).
Screenshots: tests/support/shots.py says where.
"""

from __future__ import annotations

import pytest

from tests.support import CLICK_MS, LESSON_PATH, PAGES, reference
from tests.support.shots import screenshot

pytestmark = pytest.mark.e2e

WALK = ["/Autograd", "/Loss_and_optimizer", "/Model_loss_and_optimizer", "/Model_as_a_class", "/"]
SIZES = [(1366, 768), (1920, 1080)]


def shot_name(path: str) -> str:
    n = next((k for k, v in LESSON_PATH.items() if v == path), None)
    return "home" if n is None else f"lesson{n}"


@pytest.fixture(scope="module")
def walker(app_factory, server):
    """walker(size): the visitor who walks the menu at this window size, opened on the home page by URL.
    One at a time: a new size closes the previous visitor."""
    current: dict = {}

    def get(size: tuple[int, int]):
        if size not in current:
            for app in current.values():
                app.close()
            current.clear()
            current[size] = app_factory(server.url, *size)
            current[size].goto("/")
        return current[size]

    yield get
    for app in current.values():
        app.close()


@pytest.fixture(scope="module", params=[(size, path) for size in SIZES for path in WALK],
                ids=lambda p: f"{shot_name(p[1])}-{p[0][0]}x{p[0][1]}")
def reached(request, walker):
    """Click the page's sidebar link from wherever the walker is; the walker and the errors logged meanwhile."""
    size, path = request.param
    app = walker(size)
    if app.page.url == app.base_url + path:  # run alone (-k): step away first, by URL
        app.goto("/Autograd" if path == "/" else "/")
    marks = len(app.console_errors), len(app.page_errors)
    app.act(lambda: app.sidebar_link(PAGES[path][0]).click(timeout=CLICK_MS))
    app.page.wait_for_url(app.base_url + path, wait_until="commit")
    app.wait_complete(path)
    return path, app, size, marks


def test_menu_link_opens_the_page(reached):
    path, app, _, (n_console, n_page) = reached
    assert app.exceptions() == []
    assert app.page_errors[n_page:] == []
    assert app.console_errors[n_console:] == [], "no console error, not even a 404, after a menu click"
    assert app.title() == PAGES[path][0]
    charts = app.chart_data()
    assert len(charts) == PAGES[path][1] and all(charts)
    n = next((k for k, v in LESSON_PATH.items() if v == path), None)
    if n is not None:
        assert app.console() == reference(n)


_MEASURE = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const doc = document.documentElement;
  // Plotly charts are responsive: after a resize they redraw at their container's width, asynchronously.
  const charts = [...main.querySelectorAll('.js-plotly-plot')];
  const fitted = charts.every((e) => {
    const svg = e.querySelector('.main-svg');
    return svg && Math.abs(parseFloat(svg.getAttribute('width')) - e.clientWidth) <= 1;
  });
  // A legend above the plot must end where the plot area starts: it would hide data inside it.
  const overlaps = charts.map((e) => {
    const legend = e.querySelector('.legend'), plot = e.querySelector('.nsewdrag');
    return legend && plot ? Math.round(legend.getBoundingClientRect().bottom - plot.getBoundingClientRect().top) : 0;
  });
  // And it starts below the mode bar, which Plotly shows at the top right while the pointer is over the chart.
  const underBar = charts.map((e) => {
    const legend = e.querySelector('.legend'), bar = e.querySelector('.modebar');
    return legend && bar ? Math.round(legend.getBoundingClientRect().top - bar.getBoundingClientRect().bottom) : 0;
  });
  return {doc: [doc.scrollWidth, doc.clientWidth], main: [main.scrollWidth, main.clientWidth],
          mainHeight: main.scrollHeight, fitted, overlaps, underBar};
}"""


def _measure(app, width: int, height: int) -> dict:
    """Set the viewport, wait for the charts to fit their new width, and measure the layout."""
    app.page.set_viewport_size({"width": width, "height": height})
    app.wait_for(f"() => ({_MEASURE})().fitted")
    return app.page.evaluate(_MEASURE)


def _assert_layout(m: dict, where: str) -> None:
    assert m["doc"][0] <= m["doc"][1], f"{where}: the page scrolls sideways: {m}"
    assert m["main"][0] <= m["main"][1], f"{where}: the main area scrolls sideways: {m}"
    assert all(px <= 0 for px in m["overlaps"]), f"{where}: a legend reaches into its plot by {m['overlaps']} px"
    assert all(px >= 0 for px in m["underBar"]), f"{where}: a legend starts under the mode bar: {m['underBar']} px"


def test_screenshots_and_no_horizontal_scroll(reached):
    path, app, (width, height), _ = reached
    name = shot_name(path)
    m = _measure(app, width, height)
    _assert_layout(m, f"{width}×{height}")
    view = screenshot(app.page, f"{name}-{width}x{height}.png")
    # Streamlit scrolls inside [data-testid=stMain], so a "full page" screenshot would show one
    # viewport: make the viewport as tall as the main area's content instead (a few rounds, since
    # the content's height can change when the viewport does).
    full_height = height
    for _ in range(5):
        if m["mainHeight"] <= full_height:
            break
        full_height = m["mainHeight"]
        m = _measure(app, width, full_height)
    assert m["mainHeight"] <= full_height, f"the page keeps growing: {m}"
    _assert_layout(m, f"{width}×{full_height}")
    full = screenshot(app.page, f"{name}-{width}x{height}-full.png")
    app.page.set_viewport_size({"width": width, "height": height})
    assert app.exceptions() == [] and app.page_errors == []
    for f in (view, full):
        assert f.stat().st_size > 10_000, f"{f} looks empty"


# A code block narrower than its longest line hides the rest behind a scrollbar: in the console or the
# program, that is the part a student came for.
_CLIPPED_CODE = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stCode] pre')]
  .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent.slice(0, 50))"""
KNOWN_CLIPPED: dict[tuple[str, int], str] = {}  # (page, width) -> why; empty since code blocks wrap


def test_no_code_block_is_cut_off(reached, request):
    path, app, (width, _), _ = reached
    known = KNOWN_CLIPPED.get((shot_name(path), width))
    if known:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"reported to the lead: {known}"))
    assert app.page.evaluate(_CLIPPED_CODE) == []


@pytest.mark.parametrize("path", ["/Autograd", "/Model_loss_and_optimizer"])
def test_legends_stay_out_of_the_plot_after_a_resize(new_app, server, path):
    """A laptop moved to a projector and back (or browser zoom, or the sidebar collapsed): a legend
    wraps onto fewer or more rows, and the plot must make room for exactly that."""
    app = new_app(server.url, *SIZES[0])
    app.goto(path)
    _assert_layout(app.page.evaluate(_MEASURE), "1366×768 as opened")
    _assert_layout(_measure(app, *SIZES[1]), "1366×768 widened to 1920×1080")
    _assert_layout(_measure(app, *SIZES[0]), "then narrowed back to 1366×768")
