"""The document's four programs, each written once as tagged steps (see core.program).

The text is the document's, names and spelling included (`optimizer`, `LinearRegression`), with the
visitor's numbers filled in. Steps that two programs share are written once, here, and used by both.
"""

from __future__ import annotations

from core.program import Program, Step

# ---- shared by every program ----------------------------------------------------------------

HEADER = Step("setup", '''\
# Gradient Descent Lab, lesson $number ($title): section $number of the document
# "Backpropagation and Gradient Descent", with these settings:
#   $points points, learning rate $lr, $epochs iterations, a line every $log_every, seed $seed,
#   $start, predict x = $predict_text
# The document's code, its spelling corrected (it writes optemiser, LinearRegresion); run it with
# `python` and it prints exactly the lab's log.
import torch

# The document draws its random start from torch's global generator without seeding it; its
# reference output, and the lab, seed it first, so the same seed always draws the same start.
torch.manual_seed($seed)

''', run="import torch\n")

DATA = Step("data", "X = torch.tensor($X, dtype=torch.float32)\nY = torch.tensor($Y, dtype=torch.float32)\n\n")
RATE_AND_EPOCHS = Step("setup", "learning_rate = $lr\niter_num = $epochs\n\n")
LOOP = Step("loop", "for iter in range(iter_num):\n")
LOSS = Step("loss", "    Loss = loss(Y, Y_pred)\n\n")
BACKWARD = Step("backward", "    Loss.backward()\n\n")
MSE = Step("loss_fn", "loss = torch.nn.MSELoss()\n\n")
STEP = Step("update", "    optimizer.step()\n\n")
ZERO_GRAD = Step("zero_grad", "    optimizer.zero_grad()\n\n")


# ---- 1. Autograd ----------------------------------------------------------------------------

AUTOGRAD = Program(
    steps=(
        HEADER, DATA,
        Step("init", "w = torch.rand(1, dtype=torch.float32, requires_grad=True)\n\n",
             run="w = torch.rand(1, dtype=torch.float32, requires_grad=True, generator=_g)\n\n", when="w drawn"),
        Step("init", "w = torch.tensor([$init_w], dtype=torch.float32, requires_grad=True)\n\n", when="w fixed"),
        Step("model", "def predictor(x, w):\n    return w*x\n\n"),
        Step("loss_fn", "def loss(y, y_pred):\n    return ((y - y_pred)**2).mean()\n\n"),
        RATE_AND_EPOCHS, LOOP,
        Step("forward", "    Y_pred = predictor(X, w)\n\n"),
        LOSS, BACKWARD,
        Step("update", "    with torch.no_grad():\n        w -= learning_rate * w.grad\n\n"),
        Step("zero_grad", "    w.grad.zero_()\n\n"),
        Step("log", '    if iter % $log_every == 0:\n'
                    '        print(f"epoch {iter+1}: w = {w.item()}, loss = {Loss}")\n\n'),
        Step("predict", 'print(f"The prediction of input $predict_text is {$predict * w.item()}")\n'),
    ),
    params="[w]", prediction="$predict * w.item()", final_loss="loss(Y, predictor(X, w)).item()",
)

# ---- 2. Loss and optimizer ------------------------------------------------------------------

OPTIMIZER = Program(
    steps=(
        HEADER, DATA,
        Step("init", "w = torch.rand((), dtype=torch.float32, requires_grad=True)\n\n",
             run="w = torch.rand((), dtype=torch.float32, requires_grad=True, generator=_g)\n\n", when="w drawn"),
        Step("init", "w = torch.tensor($init_w, dtype=torch.float32, requires_grad=True)\n\n", when="w fixed"),
        Step("model", "def forward(x, w):\n    return x * w\n\n"),
        MSE, RATE_AND_EPOCHS,
        Step("optimizer", "optimizer = torch.optim.SGD([w], learning_rate)\n\n"),
        LOOP,
        Step("forward", "    Y_pred = forward(X, w)\n\n"),
        LOSS, BACKWARD, STEP, ZERO_GRAD,
        Step("log", '    if iter % $log_every == 0:\n'
                    '        print("epoch %i: w = %f, loss = %f" % (iter+1, w.item(), Loss))\n\n',
             run='    if iter % $log_every == 0:\n'
                 '        print("epoch %i: w = %f, loss = %f" % (iter+1, w.item(), Loss.item()))\n\n'),
        Step("predict", 'print("model prediction: f($predict_text) = %f" % forward($predict, w))\n',
             run='print("model prediction: f($predict_text) = %f" % forward($predict, w).item())\n'),
    ),
    params="[w]", prediction="forward($predict, w).item()", final_loss="loss(Y, forward(X, w)).item()",
)

# ---- 3 and 4: a torch.nn model, trained by one shared loop ----------------------------------

FEATURES = Step("model", "in_feature = 1\nout_feature = 1\n\n")


def fixed_start(layer: str) -> tuple[Step, ...]:
    """A fixed start chosen in the lab overwrites the layer's random init, after it is drawn (as core does)."""
    return (
        Step("init", "# The fixed start chosen in the lab overwrites the layer's random init.\n"
                     "with torch.no_grad():\n", when="start fixed"),
        Step("init", f"    {layer}.weight.fill_($init_w)\n", when="w fixed"),
        Step("init", f"    {layer}.bias.fill_($init_b)\n", when="b fixed"),
    )


FIT = (
    Step("loss_fn", "\nloss = torch.nn.MSELoss()\n\n"),
    RATE_AND_EPOCHS,
    Step("optimizer", "optimizer = torch.optim.SGD(model.parameters(), learning_rate)\n\n"),
    LOOP,
    Step("forward", "    Y_pred = model(X)\n\n"),
    LOSS, BACKWARD, STEP, ZERO_GRAD,
    Step("log", '    if iter % $log_every == 0:\n        [w, b] = model.parameters()\n'
                '        print("epoch %i: w = %f, b = %f, loss = %f" % (iter+1, w, b, Loss))\n\n',
         run='    if iter % $log_every == 0:\n        [w, b] = model.parameters()\n'
             '        print("epoch %i: w = %f, b = %f, loss = %f" % (iter+1, w.item(), b.item(), Loss.item()))\n\n'),
    Step("predict",
         'print("model prediction: f($predict_text) = %f" % model(torch.tensor([$predict], dtype=torch.float32)))\n',
         run='print("model prediction: f($predict_text) = %f" % '
             'model(torch.tensor([$predict], dtype=torch.float32)).item())\n'),
)
_FIT_END = {"params": "list(model.parameters())",
            "prediction": "model(torch.tensor([$predict], dtype=torch.float32)).item()",
            "final_loss": "loss(Y, model(X)).item()", "columns": True}

# nn.Linear's default init draws from torch's global generator; the lab builds the model on the meta
# device (no values, so no draw), gives it real memory, and draws the same init from the run's own
# generator (core.lessons.init_linear).
_ON_META = "with torch.device('meta'):\n    {model}\nmodel = model.to_empty(device='cpu')\ninit_linear({layer}, _g)\n"
LINEAR = Program(
    steps=(
        HEADER, DATA, FEATURES,
        Step("model", "model = torch.nn.Linear(in_feature, out_feature)\n",
             run=_ON_META.format(model="model = torch.nn.Linear(in_feature, out_feature)", layer="model")),
        *fixed_start("model"), *FIT,
    ),
    **_FIT_END,
)

MODULE = Program(
    steps=(
        HEADER, DATA, FEATURES,
        Step("model", '''\
class LinearRegression(torch.nn.Module):

    def __init__(self, input_dim, output_dim):
        super(LinearRegression, self).__init__()
        # define layers
        self.lin = torch.nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.lin(x)

'''),
        Step("model", "model = LinearRegression(in_feature, out_feature)\n",
             run=_ON_META.format(model="model = LinearRegression(in_feature, out_feature)", layer="model.lin")),
        *fixed_start("model.lin"), *FIT,
    ),
    **_FIT_END,
)
