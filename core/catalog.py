"""The lessons, each declared by one spec: what it trains, its program, its defaults, its page.

Nothing outside this module branches on a lesson's number: the rest of the lab asks the spec
(its parameters, its landscape, its sections). Adding a lesson is adding a `Lesson` here and its
program (core.programs). No torch and no pandas: the menu and the home page's text are drawn
before either loads, and on a freshly started server that is the first second and a half a
visitor waits through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import programs
from core.fields import FIELDS
from core.program import Program
from core.settings import Settings

# The document's data: lesson 1 has its own five points, lessons 2-4 share six.
DOCUMENT_X1, DOCUMENT_Y1 = (1, 2, 3, 4, 6), (2, 4, 6, 7, 12)
DOCUMENT_X, DOCUMENT_Y = (1, 2, 3, 4, 6, 8), (2, 4, 6, 8, 11, 16)


@dataclass(frozen=True)
class Lesson:
    """One of the document's programs: its place, names, what it adds, its model, its defaults and its page."""

    number: int  # the document's section: an identity and a label, never a switch
    slug: str  # short name for the CLI
    title: str
    adds: str  # what this program adds over the previous one
    program: Program
    params: tuple[str, ...]  # the trained parameters: ("w",) is y = w·x, ("w", "b") is y = w·x + b
    page: str  # its script, relative to app.py; Streamlit serves it at a URL made from the file name
    code_note: str  # where each piece of the math lives in the program (markdown)
    sections: tuple[str, ...]  # below the results, always drawn: names registered in ui.sections
    tabs: tuple[str, ...]  # below those, one tab each, drawn only when opened (the first is open at first)
    defaults_: dict = field(default_factory=dict)  # this lesson's values for the fields (core.fields)

    @property
    def has_bias(self) -> bool:
        return "b" in self.params

    @property
    def landscape(self) -> str:
        """How the loss over the parameters is drawn: a curve L(w), or contours of L(w, b)."""
        return "contours" if len(self.params) == 2 else "curve"

    @property
    def presenter_tabs(self) -> tuple[str, ...]:
        """Presenter view: the same sections, all as tabs, the replay (the main chart) and the charts first."""
        shown = (*self.sections, "results", *self.tabs)  # every page shows its results (ui.lesson_page)
        first = tuple(name for name in PRESENTER_FIRST if name in shown)
        return (*first, *(name for name in shown if name not in first))

    def defaults(self) -> Settings:
        """The settings that reproduce the document's program exactly (seed 0)."""
        values = {f.name: self.defaults_.get(f.name, f.default) for f in FIELDS}
        values["x"] = tuple(map(float, values["x"]))
        values["y"] = tuple(map(float, values["y"]))
        return Settings(lesson=self.number, **values)

    def train(self, s: Settings, progress=None):
        """Run this lesson's program with settings `s` (a core.lessons.Run)."""
        from core.lessons import train  # torch loads here, on the first run, not with the catalog

        return train(s, progress)


SECTIONS = ("charts", "console")
# In presenter view every section is a tab, these first, in this order: on a projector the replay is the
# main chart, and the verdict and the numbers are one click away.
PRESENTER_FIRST = ("replay", "charts", "results", "console", "program", "epoch_log")


def _tabs(look_closer: str) -> tuple[str, ...]:
    """Every lesson's tabs: the program, the replay, one step inside it, its own "Look closer", the log, the
    comparisons. The first is open at first (computed on every visit): the replay is not first, so it costs
    nothing until it is opened."""
    return ("program", "replay", "step_through", look_closer, "epoch_log", "pinned_runs", "lr_sweep",
            "optimizer_race")


LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "autograd", "Autograd",
           "PyTorch's autograd computes the gradient; the loss and the update are written by hand.",
           program=programs.AUTOGRAD, params=("w",), page="pages/1_Autograd.py",
           code_note="`((y - y_pred)**2).mean()` is L; `Loss.backward()` puts ∂L/∂w in `w.grad`; "
                     "`w -= learning_rate * w.grad` is the update, and `w.grad.zero_()` clears the gradient "
                     "for the next epoch.",
           sections=SECTIONS, tabs=_tabs("gradient_is_the_formula"),
           defaults_={"x": DOCUMENT_X1, "y": DOCUMENT_Y1, "lr": 0.01, "epochs": 20, "log_every": 2}),
    Lesson(2, "optimizer", "Loss & optimizer",
           "torch.nn.MSELoss replaces the hand-written loss and torch.optim.SGD the hand-written update.",
           program=programs.OPTIMIZER, params=("w",), page="pages/2_Loss_and_optimizer.py",
           code_note="`torch.nn.MSELoss()` is L; `Loss.backward()` fills `w.grad`; `optimizer.step()` is the "
                     "update and `optimizer.zero_grad()` clears the gradient.",
           sections=SECTIONS, tabs=_tabs("step_is_the_update"),
           defaults_={"x": DOCUMENT_X, "y": DOCUMENT_Y, "lr": 0.01, "epochs": 20, "log_every": 2, "init_w": 0.0}),
    Lesson(3, "linear", "Model, loss & optimizer",
           "torch.nn.Linear(1, 1) becomes the model, which adds a bias b to the weight w.",
           program=programs.LINEAR, params=("w", "b"), page="pages/3_Model_loss_and_optimizer.py",
           code_note="`torch.nn.Linear(1, 1)` is ŷ = w·x + b with w = `model.weight`, b = `model.bias`; "
                     "`optimizer.step()` updates both with their own gradients.",
           sections=SECTIONS, tabs=_tabs("conditioning"),
           defaults_={"x": DOCUMENT_X, "y": DOCUMENT_Y, "lr": 0.015, "epochs": 100, "log_every": 10}),
    Lesson(4, "module", "Model as a class",
           "The model becomes a torch.nn.Module subclass with its own forward(): the shape of every real model.",
           program=programs.MODULE, params=("w", "b"), page="pages/4_Model_as_a_class.py",
           code_note="The same model, as a `torch.nn.Module` subclass: `__init__` creates the layer, `forward()` "
                     "says how to compute ŷ, and `model(X)` calls `forward`.",
           sections=SECTIONS, tabs=_tabs("class_is_the_layer"),
           defaults_={"x": DOCUMENT_X, "y": DOCUMENT_Y, "lr": 0.015, "epochs": 100, "log_every": 10}),
)


def lesson(key: int | str) -> Lesson:
    """A lesson by number (as int or text) or by slug; KeyError if there is none."""
    text = str(key).strip().lower()
    for les in LESSONS:
        if text in (str(les.number), les.slug):
            return les
    names = ", ".join(f"{les.number} ({les.slug})" for les in LESSONS)
    raise KeyError(f"unknown lesson {key!r}: choose one of {names}")
