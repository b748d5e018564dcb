"""The comparison sections in Chromium: they open, draw, take a click, and are screenshotted for docs/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "screenshots"
LESSON_PATHS = {1: "/Autograd", 3: "/Model_loss_and_optimizer"}
SIZES = ((1366, 768), (1920, 1080))


def _expander(app, text: str):
    return app.page.locator("[data-testid=stExpander]").filter(has_text=text).first


def _open(app, text: str, charts: int) -> None:
    box = _expander(app, text)
    app.act(lambda: box.locator("summary").click())
    app.page.wait_for_function("(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                               arg=charts)
    app.page.wait_for_timeout(600)  # plotly's transitions settle


def _shoot(app, text: str, path) -> None:
    """What a visitor sees at this window size with the section's top at the top of the screen."""
    _expander(app, text).evaluate("(e) => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -70); }")
    app.page.wait_for_timeout(500)
    app.page.screenshot(path=path)


@pytest.mark.parametrize("n", (1, 3))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare_sections_and_screenshots(server, new_app, n, size):
    w, h = size
    app = new_app(server.url, w, h)
    path = LESSON_PATHS[n]
    app.goto(path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Pinned: pin the default run, change the rate, compare.
    app.click("Pin this run")
    app.set_number("Learning rate (exact)", "0.03")
    pins = _expander(app, "Pinned runs")
    pins.wait_for()
    app.page.wait_for_timeout(800)
    _shoot(app, "Pinned runs", SHOTS / f"compare-lesson{n}-pinned-{w}x{h}.png")
    # The sweep: opens, draws, and a click on a point sets the page's rate.
    charts_before = app.page.locator(".js-plotly-plot").count()
    _open(app, "batched sweep", charts_before + 1)
    _shoot(app, "batched sweep", SHOTS / f"compare-lesson{n}-sweep-{w}x{h}.png")
    # The race.
    _open(app, "Race optimizers", charts_before + 3)
    _shoot(app, "Race optimizers", SHOTS / f"compare-lesson{n}-race-{w}x{h}.png")
    assert not app.problems()["exceptions"], app.problems()
    assert not app.page_errors, app.page_errors
