"""core.settings: the one schema; check() accepts each field up to its limit and names the field beyond it."""

from __future__ import annotations

import dataclasses

import pytest

from core.settings import (
    MAX_ABS_VALUE,
    MAX_EPOCHS,
    MAX_EPOCHS_PAGE,
    MAX_LR,
    MAX_SEED,
    Settings,
    SettingsError,
    check,
    problems,
)

BASE = Settings(lesson=3, x=(1.0, 2.0, 3.0), y=(2.0, 4.0, 6.5), lr=0.015, epochs=100, log_every=10)


def test_limits_are_the_documented_ones():
    assert (MAX_EPOCHS, MAX_EPOCHS_PAGE, MAX_LR, MAX_SEED, MAX_ABS_VALUE) == (100_000, 5_000, 10.0, 2**32 - 1, 1e6)


def test_defaults_of_the_optional_fields():
    assert (BASE.seed, BASE.init_w, BASE.init_b, BASE.predict) == (0, None, None, 5)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"lesson": 1}, {"lesson": 4},
        {"lr": MAX_LR}, {"lr": 1e-12}, {"lr": 1},
        {"epochs": 1}, {"epochs": MAX_EPOCHS},
        {"log_every": 1}, {"log_every": MAX_EPOCHS},
        {"seed": 0}, {"seed": MAX_SEED},
        {"init_w": 1e6}, {"init_w": -1e6}, {"init_w": 0.0},
        {"init_b": 1e6}, {"init_b": -1e6},
        {"predict": 1e6}, {"predict": -1e6}, {"predict": -3}, {"predict": 2.5},
        {"x": (), "y": ()},
    ],
    ids=repr,
)
def test_values_within_the_limits_pass_unchanged(changes):
    s = BASE.replace(**changes)
    assert check(s) is s


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lesson", 0), ("lesson", 5), ("lesson", -1), ("lesson", "1"),
        ("lr", 0), ("lr", 0.0), ("lr", -0.01), ("lr", -1e-300), ("lr", MAX_LR * (1 + 1e-12)), ("lr", 11),
        ("lr", float("nan")), ("lr", float("inf")), ("lr", float("-inf")), ("lr", "0.1"), ("lr", None),
        ("epochs", 0), ("epochs", -5), ("epochs", MAX_EPOCHS + 1), ("epochs", 10.0), ("epochs", 1.5),
        ("epochs", "10"),
        ("log_every", 0), ("log_every", -1), ("log_every", MAX_EPOCHS + 1), ("log_every", 2.0),
        ("seed", -1), ("seed", MAX_SEED + 1), ("seed", 1.0), ("seed", "0"),
        ("init_w", float("nan")), ("init_w", float("inf")), ("init_w", float("-inf")), ("init_w", 1e6 + 1),
        ("init_w", -1e300),
        ("init_b", float("nan")), ("init_b", float("-inf")), ("init_b", -1_000_000.5), ("init_b", 1e300),
        ("predict", float("nan")), ("predict", float("inf")), ("predict", 1_000_001), ("predict", -1e7),
        # A bool is an int to Python, but True is not a learning rate, a count or a seed.
        ("lr", True), ("epochs", True), ("log_every", True), ("seed", False), ("init_w", True), ("predict", True),
        ("init_w", "1"), ("predict", None),
    ],
    ids=lambda v: repr(v) if not isinstance(v, str) else v,
)
def test_values_beyond_the_limits_name_their_field(field, value):
    with pytest.raises(SettingsError) as info:
        check(BASE.replace(**{field: value}))
    assert info.value.field == field
    assert info.value.message == str(info.value)
    assert info.value.message.strip()


@pytest.mark.parametrize("lesson", (1, 2))
def test_init_b_is_refused_where_there_is_no_bias(lesson):
    s = BASE.replace(lesson=lesson, init_b=0.5)
    with pytest.raises(SettingsError) as info:
        check(s)
    assert info.value.field == "init_b"
    assert check(s.replace(init_b=None)) is not None


def test_x_and_y_of_different_lengths():
    with pytest.raises(SettingsError) as info:
        check(BASE.replace(x=(1.0, 2.0), y=(1.0, 2.0, 3.0)))
    assert info.value.field == "data"
    assert "2" in info.value.message and "3" in info.value.message


def test_max_epochs_is_a_parameter():
    assert check(BASE.replace(epochs=MAX_EPOCHS_PAGE), MAX_EPOCHS_PAGE).epochs == MAX_EPOCHS_PAGE
    for field in ("epochs", "log_every"):
        with pytest.raises(SettingsError) as info:
            check(BASE.replace(**{field: MAX_EPOCHS_PAGE + 1}), MAX_EPOCHS_PAGE)
        assert info.value.field == field
        assert "5,000" in info.value.message


def test_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)
    e = SettingsError("lr", "too big")
    assert (e.field, e.message, str(e)) == ("lr", "too big", "too big")


def test_settings_are_frozen_and_replace_copies():
    with pytest.raises(dataclasses.FrozenInstanceError):
        BASE.lr = 1.0  # type: ignore[misc]
    changed = BASE.replace(lr=0.5)
    assert (changed.lr, BASE.lr) == (0.5, 0.015)
    assert changed == BASE.replace(lr=0.5)
    assert hash(changed) == hash(BASE.replace(lr=0.5))  # usable as a cache key


@pytest.mark.parametrize(("lesson", "bias"), [(1, False), (2, False), (3, True), (4, True)])
def test_has_bias(lesson, bias):
    assert BASE.replace(lesson=lesson).has_bias is bias


def test_problems_is_empty_when_all_is_well():
    assert problems(BASE) == {}


def test_problems_lists_every_bad_field_at_once():
    bad = BASE.replace(lr=0, epochs=0, log_every=0, seed=-1, init_w=float("nan"), init_b=1e7, predict=float("inf"),
                       x=(1.0,), y=())
    found = problems(bad)
    assert set(found) == {"lr", "epochs", "log_every", "seed", "init_w", "init_b", "predict", "data"}
    assert all(isinstance(m, str) and m.strip() for m in found.values())
    with pytest.raises(SettingsError) as info:
        check(bad)
    assert info.value.field in found
    assert info.value.message == found[info.value.field]


def test_problems_respects_max_epochs():
    assert set(problems(BASE.replace(epochs=MAX_EPOCHS_PAGE + 1), MAX_EPOCHS_PAGE)) == {"epochs"}
    assert problems(BASE.replace(epochs=MAX_EPOCHS_PAGE + 1)) == {}
