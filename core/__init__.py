"""Gradient Descent Lab's computation: the document's four programs, their data and their math.

torch and pandas only: nothing here imports streamlit or plotly, so it runs in a notebook,
a terminal (`python -m core`) or a test just as it runs behind the pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.catalog import LESSONS, Lesson, lesson
from core.settings import MAX_EPOCHS, Settings, SettingsError, check

if TYPE_CHECKING:
    from core.data import DataError
    from core.lessons import Progress, Run, train

# Loaded on first use, not with the package: `import core.catalog` runs this file, and the menu and
# the home page's frame must not wait for torch (core.lessons) or pandas (core.data).
_LAZY = {"DataError": "core.data", "Progress": "core.lessons", "Run": "core.lessons", "train": "core.lessons"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'core' has no attribute {name!r}")

__all__ = [
    "LESSONS", "DataError", "Lesson", "Run", "Settings", "SettingsError", "lesson", "run_lesson", "train",
]


def run_lesson(lesson_key: int | str, progress: Progress | None = None, *, max_epochs: int = MAX_EPOCHS,
               **settings) -> Run:
    """Run a lesson with the document's defaults, overridden by keywords named as the CLI's flags.

    `core.run_lesson(3, lr=0.03, epochs=50).log_lines` is what `python -m core 3 --lr 0.03
    --epochs 50` prints. Keywords: x, y, lr, epochs, log_every, seed, init_w, init_b, predict.
    Raises KeyError (lesson), DataError (x, y) or SettingsError (the rest) for bad values.
    """
    from core.data import parse_columns

    les = lesson(lesson_key)
    base = les.defaults()
    unknown = set(settings) - {"x", "y", "lr", "epochs", "log_every", "seed", "init_w", "init_b", "predict"}
    if unknown:
        raise TypeError(f"run_lesson() got unknown settings: {', '.join(sorted(unknown))}")
    x, y = parse_columns(list(settings.pop("x", base.x)), list(settings.pop("y", base.y)))
    s = check(base.replace(x=x, y=y, **settings), max_epochs)
    return les.train(s, progress)
