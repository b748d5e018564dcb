"""The document's four training programs, each in the shape of its section, recording a history.

Every function below repeats its program's operations in the program's order. History is read
off the tensors with `.item()` between those operations, which never changes their arithmetic,
so a run's `log_lines` equal what the document's program prints after `torch.manual_seed(seed)`.
Randomness comes from a `torch.Generator` made for the run, never from torch's global RNG:
Streamlit serves every visitor from threads of one process.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch

from core.settings import Settings

# The document formats tensors that require grad with %f; torch warns each time, but the value
# printed is exactly .item()'s. The warning would be noise on every visitor's console.
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")

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


class _Tape:
    """Records a run epoch by epoch; reads values, never writes them."""

    def __init__(self, params: dict[str, torch.Tensor], epochs: int, progress: Progress | None):
        self.params = params
        self.epochs = epochs
        self.progress = progress
        self.initial = {name: p.item() for name, p in params.items()}
        self.loss: list[float] = []
        self.grad: dict[str, list[float]] = {name: [] for name in params}
        self.after: dict[str, list[float]] = {name: [] for name in params}

    def gradients(self, loss: torch.Tensor) -> None:
        """Call after backward() and before the update: the loss and every parameter's grad."""
        self.loss.append(loss.item())
        for name, p in self.params.items():
            self.grad[name].append(p.grad.item())

    def updated(self, epoch: int) -> None:
        """Call after the update of `epoch` (0-based): the new parameter values."""
        for name, p in self.params.items():
            self.after[name].append(p.item())
        if self.progress is not None and (epoch + 1) % _PROGRESS_EVERY == 0:
            self.progress(epoch + 1, self.epochs)

    def run(self, s: Settings, final_loss: float, prediction: float, lines: list[str]) -> Run:
        columns: dict[str, list] = {"epoch": list(range(1, len(self.loss) + 1)), "loss": self.loss}
        for name in self.params:
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
            final_loss=final_loss,
            prediction=prediction,
            log_lines=tuple(lines),
        )


def number_literal(v: float) -> str:
    """A number as the document writes it: 5 rather than 5.0, and exact (repr) otherwise."""
    v = float(v)
    if v == 0 and math.copysign(1, v) < 0:
        return "-0.0"  # "0" would read back as +0.0 and flip the sign of what it multiplies
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _init_linear(lin: torch.nn.Linear, s: Settings, g: torch.Generator) -> None:
    """nn.Linear's default init (reset_parameters) drawn from `g`, then any fixed values given."""
    torch.nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=g)
    bound = 1 / math.sqrt(lin.in_features)
    torch.nn.init.uniform_(lin.bias, -bound, bound, generator=g)
    with torch.no_grad():
        if s.init_w is not None:
            lin.weight.fill_(s.init_w)
        if s.init_b is not None:
            lin.bias.fill_(s.init_b)


def autograd(s: Settings, progress: Progress | None = None) -> Run:
    """Lesson 1: w*x, a hand-written loss, Loss.backward(), and a hand-written update."""
    g = _generator(s.seed)
    X = torch.tensor(s.x, dtype=torch.float32)
    Y = torch.tensor(s.y, dtype=torch.float32)

    if s.init_w is None:
        w = torch.rand(1, dtype=torch.float32, requires_grad=True, generator=g)
    else:
        w = torch.tensor([s.init_w], dtype=torch.float32, requires_grad=True)

    def predictor(x, w):
        return w * x

    def loss(y, y_pred):
        return ((y - y_pred) ** 2).mean()

    learning_rate = s.lr
    iter_num = s.epochs
    tape = _Tape({"w": w}, iter_num, progress)
    lines: list[str] = []

    for iter in range(iter_num):
        Y_pred = predictor(X, w)

        Loss = loss(Y, Y_pred)

        Loss.backward()
        tape.gradients(Loss)

        with torch.no_grad():
            w -= learning_rate * w.grad

        w.grad.zero_()
        tape.updated(iter)

        if iter % s.log_every == 0:
            lines.append(f"epoch {iter+1}: w = {w.item()}, loss = {Loss}")

    x_new = number_literal(s.predict)
    prediction = s.predict * w.item()
    lines.append(f"The prediction of input {x_new} is {prediction}")
    with torch.no_grad():
        final_loss = loss(Y, predictor(X, w)).item()
    return tape.run(s, final_loss, prediction, lines)


def optimizer(s: Settings, progress: Progress | None = None) -> Run:
    """Lesson 2: x*w with torch.nn.MSELoss() and torch.optim.SGD doing the update."""
    g = _generator(s.seed)
    X = torch.tensor(s.x, dtype=torch.float32)
    Y = torch.tensor(s.y, dtype=torch.float32)

    if s.init_w is None:
        w = torch.rand((), dtype=torch.float32, requires_grad=True, generator=g)
    else:
        w = torch.tensor(s.init_w, dtype=torch.float32, requires_grad=True)

    def forward(x, w):
        return x * w

    loss = torch.nn.MSELoss()

    learning_rate = s.lr
    iter_num = s.epochs

    optimiser = torch.optim.SGD([w], learning_rate)
    tape = _Tape({"w": w}, iter_num, progress)
    lines: list[str] = []

    for iter in range(iter_num):
        Y_pred = forward(X, w)

        Loss = loss(Y, Y_pred)

        Loss.backward()
        tape.gradients(Loss)

        optimiser.step()

        optimiser.zero_grad()
        tape.updated(iter)

        if iter % s.log_every == 0:
            lines.append("epoch %i: w = %f, loss = %f" % (iter + 1, w.item(), Loss))

    with torch.no_grad():
        y_new = forward(s.predict, w)
        final_loss = loss(Y, forward(X, w)).item()
    lines.append("model prediction: f(%s) = %f" % (number_literal(s.predict), y_new))
    return tape.run(s, final_loss, y_new.item(), lines)


def _fit_module(s: Settings, model: torch.nn.Module, progress: Progress | None) -> Run:
    """Lessons 3 and 4 share one training program: only how the model is built differs."""
    X = torch.tensor([[v] for v in s.x], dtype=torch.float32)
    Y = torch.tensor([[v] for v in s.y], dtype=torch.float32)

    loss = torch.nn.MSELoss()

    learning_rate = s.lr
    iter_num = s.epochs

    optimiser = torch.optim.SGD(model.parameters(), learning_rate)
    [w, b] = model.parameters()
    tape = _Tape({"w": w, "b": b}, iter_num, progress)
    lines: list[str] = []

    for iter in range(iter_num):
        Y_pred = model(X)

        Loss = loss(Y, Y_pred)

        Loss.backward()
        tape.gradients(Loss)

        optimiser.step()

        optimiser.zero_grad()
        tape.updated(iter)

        if iter % s.log_every == 0:
            [w, b] = model.parameters()
            lines.append("epoch %i: w = %f, b = %f, loss = %f" % (iter + 1, w, b, Loss))

    with torch.no_grad():
        y_new = model(torch.tensor([s.predict], dtype=torch.float32))
        final_loss = loss(Y, model(X)).item()
    lines.append("model prediction: f(%s) = %f" % (number_literal(s.predict), y_new))
    return tape.run(s, final_loss, y_new.item(), lines)


def linear(s: Settings, progress: Progress | None = None) -> Run:
    """Lesson 3: torch.nn.Linear(1, 1) is the model, with a weight and a bias."""
    g = _generator(s.seed)
    in_feature = 1
    out_feature = 1
    # skip_init builds the layer without its default init, which would draw from the global RNG.
    model = torch.nn.utils.skip_init(torch.nn.Linear, in_feature, out_feature)
    _init_linear(model, s, g)
    return _fit_module(s, model, progress)


class LinearRegression(torch.nn.Module):
    """Lesson 4's model: a torch.nn.Module subclass wrapping one nn.Linear layer."""

    def __init__(self, input_dim: int, output_dim: int, device: torch.device | str | None = None):
        super().__init__()
        # define layers
        self.lin = torch.nn.Linear(input_dim, output_dim, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x)


def module(s: Settings, progress: Progress | None = None) -> Run:
    """Lesson 4: the model as a class, trained by the same program as lesson 3."""
    g = _generator(s.seed)
    in_feature = 1
    out_feature = 1
    model = torch.nn.utils.skip_init(LinearRegression, in_feature, out_feature)
    _init_linear(model.lin, s, g)
    return _fit_module(s, model, progress)


# The document's programs by lesson number; core.catalog says what each one is.
PROGRAMS: dict[int, Callable[..., Run]] = {1: autograd, 2: optimizer, 3: linear, 4: module}


def train(s: Settings, progress: Progress | None = None) -> Run:
    """Run the lesson that `s` names with these settings."""
    return PROGRAMS[s.lesson](s, progress)
