"""Presets, and turning what a user typed into numbers or a clear error."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core.catalog import Lesson
from core.settings import MAX_ABS_VALUE

MAX_POINTS = 1_000


@dataclass(frozen=True)
class Preset:
    """A named dataset a learner can load with one click, and what it shows."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    why: str


_PRESETS: dict[tuple, tuple[Preset, ...]] = {}


def presets(les: Lesson) -> tuple[Preset, ...]:
    """The datasets offered on a lesson's page; the first is the document's.

    Computed once per lesson and process: they depend only on the lesson's defaults, and the scaling note
    computes two curvatures (with torch), which every rerun of the page would otherwise repeat, twice.
    """
    d = les.defaults()
    key = (les.slug, d.x, d.y, les.has_bias)  # a Lesson holds a dict, so it cannot be the key itself
    if key not in _PRESETS:
        _PRESETS[key] = _presets(les, d.x, d.y)
    return _PRESETS[key]


def _presets(les: Lesson, x: tuple[float, ...], y: tuple[float, ...]) -> tuple[Preset, ...]:
    from core.explain import scaling_note  # the curvature's growth, computed from the data (loads torch)

    return (
        Preset("The document's data", x, y, "The points the document's program fits."),
        # Fixed "noise" (not drawn at random) so the preset is the same for everyone.
        Preset(
            "Noisy line",
            (0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6),
            (2.3, 2.6, 4.4, 4.6, 6.5, 6.8, 8.4, 8.6, 10.4, 10.8, 12.3, 13.2),
            "y = 2x + 1 plus noise: no line passes through every point, so the loss stays above 0.",
        ),
        Preset(
            "One outlier",
            (1, 2, 3, 4, 5, 6),
            (2, 4, 6, 8, 30, 12),
            "One bad point at x = 5: squared error lets it pull the whole line towards it.",
        ),
        Preset(
            "Large x (diverges)",
            (10, 20, 30, 40, 60, 80),
            (20, 40, 60, 80, 110, 160),
            scaling_note(x, (10, 20, 30, 40, 60, 80), les.has_bias),
        ),
    )


class DataError(ValueError):
    """The data cannot be used; says what is wrong and where (1-based row, column name)."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, str):
        return v.strip() == ""
    # A numeric table (and the data editor) has no other way to say "empty" than NaN.
    return isinstance(v, float) and math.isnan(v)


def _number(v: object, row: int, column: str) -> float:
    """One cell as a float, or a DataError naming the cell. Never evaluates the text as code."""
    where = f"Row {row}, column {column}"
    if _is_blank(v):
        raise DataError(f"{where} is blank: type a number.", row, column)
    if isinstance(v, bool):
        raise DataError(f"{where}: {v!r} is not a number.", row, column)
    if isinstance(v, numbers.Real):
        try:
            value = float(v)
        except OverflowError:  # a Python int beyond float's range
            raise DataError(f"{where} is too large: use a value between -1e6 and 1e6.", row, column) from None
    elif isinstance(v, str):
        try:
            value = float(v.strip())
        except ValueError:
            shown = v if len(v) <= 20 else v[:20] + "…"
            raise DataError(f"{where}: {shown!r} is not a number.", row, column) from None
    else:
        raise DataError(f"{where}: {type(v).__name__} is not a number.", row, column)
    if math.isnan(value):
        raise DataError(f"{where} is NaN (not a number): type a number.", row, column)
    if math.isinf(value):
        raise DataError(f"{where} is infinite: use a value between -1e6 and 1e6.", row, column)
    if abs(value) > MAX_ABS_VALUE:
        raise DataError(f"{where} is {value:.15g}: use a value between -1e6 and 1e6.", row, column)
    return value


def parse_columns(xs: Sequence[object], ys: Sequence[object], min_points: int = 2,
                  ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Two columns of raw cells as two tuples of floats; rows whose cells are all blank are skipped.

    `min_points` is how many points the model needs: one per parameter (y = w·x is fixed by one
    point with x ≠ 0; y = w·x + b needs two).
    """
    if len(xs) != len(ys):
        raise DataError(f"x has {len(xs)} values but y has {len(ys)}: give one y for every x.")
    if len(xs) > MAX_POINTS:
        raise DataError(f"There are {len(xs):,} rows; the lab takes at most {MAX_POINTS:,} points.")
    x: list[float] = []
    y: list[float] = []
    for i, (xv, yv) in enumerate(zip(xs, ys, strict=True), start=1):
        if _is_blank(xv) and _is_blank(yv):
            continue
        if _is_blank(xv) or _is_blank(yv):
            missing = "x" if _is_blank(xv) else "y"
            raise DataError(f"Row {i}, column {missing} is blank: every point needs both x and y.", i, missing)
        x.append(_number(xv, i, "x"))
        y.append(_number(yv, i, "y"))
    if not x:
        raise DataError(f"There is no data: add at least {_points(min_points)} (x, y).")
    if len(x) < min_points:
        more = min_points - len(x)
        raise DataError(f"There is only {_points(len(x))}: add at least {'one' if more == 1 else more} more. "
                        f"A model with {min_points} parameters needs {_points(min_points)}.")
    return tuple(x), tuple(y)


def _points(n: int) -> str:
    return "one point" if n == 1 else f"{n} points"


def parse_table(table: pd.DataFrame | Mapping[str, Iterable[object]], min_points: int = 2,
                ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A table with columns x and y (a DataFrame or a mapping of lists) as two tuples of floats."""
    if isinstance(table, pd.DataFrame):
        missing = [c for c in ("x", "y") if c not in table.columns]
        if missing:
            raise DataError(f"The table needs columns x and y; column {missing[0]} is missing.")
        # Cells as Python objects: a NaN from a blank numeric cell stays NaN, text stays text.
        return parse_columns(table["x"].astype(object).tolist(), table["y"].astype(object).tolist(), min_points)
    return parse_columns(list(table["x"]), list(table["y"]), min_points)


def table(x: Sequence[float], y: Sequence[float]) -> pd.DataFrame:
    """Two columns as a numeric DataFrame, the shape parse_table reads (for notebooks and tests)."""
    return pd.DataFrame({"x": list(x), "y": list(y)}, dtype="float64")
