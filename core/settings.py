"""One frozen settings object per run: the single schema for defaults, widgets and the CLI."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

# Limits every caller shares; the pages use the tighter MAX_EPOCHS_PAGE.
MAX_EPOCHS = 100_000
MAX_EPOCHS_PAGE = 5_000
MAX_LR = 10.0
MAX_SEED = 2**32 - 1
MAX_ABS_VALUE = 1e6  # data, initial weights and the x to predict


class SettingsError(ValueError):
    """A setting is out of range; `field` names it so a UI can show the message beside it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Settings:
    """Everything that determines a run. Equal settings give an identical run."""

    lesson: int  # 1..4, which of the document's programs
    x: tuple[float, ...]  # inputs, one per point
    y: tuple[float, ...]  # targets, same length as x
    lr: float  # SGD learning rate
    epochs: int  # iterations; each uses every point, so an iteration is an epoch
    log_every: int  # print a console line when (epoch - 1) % log_every == 0, as the document
    seed: int = 0  # seeds this run's own torch.Generator (the document's torch.manual_seed)
    init_w: float | None = None  # None: drawn from the seed as the document does
    init_b: float | None = None  # lessons 3-4 only; None: drawn from the seed
    predict: float = 5  # the x whose prediction the program prints last

    @property
    def has_bias(self) -> bool:
        return self.lesson in (3, 4)

    def replace(self, **changes) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _finite(value: float, label: str) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return f"{label} must be a finite number, got {value}."
    if abs(value) > MAX_ABS_VALUE:
        return f"{label} must be between -1e6 and 1e6, got {value:.15g}."  # 1000001, not 1e+06
    return None


def _whole(value: object, lo: int, hi: int, label: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return f"{label} must be a whole number from {lo:,} to {hi:,}, got {value}."
    return None


def problems(s: Settings, max_epochs: int = MAX_EPOCHS) -> dict[str, str]:
    """Every out-of-range scalar setting, as {field: message}; empty when all is well.

    The data (x, y) is checked by core.data when it is parsed.
    """
    found: dict[str, str | None] = {}
    if s.lesson not in (1, 2, 3, 4):
        found["lesson"] = f"Unknown lesson {s.lesson!r}: choose 1, 2, 3 or 4."
    lr_ok = isinstance(s.lr, (int, float)) and not isinstance(s.lr, bool) and math.isfinite(s.lr)
    if not (lr_ok and 0 < s.lr <= MAX_LR):
        found["lr"] = f"Learning rate must be greater than 0 and at most {MAX_LR:g}, got {s.lr}."
    found["epochs"] = _whole(s.epochs, 1, max_epochs, "Iterations")
    found["log_every"] = _whole(s.log_every, 1, max_epochs, "Log every")
    found["seed"] = _whole(s.seed, 0, MAX_SEED, "Seed")
    if s.init_w is not None:
        found["init_w"] = _finite(s.init_w, "Initial w")
    if s.init_b is not None:
        found["init_b"] = (_finite(s.init_b, "Initial b") if s.has_bias
                           else f"Lesson {s.lesson} has no bias b; only lessons 3 and 4 do.")
    found["predict"] = _finite(s.predict, "The x to predict")
    if len(s.x) != len(s.y):
        found["data"] = f"x has {len(s.x)} values but y has {len(s.y)}."
    return {k: v for k, v in found.items() if v}


def check(s: Settings, max_epochs: int = MAX_EPOCHS) -> Settings:
    """Return `s` if every scalar setting is in range, else raise SettingsError for the first problem."""
    for field, message in problems(s, max_epochs).items():
        raise SettingsError(field, message)
    return s
