"""Shared fixtures: the document's programs (tests/support/document.py) as the reference, per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.settings import Settings
from tests.support.document import FIXTURES, PROGRAMS, document_program, run_program
from ui import live_chart


def pytest_configure(config: pytest.Config) -> None:
    # The document formats tensors that require grad with %f: torch warns, the printed value is .item()'s.
    config.addinivalue_line("filterwarnings", "ignore:Converting a tensor with requires_grad=True:UserWarning")
    # AppTest has no browser to hand the loss chart over to (ui.live_chart.hand_over): without the pause each
    # lesson rerun is 30 ms shorter. The browser tests' servers are other processes and keep it.
    live_chart.HAND_OVER_S = 0


@pytest.fixture(scope="session")
def programs() -> dict[int, str]:
    """The document's four programs, verbatim."""
    return dict(PROGRAMS)


@pytest.fixture(scope="session")
def document_log() -> Callable[[Settings], str]:
    """The console output of the document's program run with settings s (its seed, data, rate...)."""
    return lambda s: run_program(document_program(s), s.seed)


@pytest.fixture(scope="session")
def reference() -> Callable[[int], str]:
    """The reference output of the document's program n after torch.manual_seed(0), as bytes decoded."""
    return lambda n: (FIXTURES / f"section{n}.manual_seed0.txt").read_bytes().decode("utf-8")
