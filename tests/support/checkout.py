"""An older revision of the app in a temporary folder, for benches that compare it with today's side by side."""

from __future__ import annotations

import contextlib
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import ROOT


def resolve(rev: str) -> str:
    """The full commit hash of `rev` in this repository."""
    return subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """`git archive REV` unpacked into a temporary folder (no worktree to clean up); removed on exit."""
    commit = resolve(rev)
    with tempfile.TemporaryDirectory(prefix=f"gdl-{commit[:7]}-") as tmp:
        archive = Path(tmp) / "rev.tar"
        with archive.open("wb") as f:
            subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, stdout=f)
        root = Path(tmp) / "app"
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
        archive.unlink()
        yield root
