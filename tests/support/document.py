"""The document's four programs, verbatim, and a way to run them as the reference.

The programs below are copied from the document (seed/backprop-and-gradient-descent.md) with its own
spelling (`optemiser`, `LinearRegresion`). A test substitutes data and settings by plain text
replacement, runs the result with exec() right after torch.manual_seed(seed), and compares what it
prints with core's log: core is checked against the document, not against itself.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import torch

from core.lessons import number_literal
from core.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

PROGRAM_1 = """\
X = torch.tensor([1, 2, 3, 4, 6], dtype=torch.float32)
Y = torch.tensor([2, 4, 6, 7, 12], dtype=torch.float32)

w = torch.rand(1, dtype=torch.float32, requires_grad=True)

def predictor(x, w):
    return w*x

def loss(y, y_pred):
    return ((y - y_pred)**2).mean()

learning_rate = 0.01
iter_num = 20

for iter in range(iter_num):
    Y_pred = predictor(X, w)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    with torch.no_grad():
        w -= learning_rate * w.grad
    
    w.grad.zero_()

    if iter % 2 == 0:
        print(f"epoch {iter+1}: w = {w.item()}, loss = {Loss}")

print(f"The prediction of input 5 is {5 * w.item()}")
"""  # noqa: W293 (the document's own blank lines)

PROGRAM_2 = """\
X = torch.tensor([1, 2, 3, 4, 6, 8], dtype=torch.float32)
Y = torch.tensor([2, 4, 6, 8, 11, 16], dtype=torch.float32)

w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)

def forward(x, w):
    return x * w

loss = torch.nn.MSELoss()

learning_rate = 0.01
iter_num = 20

optemiser = torch.optim.SGD([w], learning_rate)

for iter in range(iter_num):
    Y_pred = forward(X, w)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    optemiser.step()

    optemiser.zero_grad()

    if iter % 2 == 0:
        print("epoch %i: w = %f, loss = %f" % (iter+1, w.item(), Loss))

print("model prediction: f(5) = %f" % forward(5, w))
"""

PROGRAM_3 = """\
X = torch.tensor([[1], [2], [3], [4], [6], [8]], dtype=torch.float32)
Y = torch.tensor([[2], [4], [6], [8], [11], [16]], dtype=torch.float32)

in_feature = 1
out_feature = 1

model = torch.nn.Linear(in_feature, out_feature)

loss = torch.nn.MSELoss()

learning_rate = 0.015
iter_num = 100

optemiser = torch.optim.SGD(model.parameters(), learning_rate)

for iter in range(iter_num):
    Y_pred = model(X)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    optemiser.step()

    optemiser.zero_grad()

    if iter % 10 == 0:
        [w, b] = model.parameters()
        print("epoch %i: w = %f, b = %f, loss = %f" % (iter+1, w, b, Loss))

print("model prediction: f(5) = %f" % model(torch.tensor([5], dtype=torch.float32)))
"""

PROGRAM_4 = """\
X = torch.tensor([[1], [2], [3], [4], [6], [8]], dtype=torch.float32)
Y = torch.tensor([[2], [4], [6], [8], [11], [16]], dtype=torch.float32)

in_feature = 1
out_feature = 1

class LinearRegresion(torch.nn.Module):
    
    def __init__(self, input_dim, output_dim):
        super(LinearRegresion, self).__init__()
        # define leyers
        self.lin = torch.nn.Linear(input_dim, output_dim)
    
    def forward(self, x):
        return self.lin(x)

model = LinearRegresion(in_feature, out_feature)

loss = torch.nn.MSELoss()

learning_rate = 0.015
iter_num = 100

optemiser = torch.optim.SGD(model.parameters(), learning_rate)

for iter in range(iter_num):
    Y_pred = model(X)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    optemiser.step()

    optemiser.zero_grad()

    if iter % 10 == 0:
        [w, b] = model.parameters()
        print("epoch %i: w = %f, b = %f, loss = %f" % (iter+1, w, b, Loss))

print("model prediction: f(5) = %f" % model(torch.tensor([5], dtype=torch.float32)))
"""  # noqa: W293 (the document's own blank lines)

PROGRAMS = {1: PROGRAM_1, 2: PROGRAM_2, 3: PROGRAM_3, 4: PROGRAM_4}

# The literal text of the document's data, rate, iterations and log interval, per lesson.
_DOC_X = {1: "[1, 2, 3, 4, 6]", 2: "[1, 2, 3, 4, 6, 8]", 3: "[[1], [2], [3], [4], [6], [8]]"}
_DOC_Y = {1: "[2, 4, 6, 7, 12]", 2: "[2, 4, 6, 8, 11, 16]", 3: "[[2], [4], [6], [8], [11], [16]]"}
_DOC_X[4], _DOC_Y[4] = _DOC_X[3], _DOC_Y[3]
_DOC_LR = {1: "0.01", 2: "0.01", 3: "0.015", 4: "0.015"}
_DOC_ITERS = {1: "20", 2: "20", 3: "100", 4: "100"}
_DOC_EVERY = {1: "2", 2: "2", 3: "10", 4: "10"}
_DOC_MODEL = {3: ("model = torch.nn.Linear(in_feature, out_feature)\n", "model"),
              4: ("model = LinearRegresion(in_feature, out_feature)\n", "model.lin")}


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the document's program should contain {old!r} exactly once"
    return text.replace(old, new)


def _column(values, nested: bool) -> str:
    cells = [f"[{number_literal(v)}]" if nested else number_literal(v) for v in values]
    return "[" + ", ".join(cells) + "]"


def document_program(s: Settings) -> str:
    """The document's program for lesson s.lesson with s's data and settings typed in."""
    n = s.lesson
    text = PROGRAMS[n]
    nested = n in (3, 4)
    text = _replace_once(text, f"X = torch.tensor({_DOC_X[n]},", f"X = torch.tensor({_column(s.x, nested)},")
    text = _replace_once(text, f"Y = torch.tensor({_DOC_Y[n]},", f"Y = torch.tensor({_column(s.y, nested)},")
    text = _replace_once(text, f"learning_rate = {_DOC_LR[n]}\n", f"learning_rate = {number_literal(s.lr)}\n")
    text = _replace_once(text, f"iter_num = {_DOC_ITERS[n]}\n", f"iter_num = {s.epochs}\n")
    text = _replace_once(text, f"if iter % {_DOC_EVERY[n]} == 0:", f"if iter % {s.log_every} == 0:")
    p = number_literal(s.predict)
    if n == 1:
        if s.init_w is not None:
            text = _replace_once(text, "w = torch.rand(1, dtype=torch.float32, requires_grad=True)",
                                 f"w = torch.tensor([{number_literal(s.init_w)}], dtype=torch.float32, "
                                 "requires_grad=True)")
        text = _replace_once(text, "input 5 is {5 * w.item()}", f"input {p} is {{{p} * w.item()}}")
    elif n == 2:
        init = "torch.rand((), " if s.init_w is None else f"torch.tensor({number_literal(s.init_w)}, "
        text = _replace_once(text, "w = torch.tensor(0.0, ", f"w = {init}")
        text = _replace_once(text, 'f(5) = %f" % forward(5, w)', f'f({p}) = %f" % forward({p}, w)')
    else:
        line, layer = _DOC_MODEL[n]
        fills = ""
        if s.init_w is not None:
            fills += f"with torch.no_grad(): {layer}.weight.fill_({number_literal(s.init_w)})\n"
        if s.init_b is not None:
            fills += f"with torch.no_grad(): {layer}.bias.fill_({number_literal(s.init_b)})\n"
        text = _replace_once(text, line, line + fills)
        text = _replace_once(text, "f(5) = %f\" % model(torch.tensor([5],",
                             f"f({p}) = %f\" % model(torch.tensor([{p}],")
    return text


def run_program(text: str, seed: int) -> str:
    """What `text` prints when run right after torch.manual_seed(seed), as the document runs it."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # %f of a tensor that requires grad warns; the value is unchanged
        torch.manual_seed(seed)
        with contextlib.redirect_stdout(out):
            exec(compile(text, "<document>", "exec"), {"torch": torch, "__name__": "__document__"})
    return out.getvalue()


