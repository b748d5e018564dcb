"""Gradient Descent Lab's computation: the document's programs, their data and their math.

torch and pandas only: nothing here imports streamlit or plotly, so it runs in a notebook,
a terminal (`python -m core`) or a test just as it runs behind the pages.

Import cost: this package and core.catalog (specs, fields, program texts) load neither torch nor
pandas, so the menu and the home page's text are drawn on a fresh server before either is
imported. Everything that trains lives in modules that import torch themselves (core.lessons,
core.view, ...); the few names re-exported here that need them are imported inside the function.
"""

from __future__ import annotations

from core.catalog import LESSONS, Lesson, lesson
from core.fields import FIELDS, MAX_EPOCHS
from core.settings import Settings, SettingsError, check

__all__ = ["FIELDS", "LESSONS", "Lesson", "Settings", "SettingsError", "lesson", "run_lesson", "sweep"]


def settings_for(lesson_key: int | str, *, max_epochs: int = MAX_EPOCHS, **settings) -> Settings:
    """A lesson's defaults overridden by keywords named as the fields (the CLI's flags), parsed and checked.

    Raises KeyError (lesson), DataError (x, y) or SettingsError (the rest) for bad values.
    """
    from core.data import parse_columns

    les = lesson(lesson_key)
    base = les.defaults()
    unknown = set(settings) - {f.name for f in FIELDS}
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    x, y = parse_columns(list(settings.pop("x", base.x)), list(settings.pop("y", base.y)), len(les.params))
    return check(base.replace(x=x, y=y, **settings), max_epochs)


def run_lesson(lesson_key: int | str, progress=None, *, max_epochs: int = MAX_EPOCHS, **settings):
    """Run a lesson with the document's defaults, overridden by keywords named as the fields (the CLI's flags).

    `core.run_lesson(3, lr=0.03, epochs=50).log_lines` is what `python -m core 3 --lr 0.03
    --epochs 50` prints. Returns a core.lessons.Run; bad values raise as settings_for() says.
    """
    from core.lessons import train

    return train(settings_for(lesson_key, max_epochs=max_epochs, **settings), progress)


def sweep(lesson_key: int | str, lrs, **settings):
    """Run a lesson at every learning rate in `lrs` at once (one batched tensor program); a DataFrame.

    One row per rate, in the order given: lr, final_loss, the final parameters (w, and b if the lesson
    has one), verdict (core.analysis.verdict's kind) and epochs_to_converge (NaN if it never did).
    Keywords as run_lesson's (`lr` is ignored: the rates are `lrs`). Raises SweepError for bad rates.
    """
    from core.lr_sweep import table

    settings.pop("lr", None)
    return table(settings_for(lesson_key, **settings), lrs)
