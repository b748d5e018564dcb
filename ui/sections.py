"""The sections a lesson page can declare (core.catalog's `sections` and `tabs`), each a function of the view.

`SECTIONS` maps a name to its label (a tab's title) and its function; a lesson lists the names it
shows, and the renderer draws them. Adding a section is adding a function here and its name to a
lesson's spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import explain, insight
from core.analysis import number
from core.script import script
from core.view import View
from ui import charts, compare, controls, live_chart, runs
from ui import explain as ui_explain
from ui.replay import replay_section
from ui.step_through import step_through_section

# ---- the run ----------------------------------------------------------------------------------


def charts_section(view: View) -> None:
    """The loss per epoch, the fit at a chosen epoch, and the loss landscape with the path."""
    k = lambda name: controls.key(view.lesson, name)  # noqa: E731
    left, right = st.columns(2, gap="large")
    with left:
        head, toggle = st.columns([2, 1], vertical_alignment="bottom")
        head.subheader("Loss per epoch")
        log_y = toggle.toggle("Log scale", value=True, key=k("log_y"))
        live_chart.draw(charts.loss_chart(view, log_y=log_y), k("loss_chart"))
        live_chart.hand_over()  # the new loss line is drawn before the rest of the page arrives
    with right:
        st.subheader("The fit")
        epochs = len(view.run.history)
        epoch = st.slider("Line after epoch", 0, epochs, epochs, key=k(f"fit_epoch{epochs}"),
                          help="0 is the starting line; move to watch the line settle.")
        live_chart.draw(charts.fit_chart(view, epoch), k("fit_chart"))
    st.subheader("The loss landscape and the path gradient descent took")
    live_chart.draw(charts.landscape_chart(view), k("landscape_chart"))


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


def _closer(closer: explain.Closer) -> None:
    st.subheader(closer.title)
    st.markdown(closer.text)


def gradient_is_the_formula(view: View) -> None:
    """Autograd's gradient next to the closed-form formula, epoch by epoch."""
    table = insight.analytic_gradients(view.run)
    _closer(explain.gradient_check(view.run, table))
    st.dataframe(table, hide_index=True, height=230, width="stretch")


def step_is_the_update(view: View) -> None:
    """optimizer.step() against the hand-written update of the autograd lesson, same data and start."""
    cmp, check = runs.manual_vs_optimizer(view.settings)
    _closer(explain.optimizer_check(view.run, cmp, check))
    st.dataframe(cmp.table, hide_index=True, height=230, width="stretch")


def conditioning(view: View) -> None:
    """How the curvature of each direction of (w, b) sets its pace, from this run's own numbers."""
    _closer(explain.conditioning(view.run, view.optimum, view.curvature, view.verdict))


def class_is_the_layer(view: View) -> None:
    """The nn.Module subclass against the bare nn.Linear lesson, same settings."""
    structure, named = insight.module_structure(view.run)
    cmp = runs.class_vs_linear(view.settings)
    closer = explain.module_check(cmp)
    st.subheader(closer.title)
    left, right = st.columns(2)
    with left:
        st.markdown("`print(model)`")
        st.code(structure, language=None, wrap_lines=True)
    with right:
        st.markdown("`model.named_parameters()` after training")
        st.dataframe({"name": [n for n, _, _ in named], "shape": [str(tuple(s)) for _, s, _ in named],
                      "value": [number(v) for _, _, v in named]}, hide_index=True, width="stretch")
    st.markdown(closer.text)


@dataclass(frozen=True)
class Section:
    """A part of a lesson page: its label (as a tab) and how to draw it from the view."""

    label: str
    draw: Callable[[View], None]


SECTIONS: dict[str, Section] = {
    "charts": Section("Charts", charts_section),
    "results": Section("Results", ui_explain.results_ui),
    "replay": Section("Replay", replay_section),
    "console": Section("Console", console_section),
    "program": Section("The program", program_section),
    "step_through": Section("Step through one epoch", step_through_section),
    "epoch_log": Section("Epoch log", epoch_log_section),
    "gradient_is_the_formula": Section("Look closer", gradient_is_the_formula),
    "step_is_the_update": Section("Look closer", step_is_the_update),
    "conditioning": Section("Look closer", conditioning),
    "class_is_the_layer": Section("Look closer", class_is_the_layer),
    "pinned_runs": Section("Pinned runs", compare.pinned_section),
    "lr_sweep": Section("Learning-rate sweep", compare.sweep_section),
    "optimizer_race": Section("Optimizer race", compare.race_section),
}
