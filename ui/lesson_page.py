"""render_lesson(n): one renderer for all four lessons — controls → settings → core → results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import analysis
from core.catalog import Lesson, lesson
from core.data import DataError
from core.lessons import Run
from core.script import script
from core.settings import MAX_EPOCHS_PAGE, Settings, problems
from ui import charts, controls, explain, nav, runs
from ui.controls import Values
from ui.data_table import data_ui

_BANNER = {"converged": st.success, "still converging": st.info, "oscillating": st.warning, "diverged": st.error}
_ICON = {"converged": ":material/check_circle:", "still converging": ":material/hourglass_top:",
         "oscillating": ":material/swap_vert:", "diverged": ":material/error:"}
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def render_lesson(number: int) -> None:
    """Draw lesson `number`'s page."""
    les = lesson(number)
    st.set_page_config(page_title=f"{les.number} · {les.title} — Gradient Descent Lab",
                       page_icon="assets/icon.png", layout="wide")
    nav.menu()
    values = controls.controls_ui(les)
    st.title(f"{les.number} · {les.title}")
    st.markdown(f"**What this lesson adds:** {les.adds}")

    explain.math_ui(les)

    data_col, results_col = st.columns([2, 3], gap="large")
    with data_col:
        points = data_ui(les)
    settings = _settings(les, values, points)
    with results_col:
        if settings is None:
            st.subheader("Results")
            st.info("Fix the input marked in red to see the run. Everything else on the page still works.",
                    icon=":material/edit:")
            return
        result = runs.run(settings)
        _results(les, result)
    _charts(les, result)
    explain.point_ui(les, result)
    _console_and_code(les, result)
    _epoch_log(les, result)
    runs.warm_up()  # whichever page a server serves first readies the other lessons


def _settings(les: Lesson, v: Values, points: tuple | DataError) -> Settings | None:
    """Checked settings, or None after showing each problem next to its input."""
    if isinstance(points, DataError):
        x, y = (), ()
    else:
        x, y = points
    s = Settings(lesson=les.number, x=x, y=y, lr=v.lr, epochs=v.epochs, log_every=v.log_every, seed=v.seed,
                 init_w=v.init_w, init_b=v.init_b, predict=v.predict)
    found = problems(s, MAX_EPOCHS_PAGE)
    for field, message in found.items():
        if field in v.slots:
            v.slots[field].error(message)
    if found or isinstance(points, DataError):
        return None
    return s


def _results(les: Lesson, run: Run) -> None:
    s = run.settings
    opt = analysis.optimum(s.x, s.y, s.has_bias)
    curv = analysis.curvature(s.x, s.has_bias)
    verdict = analysis.verdict(run)
    st.subheader("Results")
    when = f" (decided at epoch {verdict.epoch:,})" if verdict.epoch else ""
    _BANNER[verdict.kind](f"**{verdict.kind.capitalize()}**{when}. {verdict.reason}", icon=_ICON[verdict.kind])
    if s.lr > curv.lr_critical:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"For this data, gradient descent is stable only for a learning rate below "
                      f"**{curv.lr_critical:.6g}** (2/λmax); the fastest fixed rate is {curv.lr_fastest:.6g}.")
        right.button(f"Use a safe rate: {curv.lr_safe:g}", key=controls.key(les, "safe"), type="primary",
                     on_click=controls.set_lr, args=(les, curv.lr_safe), width="stretch")
    finite = analysis.finite_epochs(run) == len(run.history)
    d = analysis.distance(run.params, opt) if finite else None
    metrics = [("final w", _num(run.params["w"]), _opt_help(opt, "w"))]
    if s.has_bias:
        metrics.append(("final b", _num(run.params["b"]), _opt_help(opt, "b")))
    metrics += [
        ("final loss", _num(run.final_loss), f"Minimum possible (closed form): {opt.loss:.6g}"),
        (f"prediction f({_num(s.predict)})", _num(run.prediction), None),
        ("distance to optimum", "—" if d is None else f"{d:.3g}",
         "‖parameters − closed-form least-squares optimum‖. " + (opt.note or _opt_text(opt))),
    ]
    # Three to a row: the results share the width with the data table.
    for row in range(0, len(metrics), 3):
        for col, (label, value, why) in zip(st.columns(3), metrics[row:row + 3], strict=False):
            col.metric(label, value, help=why)


def _num(v: float) -> str:
    return f"{v:.6g}"


def _opt_text(opt: analysis.Optimum) -> str:
    return ", ".join(f"{k}* = {v:.6g}" for k, v in (opt.params or {}).items())


def _opt_help(opt: analysis.Optimum, name: str) -> str:
    if opt.params is None:
        return opt.note
    return f"Closed-form optimum: {name}* = {opt.params[name]:.6g}"


def _charts(les: Lesson, run: Run) -> None:
    k = lambda name: controls.key(les, name)  # noqa: E731
    left, right = st.columns(2, gap="large")
    with left:
        head, toggle = st.columns([2, 1], vertical_alignment="bottom")
        head.subheader("Loss per epoch")
        log_y = toggle.toggle("Log scale", value=True, key=k("log_y"))
        st.plotly_chart(charts.loss_chart(run, log_y=log_y), key=k("loss_chart"), config=PLOTLY_CONFIG, theme=None)
    with right:
        st.subheader("The fit")
        epochs = len(run.history)
        epoch = st.slider("Line after epoch", 0, epochs, epochs, key=k(f"fit_epoch{epochs}"),
                          help="0 is the starting line; move to watch the line settle.")
        st.plotly_chart(charts.fit_chart(run, epoch), key=k("fit_chart"), config=PLOTLY_CONFIG, theme=None)
    st.subheader("The loss landscape and the path gradient descent took")
    st.plotly_chart(charts.landscape_chart(run), key=k("landscape_chart"), config=PLOTLY_CONFIG, theme=None)


def _console_and_code(les: Lesson, run: Run) -> None:
    # Stacked, not side by side: the console's lines are ~65 characters and must not be cut off.
    st.subheader("Console")
    st.caption("Exactly what the program below prints when you run it.")
    st.code(run.log_text, language=None)
    st.subheader("The program")
    code = script(run.settings)
    with st.expander(f"lesson{les.number}.py — the document's program with these settings", expanded=True):
        st.code(code, language="python", line_numbers=True, wrap_lines=True)
    st.download_button("Download the program", lambda: code, file_name=f"lesson{les.number}.py",
                       mime="text/x-python", key=controls.key(les, "dl_code"), icon=":material/download:",
                       on_click="ignore")


# Unambiguous names: the document logs the loss before an epoch's update and w after it.
def log_table(run: Run) -> pd.DataFrame:
    """The run's history with column names that say when each value was taken."""
    names = {"epoch": "epoch", "loss": "loss (before update)"}
    for p in run.params:
        names[f"{p}_before"] = f"{p} (before update)"
        names[f"grad_{p}"] = f"dL/d{p}"
        names[p] = f"{p} (after update)"
    return run.history[list(names)].rename(columns=names)


def _epoch_log(les: Lesson, run: Run) -> None:
    st.subheader("Epoch log")
    table = log_table(run)
    st.dataframe(table, hide_index=True, height=300, width="stretch")
    # Built when clicked, not on every rerun: a 5,000-row CSV per rerun is wasted work, and a media
    # file replaced by each rerun can vanish under a browser that is still checking it (a 404).
    st.download_button("Download the log as CSV", lambda: table.to_csv(index=False),
                       file_name=f"lesson{les.number}_log.csv",
                       mime="text/csv", key=controls.key(les, "dl_csv"), icon=":material/download:", on_click="ignore")
