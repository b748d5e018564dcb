"""A guard against sending more: the websocket bytes of opening each lesson and of one rate change.

Not a timing test (timings depend on the machine's load): bytes do not. The budgets are the sizes
measured when the heavy sections became lazy tabs (lessons 1-2 ≈ 35 KB, lessons 3-4 ≈ 99 KB, the
landscape's contour being most of it), with ~40 % headroom. A section that starts sending its
content on every rerun while its tab is closed (the replay's frames, the sweep, the race, a
5,000-row table), or a chart that starts sending per-point text again, breaks it: make that part
lazy, or raise the budget here on purpose, with the reason.
"""

from __future__ import annotations

import pytest

from tests.support import LESSON_PATH, fresh_rate
from tests.support.browser import listen

pytestmark = pytest.mark.e2e

BUDGET = {1: 48_000, 2: 48_000, 3: 140_000, 4: 140_000}  # bytes, for opening the page and for one change


@pytest.mark.parametrize("n", sorted(BUDGET))
def test_opening_a_lesson_and_changing_its_rate_send_at_most_the_budget(server, new_app, n):
    app = new_app(server.url)
    listen(app)
    app.ws_listen = True
    app.goto(LESSON_PATH[n])
    app.page.wait_for_timeout(300)  # anything sent after the run finished counts too
    opened = sum(map(len, app.ws_frames))
    app.ws_frames.clear()
    app.measure_rate_change(f"{fresh_rate(4_000 + n):.6f}")
    app.page.wait_for_timeout(300)
    changed = sum(map(len, app.ws_frames))
    assert opened > 5_000 and changed > 5_000, "the recorder saw the page's messages"
    assert opened <= BUDGET[n], f"opening lesson {n} sent {opened:,} bytes (budget {BUDGET[n]:,})"
    assert changed <= BUDGET[n], f"one rate change on lesson {n} sent {changed:,} bytes (budget {BUDGET[n]:,})"
