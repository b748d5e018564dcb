"""The code panel: a lesson's program with a visitor's data and settings filled in (core.program does the work).

Running the script with plain `python` prints exactly `core.lessons.train(s).log_text`: the lab
executes the same steps (core.program explains the two declared differences).
"""

from __future__ import annotations

import operator

from core.catalog import lesson
from core.settings import Settings


def script(s: Settings) -> str:
    """The document's program for lesson `s.lesson` with the settings of `s`; it prints run.log_text."""
    return lesson(operator.index(s.lesson)).program.script(s)


def line_map(s: Settings) -> dict[str, list[int]]:
    """For each role (forward, loss, backward, update, ...), its line numbers in script(s)."""
    return lesson(operator.index(s.lesson)).program.lines(s)
