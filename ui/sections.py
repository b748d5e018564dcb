"""The sections a lesson page can declare (core.catalog's `sections`), each a function of the page's view.

`SECTIONS` maps a name to its function; a lesson lists the names it shows, in order, and the
renderer draws them. Adding a section is adding a function here and its name to a lesson's spec.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core import insight
from core.catalog import lesson
from core.script import script
from core.view import View
from ui import charts, controls, runs
from ui.step_through import step_through_section

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _g(v: float) -> str:
    return f"{v:.6g}"


# ---- the run ----------------------------------------------------------------------------------


def charts_section(view: View) -> None:
    """The loss per epoch, the fit at a chosen epoch, and the loss landscape with the path."""
    k = lambda name: controls.key(view.lesson, name)  # noqa: E731
    left, right = st.columns(2, gap="large")
    with left:
        head, toggle = st.columns([2, 1], vertical_alignment="bottom")
        head.subheader("Loss per epoch")
        log_y = toggle.toggle("Log scale", value=True, key=k("log_y"))
        st.plotly_chart(charts.loss_chart(view, log_y=log_y), key=k("loss_chart"), config=PLOTLY_CONFIG, theme=None)
    with right:
        st.subheader("The fit")
        epochs = len(view.run.history)
        epoch = st.slider("Line after epoch", 0, epochs, epochs, key=k(f"fit_epoch{epochs}"),
                          help="0 is the starting line; move to watch the line settle.")
        st.plotly_chart(charts.fit_chart(view, epoch), key=k("fit_chart"), config=PLOTLY_CONFIG, theme=None)
    st.subheader("The loss landscape and the path gradient descent took")
    st.plotly_chart(charts.landscape_chart(view), key=k("landscape_chart"), config=PLOTLY_CONFIG, theme=None)


def console_section(view: View) -> None:
    """Exactly what the program prints."""
    # Stacked above the program, not beside it: the console's lines are ~65 characters and must not be cut off.
    st.subheader("Console")
    st.caption("Exactly what the program below prints when you run it.")
    st.code(view.run.log_text, language=None)


def program_section(view: View) -> None:
    """The complete program for these settings, to read and to download."""
    les = view.lesson
    st.subheader("The program")
    code = script(view.settings)
    with st.expander(f"lesson{les.number}.py — the document's program with these settings", expanded=True):
        st.code(code, language="python", line_numbers=True, wrap_lines=True)
    st.download_button("Download the program", lambda: code, file_name=f"lesson{les.number}.py",
                       mime="text/x-python", key=controls.key(les, "dl_code"), icon=":material/download:",
                       on_click="ignore")


def log_table(view: View) -> pd.DataFrame:
    """The run's history with column names that say when each value was taken."""
    # Unambiguous names: the document logs the loss before an epoch's update and w after it.
    names = {"epoch": "epoch", "loss": "loss (before update)"}
    for p in view.lesson.params:
        names[f"{p}_before"] = f"{p} (before update)"
        names[f"grad_{p}"] = f"dL/d{p}"
        names[p] = f"{p} (after update)"
    return view.run.history[list(names)].rename(columns=names)


def epoch_log_section(view: View) -> None:
    """Every epoch in a table, and as a CSV download."""
    les = view.lesson
    st.subheader("Epoch log")
    table = log_table(view)
    st.dataframe(table, hide_index=True, height=300, width="stretch")
    # Built when clicked, not on every rerun: a 5,000-row CSV per rerun is wasted work, and a media
    # file replaced by each rerun can vanish under a browser that is still checking it (a 404).
    st.download_button("Download the log as CSV", lambda: table.to_csv(index=False),
                       file_name=f"lesson{les.number}_log.csv", mime="text/csv", key=controls.key(les, "dl_csv"),
                       icon=":material/download:", on_click="ignore")


# ---- "Look closer": each lesson's own point, with this run's numbers --------------------------


def gradient_is_the_formula(view: View) -> None:
    """Autograd's gradient next to the closed-form formula, epoch by epoch."""
    st.subheader("Look closer: autograd's gradient is the formula")
    table = insight.analytic_gradients(view.run)
    worst = (table["autograd dL/dw"] - table["(2/N)·Σ x(ŷ−y)"]).abs().max()
    st.markdown(f"`Loss.backward()` never sees the formula for ∂L/∂w, yet in every epoch `w.grad` equals "
                f"(2/N)·Σ x(ŷ − y) at the w of that epoch: the largest difference over {len(table):,} epochs is "
                f"**{worst:.2g}**, float32 rounding.")
    st.dataframe(table, hide_index=True, height=230, width="stretch")


def step_is_the_update(view: View) -> None:
    """optimizer.step() against the hand-written update of the autograd lesson, same data and start."""
    run = view.run
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


def conditioning(view: View) -> None:
    """Why one direction of (w, b) converges so much more slowly than the other."""
    st.subheader("Look closer: why b is still far from its optimum")
    s, run, curv, opt = view.settings, view.run, view.curvature, view.optimum
    if opt.params is None:
        st.markdown(opt.note)
        return
    lo, hi = curv.eigenvalues
    if view.diverged:
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


def class_is_the_layer(view: View) -> None:
    """The nn.Module subclass against the bare nn.Linear lesson, same settings."""
    st.subheader("Look closer: a class around nn.Linear changes nothing")
    structure, named = insight.module_structure(view.run)
    left, right = st.columns(2)
    with left:
        st.markdown("`print(model)`")
        st.code(structure, language=None, wrap_lines=True)
    with right:
        st.markdown("`model.named_parameters()` after training")
        st.dataframe({"name": [n for n, _, _ in named], "shape": [str(tuple(s)) for _, s, _ in named],
                      "value": [_g(v) for _, _, v in named]}, hide_index=True, width="stretch")
    cmp = runs.class_vs_linear(view.settings)
    verdict = ("identical, bit for bit, in every one of" if cmp.identical
               else f"identical in {cmp.identical_epochs:,} of")
    st.markdown(f"Lesson {lesson('linear').number}'s bare `nn.Linear` with the same settings gives parameters "
                f"{verdict} the {cmp.epochs:,} epochs: the class only gives the model a name and a `forward()`.")


SECTIONS: dict[str, Callable[[View], None]] = {
    "charts": charts_section,
    "step_through": step_through_section,
    "console": console_section,
    "program": program_section,
    "epoch_log": epoch_log_section,
    "gradient_is_the_formula": gradient_is_the_formula,
    "step_is_the_update": step_is_the_update,
    "conditioning": conditioning,
    "class_is_the_layer": class_is_the_layer,
}
