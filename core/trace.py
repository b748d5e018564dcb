"""One epoch of a run, phase by phase, read off the real program: the step-through's numbers and its autograd graph.

`trace(s, k)` executes the lesson's program (core.lessons.execute) with a `TraceTape` that listens
to every role of the loop body. At epoch k only it reads, after each phase, what the program holds:
the parameters, each `.grad` exactly as it is (`w.grad.zero_()` leaves zeros, `optimizer.zero_grad()`
sets None), ŷ and the loss. During that epoch's forward and loss a `TorchFunctionMode` notes the
value each operation returned, keyed by the `grad_fn` it made; after the loss (before `backward()`)
the tape walks `Loss.grad_fn` depth-first, reads each node's saved values and hooks it, so the
backward pass reports the gradient flowing into every node. Everything is read with `.item()` or
`.detach().clone()` and the hooks return None: the arithmetic is the program's, digit for digit.
The run stops after epoch k's zero-grad; nothing later is needed.

The result is a plain dict (lists, floats, None), so the page can cache it and the CLI print it.
The rest of this module is arithmetic on that dict: the chain rule point by point and a gradient
check in float64.
"""

from __future__ import annotations

import math
import operator
from typing import ClassVar

import torch
from torch.overrides import TorchFunctionMode

from core.catalog import lesson
from core.lessons import Tape, execute
from core.settings import Settings

PHASES = ("forward", "loss", "backward", "update", "zero_grad")  # the loop body's phases, in order

# A plain name for each kind of node the four programs make (PyTorch's class name stays on screen too).
OP_LABELS = {
    "MulBackward0": "multiply: ŷ = w·x",
    "AddmmBackward0": "linear layer: ŷ = X·wᵀ + b",
    "TBackward0": "transpose: wᵀ",
    "SubBackward0": "subtract: y − ŷ",
    "PowBackward0": "square: (y − ŷ)²",
    "MeanBackward0": "mean: L",
    "MseLossBackward0": "MSELoss: L = mean((y − ŷ)²)",
    "AccumulateGrad": "leaf: stores the gradient in .grad",
}


class TraceError(ValueError):
    """An epoch that cannot be traced (out of range, or the run overflowed before it); the message says why."""


class _EpochDoneError(Exception):
    """Raised by the tape after epoch k's zero-grad: the rest of the run is not needed."""


class _Outputs(TorchFunctionMode):
    """Notes each torch call's output tensor that has a grad_fn: the forward value of that graph node."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[object, torch.Tensor]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and out.grad_fn is not None:
            self.seen.append((out.grad_fn, out.detach().clone()))
        return out

    def value(self, node) -> list[float] | None:
        for fn, v in self.seen:
            if fn is node:
                return v.flatten().tolist()
        return None


def _grad(p: torch.Tensor) -> float | None:
    return None if p.grad is None else p.grad.item()


def _finite(*values: float | None) -> bool:
    return all(v is None or math.isfinite(v) for v in values)


class TraceTape(Tape):
    """Watches every phase of one epoch (`k`, 1-based) of the real run; checks the epochs before it stayed finite."""

    LISTENS: ClassVar[dict[str, str]] = {"loop": "begin", "forward": "forwarded", "loss": "lossed",
                                         "backward": "backwarded", "update": "updated", "zero_grad": "zeroed"}

    def __init__(self, names: tuple[str, ...], k: int):
        super().__init__(names, k, None)
        self.k = k
        self.states: list[dict] = []
        self.graph: list[dict] = []
        self._mode: _Outputs | None = None
        self._active = False  # whether the mode is entered (an error may stop the run inside it)
        self._hooks: list = []

    def _state(self, phase: str, **more) -> None:
        self.states.append({"phase": phase, "params": {n: p.item() for n, p in self.params.items()},
                            "grads": {n: _grad(p) for n, p in self.params.items()}, **more})

    def begin(self, epoch: int) -> None:
        if epoch == self.k - 1:
            self._state("start")
            self._mode = _Outputs()
            self._mode.__enter__()
            self._active = True

    def forwarded(self, epoch: int) -> None:
        if epoch == self.k - 1:
            y_pred = self.ns["Y_pred"]
            self.y_pred_node = y_pred.grad_fn
            self._state("forward", y_pred=y_pred.detach().flatten().tolist())

    def lossed(self, epoch: int) -> None:
        if epoch != self.k - 1:
            return
        self._active = False
        self._mode.__exit__(None, None, None)
        loss = self.ns["Loss"]
        self._state("loss", loss=loss.item())
        self.graph = self._walk(loss.grad_fn)

    def backwarded(self, epoch: int) -> None:
        loss = self.ns["Loss"].item()
        grads = [_grad(p) for p in self.params.values()]
        if not _finite(loss, *grads):
            raise self._overflow(epoch + 1)
        if epoch == self.k - 1:
            for h in self._hooks:
                h.remove()
            self._hooks = []
            self._state("backward")

    def updated(self, epoch: int) -> None:
        if not _finite(*(p.item() for p in self.params.values())):
            raise self._overflow(epoch + 1)
        if epoch == self.k - 1:
            self._state("update")

    def zeroed(self, epoch: int) -> None:
        if epoch == self.k - 1:
            self._state("zero_grad")
            raise _EpochDoneError

    def close(self) -> None:
        """Leave the value-noting mode if an error stopped the run inside epoch k's forward or loss."""
        if self._active:
            self._active = False
            self._mode.__exit__(None, None, None)
        for h in self._hooks:
            h.remove()

    def _overflow(self, bad: int) -> TraceError:
        last = f"choose an epoch from 1 to {bad - 1}" if bad > 1 else "no epoch of it can be traced"
        return TraceError(f"epoch {self.k} cannot be traced: the run overflowed at epoch {bad} (its loss, a "
                          f"gradient or a parameter stopped being a finite number); {last}.")

    def _walk(self, root) -> list[dict]:
        """The graph from the loss, depth-first (each node once), with values, saved values and a gradient hook."""
        order: list = []
        index: dict[int, int] = {}

        def visit(node) -> None:
            index[id(node)] = len(order)
            order.append(node)
            for child, _ in node.next_functions:
                if child is not None and id(child) not in index:
                    visit(child)

        visit(root)
        names = {id(p): n for n, p in self.params.items()}
        nodes = []
        for i, node in enumerate(order):
            op = type(node).__name__
            entry = {"id": i, "op": op, "label": OP_LABELS.get(op, op), "param": None, "value": None,
                     "grad": None, "saved": {}, "next": [index[id(c)] for c, _ in node.next_functions if c is not None],
                     "inputs": len(node.next_functions), "y_pred": node is self.y_pred_node, "loss": i == 0}
            if op == "AccumulateGrad":
                entry["param"] = names.get(id(node.variable))
                entry["value"] = node.variable.detach().flatten().tolist()
            else:
                entry["value"] = self._mode.value(node)
                entry["saved"] = _saved(node)
            self._hooks.append(node.register_prehook(_hook(entry)))
            nodes.append(entry)
        return nodes


def _saved(node) -> dict[str, object]:
    """What the node saved for its backward (read before backward() frees it): numbers, and tensors as lists."""
    out: dict[str, object] = {}
    for name in dir(node):
        if not name.startswith("_saved_") or "sym_" in name:
            continue
        v = getattr(node, name)
        if isinstance(v, torch.Tensor):
            out[name.removeprefix("_saved_")] = v.detach().flatten().tolist()
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name.removeprefix("_saved_")] = v
    return out


def _hook(entry: dict):
    def record(grad_outputs):
        g = grad_outputs[0]
        entry["grad"] = None if g is None else g.detach().flatten().tolist()
        # Returning None leaves the gradient as autograd computed it.
    return record


def trace(s: Settings, k: int) -> dict:
    """Epoch `k` (1-based) of lesson `s.lesson`'s run with settings `s`, phase by phase; TraceError if it cannot be."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise TraceError(f"the epoch to trace must be a whole number, got {k!r}.")
    if not 1 <= k <= s.epochs:
        raise TraceError(f"the epoch to trace must be from 1 to {s.epochs:,} (the run's iterations), got {k}.")
    les = lesson(operator.index(s.lesson))
    tape = TraceTape(les.params, k)
    try:
        execute(s, tape)
    except _EpochDoneError:
        pass
    finally:
        tape.close()
    states = {st["phase"]: st for st in tape.states}
    ns = tape.ns
    return {
        "lesson": les.number,
        "epoch": k,
        "epochs": s.epochs,
        "lr": float(s.lr),
        "params": list(les.params),
        "x": ns["X"].flatten().tolist(),
        "y": ns["Y"].flatten().tolist(),
        "y_pred": states["forward"]["y_pred"],
        "loss": states["loss"]["loss"],
        "params_before": states["start"]["params"],
        "grads": states["backward"]["grads"],
        "params_after": states["update"]["params"],
        "zeroed": states["zero_grad"]["grads"],
        "states": [states[p] for p in ("start", *PHASES)],
        "graph": tape.graph,
    }


# ---- arithmetic on a trace: the chain rule per point and a gradient check ---------------------------


def contributions(tr: dict) -> dict:
    """Each point's share of ∂L/∂w (and ∂L/∂b), from the run's own ŷ, in float64; their sums beside autograd's."""
    x, y, y_pred = tr["x"], tr["y"], tr["y_pred"]
    n = len(x)
    residual = [p - t for p, t in zip(y_pred, y, strict=True)]
    node = next(nd for nd in tr["graph"] if nd["y_pred"])
    rows = {"x": x, "y": y, "y_pred": y_pred, "residual": residual, "dL_dy_pred": node["grad"],
            "w": [2 / n * xi * r for xi, r in zip(x, residual, strict=True)]}
    if "b" in tr["params"]:
        rows["b"] = [2 / n * r for r in residual]
    sums = {p: math.fsum(rows[p]) for p in tr["params"]}
    return {"rows": rows, "sum": sums, "autograd": dict(tr["grads"]),
            "difference": {p: sums[p] - tr["grads"][p] for p in tr["params"]}}


def _loss64(tr: dict, params: dict[str, float]) -> float:
    w, b = params["w"], params.get("b", 0.0)
    return math.fsum((w * xi + b - yi) ** 2 for xi, yi in zip(tr["x"], tr["y"], strict=True)) / len(tr["x"])


def step_size(value: float) -> float:
    """The central difference's h: 1e-3 of the parameter's size (at least 1e-3); L is quadratic, so a big h is exact."""
    return 1e-3 * max(1.0, abs(value))


def _relative(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def gradient_check(tr: dict) -> list[dict]:
    """Per parameter: autograd's gradient, the closed form and a central difference (float64), and how far apart."""
    x, y, n = tr["x"], tr["y"], len(tr["x"])
    p0 = tr["params_before"]
    w, b = p0["w"], p0.get("b", 0.0)
    residual = [w * xi + b - yi for xi, yi in zip(x, y, strict=True)]
    formula = {"w": 2 / n * math.fsum(xi * r for xi, r in zip(x, residual, strict=True)),
               "b": 2 / n * math.fsum(residual)}
    out = []
    for p in tr["params"]:
        h = step_size(p0[p])
        fd = (_loss64(tr, {**p0, p: p0[p] + h}) - _loss64(tr, {**p0, p: p0[p] - h})) / (2 * h)
        auto = tr["grads"][p]
        out.append({"param": p, "autograd": auto, "formula": formula[p], "finite_difference": fd, "h": h,
                    "autograd_vs_formula": _relative(auto, formula[p]), "fd_vs_formula": _relative(fd, formula[p])})
    return out


def notable_epochs(loss: list[float], grads: dict[str, list[float]], finite: int) -> dict[str, int]:
    """Epoch shortcuts: the first, where the loss first rises (else where a gradient first changes sign), the last.

    `finite` is how many epochs stayed finite: an overflowed run's last traceable epoch.
    """
    out = {"first": 1}
    for k in range(1, finite):  # k is 0-based: epoch k + 1 against epoch k
        if loss[k] > loss[k - 1]:
            out["rises"] = k + 1
            break
    else:
        for k in range(1, finite):
            if any(g[k] * g[k - 1] < 0 for g in grads.values()):
                out["sign"] = k + 1  # a gradient changes sign: the step crossed the minimum along it
                break
    if finite >= 1:
        out["last"] = finite
    return out


def phase_lines(s: Settings) -> dict[str, list[int]]:
    """For each phase, its line numbers in the shown program (core.script.script), as the program panel numbers them."""
    from core.script import line_map

    roles = line_map(s)
    return {p: roles[p] for p in PHASES}
