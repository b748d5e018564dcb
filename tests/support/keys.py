"""Widget keys and labels, as the pages spell them: a test or a bench names a control through these."""

from __future__ import annotations

LR_LABEL = "Learning rate (exact)"


def key(n: int, name: str) -> str:
    """Lesson n's widget key for control `name` (the pages prefix every key with their lesson: `l1.lr`)."""
    return f"l{n}.{name}"


def lr_key(n: int) -> str:
    """The key of lesson n's exact learning-rate box."""
    return key(n, "lr")


def fresh_rate(i: int, base: float = 0.01, step: float = 1e-6) -> float:
    """The i-th learning rate of a series in which no rate repeats: base + i·step (stable on every lesson)."""
    return round(base + i * step, 9)
