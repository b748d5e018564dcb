"""Every page opened by a link, as the very first request a freshly started server gets.

That is how a student arrives from a link in the course notes, and it is where Streamlit's classic
pages/ folder and st.navigation used to disagree (see DESIGN.md, "Navigation"). The five servers
boot and the five pages load side by side (one server per page): on two cores that halves the
time, and each page is still its server's first request.
"""

from __future__ import annotations

import pytest

from tests.support import LESSON_PATH, PAGES, reference

pytestmark = pytest.mark.e2e

@pytest.fixture(scope="module")
def first_visits(fresh_servers, app_factory) -> dict:
    """Each page, requested first thing from its own fresh server; navigation started, not awaited."""
    visits = {}
    for path, srv in zip(PAGES, fresh_servers(len(PAGES)), strict=True):
        app = app_factory(srv.url)
        app.goto(path, wait=False)
        visits[path] = (srv, app)
    yield visits
    for _, app in visits.values():
        app.close()


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.strip("/") or "home")
def test_page_as_first_request_of_a_fresh_server(path, first_visits):
    srv, app = first_visits[path]
    label, n_charts = PAGES[path]
    app.wait_drawn(path)

    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}, \
        srv.log_tail()
    assert app.page.url == srv.url + path, "the deep link must not be redirected"
    assert app.title() == label
    sidebar = app.page.locator("[data-testid=stSidebar]")
    links = [t.replace("home\n\n", "") for t in sidebar.get_by_role("link").all_inner_texts()]
    assert links == [PAGES[p][0] for p in PAGES], "the shared menu, not the legacy one with raw file names"
    assert app.external == [], "the lab must work without the internet (a classroom network, a train)"

    charts = app.chart_data()
    assert len(charts) == n_charts and all(charts), charts
    if path != "/":
        n = next(k for k, v in LESSON_PATH.items() if v == path)
        assert app.console() == reference(n)
    if path == "/":  # the guard itself: a request to another host is recorded, and never reaches it
        url = "https://fonts.gstatic.com/s/guard.woff2"
        assert app.page.evaluate("(u) => fetch(u).then(() => 'reached', () => 'failed')", url) == "failed"
        assert app.external == [url]
