"""The code panel: the document's program for a lesson, with a visitor's data and settings filled in.

Running the script with plain `python` prints exactly `core.lessons.train(s).log_text`: it repeats
the program core.lessons runs, in the same order, with every number written so that it reads back
as the same float. Nothing but numbers (and the lesson's fixed title) is ever put into the code.
"""

from __future__ import annotations

import math
import operator
from string import Template

from core.catalog import lesson
from core.lessons import number_literal
from core.settings import Settings

_WIDTH = 100  # longest line a data tensor may take before it is wrapped
_INDENT = "    "

_HEAD = Template('''\
# Gradient Descent Lab, lesson $number ($title): section $number of the document
# "Backpropagation and Gradient Descent", with these settings:
#   $points points, learning rate $lr, $epochs iterations, a line every $log_every, seed $seed,
#   $start, predict x = $predict_text
# Run it with `python`: it prints exactly the lab's log for these settings.
import torch

# Seeding torch's global random generator makes the random start reproducible:
# the same seed draws the same initial weights, run after run and in the lab.
torch.manual_seed($seed)

$X
$Y

''')

_AUTOGRAD = Template('''\
w = $init

def predictor(x, w):
    return w*x

def loss(y, y_pred):
    return ((y - y_pred)**2).mean()

learning_rate = $lr
iter_num = $epochs

for iter in range(iter_num):
    Y_pred = predictor(X, w)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    with torch.no_grad():
        w -= learning_rate * w.grad

    w.grad.zero_()

    if iter % $log_every == 0:
        print(f"epoch {iter+1}: w = {w.item()}, loss = {Loss}")

print(f"The prediction of input $predict_text is {$predict * w.item()}")
''')

_OPTIMIZER = Template('''\
w = $init

def forward(x, w):
    return x * w

loss = torch.nn.MSELoss()

learning_rate = $lr
iter_num = $epochs

optimizer = torch.optim.SGD([w], learning_rate)

for iter in range(iter_num):
    Y_pred = forward(X, w)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    optimizer.step()

    optimizer.zero_grad()

    if iter % $log_every == 0:
        print("epoch %i: w = %f, loss = %f" % (iter+1, w.item(), Loss))

print("model prediction: f($predict_text) = %f" % forward($predict, w))
''')

_LINEAR = Template('''\
in_feature = 1
out_feature = 1

model = torch.nn.Linear(in_feature, out_feature)
$fixed''')

_MODULE = Template('''\
in_feature = 1
out_feature = 1

class LinearRegression(torch.nn.Module):

    def __init__(self, input_dim, output_dim):
        super(LinearRegression, self).__init__()
        # define layers
        self.lin = torch.nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.lin(x)

model = LinearRegression(in_feature, out_feature)
$fixed''')

# Lessons 3 and 4 train the same way; only how the model is built differs.
_FIT = Template('''\
loss = torch.nn.MSELoss()

learning_rate = $lr
iter_num = $epochs

optimizer = torch.optim.SGD(model.parameters(), learning_rate)

for iter in range(iter_num):
    Y_pred = model(X)

    Loss = loss(Y, Y_pred)

    Loss.backward()

    optimizer.step()

    optimizer.zero_grad()

    if iter % $log_every == 0:
        [w, b] = model.parameters()
        print("epoch %i: w = %f, b = %f, loss = %f" % (iter+1, w, b, Loss))

print("model prediction: f($predict_text) = %f" % model(torch.tensor([$predict], dtype=torch.float32)))
''')


def _literal(v: float) -> str:
    """A finite number as code that reads back as the same float, -0.0 included."""
    v = float(v)  # only numbers reach the code, whatever type came in
    if not math.isfinite(v):
        raise ValueError(f"cannot write {v} into the script: values must be finite")
    return number_literal(v)


def _tensor(name: str, items: list[str]) -> str:
    """`name = torch.tensor([...], dtype=torch.float32)`, on one line if it fits, else wrapped."""
    one_line = f"{name} = torch.tensor([{', '.join(items)}], dtype=torch.float32)"
    if len(one_line) <= _WIDTH:
        return one_line
    rows: list[str] = []
    row = ""
    for item in items:
        if row and len(_INDENT) + len(row) + len(item) + 2 > _WIDTH:
            rows.append(_INDENT + row.rstrip())
            row = ""
        row += item + ", "
    rows.append(_INDENT + row.rstrip())
    return "\n".join([f"{name} = torch.tensor([", *rows, "], dtype=torch.float32)"])


def _data(name: str, values: tuple[float, ...], columns: bool) -> str:
    items = [_literal(v) for v in values]
    return _tensor(name, [f"[{v}]" for v in items] if columns else items)


def _fixed(layer: str, s: Settings) -> str:
    """Lessons 3-4: overwrite the layer's random init with the fixed values given, as core does."""
    given = [(p, v) for p, v in (("weight", s.init_w), ("bias", s.init_b)) if v is not None]
    if not given:
        return ""
    fills = [f"    {layer}.{p}.fill_({_literal(v)})" for p, v in given]
    return "\n".join(["# The fixed start chosen in the lab overwrites the layer's random init.",
                      "with torch.no_grad():", *fills, ""])


def _w(s: Settings) -> str:
    """Lessons 1-2: w drawn as the document draws it (lesson 1 a 1-vector, lesson 2 a scalar), or fixed."""
    if s.init_w is None:
        return f"torch.rand({'1' if s.lesson == 1 else '()'}, dtype=torch.float32, requires_grad=True)"
    value = _literal(s.init_w)
    return f"torch.tensor({f'[{value}]' if s.lesson == 1 else value}, dtype=torch.float32, requires_grad=True)"


def _start(s: Settings, params: tuple[str, ...]) -> str:
    """The header's words for where the parameters start."""
    fixed = {"w": s.init_w, "b": s.init_b}
    words = [f"initial {p} = {_literal(fixed[p])}" for p in params if fixed[p] is not None]
    drawn = [p for p in params if fixed[p] is None]
    if drawn:
        words.append(f"{' and '.join(drawn)} drawn from the seed")
    return ", ".join(words)


def script(s: Settings) -> str:
    """The document's program for lesson `s.lesson` with the settings of `s`; it prints run.log_text."""
    les = lesson(operator.index(s.lesson))
    values = {
        "number": str(les.number),
        "title": les.title,
        "points": str(len(s.x)),
        "lr": repr(float(s.lr)),
        "epochs": str(operator.index(s.epochs)),
        "log_every": str(operator.index(s.log_every)),
        "seed": str(operator.index(s.seed)),
        "start": _start(s, les.params),
        "predict": _literal(s.predict),
        "predict_text": number_literal(float(s.predict)),  # the text core prints
        "X": _data("X", s.x, columns=les.has_bias),
        "Y": _data("Y", s.y, columns=les.has_bias),
    }
    if les.number == 1:
        body = _AUTOGRAD.substitute(values, init=_w(s))
    elif les.number == 2:
        body = _OPTIMIZER.substitute(values, init=_w(s))
    else:
        model, layer = (_LINEAR, "model") if les.number == 3 else (_MODULE, "model.lin")
        body = model.substitute(values, fixed=_fixed(layer, s)) + "\n" + _FIT.substitute(values)
    return _HEAD.substitute(values) + body
