"""Figure builders: a view of a run in (core.view), a Plotly figure out — the loss per epoch, the fit, the landscape.

No streamlit here, so every figure can be built in a test or a notebook. Two promises hold for
every figure: nothing non-finite is ever drawn (a diverged run is drawn up to its last finite
epoch), and no trace holds more than MAX_POINTS points, however long the run.
Figures are plain dicts in Plotly's figure schema, not `go.Figure`s: building a `go.Figure`
validates every property (10-55 ms a figure here, most of a rerun), and the page sends each spec
as it is (ui/plotly_spec.py). tests/test_charts.py validates every spec through `go.Figure`.
Long arrays stay numpy arrays: the spec's JSON stores them as compact binary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core import landscape
from core.analysis import number
from core.program import number_literal
from core.view import View
from ui.style import COLOR, layout

Figure = dict  # {"data": [trace, ...], "layout": {...}}: Plotly's figure schema


def _scatter(**props) -> dict:
    return {"type": "scatter", **props}


def _figure(traces: list[dict], layout: dict) -> Figure:
    return {"data": traces, "layout": layout}


MAX_POINTS = 1_000  # per trace: keeps a 100,000-epoch run's figure small and quick to draw
DENSE_HEAD = 250  # the first epochs are always drawn one by one: that is where most movement happens

# Light where the loss is low, so the path and the optimum stand out where the path spends its time.
_LANDSCAPE_SCALE = [[0.0, "#FFFFFF"], [1.0, "#8F8F8F"]]
_PATH_LINE = "rgba(0, 114, 178, 0.85)"  # the model's colour, a little see-through where a zigzag overlaps
_OPTIMUM_LINE = {"color": COLOR["optimum"], "width": 3, "dash": "dash"}
_OUTLINE = {"color": "white", "width": 1}  # keeps a marker visible on a line or a contour of its colour
_STAR = {"color": COLOR["optimum"], "size": 18, "symbol": "star", "line": _OUTLINE}
_START = {"color": COLOR["start"], "size": 14, "symbol": "circle", "line": _OUTLINE}
_END = {"color": COLOR["model"], "size": 13, "symbol": "square", "line": _OUTLINE}

_ALL_ZERO_FLOOR = 1e-12  # stands in for 0 on a log axis when no loss is positive at all
_EXACT_FIT = 1e-12  # a closed-form loss below this fraction of mean(y²) is float64 round-off of 0
_CONTOUR_DEPTH = 1e-5  # the contours reach this fraction of the grid's loss range above the minimum


# ---- shared pieces --------------------------------------------------------------------------


def _drawn(n: int) -> np.ndarray:
    """Which of n rows to draw: all of the first DENSE_HEAD, then every k-th (k odd), always the last."""
    if n <= MAX_POINTS:
        return np.arange(n)
    stride = math.ceil((n - DENSE_HEAD) / (MAX_POINTS - DENSE_HEAD - 1))
    # An odd stride keeps a step-to-step zigzag (lr above 1/λmax flips sides every epoch) visible:
    # an even one would pick iterates from one side only and draw a smooth path that never happened.
    stride += 1 - stride % 2
    rows = np.r_[np.arange(DENSE_HEAD), np.arange(DENSE_HEAD, n, stride)]
    if rows[-1] == n - 1:
        return rows
    # The last row is always drawn; an even gap before it would break the zigzag's alternation.
    return np.r_[rows[:-1] if (n - 1 - rows[-1]) % 2 == 0 else rows, n - 1]


def _finite_note(shown: int, wanted: int) -> str:
    """Says so when a diverged run is drawn only up to its last finite epoch, not the one wanted."""
    return ", the last finite one" if shown < wanted else ""


# ---- loss per epoch -------------------------------------------------------------------------


def _log_floor(loss: np.ndarray, min_loss: float, scale: float) -> float:
    """A positive stand-in for a loss of 0 on a log axis: a decade below the smallest positive loss."""
    positive = [float(loss[loss > 0].min())] if (loss > 0).any() else []
    if min_loss > _EXACT_FIT * scale:  # smaller is an exact fit's round-off, and would stretch the axis
        positive.append(min_loss)
    return min(positive) / 10 if positive else _ALL_ZERO_FLOOR


def _overflow_marker(epoch: int) -> dict:
    """A dotted vertical line where the numbers stopped being finite, with its label."""
    return {
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": epoch, "x1": epoch, "y0": 0, "y1": 1,
                    "line": {"color": COLOR["optimum"], "width": 2, "dash": "dot"}}],
        # Top right of the line: the loss climbs on its left, and nothing is drawn on its right.
        "annotations": [{"xref": "x", "yref": "paper", "x": epoch, "y": 1, "xanchor": "left", "yanchor": "top",
                         "text": f" overflow at epoch {epoch}", "showarrow": False}],
    }


def loss_chart(view: View, log_y: bool = True) -> Figure:
    """The loss before each epoch's update, and the closed-form minimum loss dashed; log scale by default."""
    run, s = view.run, view.settings
    n_finite = view.finite
    rows = _drawn(n_finite)
    epochs = run.history["epoch"].to_numpy()[rows]
    loss = run.history["loss"].to_numpy(dtype=float)[rows]
    min_loss = view.optimum.loss

    shown, min_shown, note, min_note = loss, min_loss, "", ""
    if log_y:
        floor = _log_floor(loss, min_loss, sum(v * v for v in s.y) / len(s.y))
        shown = np.maximum(loss, floor)
        min_shown = max(min_loss, floor)
        if (loss <= 0).any():
            note = f"; 0 drawn at {floor:.0e}"
        if min_shown != min_loss:
            min_note = f", drawn at {floor:.0e}"

    ends = [1, max(len(run.history), 2)]  # a line needs two distinct x, even for a 1-epoch run
    traces = [
        _scatter(x=epochs, y=shown, customdata=loss, name=f"loss (before the update){note}",
                   mode="lines+markers" if len(rows) <= 60 else "lines",  # markers only while they stay apart
                   line={"color": COLOR["model"], "width": 3}, marker={"size": 7},
                   hovertemplate="epoch %{x}<br>loss %{customdata:.6g}<extra></extra>"),
        _scatter(x=ends, y=[min_shown, min_shown], name=f"minimum loss {number(min_loss, 4)} (closed form{min_note})",
                   mode="lines", line=_OPTIMUM_LINE, hoverinfo="skip"),
    ]
    xaxis = {"dtick": 1} if len(run.history) <= 10 else {}  # whole epochs only, never a tick at 1.5
    # Decades only: plotly's in-between labels ("2", "5" beside 10^k) read as 2 and 5, not 0.2 and 0.5.
    yaxis = {"type": "log", "exponentformat": "power", "dtick": 1} if log_y else {}
    more = _overflow_marker(n_finite + 1) if n_finite < len(run.history) else {}
    return _figure(traces, layout("epoch", "loss (MSE, before update)", xaxis=xaxis, yaxis=yaxis, **more))


# ---- the fit at an epoch --------------------------------------------------------------------


def _line(p: dict[str, float], xs: np.ndarray) -> np.ndarray:
    return p["w"] * xs + p.get("b", 0.0)  # lessons 1-2 have no bias: y = w·x


def _fit_y_range(anchored: np.ndarray, model: np.ndarray) -> list[float]:
    """Covers the data and the closed-form line, and the model's line only while it stays near them,
    so the wild line of a diverging run cannot squash the data into a flat row."""
    lo, hi = landscape.span(anchored.tolist(), None, pad=0.1)
    width = hi - lo
    all_lo, all_hi = landscape.span([lo, hi, *model.tolist()], None, pad=0.1)
    return [max(all_lo, lo - 2 * width), min(all_hi, hi + 2 * width)]


def _visible_share(p: dict[str, float], x_range: Sequence[float], y_range: Sequence[float]) -> float:
    """The fraction of the chart's width over which the line y = w·x + b is inside the y range."""
    w, b = p["w"], p.get("b", 0.0)
    if w == 0:
        return 1.0 if y_range[0] <= b <= y_range[1] else 0.0
    x_a, x_b = sorted(((y_range[0] - b) / w, (y_range[1] - b) / w))
    inside = min(x_b, x_range[1]) - max(x_a, x_range[0])
    return max(inside, 0.0) / (x_range[1] - x_range[0])


def _off_chart_note(p: dict[str, float]) -> dict:
    """Says where the line went when it is too steep or too far to see, as a diverging run's is."""
    values = ", ".join(f"{name} = {number(v, 4)}" for name, v in p.items())
    return {"annotations": [{"xref": "paper", "yref": "paper", "x": 0.5, "y": 0.98, "yanchor": "top",
                             "text": f"the line is off the chart: {values}", "showarrow": False,
                             "font": {"color": COLOR["model"]}, "bgcolor": "rgba(255, 255, 255, 0.8)"}]}


def fit_chart(view: View, epoch: int) -> Figure:
    """The data, the model's line after `epoch` (0: the initial line), the least-squares line, the prediction."""
    s = view.settings
    wanted = min(max(int(epoch), 0), len(view.run.history))  # a stale slider value must not break the page
    shown = min(wanted, view.params_finite)  # a diverged run: its last finite line
    p = view.params_after(shown)
    opt = view.optimum

    x_lo, x_hi = landscape.span(s.x, s.predict, pad=0.1)
    # The line passes through every data x, so hovering on it reads off the prediction ŷ there.
    xs = np.array(sorted({x_lo, x_hi, *s.x}))
    model_y = _line(p, xs)
    y_hat = float(_line(p, np.array([s.predict]))[0])
    label = "initial line (epoch 0)" if shown == 0 else f"line after epoch {shown}{_finite_note(shown, wanted)}"

    traces = [_scatter(x=np.array(s.x), y=np.array(s.y), name="data", mode="markers",
                         marker={"color": COLOR["data"], "size": 12},
                         hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<extra>data</extra>"),
              _scatter(x=xs, y=model_y, name=label, mode="lines", line={"color": COLOR["model"], "width": 3},
                         hovertemplate="x = %{x:.4g}<br>ŷ = %{y:.4g}<extra></extra>")]
    anchored = np.array(s.y)
    if opt.params is not None:
        ls_y = _line(opt.params, xs)
        anchored = np.r_[anchored, ls_y]
        traces.append(_scatter(x=xs, y=ls_y, name="least squares (closed form)", mode="lines",
                                 line=_OPTIMUM_LINE, hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<extra></extra>"))
    label = f"prediction f({number_literal(s.predict)}) = {number(y_hat, 4)}"
    traces.append(_scatter(x=[s.predict], y=[y_hat], name=label,
                             mode="markers", marker={"color": COLOR["model"], "size": 16, "symbol": "diamond",
                                                     "line": _OUTLINE},
                             hovertemplate="f(%{x:.4g}) = %{y:.4g}<extra></extra>"))
    y_range = _fit_y_range(anchored, np.r_[model_y, y_hat])
    more = _off_chart_note(p) if _visible_share(p, (x_lo, x_hi), y_range) < 0.05 else {}
    return _figure(traces, layout("x (input)", "y (output)", xaxis={"range": [x_lo, x_hi]},
                                            yaxis={"range": y_range}, **more))


# ---- the loss landscape ---------------------------------------------------------------------


def _path_traces(xs: np.ndarray, ys: np.ndarray, epochs: np.ndarray, hover: str, end_note: str) -> list[dict]:
    """The path as markers joined by a line, with its start and end marked."""
    return [
        # A thin see-through line: where a zigzag crosses itself thousands of times it darkens, not blots.
        _scatter(x=xs, y=ys, customdata=epochs, name="gradient descent path", mode="lines+markers",
                   line={"color": _PATH_LINE, "width": 2.5}, marker={"color": COLOR["model"], "size": 7},
                   hovertemplate=hover),
        _scatter(x=xs[:1], y=ys[:1], name="start (epoch 0)", mode="markers", marker=_START, hoverinfo="skip"),
        _scatter(x=xs[-1:], y=ys[-1:], name=f"end (epoch {epochs[-1]}{end_note})", mode="markers",
                   marker=_END, hoverinfo="skip"),
    ]


def _landscape_curve(view: View) -> Figure:
    """A model y = w·x: the parabola L(w) and the iterates of w on it."""
    s, run = view.settings, view.run
    opt = view.optimum
    w_star = opt.params["w"] if opt.params is not None else None
    path_w = view.path["w"]
    ws, curve = view.landscape.ws, view.landscape.loss

    epochs = _drawn(len(path_w))  # row i of the path is epoch i
    drawn_w = path_w[epochs]
    drawn_loss = np.array(landscape.loss_curve(s.x, s.y, drawn_w.tolist()))
    traces = [_scatter(x=np.array(ws), y=np.array(curve), name="loss L(w)",
                         mode="lines", line={"color": COLOR["landscape"], "width": 3},
                         hovertemplate="w = %{x:.4g}<br>L(w) = %{y:.4g}<extra></extra>"),
              *_path_traces(drawn_w, drawn_loss, epochs,
                            "epoch %{customdata}<br>w = %{x:.6g}<br>L(w) = %{y:.6g}<extra></extra>",
                            _finite_note(int(epochs[-1]), len(run.history)))]
    if w_star is not None:
        # Before the path: a run that ends on the optimum must still show its end marker on top.
        traces.insert(1, _scatter(x=[w_star], y=[opt.loss], name="minimum (closed form)",
                                    mode="markers", marker=_STAR,
                                    hovertemplate="w* = %{x:.6g}<br>L = %{y:.6g}<extra>closed form</extra>"))
    return _figure(traces, layout("w", "loss L(w) (MSE)"))


def _excess_levels(surface: np.ndarray, min_loss: float) -> np.ndarray:
    """log10 of the loss above its minimum, floored a few decades down.

    The raw loss hardly changes along the valley floor; its excess over the minimum falls by a
    constant factor per contour all the way in, so the long narrow valley shows as nested ellipses.
    """
    excess = np.maximum(surface - min_loss, 0.0)
    offset = max(float(excess.max()), 1e-300) * _CONTOUR_DEPTH
    return np.log10(excess + offset).astype(np.float32)  # float32 halves the JSON; no contour can show more


def _compact(values: np.ndarray) -> np.ndarray:
    """float32 (half the bytes, digits enough for a hover) unless that would overflow a diverged run's loss."""
    with np.errstate(over="ignore"):  # the overflow is the question asked here, not an accident
        small = values.astype(np.float32)
    return small if np.isfinite(small).all() else values


def _contour_levels(z: np.ndarray) -> tuple[dict, dict]:
    """Contours every half decade, and a colour bar with ticks at whole decades labelled in loss units."""
    lo, hi = float(z.min()), float(z.max())
    decades = list(range(math.ceil(lo), math.floor(hi) + 1))
    colorbar = {"title": {"text": "loss − min", "side": "right"}, "thickness": 14, "tickvals": decades,
                "ticktext": [f"{10.0**k:.0e}" if abs(k) > 2 else f"{10.0**k:g}" for k in decades]}
    return {"start": math.floor(lo * 2) / 2 + 0.5, "end": hi, "size": 0.5}, colorbar


def _landscape_contours(view: View) -> Figure:
    """A model y = w·x + b: contours of L(w, b) and the path of (w, b) across them."""
    run = view.run
    opt = view.optimum
    star = opt.params or {}
    path = view.path
    ws, bs = view.landscape.ws, view.landscape.bs
    surface = np.array(view.landscape.loss)
    z = _excess_levels(surface, opt.loss)
    contours, colorbar = _contour_levels(z)

    epochs = _drawn(len(path["w"]))
    # The loss for the hover as numbers (customdata, sent as binary), not 4,900 strings of text.
    traces = [{"type": "contour", "x": np.array(ws), "y": np.array(bs), "z": z,
               "customdata": _compact(surface), "name": "loss L(w, b)", "showlegend": False,
               "colorscale": _LANDSCAPE_SCALE, "colorbar": colorbar, "contours": contours,
               "line": {"width": 0.5, "color": "rgba(0, 0, 0, 0.3)"},
               "hovertemplate": "w = %{x:.4g}<br>b = %{y:.4g}<br>L = %{customdata:.4g}<extra></extra>"},
              *_path_traces(path["w"][epochs], path["b"][epochs], epochs,
                            "epoch %{customdata}<br>w = %{x:.6g}<br>b = %{y:.6g}<extra></extra>",
                            _finite_note(int(epochs[-1]), len(run.history)))]
    if opt.params is not None:
        traces.insert(1, _scatter(x=[star["w"]], y=[star["b"]], mode="markers", marker=_STAR,
                                    name="minimum (closed form)",
                                    hovertemplate="w* = %{x:.6g}<br>b* = %{y:.6g}<extra>closed form</extra>"))
    axis = {"showgrid": False, "zeroline": False}  # the contours are the grid here
    return _figure(traces, layout("w", "b", xaxis={"range": [ws[0], ws[-1]], **axis},
                                            yaxis={"range": [bs[0], bs[-1]], **axis}))


def landscape_chart(view: View) -> Figure:
    """The loss over the parameters and the path GD took: the curve L(w), or contours of L(w, b)."""
    return _landscape_contours(view) if view.landscape.bs is not None else _landscape_curve(view)
