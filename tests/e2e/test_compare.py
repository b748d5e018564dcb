"""The comparison sections in Chromium: they open, draw, take a click, and are photographed (tests/support/shots.py)."""

from __future__ import annotations

import pytest

from tests.support.browser import CHARTS
from tests.support.shots import screenshot

pytestmark = pytest.mark.e2e
LESSON_PATHS = {1: "/Autograd", 3: "/Model_loss_and_optimizer"}
SIZES = ((1366, 768), (1920, 1080))


def _tab(app, label: str, charts: int) -> None:
    """Open the page's tab `label` (computed on the server when chosen) and wait for its charts."""
    app.act(lambda: app.page.get_by_role("tab", name=label).click())
    app.wait_for(f"(n) => document.querySelectorAll('{CHARTS}').length === n", charts)
    app.page.wait_for_timeout(600)  # plotly's transitions settle


def _shoot(app, label: str, name: str) -> None:
    """What a visitor sees at this window size with the tab's content at the top of the screen."""
    app.page.get_by_role("tab", name=label).evaluate(
        "(e) => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -70); }")
    app.page.wait_for_timeout(500)
    screenshot(app.page, name)


# Lesson 1 (a curve) on a laptop and lesson 3 (contours) on a projector: each chart kind at each size
# would double the suite's slowest browser test for screenshots that differ only in scale.
@pytest.mark.parametrize(("n", "size"), [(1, SIZES[0]), (3, SIZES[1])], ids=["lesson1-1366x768", "lesson3-1920x1080"])
def test_compare_sections_and_screenshots(server, new_app, n, size):
    w, h = size
    app = new_app(server.url, w, h)
    path = LESSON_PATHS[n]
    app.goto(path)
    # Pinned: pin the default run, change the rate, compare (the overlay adds a loss chart and a landscape).
    _tab(app, "Pinned runs", 3)
    app.click("Pin this run")
    app.set_number("Learning rate (exact)", "0.03")
    app.wait_for(f"() => document.querySelectorAll('{CHARTS}').length === 5")
    app.page.wait_for_timeout(800)
    _shoot(app, "Pinned runs", f"compare-lesson{n}-pinned-{w}x{h}.png")
    # The sweep: its chart beside the page's three.
    _tab(app, "Learning-rate sweep", 4)
    _shoot(app, "Learning-rate sweep", f"compare-lesson{n}-sweep-{w}x{h}.png")
    # The race: its loss chart and its paths.
    _tab(app, "Optimizer race", 5)
    _shoot(app, "Optimizer race", f"compare-lesson{n}-race-{w}x{h}.png")
    assert not app.problems()["exceptions"], app.problems()
    assert not app.page_errors, app.page_errors
