"""A shared link as the very first request of a freshly started server: the page shows exactly the console
`python -m core` prints for those settings, the address bar keeps them, and a link with too many points is
refused with a warning. (A 100,000-point link, about 400,000 characters, never reaches the app: the web
server refuses a request line that long. 1,500 points, over the lab's 1,000, is what a browser can deliver.)"""

from __future__ import annotations

import pytest

import core
from tests.support import LESSON_PATH

pytestmark = pytest.mark.e2e

LINK = "?lr=0.03&epochs=50&seed=7"
MANY = ",".join(["1"] * 1_500)


def test_shared_link_as_the_first_request(fresh_servers, new_app):
    (srv,) = fresh_servers(1)
    path = LESSON_PATH[3]
    app = new_app(srv.url)
    app.goto(path + LINK, wait=False)
    app.opened.add(path)  # Streamlit's deep-link probes (<page>/_stcore/health) are made without the query
    app.wait_drawn(path)
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}, srv.log_tail()
    assert app.console() == core.run_lesson(3, lr=0.03, epochs=50, seed=7).log_text
    assert app.page.url == srv.url + path + LINK, "the address bar keeps the settings, in the table's order"
    sidebar_code = app.page.locator("[data-testid=stSidebar] [data-testid=stCode] code").all_text_contents()
    assert any(t.strip().endswith(path + LINK) for t in sidebar_code), sidebar_code
    assert app.page.locator("[data-testid=stAlertContentWarning]").count() == 0, "a good link warns of nothing"


def test_a_link_with_too_many_points_warns_and_runs_the_defaults(server, new_app):
    srv = server  # any server: not a first request (a fresh one costs a boot and a torch import)
    path = LESSON_PATH[1]
    app = new_app(srv.url)
    app.goto(f"{path}?x={MANY}&y={MANY}&lr=0.02", wait=False)
    app.opened.add(path)
    app.wait_drawn(path)
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}, srv.log_tail()
    warnings = app.page.locator("[data-testid=stMain] [data-testid=stAlertContentWarning]").all_inner_texts()
    assert len(warnings) == 1 and "1,500 rows" in warnings[0], warnings
    assert app.console() == core.run_lesson(1, lr=0.02).log_text
    assert app.page.url == srv.url + path + "?lr=0.02"
