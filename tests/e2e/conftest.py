"""Browser tests: a real `streamlit run app.py` driven by Debian's Chromium through Playwright.

Fixtures only; the server, the page object and its waits live in tests/support (shared with bench/).
`server` (one server for the session), `fresh_servers` (servers no page has been opened on yet, for
the "first request" tests), `browser` (one headless Chromium), and `new_app` / `app_factory`, which
open a page as a new visitor and return a `tests.support.App`: the page plus what it logged, and the
few actions the tests need, each of which waits for Streamlit's rerun to finish.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.support import App, Server, launch, sync_playwright
from tests.support import new_app as _new_app
from tests.support.browser import chromium_path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the real app in Chromium (slow; needs apt-get install chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In test_interactions.py, run each lesson's tests together (stable: file order within a lesson),
    so that lesson's page is loaded once, not once per test."""
    spots = [i for i, item in enumerate(items) if item.path.name == "test_interactions.py"]
    grouped = sorted((items[i] for i in spots), key=lambda item: item.callspec.params.get("n", 0))
    for i, item in zip(spots, grouped, strict=True):
        items[i] = item


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One server for the session."""
    srv = Server()
    try:
        yield srv.wait_ready()
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def fresh_servers() -> Iterator[Callable[[int], list[Server]]]:
    """fresh_servers(k): k servers that have served no page yet (only /_stcore/health was asked), booted
    side by side; all are stopped when the module ends."""
    started: list[Server] = []

    def start(k: int) -> list[Server]:
        servers = [Server() for _ in range(k)]
        started.extend(servers)
        return [srv.wait_ready() for srv in servers]

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium; skipped if missing, unless GDL_REQUIRE_BROWSER=1 (CI) makes it a failure."""
    required = os.environ.get("GDL_REQUIRE_BROWSER") == "1"
    if sync_playwright is None:
        if required:
            pytest.fail("GDL_REQUIRE_BROWSER=1 but the playwright package is missing: pip install -r "
                        "requirements-dev.txt")
        pytest.skip("browser tests need the playwright package: pip install -r requirements-dev.txt")
    if chromium_path() is None:
        message = "browser tests need Debian's Chromium: apt-get install -y chromium (never `playwright install`)"
        if required:
            pytest.fail(f"GDL_REQUIRE_BROWSER=1 and no chromium on PATH. {message}")
        pytest.skip(message)
    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def new_app(browser) -> Iterator[Callable[..., App]]:
    """new_app(base_url, width=1366, height=768): a new visitor (own browser context) on that server."""
    contexts: list = []
    yield lambda *args, **kw: _new_app(browser, *args, contexts=contexts, **kw)
    for c in contexts:
        c.close()  # a no-op for one already closed


@pytest.fixture(scope="session")
def app_factory(browser) -> Iterator[Callable[..., App]]:
    """Like new_app, for pages that module-scoped fixtures keep open across tests."""
    contexts: list = []
    yield lambda *args, **kw: _new_app(browser, *args, contexts=contexts, **kw)
    for c in contexts:
        c.close()  # a no-op for one already closed
