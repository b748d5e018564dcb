"""The field table: every setting of a run, once — its type, limits, words, CLI flag and text codec.

In the spirit of TensorFlow Playground's `state.ts`: `Settings`, `problems()`, the sidebar's widgets,
the command line's flags and the page's URL are all made from `FIELDS`, so adding a setting is adding
a row here (and using it in a program's text). The name of a field is its `Settings` attribute, its
URL parameter and, with `-` for `_`, its CLI flag. A lesson's own defaults live in its spec
(core.catalog); a field's `default` is what every lesson shares. No torch and no pandas here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.program import number_literal  # how the document writes a number; reads back exactly

# Limits every caller shares; the pages use the tighter MAX_EPOCHS_PAGE.
MAX_EPOCHS = 100_000
MAX_EPOCHS_PAGE = 5_000
MAX_LR = 10.0
MAX_SEED = 2**32 - 1
MAX_ABS_VALUE = 1e6  # data, initial weights and the x to predict


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Field:
    """One setting: what it is, its limits, and how it reads and writes as text."""

    name: str  # Settings attribute and URL parameter; the CLI flag is --name with - for _
    kind: str  # "rate" (0 < v <= hi), "count" (whole, lo..hi), "value" (finite, |v| <= hi), "column"
    label: str  # the widget's label and the message's subject
    help: str
    default: object = None  # shared by every lesson unless its spec says otherwise
    lo: float = 0
    hi: float = math.inf
    optional: bool = False  # None is allowed: the parameter is drawn from the seed instead
    param: str | None = None  # the model parameter it starts, if any: applies only to lessons that have it
    step: float = 1  # the widget's +/- step
    per_run_limit: bool = False  # hi is the caller's max_epochs (the page allows fewer than the CLI)

    @property
    def flag(self) -> str:
        """The command line's option for this field."""
        return "--" + self.name.replace("_", "-")

    def applies(self, params: tuple[str, ...]) -> bool:
        """Whether a lesson with these parameters has this setting."""
        return self.param is None or self.param in params

    def limit(self, max_epochs: int) -> float:
        return max_epochs if self.per_run_limit else self.hi

    def problem(self, value: object, max_epochs: int = MAX_EPOCHS) -> str | None:
        """What is wrong with `value` for this field, in a sentence; None when it is fine."""
        if value is None and self.optional:
            return None
        hi = self.limit(max_epochs)
        if self.kind == "rate":
            if not (_is_number(value) and math.isfinite(value) and self.lo < value <= hi):
                return f"{self.label} must be greater than {self.lo:g} and at most {hi:g}, got {value}."
        elif self.kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= hi:
                return f"{self.label} must be a whole number from {int(self.lo):,} to {int(hi):,}, got {value}."
        elif self.kind == "value":
            if not _is_number(value) or not math.isfinite(value):
                return f"{self.label} must be a finite number, got {value}."
            if abs(value) > hi:
                return f"{self.label} must be between -{_short(hi)} and {_short(hi)}, got {value:.15g}."  # 1000001
        return None

    def parse(self, text: str) -> object:
        """The value a text means (a CLI option, a URL parameter); ValueError with a message if none."""
        text = text.strip()
        if self.kind == "column":
            cells = tuple(c.strip() for c in text.split(","))
            return () if cells == ("",) else cells  # cells stay text: core.data parses and checks them
        if self.optional and text.lower() in ("", "random", "none"):
            return None
        try:
            if self.kind == "count":
                return int(text)
            value = float(text)
        except ValueError:
            kind = "a whole number" if self.kind == "count" else "a number"
            raise ValueError(f"{self.label} must be {kind}, got {text[:40]!r}.") from None
        return value

    def format(self, value: object) -> str:
        """The text that parse() reads back as `value`."""
        if self.kind == "column":
            return ",".join(number_literal(v) for v in value)
        if value is None:
            return "random"
        return str(value) if self.kind == "count" else number_literal(value)


def _short(v: float) -> str:
    return f"{v:g}".replace("e+0", "e").replace("e+", "e")  # 1e6, not 1e+06


# The order is the sidebar's, the CLI's help and the URL's.
FIELDS: tuple[Field, ...] = (
    Field("x", "column", "x", "Inputs, one per point (comma-separated on the command line).", default=()),
    Field("y", "column", "y", "Targets, one per x.", default=()),
    Field("lr", "rate", "Learning rate", "The step size η of every update.", hi=MAX_LR, step=0.001),
    Field("epochs", "count", "Iterations", "Epochs to train. Each uses every point, so an iteration is an epoch.",
          lo=1, per_run_limit=True, step=10),
    Field("log_every", "count", "Log every",
          "Print a console line every K epochs, as the document's `if iter % K == 0`.", lo=1, per_run_limit=True),
    Field("seed", "count", "Seed",
          "Seeds the run's own random generator. The document draws its start from torch's global generator "
          "without seeding it; its reference output was made after torch.manual_seed(seed), and so is the lab's.",
          default=0, hi=MAX_SEED),
    Field("init_w", "value", "Initial w", "A fixed starting w instead of one drawn from the seed.",
          hi=MAX_ABS_VALUE, optional=True, param="w", step=0.1),
    Field("init_b", "value", "Initial b", "A fixed starting b instead of one drawn from the seed.",
          hi=MAX_ABS_VALUE, optional=True, param="b", step=0.1),
    Field("predict", "value", "x to predict", "The program ends by printing the model's prediction for this x.",
          default=5.0, hi=MAX_ABS_VALUE, step=1.0),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
SCALARS: tuple[Field, ...] = tuple(f for f in FIELDS if f.kind != "column")  # checked here; columns by core.data
STARTS: tuple[Field, ...] = tuple(f for f in FIELDS if f.param is not None)  # "random from the seed" or fixed
