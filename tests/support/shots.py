"""Screenshots from the browser tests: for looking at, and (on request) for the repository's docs/.

Every run writes them to artifacts/screenshots/. With GDL_UPDATE_SCREENSHOTS=1 they are also copied to
docs/screenshots/, which the README shows: a plain test run leaves the repository as it found it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.support.paths import ARTIFACTS, ROOT

SHOTS = ARTIFACTS / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"


def updating_docs() -> bool:
    """Whether this run refreshes docs/screenshots/ (GDL_UPDATE_SCREENSHOTS=1)."""
    return os.environ.get("GDL_UPDATE_SCREENSHOTS") == "1"


def screenshot(page, name: str) -> Path:
    """The page's viewport as artifacts/screenshots/<name>, also copied to docs/ when updating_docs()."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=path)
    if updating_docs():
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, DOCS_SHOTS / name)
    return path
