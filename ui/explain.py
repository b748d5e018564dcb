"""The words around a run: the math of the model in LaTeX, and the results with their verdict."""

from __future__ import annotations

import streamlit as st

from core import analysis
from core import explain as core_explain
from core.catalog import Lesson
from core.view import View
from ui import controls, presenter

# PyTorch's MSELoss: the mean of squared errors, no 1/2, so the gradient carries a 2.
_LOSS = r"L = \frac{1}{N}\sum_{i=1}^{N}\left(\hat y_i - y_i\right)^2"
# Each parameter's gradient and update; the model is the sum of its parameters' terms.
_TERM = {"w": r"w\,x_i", "b": "b"}
_DERIVATIVE = {"w": r"x_i\left(\hat y_i - y_i\right)", "b": r"\left(\hat y_i - y_i\right)"}

# One banner per verdict class (core.analysis.KINDS).
_BANNER = {"converged": st.success, "converging": st.info, "on the edge": st.warning, "diverging": st.error,
           "stalled": st.warning, "overflowed": st.error}
_ICON = {"converged": ":material/check_circle:", "converging": ":material/hourglass_top:",
         "on the edge": ":material/swap_vert:", "diverging": ":material/trending_up:",
         "stalled": ":material/pause_circle:", "overflowed": ":material/error:"}


def math_ui(les: Lesson) -> None:
    """The model, loss, gradient(s) and update for this lesson in one row, and where each is in the code."""
    st.subheader("The math")
    ps = les.params
    parts = {
        "model": [r"\hat y_i = " + " + ".join(_TERM[p] for p in ps)],
        "loss (PyTorch's MSE: no ½)": [_LOSS],
        "gradient": [rf"\frac{{\partial L}}{{\partial {p}}} = \frac{{2}}{{N}}\sum_{{i=1}}^{{N}} {_DERIVATIVE[p]}"
                     for p in ps],
        "update (η = learning rate)": [rf"{p} \leftarrow {p} - \eta\,\frac{{\partial L}}{{\partial {p}}}" for p in ps],
    }
    # One row, so the charts stay near the top of the screen on a projector.
    # Each column is one markdown (a caption's small grey label, then display math as st.latex writes it):
    # four elements where a caption and an st.latex per formula took up to ten.
    for col, (label, formulas) in zip(st.columns([2, 3, 3, 2]), parts.items(), strict=True):
        col.markdown("\n\n".join([f":gray[:small[{label}]]", *(f"$$\n{f}\n$$" for f in formulas)]))
    st.markdown(les.code_note)  # body size, not a caption: it has to read on a projector


def update_ui(les: Lesson) -> None:
    """The presenter view's math: the model, and each parameter's update with its gradient written out."""
    ps = les.params
    # Text-style fractions and sums, one update under the other: two parameters fit a 1280-pixel projector.
    updates = r" \\ ".join(rf"{p} &\leftarrow {p} - \eta\,\tfrac{{2}}{{N}}\textstyle\sum_{{i}} {_DERIVATIVE[p]}"
                            for p in ps)
    model, update = st.columns([3, 5], vertical_alignment="center")
    model.latex(r"\hat y_i = " + " + ".join(_TERM[p] for p in ps))
    update.latex(rf"\begin{{aligned}} {updates} \end{{aligned}}")


def verdict_ui(view: View) -> None:
    """The verdict's banner, headline only (the presenter view; the reasons are in its Results tab)."""
    kind = view.verdict.kind
    _BANNER[kind](f"**{view.verdict.headline}**", icon=_ICON[kind])


# Pixels, with no gap between: three to a line beside the data table at 1366 px, as st.columns(3) had them, and
# room for "distance to optimum" and its help icon; the presenter view's larger type needs more.
METRIC_WIDTH = 163
METRIC_WIDTH_PRESENTING = 230


def _num(v: float) -> str:
    return f"{v:.6g}"


def _opt_help(opt: analysis.Optimum, name: str) -> str:
    if opt.params is None:
        return opt.note
    return f"Closed-form optimum: {name}* = {opt.params[name]:.6g}"


def results_ui(view: View) -> None:
    """The verdict, and the final parameters, loss, prediction and distance to the optimum."""
    s, run, opt, curv, verdict = view.settings, view.run, view.optimum, view.curvature, view.verdict
    les = view.lesson
    st.subheader("Results")
    _BANNER[verdict.kind](f"**{verdict.headline}.** {verdict.reason}", icon=_ICON[verdict.kind])
    if s.lr >= curv.lr_critical:
        lr, critical = analysis.pair_text(s.lr, curv.lr_critical)  # as many digits as "above" needs
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"For this data, gradient descent is stable only for a learning rate below "
                      f"**{critical}** (2/λmax); this run's is {lr}. The fastest fixed rate is {curv.lr_fastest:.6g}.")
        right.button(f"Use a safe rate: {curv.lr_safe:g}", key=controls.key(les, "safe"), type="primary",
                     on_click=controls.set_lr, args=(les, curv.lr_safe), width="stretch")
    d = view.distance
    metrics = [(f"final {p}", _num(run.params[p]), _opt_help(opt, p)) for p in les.params]
    metrics += [
        ("final loss", _num(run.final_loss), core_explain.min_loss_text(opt, s.y)),
        (f"prediction f({_num(s.predict)})", _num(run.prediction), None),
        ("distance to optimum", "—" if d is None else f"{d:.3g}",
         f"‖parameters − closed-form least-squares optimum‖; converged means within {analysis.TOLERANCE_TEXT}. "
         + (opt.note or ", ".join(f"{k}* = {v:.6g}" for k, v in (opt.params or {}).items()))),
    ]
    # One wrapping row of fixed widths: one element where rows of st.columns(3) took nine.
    width = METRIC_WIDTH_PRESENTING if presenter.on(les) else METRIC_WIDTH
    with st.container(horizontal=True, gap=None):
        for label, value, why in metrics:
            st.metric(label, value, help=why, width=width)
    if opt.note:  # no single optimum: say why beside the numbers, not only in a tooltip
        st.markdown(opt.note)
