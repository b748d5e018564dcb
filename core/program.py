"""A lesson's program, written once as tagged steps: the shown script and the lab's runnable code both come from it.

A `Program` is the document's program as an ordered list of `Step`s, each tagged with its role
(setup, data, init, model, loss_fn, optimizer, loop, forward, loss, backward, update, zero_grad,
log, predict). `script()` fills in a visitor's settings and gives the text the page shows and
downloads; `runnable()` gives the code the lab executes (core.lessons), which is the same text with
two kinds of difference, both declared beside the line they change:
- a step's `run` variant, where the shown line would touch torch's global RNG (the lab draws from
  its own generator: Streamlit serves every visitor from one process) or would warn when a tensor
  that requires grad is formatted with %f (the lab reads `.item()`: the same digits);
- one recording call after each step whose role a tape listens to (`_tape.<method>(iter)`);
- the settings' numbers by name (`_lr`, `_X`, ...; `bindings()` gives their values), where the shown
  script has them as literals: the same floats, and one compiled program serves every setting.
`lines()` maps each role to its line numbers in the shown script. No torch here: the catalog can
hold programs without loading torch.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from string import Template

ROLES = ("setup", "data", "init", "model", "loss_fn", "optimizer", "loop", "forward", "loss", "backward",
         "update", "zero_grad", "log", "predict")
EPOCH_ROLES = ("forward", "loss", "backward", "update", "zero_grad", "log")  # the loop body, in order

# When a step applies, by name (names, not functions, so a program pickles with the page's cached view).
CONDITIONS: dict[str, Callable[[object], bool]] = {
    "w drawn": lambda s: s.init_w is None,
    "w fixed": lambda s: s.init_w is not None,
    "b fixed": lambda s: s.init_b is not None,
    "start fixed": lambda s: s.init_w is not None or s.init_b is not None,
}

_WIDTH = 100  # longest line a data tensor may take before it is wrapped
_INDENT = "    "


@dataclass(frozen=True)
class Step:
    """Lines of the program that play one role; `$name`s are filled from the settings."""

    role: str
    code: str  # as shown (a string.Template); may span lines, indented as in the program
    run: str | None = None  # what the lab executes instead, where it must differ (see the module's doc)
    when: str | None = None  # only for settings where this CONDITIONS entry holds (e.g. "w fixed")

    def text(self, runnable: bool) -> str:
        return self.run if runnable and self.run is not None else self.code


@dataclass(frozen=True)
class Program:
    """A training program: its steps, and the expressions the lab's tape reads at the start and the end."""

    steps: tuple[Step, ...]
    params: str  # the trained tensors, in the lesson's parameter order, e.g. "[w]"
    prediction: str  # the printed prediction, as a float
    final_loss: str  # the loss at the final parameters, as a float
    columns: bool = False  # data as column vectors ([[1], [2]]) rather than a row ([1, 2])

    def steps_for(self, s) -> list[Step]:
        return [st for st in self.steps if st.when is None or CONDITIONS[st.when](s)]

    def script(self, s) -> str:
        """The program with settings `s` filled in, as the page shows it; run with python, it prints the log."""
        v = values(s, self)
        return "".join(_fill(st.code, v) for st in self.steps_for(s))

    def lines(self, s) -> dict[str, list[int]]:
        """For each role, the 1-based line numbers of the shown script that play it."""
        found: dict[str, list[int]] = {}
        line = 1
        v = values(s, self)
        for st in self.steps_for(s):
            text = _fill(st.code, v)
            count = text.count("\n")
            # Blank lines between blocks belong to no role: the highlight is the code itself.
            found.setdefault(st.role, []).extend(
                line + i for i, row in enumerate(text.split("\n")[:count]) if row.strip())
            line += count
        return found

    def runnable(self, s, listens: dict[str, str]) -> str:
        """The code the lab executes: the run variants, plus `_tape.<method>(iter)` after each step listened to.

        `listens` maps a role to the tape's method; `_tape.start(<params>)` comes right before the
        loop and `_tape.finish(<prediction>, <final loss>)` at the end.
        """
        parts: list[str] = []
        v = values(s, self, bound=True)
        for st in self.steps_for(s):
            text = _fill(st.text(runnable=True), v)
            if st.role == "loop":
                parts.append(f"_tape.start({self.params})\n")
            parts.append(text)
            if st.role in listens:
                # After the loop's header the call opens each epoch's body; elsewhere it follows the step.
                indent = _INDENT if st.role == "loop" else text[: len(text) - len(text.lstrip(" "))]
                parts.append(f"{indent}_tape.{listens[st.role]}(iter)\n")
        parts.append(f"with torch.no_grad():\n    _tape.finish({_fill(self.prediction, v)}, "
                     f"{_fill(self.final_loss, v)})\n")
        return "".join(parts)


# ---- filling in the settings ----------------------------------------------------------------


def number_literal(v: float) -> str:
    """A number as the document writes it: 5 rather than 5.0, and exact (repr) otherwise."""
    v = float(v)
    if v == 0 and math.copysign(1, v) < 0:
        return "-0.0"  # "0" would read back as +0.0 and flip the sign of what it multiplies
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _finite(v: float) -> float:
    """v as a float (only numbers reach the code, whatever type came in); ValueError if it is not finite."""
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"cannot write {v} into the script: values must be finite")
    return v


def _literal(v: float) -> str:
    """A finite number as code that reads back as the same float, -0.0 included."""
    return number_literal(_finite(v))


def _tensor_list(items: list[str], name: str) -> str:
    """`[a, b, ...]` on the line of `name = torch.tensor(`, or wrapped when it would be too long."""
    one_line = f"[{', '.join(items)}]"
    if len(f"{name} = torch.tensor({one_line}, dtype=torch.float32)") <= _WIDTH:
        return one_line
    rows: list[str] = []
    row = ""
    for item in items:
        if row and len(_INDENT) + len(row) + len(item) + 2 > _WIDTH:
            rows.append(_INDENT + row.rstrip())
            row = ""
        row += item + ", "
    rows.append(_INDENT + row.rstrip())
    return "\n".join(["[", *rows, "]"])


def _column(values, name: str, columns: bool) -> str:
    items = [_literal(v) for v in values]
    return _tensor_list([f"[{v}]" for v in items] if columns else items, name)


def _start_words(s) -> str:
    """The header's words for where the parameters start."""
    fixed = {"w": s.init_w, "b": s.init_b}
    params = s.params
    words = [f"initial {p} = {_literal(fixed[p])}" for p in params if fixed[p] is not None]
    drawn = [p for p in params if fixed[p] is None]
    if drawn:
        words.append(f"{' and '.join(drawn)} drawn from the seed")
    return ", ".join(words)


def values(s, program: Program, bound: bool = False) -> dict[str, str]:
    """Every `$name` a step may use, as code text. Only numbers (and the lesson's title) reach the code.

    With `bound`, each name in BOUND is the variable `_<name>` (runnable()), not its literal: the data's
    text is not written (a 1,000-point table took ~2 ms to, at every run).
    """
    from core.catalog import lesson

    les = lesson(operator.index(s.lesson))
    v = {
        "number": str(les.number),
        "title": les.title,
        "points": str(len(s.x)),
        "seed": str(operator.index(s.seed)),
        "start": _start_words(s),
        "predict_text": number_literal(float(s.predict)),  # the text the program prints
    }
    if bound:
        return v | {name: f"_{name}" for name in BOUND}
    v |= {
        "lr": repr(float(s.lr)),
        "epochs": str(operator.index(s.epochs)),
        "log_every": str(operator.index(s.log_every)),
        "predict": _literal(s.predict),
        "X": _column(s.x, "X", program.columns),
        "Y": _column(s.y, "Y", program.columns),
    }
    for p in ("init_w", "init_b"):
        value = getattr(s, p)
        v[p] = "None" if value is None else _literal(value)
    return v


# The values the executed program reads by name (as `_<name>`) instead of as literals.
BOUND = ("lr", "epochs", "log_every", "predict", "X", "Y", "init_w", "init_b")


def bindings(s, program: Program) -> dict[str, object]:
    """The `_<name>` variables of `runnable()`: the settings' values, as the shown script's literals read."""
    for v in (*s.x, *s.y, s.predict, s.init_w or 0.0, s.init_b or 0.0):
        _finite(v)  # the same check as the shown script's: finite numbers only
    column = (lambda vs: [[float(v)] for v in vs]) if program.columns else (lambda vs: [float(v) for v in vs])
    return {"_lr": float(s.lr), "_epochs": operator.index(s.epochs), "_log_every": operator.index(s.log_every),
            "_predict": float(s.predict), "_X": column(s.x), "_Y": column(s.y),
            "_init_w": None if s.init_w is None else float(s.init_w),
            "_init_b": None if s.init_b is None else float(s.init_b)}


def _fill(template: str, v: dict[str, str]) -> str:
    return Template(template).substitute(v) if "$" in template else template
