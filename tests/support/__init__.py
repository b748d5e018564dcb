"""What tests and benches share: the Streamlit server, the browser page object, AppTest helpers, keys.

    from tests.support import Server, App, new_app, launch, open_page, console, key, reference

Modules: `paths` (ROOT, ARTIFACTS, FIXTURES, PAGES, LESSON_PATH, reference), `server` (Server,
free_port), `browser` (App, new_app, launch, hermetic and the in-page scripts), `apptest` (open_page,
console, figures, plain, trace_names, all_text), `keys` (key, lr_key, LR_LABEL, fresh_rate).
Importing this package imports neither the app (core, ui) nor torch, so a bench can drive an older
checkout of the app with it. `browser` needs the playwright package only when a browser is launched.
"""

from tests.support.apptest import all_text, console, figures, open_page, page_script, plain, trace_names
from tests.support.browser import (
    BROWSER_ARGS,
    CLICK_MS,
    WAIT_MS,
    App,
    PlaywrightTimeout,
    hermetic,
    launch,
    new_app,
    sync_playwright,
)
from tests.support.keys import LR_LABEL, fresh_rate, key, lr_key
from tests.support.paths import ARTIFACTS, FIXTURES, LESSON_PATH, PAGES, ROOT, reference
from tests.support.server import START_TIMEOUT, Server, free_port

__all__ = [
    "ARTIFACTS",
    "BROWSER_ARGS",
    "CLICK_MS",
    "FIXTURES",
    "LESSON_PATH",
    "LR_LABEL",
    "PAGES",
    "ROOT",
    "START_TIMEOUT",
    "WAIT_MS",
    "App",
    "PlaywrightTimeout",
    "Server",
    "all_text",
    "console",
    "figures",
    "free_port",
    "fresh_rate",
    "hermetic",
    "key",
    "launch",
    "lr_key",
    "new_app",
    "open_page",
    "page_script",
    "plain",
    "reference",
    "sync_playwright",
    "trace_names",
]
