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


def _finite(field: str, value: float, label: str) -> None:
    if not math.isfinite(value):
        raise SettingsError(field, f"{label} must be a finite number, got {value}.")
    if abs(value) > MAX_ABS_VALUE:
        raise SettingsError(field, f"{label} must be between -1e6 and 1e6, got {value:g}.")


def check(s: Settings, max_epochs: int = MAX_EPOCHS) -> Settings:
    """Return `s` if every scalar setting is in range, else raise SettingsError naming the field.

    The data (x, y) is checked by core.data when it is parsed.
    """
    if s.lesson not in (1, 2, 3, 4):
        raise SettingsError("lesson", f"Unknown lesson {s.lesson!r}: choose 1, 2, 3 or 4.")
    if not (isinstance(s.lr, (int, float)) and math.isfinite(s.lr) and 0 < s.lr <= MAX_LR):
        raise SettingsError("lr", f"Learning rate must be greater than 0 and at most {MAX_LR:g}, got {s.lr}.")
    if not isinstance(s.epochs, int) or not 1 <= s.epochs <= max_epochs:
        raise SettingsError("epochs", f"Iterations must be a whole number from 1 to {max_epochs:,}, got {s.epochs}.")
    if not isinstance(s.log_every, int) or not 1 <= s.log_every <= max_epochs:
        raise SettingsError("log_every",
                            f"Log every must be a whole number from 1 to {max_epochs:,}, got {s.log_every}.")
    if not isinstance(s.seed, int) or not 0 <= s.seed <= MAX_SEED:
        raise SettingsError("seed", f"Seed must be a whole number from 0 to {MAX_SEED:,}, got {s.seed}.")
    if s.init_w is not None:
        _finite("init_w", s.init_w, "Initial w")
    if s.init_b is not None:
        if not s.has_bias:
            raise SettingsError("init_b", f"Lesson {s.lesson} has no bias b; only lessons 3 and 4 do.")
        _finite("init_b", s.init_b, "Initial b")
    _finite("predict", s.predict, "The x to predict")
    if len(s.x) != len(s.y):
        raise SettingsError("data", f"x has {len(s.x)} values but y has {len(s.y)}.")
    return s
