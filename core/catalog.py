"""The document's four programs as a catalog: names, data and settings, and nothing that trains.

No torch and no pandas here, so the menu and the home page's frame are drawn before either loads:
on a freshly started server that is the first second and a half a visitor waits through.
`Lesson.train` imports the programs (core.lessons, and torch) on the first run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.settings import Settings

if TYPE_CHECKING:
    from core.lessons import Progress, Run

# The document's data: lesson 1 has its own five points, lessons 2-4 share six.
DOCUMENT_DATA: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    1: ((1, 2, 3, 4, 6), (2, 4, 6, 7, 12)),
    2: ((1, 2, 3, 4, 6, 8), (2, 4, 6, 8, 11, 16)),
    3: ((1, 2, 3, 4, 6, 8), (2, 4, 6, 8, 11, 16)),
    4: ((1, 2, 3, 4, 6, 8), (2, 4, 6, 8, 11, 16)),
}


@dataclass(frozen=True)
class Lesson:
    """One of the document's programs: its place, names, what it adds, and its defaults."""

    number: int
    slug: str  # short name for the CLI and URLs
    title: str
    adds: str  # what this program adds over the previous one
    lr: float
    epochs: int
    log_every: int
    init_w: float | None  # None: drawn from the seed, as the document does

    @property
    def has_bias(self) -> bool:
        return self.number in (3, 4)

    @property
    def params(self) -> tuple[str, ...]:
        return ("w", "b") if self.has_bias else ("w",)

    def defaults(self) -> Settings:
        """The settings that reproduce the document's program exactly (seed 0)."""
        x, y = DOCUMENT_DATA[self.number]
        return Settings(
            lesson=self.number, x=tuple(map(float, x)), y=tuple(map(float, y)), lr=self.lr,
            epochs=self.epochs, log_every=self.log_every, seed=0, init_w=self.init_w, init_b=None,
            predict=5.0,
        )

    def train(self, s: Settings, progress: Progress | None = None) -> Run:
        """Run this lesson's program with settings `s`."""
        from core.lessons import PROGRAMS  # torch loads here, on the first run, not with the catalog

        return PROGRAMS[self.number](s, progress)


LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "autograd", "Autograd",
           "PyTorch's autograd computes the gradient; the loss and the update are written by hand.",
           lr=0.01, epochs=20, log_every=2, init_w=None),
    Lesson(2, "optimizer", "Loss & optimizer",
           "torch.nn.MSELoss replaces the hand-written loss and torch.optim.SGD the hand-written update.",
           lr=0.01, epochs=20, log_every=2, init_w=0.0),
    Lesson(3, "linear", "Model, loss & optimizer",
           "torch.nn.Linear(1, 1) becomes the model, which adds a bias b to the weight w.",
           lr=0.015, epochs=100, log_every=10, init_w=None),
    Lesson(4, "module", "Model as a class",
           "The model becomes a torch.nn.Module subclass with its own forward(): the shape of every real model.",
           lr=0.015, epochs=100, log_every=10, init_w=None),
)


def lesson(key: int | str) -> Lesson:
    """A lesson by number (1-4, as int or text) or by slug; KeyError if there is none."""
    text = str(key).strip().lower()
    for les in LESSONS:
        if text in (str(les.number), les.slug):
            return les
    names = ", ".join(f"{les.number} ({les.slug})" for les in LESSONS)
    raise KeyError(f"unknown lesson {key!r}: choose one of {names}")
