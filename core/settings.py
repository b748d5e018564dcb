"""One frozen settings object per run, made from the field table; and the check of its values."""

from __future__ import annotations

import dataclasses

from core.fields import (  # noqa: F401  (the limits are part of this module's API)
    FIELDS,
    MAX_ABS_VALUE,
    MAX_EPOCHS,
    MAX_EPOCHS_PAGE,
    MAX_LR,
    MAX_SEED,
    SCALARS,
)


class SettingsError(ValueError):
    """A setting is out of range; `field` names it so a UI can show the message beside it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class _SettingsMethods:
    def replace(self, **changes) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @property
    def params(self) -> tuple[str, ...]:
        """The trained parameters of this lesson's model, by name."""
        from core.catalog import lesson  # the catalog imports this module

        return lesson(self.lesson).params

    @property
    def has_bias(self) -> bool:
        return "b" in self.params


# Everything that determines a run: the lesson, then one attribute per field. Equal settings give an
# identical run, and a frozen, hashable object is what the page caches runs by.
Settings = dataclasses.make_dataclass(
    "Settings",
    [("lesson", int), *((f.name, object, dataclasses.field(default=f.default)) for f in FIELDS)],
    bases=(_SettingsMethods,), frozen=True,
)
Settings.__module__ = __name__  # so pickle (st.cache_data of the comparison sections) finds it here
Settings.__doc__ = "Everything that determines a run (core.fields lists the fields). Equal settings, identical runs."


def problems(s: Settings, max_epochs: int = MAX_EPOCHS) -> dict[str, str]:
    """Every out-of-range scalar setting, as {field: message}; empty when all is well.

    The data (x, y) is checked by core.data when it is parsed.
    """
    from core.catalog import lesson

    found: dict[str, str] = {}
    try:
        les = lesson(s.lesson) if isinstance(s.lesson, int) and not isinstance(s.lesson, bool) else lesson("")
    except KeyError as e:
        les = None
        found["lesson"] = e.args[0][0].upper() + e.args[0][1:] + "."
    for f in SCALARS:
        value = getattr(s, f.name)
        if les is not None and not f.applies(les.params):
            if value is not None:
                found[f.name] = f"Lesson {les.number} has no {f.param}; {f.label} does not apply."
            continue
        message = f.problem(value, max_epochs)
        if message:
            found[f.name] = message
    if len(s.x) != len(s.y):
        found["data"] = f"x has {len(s.x)} values but y has {len(s.y)}."
    return found


def check(s: Settings, max_epochs: int = MAX_EPOCHS) -> Settings:
    """Return `s` if every scalar setting is in range, else raise SettingsError for the first problem."""
    for field, message in problems(s, max_epochs).items():
        raise SettingsError(field, message)
    return s
