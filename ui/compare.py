"""Comparing runs: pinned runs, a batched learning-rate sweep, and an optimizer race — three page sections.

The sweep and the race compute only while their expander is open (`on_change="rerun"` makes its
`.open` known on the server), and each is cached by its settings. A pinned run is its settings and a
small history (epoch, loss, parameters), kept in the session per lesson: figures are drawn from it
on each rerun, never stored.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import analysis, landscape, race
from core.analysis import number
from core.fields import FIELDS, MAX_LR
from core.lr_sweep import MAX_RATES, SweepError, log_rates
from core.lr_sweep import table as sweep_table
from core.settings import Settings
from core.view import View
from ui import controls, plotly_spec
from ui.style import COLOR, layout

MAX_PINS = 8
DEFAULT_RATES = 200
# One colour per racer or pin, Okabe-Ito first (colour-blind safe), then two more.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#999999")
# One colour per verdict class (core.analysis.KINDS), Okabe-Ito.
VERDICT_COLOR = {"converged": "#009E73", "converging": "#0072B2", "on the edge": "#E69F00", "diverging": "#CC79A7",
                 "stalled": "#999999", "overflowed": "#D55E00"}


def _k(view: View, name: str) -> str:
    return controls.key(view.lesson, name)


# ---- pinned runs ------------------------------------------------------------------------------


def _pins(view: View) -> list[dict]:
    return st.session_state.setdefault(_k(view, "pins"), [])


def pin(view: View) -> None:
    """Keep the current run (settings and a small history) in the session; at most MAX_PINS."""
    pins = _pins(view)
    s = view.settings
    if len(pins) >= MAX_PINS or any(p["settings"] == s for p in pins):
        return
    h = view.run.history[["epoch", "loss", *view.lesson.params]].copy()
    pins.append({"settings": s, "history": h, "final_loss": view.run.final_loss, "params": dict(view.run.params),
                 "path": {p: np.asarray(v) for p, v in view.path.items()}})


def _unpin(view: View, i: int | None) -> None:
    pins = _pins(view)
    if i is None:
        pins.clear()
    elif 0 <= i < len(pins):
        pins.pop(i)


def differs(pinned: Settings, current: Settings) -> str:
    """What a pinned run's settings change from the current ones, in words ("lr 0.03, seed 2")."""
    words = []
    for f in FIELDS:
        a, b = getattr(pinned, f.name), getattr(current, f.name)
        if a == b:
            continue
        if f.kind == "column":
            if "data" not in words:
                words.append("data")
        else:
            words.append(f"{f.name} {f.format(a)}")
    return ", ".join(words) or "same settings"


def pinned_csv(pins: list[dict], current: Settings) -> str:
    """Every pinned run's history in one CSV, a column naming the run."""
    frames = [p["history"].assign(run=f"{i + 1}: {differs(p['settings'], current)}", lr=p["settings"].lr)
              for i, p in enumerate(pins)]
    return pd.concat(frames, ignore_index=True).to_csv(index=False) if frames else ""


def pinned_loss_chart(view: View, pins: list[dict]) -> go.Figure:
    """The current run's loss per epoch with every pinned run's overlaid (log scale)."""
    traces = []
    for i, p in enumerate(pins):
        h = p["history"]
        loss = h["loss"].to_numpy(dtype=float)
        ok = np.isfinite(loss) & (loss > 0)
        traces.append(go.Scattergl(x=h["epoch"].to_numpy()[ok], y=loss[ok], mode="lines",
                                   name=f"pin {i + 1}: {differs(p['settings'], view.settings)}",
                                   line={"color": PALETTE[(i + 1) % len(PALETTE)], "width": 2.5, "dash": "dot"}))
    h = view.run.history
    loss = h["loss"].to_numpy(dtype=float)
    ok = np.isfinite(loss) & (loss > 0)
    traces.append(go.Scattergl(x=h["epoch"].to_numpy()[ok], y=loss[ok], mode="lines", name="this run",
                               line={"color": COLOR["model"], "width": 4}))
    return go.Figure(traces, layout=layout("epoch", "loss (before update)",
                                           yaxis={"type": "log", "exponentformat": "power", "dtick": 1}))


def _landscape_base(view: View, paths: list[dict[str, np.ndarray]]) -> tuple[list, dict]:
    """The loss curve L(w) or the contours of L(w, b) over a region covering every path and the optimum."""
    s, opt = view.settings, view.optimum
    names = view.lesson.params
    union = {p: np.concatenate([path[p][np.isfinite(path[p])] for path in paths]) for p in names}
    for p in names:
        # A diverging path would stretch the region until the others vanish: keep to a sane window.
        lo, hi = np.percentile(union[p], [2, 98]) if len(union[p]) else (0.0, 1.0)
        union[p] = np.clip(union[p], lo, hi)
    land = landscape.around(s.x, s.y, union, opt.params)
    star = opt.params or {}
    if land.bs is None:
        traces = [go.Scatter(x=land.ws, y=land.loss, mode="lines", name="loss L(w)", hoverinfo="skip",
                             line={"color": COLOR["landscape"], "width": 3})]
        if star:
            traces.append(go.Scatter(x=[star["w"]], y=[opt.loss], mode="markers", name="minimum (closed form)",
                                     marker={"color": COLOR["optimum"], "size": 16, "symbol": "star"}))
        return traces, {"xaxis": {"range": [land.ws[0], land.ws[-1]]}}
    surface = np.array(land.loss)
    z = np.log10(np.maximum(surface - opt.loss, 0) + max(surface.max() - opt.loss, 1e-300) * 1e-5)
    traces = [go.Contour(x=land.ws, y=land.bs, z=z, showscale=False, hoverinfo="skip", name="loss L(w, b)",
                         colorscale=[[0, "#FFFFFF"], [1, "#8F8F8F"]], contours={"coloring": "fill"},
                         line={"width": 0.5, "color": "rgba(0, 0, 0, 0.3)"})]
    if star:
        traces.append(go.Scatter(x=[star["w"]], y=[star["b"]], mode="markers", name="minimum (closed form)",
                                 marker={"color": COLOR["optimum"], "size": 18, "symbol": "star"}))
    return traces, {"xaxis": {"range": [land.ws[0], land.ws[-1]], "showgrid": False},
                    "yaxis": {"range": [land.bs[0], land.bs[-1]], "showgrid": False}}


def _thin(v: np.ndarray, most: int = 600) -> np.ndarray:
    return v if len(v) <= most else v[np.r_[np.arange(0, len(v) - 1, math.ceil(len(v) / most)), len(v) - 1]]


def paths_chart(view: View, paths: list[tuple[str, dict[str, np.ndarray], str, bool]]) -> go.Figure:
    """Paths (label, {param: values from the start}, colour, bold) on the landscape, each ending in a marker."""
    s = view.settings
    base, axes = _landscape_base(view, [p for _, p, _, _ in paths])
    traces = list(base)
    bias = view.lesson.has_bias
    for label, path, color, bold in paths:
        ok = np.isfinite(path["w"]) & (np.isfinite(path["b"]) if bias else True)
        w = _thin(path["w"][ok])
        y = _thin(path["b"][ok]) if bias else np.array(landscape.loss_curve(s.x, s.y, w.tolist()))
        if not len(w):
            continue
        traces.append(go.Scatter(x=w, y=y, mode="lines+markers", name=label, legendgroup=label,
                                 line={"color": color, "width": 3.5 if bold else 2},
                                 marker={"size": 5, "color": color}))
        traces.append(go.Scatter(x=w[-1:], y=y[-1:], mode="markers", showlegend=False, legendgroup=label,
                                 hoverinfo="skip", marker={"size": 14, "color": color, "symbol": "circle",
                                                           "line": {"color": "white", "width": 1.5}}))
    return go.Figure(traces, layout=layout("w", "b" if bias else "loss L(w) (MSE)", **axes))


def pinned_section(view: View) -> None:
    """Pin this run; the pinned runs of this lesson overlaid on the loss and the landscape, a table, a CSV."""
    pins = _pins(view)
    pinned_now = any(p["settings"] == view.settings for p in pins)
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.button("Pin this run", key=_k(view, "pin"), on_click=pin, args=(view,), icon=":material/push_pin:",
                disabled=len(pins) >= MAX_PINS or pinned_now, width="stretch")
    if len(pins) >= MAX_PINS:
        right.caption(f"{MAX_PINS} runs pinned, the most kept: unpin one to pin another.")
    elif pinned_now:
        right.caption("This run is pinned. Change a setting and pin again to compare.")
    else:
        right.caption("Keeps this run to compare with the next ones: change a setting, and both are drawn together.")
    if not pins:
        return
    with st.expander(f"Pinned runs ({len(pins)} of {MAX_PINS}) against this run", expanded=True,
                     key=_k(view, "pins_open"), on_change="rerun") as box:
        if not box.open:
            return
        # The pin column is text, so this run's row reads "—" rather than the grid's grey "None".
        rows = [{"pin": str(i + 1), "what differs": differs(p["settings"], view.settings), "lr": p["settings"].lr,
                 "epochs": p["settings"].epochs, "final loss": p["final_loss"], **p["params"]}
                for i, p in enumerate(pins)]
        rows.append({"pin": "—", "what differs": "this run", "lr": view.settings.lr, "epochs": view.settings.epochs,
                     "final loss": view.run.final_loss, **view.run.params})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        a, b = st.columns(2, gap="large")
        with a:
            st.markdown("**Loss per epoch**")
            st.plotly_chart(pinned_loss_chart(view, pins), key=_k(view, "pins_loss"), config=plotly_spec.CONFIG,
                            theme=None)
        with b:
            st.markdown("**Paths on the loss landscape**")
            paths = [(f"pin {i + 1}", p["path"], PALETTE[(i + 1) % len(PALETTE)], False) for i, p in enumerate(pins)]
            paths.append(("this run", view.path, COLOR["model"], True))
            st.plotly_chart(paths_chart(view, paths), key=_k(view, "pins_paths"), config=plotly_spec.CONFIG, theme=None)
        cols = st.columns(min(len(pins), 4) + 2)
        for i in range(len(pins)):
            cols[i % 4].button(f"Unpin {i + 1}", key=_k(view, f"unpin{i}"), on_click=_unpin, args=(view, i),
                               icon=":material/close:")
        cols[-2].button("Unpin all", key=_k(view, "unpin_all"), on_click=_unpin, args=(view, None),
                        icon=":material/delete:")
        cols[-1].download_button("Pinned histories (CSV)", lambda: pinned_csv(pins, view.settings),
                                 file_name=f"lesson{view.lesson.number}_pinned.csv", mime="text/csv",
                                 key=_k(view, "pins_csv"), icon=":material/download:", on_click="ignore")


# ---- the learning-rate sweep ------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def cached_sweep(s: Settings, lrs: tuple[float, ...]) -> pd.DataFrame:
    """core.sweep's table for these settings and rates (the page's lr plays no part)."""
    return sweep_table(s, lrs)


def sweep_chart(view: View, table: pd.DataFrame) -> go.Figure:
    """Final loss against the rate, log axes; 1/λmax, 2/λmax and the fastest rate marked; bands per regime."""
    curv, opt = view.curvature, view.optimum
    lr = table["lr"].to_numpy()
    loss = table["final_loss"].to_numpy(dtype=float)
    # A diverged rate's loss can reach 1e38: everything past 100x the starting loss is drawn at that
    # ceiling (an x), so the rates that matter keep the height of the chart.
    top = 100 * float(view.run.history["loss"].iat[0]) if np.isfinite(view.run.history["loss"].iat[0]) else 1e6
    finite = np.isfinite(loss) & (loss <= top)
    floor = max(float(np.nanmin(loss[finite & (loss > 0)])) / 3, 1e-12) if (finite & (loss > 0)).any() else 1e-12
    shown = np.where(finite, np.maximum(loss, floor), top)
    traces = []
    for kind in dict.fromkeys(table["verdict"]):
        m = (table["verdict"] == kind).to_numpy()
        over = m & ~finite
        groups = ((m & finite, kind, "circle"), (over, f"{kind} (off the chart: drawn at the top)", "x"))
        for mask, label, symbol in groups:
            if not mask.any():
                continue
            traces.append(go.Scatter(
                x=lr[mask], y=shown[mask], mode="markers", name=label, customdata=np.c_[lr[mask], loss[mask]],
                marker={"size": 9, "symbol": symbol, "color": VERDICT_COLOR.get(kind, COLOR["model"])},
                hovertemplate="lr %{customdata[0]:.4g}<br>final loss %{customdata[1]:.4g}<br>"
                              f"{kind}<br>click to use this rate<extra></extra>"))
    traces.append(go.Scatter(x=[lr.min(), lr.max()], y=[max(opt.loss, floor)] * 2, mode="lines",
                             name=f"minimum loss {number(opt.loss, 4)}", hoverinfo="skip",
                             line={"color": COLOR["optimum"], "dash": "dash", "width": 2}))
    lo, hi = float(lr.min()), float(lr.max())
    shapes, notes = [], []
    edges = [lo, curv.lr_overshoot, curv.lr_critical, hi]
    bands = (("monotone", "rgba(0, 158, 115, 0.08)"), ("zigzag", "rgba(230, 159, 0, 0.10)"),
             ("diverging", "rgba(213, 94, 0, 0.08)"))
    for (name, fill), a, b in zip(bands, edges[:-1], edges[1:], strict=True):
        a, b = max(a, lo), min(b, hi)
        if not (math.isfinite(a) and math.isfinite(b)) or b <= a:
            continue
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": a, "x1": b, "y0": 0, "y1": 1,
                       "fillcolor": fill, "line": {"width": 0}, "layer": "below"})
        # On a log axis an annotation's x is log10 of the value (a shape's is the value itself).
        notes.append({"xref": "x", "yref": "paper", "x": math.log10(math.sqrt(a * b)), "y": 0.02, "text": name,
                      "showarrow": False, "font": {"color": "#555555"}})
    for value, text, y in ((curv.lr_overshoot, "1/λmax", 0.98), (curv.lr_fastest, "fastest", 0.88),
                           (curv.lr_critical, "2/λmax", 0.98), (view.settings.lr, "your rate", 0.78)):
        if not (math.isfinite(value) and lo <= value <= hi):
            continue
        mine = text == "your rate"
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1,
                       "line": {"color": COLOR["model"] if mine else "#444444", "width": 2,
                                "dash": "solid" if mine else "dot"}})
        notes.append({"xref": "x", "yref": "paper", "x": math.log10(value), "y": y, "xanchor": "left",
                      "showarrow": False,
                      "text": f" {text} {number(value, 4)}", "bgcolor": "rgba(255, 255, 255, 0.85)"})
    return go.Figure(traces, layout=layout(
        "learning rate (log scale)", f"final loss after {view.settings.epochs:,} epochs",
        xaxis={"type": "log", "exponentformat": "power"},
        yaxis={"type": "log", "exponentformat": "power", "dtick": 1}, shapes=shapes, annotations=notes,
        clickmode="event+select", dragmode=False))


def _use_picked_rate(view: View) -> None:
    """on_select: set the page's learning rate to the picked point's."""
    event = st.session_state.get(_k(view, "sweep_chart"))
    points = (event or {}).get("selection", {}).get("points", [])
    if points:
        lr = points[0].get("customdata", [points[0].get("x")])[0]
        if isinstance(lr, (int, float)) and 0 < lr <= MAX_LR:
            controls.set_lr(view.lesson, float(lr))


def sweep_section(view: View) -> None:
    """Many learning rates at once, batched; click a point to use its rate."""
    # Open at first: the page's tab already computes it only when chosen; the expander can still close it.
    with st.expander("Compare learning rates: a batched sweep", icon=":material/stacked_line_chart:", expanded=True,
                     key=_k(view, "sweep_open"), on_change="rerun") as box:
        if not box.open:
            return
        curv = view.curvature
        crit = curv.lr_critical if math.isfinite(curv.lr_critical) else 0.1
        st.markdown(f"Every rate below runs the same program on this data from the same start, for "
                    f"{view.settings.epochs:,} epochs: **one batched tensor program**, whose row k is exactly "
                    f"the lesson's program at rate k. Click a point to use its rate.")
        c1, c2, c3 = st.columns(3)
        k_rates = c1.number_input("Rates", value=DEFAULT_RATES, step=50, key=_k(view, "sweep_k"),
                                  help=f"How many log-spaced rates: 1 to {MAX_RATES:,}.")
        lo = c2.number_input("Lowest rate", value=float(f"{crit / 100:.2g}"), format="%g",
                             key=_k(view, "sweep_lo"), step=None)
        hi = c3.number_input("Highest rate", value=min(float(f"{crit * 1.5:.2g}"), MAX_LR), format="%g",
                             key=_k(view, "sweep_hi"), step=None)
        try:
            lrs = tuple(log_rates(float(lo), float(hi), int(k_rates)))
        except (SweepError, ValueError, OverflowError) as e:
            st.error(str(e), icon=":material/error:")
            return
        table = cached_sweep(view.settings.replace(lr=lrs[0]), lrs)
        st.plotly_chart(sweep_chart(view, table), key=_k(view, "sweep_chart"), config=plotly_spec.CONFIG, theme=None,
                        on_select=lambda: _use_picked_rate(view), selection_mode="points")
        counts = table["verdict"].value_counts()
        st.caption(" · ".join(f"{n} {kind}" for kind, n in counts.items())
                   + f". Bands from this data's curvature: 1/λmax = {number(curv.lr_overshoot, 4)}, "
                     f"2/λmax = {number(curv.lr_critical, 4)}, fastest 2/(λmax+λmin) = {number(curv.lr_fastest, 4)}.")


# ---- the optimizer race -----------------------------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def cached_race(s: Settings, lrs: tuple[tuple[str, float], ...], beta: float) -> race.Race:
    """core.race.race for these settings, rates and β."""
    return race.race(s, dict(lrs), beta)


def race_loss_chart(result: race.Race) -> go.Figure:
    """Every racer's loss per epoch, overlaid (log scale)."""
    traces = []
    for i, (name, r) in enumerate(result.runs.items()):
        loss = r.history["loss"].to_numpy(dtype=float)
        ok = np.isfinite(loss) & (loss > 0)
        traces.append(go.Scattergl(x=r.history["epoch"].to_numpy()[ok], y=loss[ok], mode="lines", name=name,
                                   line={"color": PALETTE[i], "width": 3.5 if name == "SGD" else 2.5}))
    return go.Figure(traces, layout=layout("epoch", "loss (before update)",
                                           yaxis={"type": "log", "exponentformat": "power", "dtick": 1}))


def _path(r, names) -> dict[str, np.ndarray]:
    return {p: np.r_[r.initial[p], r.history[p].to_numpy(dtype=float)] for p in names}


def race_section(view: View) -> None:
    """SGD, momentum, Nesterov, RMSprop, Adagrad and Adam from the same start on the same data."""
    with st.expander("Race optimizers: SGD, momentum, Nesterov, RMSprop, Adagrad, Adam", expanded=True,
                     icon=":material/sports_score:", key=_k(view, "race_open"), on_change="rerun") as box:
        if not box.open:
            return
        s, curv = view.settings, view.curvature
        st.markdown("Each racer is **this lesson's program with one step changed**: the optimizer. Same data, "
                    "same start, same number of epochs; each has its own learning rate.")
        defaults = race.default_lrs(s)
        cols = st.columns(len(race.OPTIMIZERS) + 1)
        beta = cols[0].number_input("Momentum β", value=race.DEFAULT_BETA, step=0.05, format="%g",
                                    key=_k(view, "race_beta"), help="For Momentum and Nesterov: 0 ≤ β < 1.")
        slots = {"beta": cols[0].empty()}
        lrs = {}
        for col, o in zip(cols[1:], race.OPTIMIZERS, strict=True):
            lrs[o.name] = col.number_input(f"{o.name} rate", value=defaults[o.name], format="%g", step=None,
                                           key=_k(view, f"race_lr_{o.name}"))
            slots[o.name] = col.empty()
        bad = False
        for name, value in [("beta", beta), *lrs.items()]:
            try:
                race.check({name: value} if name != "beta" else {}, beta if name == "beta" else 0.0)
            except race.RaceError as e:
                slots[e.field].error(str(e))
                bad = True
        if bad:
            return
        result = cached_race(s, tuple(lrs.items()), float(beta))
        bound = race.momentum_bound(curv.eigenvalues[-1], beta)
        st.markdown(f"**Stability on this data** (λmax = {number(curv.eigenvalues[-1], 4)}): plain SGD diverges "
                    f"above 2/λmax = **{number(curv.lr_critical, 4)}**; heavy-ball momentum with β = {number(beta, 4)} "
                    "is stable for "
                    f"0 < η·λmax < 2 + 2β, i.e. up to **{number(bound, 4)}** — {1 + beta:g}× further.")
        a, b = st.columns(2, gap="large")
        with a:
            st.markdown("**Loss per epoch**")
            st.plotly_chart(race_loss_chart(result), key=_k(view, "race_loss"), config=plotly_spec.CONFIG, theme=None)
        with b:
            st.markdown("**Paths on the loss landscape** (a dot marks where each ends)")
            names = view.lesson.params
            paths = [(n, _path(r, names), PALETTE[i], n == "SGD") for i, (n, r) in enumerate(result.runs.items())]
            st.plotly_chart(paths_chart(view, paths), key=_k(view, "race_paths"), config=plotly_spec.CONFIG, theme=None)
        st.dataframe(result.table, hide_index=True, width="stretch",
                     column_config={"lr": st.column_config.NumberColumn(format="%g"),
                                    "final loss": st.column_config.NumberColumn(format="%.6g"),
                                    "distance to optimum": st.column_config.NumberColumn(format="%.4g")})
        st.caption(f"Epochs to converge: every parameter within {analysis.CONVERGED_TOL:g}·(1 + |optimum|) of "
                   "the closed-form optimum from then on (the verdict's tolerance); empty if never.")
        no_optimizer = not any(st_.role == "optimizer" for st_ in view.lesson.program.steps)
        if no_optimizer:
            st.info("This lesson has no optimizer: in each racer its hand-written update `w -= learning_rate * "
                    "w.grad` and `w.grad.zero_()` become `optimizer.step()` and `optimizer.zero_grad()`.",
                    icon=":material/info:")
        for o in race.OPTIMIZERS:
            line, dl = st.columns([5, 1], vertical_alignment="center")
            line.markdown(f"**{o.name}** `{race.constructor(o, '…', beta)}` — {o.differs}")
            rs = s.replace(lr=float(lrs[o.name]))
            dl.download_button("Program", lambda rs=rs, o=o: race.script(rs, o.name, beta),
                               file_name=f"lesson{view.lesson.number}_{o.name.lower()}.py", mime="text/x-python",
                               key=_k(view, f"race_dl_{o.name}"), icon=":material/download:", on_click="ignore")
