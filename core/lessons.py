"""Runs a lesson's program (core.program) and records its history: the lab's training, for every lesson.

The code executed is the program's own text (`Program.runnable`): the document's operations in the
document's order. A tape reads values off the tensors with `.item()` between those operations,
which never changes their arithmetic, so a run's `log_lines` equal what the document's program
prints after `torch.manual_seed(seed)`. Randomness comes from a `torch.Generator` made for the run,
never from torch's global RNG: Streamlit serves every visitor from threads of one process.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import pandas as pd
import torch

from core.catalog import lesson
from core.program import bindings, number_literal  # noqa: F401  (number_literal: how numbers are printed)
from core.settings import Settings

Progress = Callable[[int, int], None]  # (epochs done, epochs in all)
_PROGRESS_EVERY = 250  # epochs between progress reports: rare enough to cost nothing


@dataclass(frozen=True, eq=False)
class Run:
    """The outcome of one run: a row per epoch, the final state, and the console lines."""

    settings: Settings
    history: pd.DataFrame  # epoch, loss (before the update), <p>_before, <p> (after), grad_<p>
    initial: dict[str, float]  # parameters before the first update
    params: dict[str, float]  # parameters after the last update
    final_loss: float  # the loss at the final parameters (the log shows it before each update)
    prediction: float  # the model's output for settings.predict
    log_lines: tuple[str, ...]  # exactly what the document's program prints

    @property
    def log_text(self) -> str:
        """The console output as one string, as the program prints it."""
        return "\n".join(self.log_lines) + "\n"


class Tape:
    """Records a run epoch by epoch: reads values, never writes them.

    `LISTENS` says after which of the program's steps the tape is called, and which method:
    the loss and every grad after backward(), the parameters after the update.
    """

    LISTENS: ClassVar[dict[str, str]] = {"backward": "gradients", "update": "updated"}

    def __init__(self, names: tuple[str, ...], epochs: int, progress: Progress | None):
        self.names = names
        self.ns: dict = {}  # the program's variables (execute() sets them): Loss is read from here
        self.epochs = epochs
        self.progress = progress
        self.loss: list[float] = []
        self.grad: dict[str, list[float]] = {name: [] for name in names}
        self.after: dict[str, list[float]] = {name: [] for name in names}
        self.lines: list[str] = []

    def print(self, *args) -> None:
        """The program's print(): its console lines are kept, not written to stdout."""
        self.lines.append(" ".join(map(str, args)))

    def start(self, tensors: list[torch.Tensor]) -> None:
        """Right before the loop: the trained tensors, in the lesson's parameter order."""
        self.params = dict(zip(self.names, tensors, strict=True))
        self.initial = {name: p.item() for name, p in self.params.items()}

    def gradients(self, epoch: int) -> None:
        """After backward() and before the update: the loss and every parameter's grad."""
        self.loss.append(self.ns["Loss"].item())
        for name, p in self.params.items():
            self.grad[name].append(p.grad.item())

    def updated(self, epoch: int) -> None:
        """After the update of `epoch` (0-based): the new parameter values."""
        for name, p in self.params.items():
            self.after[name].append(p.item())
        if self.progress is not None and (epoch + 1) % _PROGRESS_EVERY == 0:
            self.progress(epoch + 1, self.epochs)

    def finish(self, prediction: float, final_loss: float) -> None:
        """After the program's last line: what it predicted, and the loss where it ended."""
        self.prediction, self.final_loss = float(prediction), float(final_loss)

    def run(self, s: Settings) -> Run:
        columns: dict[str, list] = {"epoch": list(range(1, len(self.loss) + 1)), "loss": self.loss}
        for name in self.names:
            columns[f"{name}_before"] = [self.initial[name], *self.after[name][:-1]]
            columns[name] = self.after[name]
            columns[f"grad_{name}"] = self.grad[name]
        if self.progress is not None:
            self.progress(self.epochs, self.epochs)
        return Run(
            settings=s,
            history=pd.DataFrame(columns),
            initial=dict(self.initial),
            params={name: values[-1] for name, values in self.after.items()},
            final_loss=self.final_loss,
            prediction=self.prediction,
            log_lines=tuple(self.lines),
        )


def init_linear(lin: torch.nn.Linear, g: torch.Generator) -> None:
    """nn.Linear's default init (reset_parameters), drawn from `g` instead of torch's global generator."""
    torch.nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=g)
    bound = 1 / math.sqrt(lin.in_features)
    torch.nn.init.uniform_(lin.bias, -bound, bound, generator=g)


@lru_cache(maxsize=64)
def _compiled(code: str):
    return compile(code, "<lesson program>", "exec")


def execute(s: Settings, tape: Tape, program=None) -> dict:
    """Run lesson `s.lesson`'s program (or a variant of it, `program`) with settings `s`, calling `tape` where
    it listens; the program's variables."""
    program = program or lesson(s.lesson).program
    ns = {"__name__": "lesson", "torch": torch, "_g": torch.Generator().manual_seed(s.seed), "_tape": tape,
          "init_linear": init_linear, "print": tape.print, **bindings(s, program)}
    tape.ns = ns
    exec(_compiled(program.runnable(s, tape.LISTENS)), ns)
    return ns


def train(s: Settings, progress: Progress | None = None) -> Run:
    """Run the lesson that `s` names with these settings, recording every epoch."""
    tape = Tape(lesson(s.lesson).params, s.epochs, progress)
    execute(s, tape)
    return tape.run(s)
