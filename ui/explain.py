"""Each lesson's explanation: the math in LaTeX and the lesson's own point, shown with live numbers."""

from __future__ import annotations

import streamlit as st

from core import analysis, insight
from core.catalog import Lesson
from core.lessons import Run
from ui import runs

# PyTorch's MSELoss: the mean of squared errors, no 1/2, so the gradient carries a 2.
_LOSS = r"L = \frac{1}{N}\sum_{i=1}^{N}\left(\hat y_i - y_i\right)^2"
_GRAD_W = r"\frac{\partial L}{\partial w} = \frac{2}{N}\sum_{i=1}^{N} x_i\left(\hat y_i - y_i\right)"
_GRAD_B = r"\frac{\partial L}{\partial b} = \frac{2}{N}\sum_{i=1}^{N} \left(\hat y_i - y_i\right)"

# Where each piece of the math lives in the lesson's program.
_CODE = {
    1: "`((y - y_pred)**2).mean()` is L; `Loss.backward()` puts ∂L/∂w in `w.grad`; "
       "`w -= learning_rate * w.grad` is the update, and `w.grad.zero_()` clears the gradient for the next epoch.",
    2: "`torch.nn.MSELoss()` is L; `Loss.backward()` fills `w.grad`; `optimizer.step()` is the update and "
       "`optimizer.zero_grad()` clears the gradient.",
    3: "`torch.nn.Linear(1, 1)` is ŷ = w·x + b with w = `model.weight`, b = `model.bias`; "
       "`optimizer.step()` updates both with their own gradients.",
    4: "The same model, as a `torch.nn.Module` subclass: `__init__` creates the layer, `forward()` says how to "
       "compute ŷ, and `model(X)` calls `forward`.",
}


def math_ui(les: Lesson) -> None:
    """The model, loss, gradient(s) and update for this lesson in one row, and where each is in the code."""
    st.subheader("The math")
    bias = les.has_bias
    parts = {
        "model": [r"\hat y_i = w\,x_i + b" if bias else r"\hat y_i = w\,x_i"],
        "loss (PyTorch's MSE: no ½)": [_LOSS],
        "gradient": [_GRAD_W, _GRAD_B] if bias else [_GRAD_W],
        "update (η = learning rate)": [r"w \leftarrow w - \eta\,\frac{\partial L}{\partial w}"]
        + ([r"b \leftarrow b - \eta\,\frac{\partial L}{\partial b}"] if bias else []),
    }
    # One row, so the charts stay near the top of the screen on a projector.
    for col, (label, formulas) in zip(st.columns([2, 3, 3, 2]), parts.items(), strict=True):
        with col:
            st.caption(label)
            for formula in formulas:
                st.latex(formula)
    st.markdown(_CODE[les.number])  # body size, not a caption: it has to read on a projector


def _g(v: float) -> str:
    return f"{v:.6g}"


def point_ui(les: Lesson, run: Run) -> None:
    """The lesson's own point, made with this run's numbers."""
    {1: _gradients, 2: _optimizer_is_manual, 3: _ill_conditioned, 4: _module_is_linear}[les.number](run)


def _gradients(run: Run) -> None:
    st.subheader("Look closer: autograd's gradient is the formula")
    table = insight.analytic_gradients(run)
    worst = (table["autograd dL/dw"] - table["(2/N)·Σ x(ŷ−y)"]).abs().max()
    st.markdown(f"`Loss.backward()` never sees the formula for ∂L/∂w, yet in every epoch `w.grad` equals "
                f"(2/N)·Σ x(ŷ − y) at the w of that epoch: the largest difference over {len(table):,} epochs is "
                f"**{worst:.2g}**, float32 rounding.")
    st.dataframe(table, hide_index=True, height=230, width="stretch")


def _optimizer_is_manual(run: Run) -> None:
    st.subheader("Look closer: `optimizer.step()` is lesson 1's update")
    cmp = runs.manual_vs_optimizer(run.settings)
    if cmp.identical:
        same = f"identical, bit for bit, in all {cmp.epochs:,} epochs"
    else:
        same = (f"bit-for-bit identical in {cmp.identical_epochs:,} of {cmp.epochs:,} epochs and never more than "
                f"{cmp.max_difference:.2g} apart — float32 rounding: `MSELoss` and `((y - y_pred)**2).mean()` "
                "round in different places")
    st.markdown(f"Lesson 1's program (`w -= learning_rate * w.grad`) on this data, from the same start w = "
                f"{_g(run.initial['w'])}, gives the same w as `torch.optim.SGD`: {same}.")
    st.dataframe(cmp.table, hide_index=True, height=230, width="stretch")


def _ill_conditioned(run: Run) -> None:
    st.subheader("Look closer: why b is still far from its optimum")
    s = run.settings
    curv = analysis.curvature(s.x, True)
    opt = analysis.optimum(s.x, s.y, True)
    if opt.params is None:
        st.markdown(opt.note)
        return
    lo, hi = curv.eigenvalues
    if analysis.finite_epochs(run) < len(run.history):
        st.markdown(
            f"This run diverged, so b never got the chance. The loss is a bowl whose steepest direction has "
            f"curvature λmax = **{_g(hi)}**: each step multiplies the error along it by |1 − η·λmax| = "
            f"**{abs(1 - s.lr * hi):.4g}**, more than 1 at the rate {_g(s.lr)}, so it grows until float32 "
            f"overflows. Any rate below 2/λmax = **{_g(curv.lr_critical)}** is stable; the condition number "
            f"is {curv.condition:.1f}."
        )
        return
    slow = abs(1 - s.lr * lo)
    st.markdown(
        f"The loss is a bowl in (w, b) whose curvature (the Hessian's eigenvalues) is **{_g(hi)}** along the "
        f"steepest direction and only **{_g(lo)}** along the flattest: a condition number of **{curv.condition:.1f}**. "
        f"A step is safe only below the critical rate 2/λmax = **{_g(curv.lr_critical)}**, and at the rate "
        f"{_g(s.lr)} each epoch removes just {_g(s.lr * lo)} of the error along the flat direction "
        f"(it keeps {slow:.4f} of it). That direction mostly moves b, so after {s.epochs:,} epochs "
        f"b = {_g(run.params['b'])} while the closed-form optimum is b* = {_g(opt.params['b'])} "
        f"(w = {_g(run.params['w'])}, w* = {_g(opt.params['w'])}). Even the fastest fixed rate, "
        f"2/(λmax+λmin) = {_g(curv.lr_fastest)}, keeps {curv.contraction(curv.lr_fastest):.4f} of it per epoch. "
        "This is not a bug: it is why optimizers with momentum or per-parameter rates (Adam) exist, "
        "and why inputs are usually centred and scaled."
    )


def _module_is_linear(run: Run) -> None:
    st.subheader("Look closer: a class around nn.Linear changes nothing")
    structure, named = insight.module_structure(run)
    left, right = st.columns(2)
    with left:
        st.markdown("`print(model)`")
        st.code(structure, language=None, wrap_lines=True)
    with right:
        st.markdown("`model.named_parameters()` after training")
        st.dataframe({"name": [n for n, _, _ in named], "shape": [str(tuple(s)) for _, s, _ in named],
                      "value": [_g(v) for _, _, v in named]}, hide_index=True, width="stretch")
    cmp = runs.class_vs_linear(run.settings)
    verdict = ("identical, bit for bit, in every one of" if cmp.identical
               else f"identical in {cmp.identical_epochs:,} of")
    st.markdown(f"Lesson 3's bare `nn.Linear` with the same settings gives parameters {verdict} "
                f"the {cmp.epochs:,} epochs: the class only gives the model a name and a `forward()`.")
