"""The replay: one Plotly figure whose frames replay a run epoch by epoch in the browser (no rerun per frame).

Three panels side by side, in step: the fit (the line after epoch k), the loss per epoch (a marker at
epoch k) and the loss landscape (a marker at the parameters after epoch k, on the curve L(w) or the
contours of L(w, b)). Play, Pause, the speed buttons and the slider are Plotly's own updatemenus and
slider, so the browser animates and the server never hears of it.

Frame k is the state after k epochs: the parameters after the k-th update (k = 0: the start) and the
loss at those parameters, which is the loss the log prints before update k + 1 (after the last epoch,
the run's final loss). Every number is the run's own float32 value; only the landscape's curve is float64.

Small by construction: the static traces (the data, the whole loss curve, the whole path, the landscape)
are sent once; a frame carries only the three moving traces (`traces=[...]`), at most MAX_FRAMES of them.
No streamlit here: tests build the spec and validate it through go.Figure.
"""

from __future__ import annotations

import math

import numpy as np

from core import analysis, landscape
from core.analysis import number
from ui import charts
from ui.style import COLOR, layout

MAX_FRAMES = 200
REPLAY_SECONDS = 8.0  # a replay at 1× lasts about this long, whatever the number of epochs
FRAME_MS = (40, 400)  # ... but no frame at 1× is shorter than 40 ms (25 fps) or longer than 0.4 s
SPEEDS = (0.5, 1, 2, 4)

# Three panels in one row: paper x-domains, with room between them for each panel's y-axis labels.
_DOMAINS = ([0.0, 0.28], [0.39, 0.63], [0.74, 1.0])
_PANEL_TITLES = ("The fit", "Loss per epoch", "The loss landscape")


def frame_epochs(view) -> np.ndarray:
    """The epochs the replay shows: at most MAX_FRAMES, evenly spaced, always the first, the last shown and
    the epoch where a divergence starts.

    The last epoch shown is the last one whose parameters are finite (view.finite): a diverged run replays
    up to its overflow. The stride is odd, as the charts' is: a run that zigzags flips sides every epoch,
    and an even stride would pick one side only and replay a smooth descent that never happened.
    """
    last = view.finite
    keep = {0, last}
    start = divergence_epoch(view)
    if start is not None and start <= last:
        keep.add(start)
    if last + 1 <= MAX_FRAMES:
        return np.arange(last + 1)
    stride = math.ceil(last / (MAX_FRAMES - len(keep)))
    stride += 1 - stride % 2
    return np.array(sorted(keep | set(range(0, last + 1, stride))))


def divergence_epoch(view) -> int | None:
    """The epoch from which the loss grows at every epoch (core.analysis.growth_start), if the run diverged."""
    if view.verdict.kind == "diverging":
        return view.verdict.epoch
    if view.verdict.kind == "overflowed":
        loss = _losses(view)[: view.finite + 1]
        return analysis.growth_start([v for v in loss if math.isfinite(v)])
    return None


def _losses(view) -> list[float]:
    """The loss at the parameters after k epochs, k = 0 … n: the log's loss before each update, then the final loss."""
    return [*view.run.history["loss"].to_numpy(dtype=float).tolist(), float(view.run.final_loss)]


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None  # None is JSON null: Plotly leaves the point out


def _padded(values) -> list[float]:
    """An axis range around these values, 5 % either side. Every axis of the replay has a fixed range:
    nothing moving can change it, and Plotly has no autorange to recompute on each frame."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = 0.05 * (hi - lo) or 0.5
    return [lo - pad, hi + pad]


def state_text(les, params: dict[str, float], loss: float, epoch: int) -> str:
    """What the slider shows at a frame: the epoch, the parameters and the loss, as the page prints numbers."""
    values = " · ".join(f"{p} = {number(params[p], 5)}" for p in les.params)
    lost = number(loss, 5) if math.isfinite(loss) else f"{loss} (overflow)"
    return f"epoch {epoch} · {values} · loss = {lost}"


def _axes(i: int, x_title: str, y_title: str, font: int, xaxis: dict | None = None,
          yaxis: dict | None = None) -> dict:
    n = "" if i == 1 else str(i)
    return {
        f"xaxis{n}": {"domain": _DOMAINS[i - 1], "anchor": f"y{n}", "title": {"text": x_title, "standoff": 6},
                      "automargin": True, **(xaxis or {})},
        f"yaxis{n}": {"anchor": f"x{n}", "title": {"text": y_title, "standoff": 6}, "automargin": True,
                      **(yaxis or {})},
    }


def _controls_px(font: int) -> tuple[int, int]:
    """Pixels below the plots: to the row of buttons (past the x axes' ticks and titles), and in all."""
    below_axes = int(3.3 * font)
    return below_axes, below_axes + int(2.2 * font) + 8 + 30  # the row, then the slider's rail


def _still() -> dict:
    return {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}


def _buttons(frame_ms: float, font: int) -> dict:
    """Play, Pause, and one button per speed that plays from where the replay is, at that speed."""
    def play(ms: float) -> dict:
        return {"frame": {"duration": ms, "redraw": False}, "transition": {"duration": 0},
                "fromcurrent": True, "mode": "immediate"}

    return {"type": "buttons", "direction": "right", "showactive": False, "x": 0, "y": 0, "xanchor": "left",
            "yanchor": "top", "font": {"size": font}, "bgcolor": "#F0F2F6", "bordercolor": "#C8D1E0",
            "pad": {"t": _controls_px(font)[0], "r": 4}, "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, play(frame_ms)]},
                {"label": "❚❚ Pause", "method": "animate", "args": [[None], _still()]},
                *({"label": f"{speed:g}×", "method": "animate", "args": [None, play(frame_ms / speed)]}
                  for speed in SPEEDS)]}


def _slider(names: list[str], labels: list[str], font: int) -> dict:
    """The scrubber; its current value (the epoch, the parameters, the loss) shows on the buttons' row, right."""
    return {
        "active": 0, "x": 0, "len": 1, "y": 0, "yanchor": "top", "xanchor": "left",
        "pad": {"t": _controls_px(font)[0] + 4, "b": 0},
        "currentvalue": {"visible": True, "xanchor": "right", "prefix": "", "offset": int(0.6 * font),
                         "font": {"size": font + 1, "color": COLOR["model"]}},
        # 200 steps' labels would overprint each other: the current one is shown above the rail instead.
        "font": {"color": "rgba(0, 0, 0, 0)", "size": 1}, "ticklen": 0, "minorticklen": 0,
        "transition": {"duration": 0},
        "steps": [{"label": text, "method": "animate", "args": [[name], _still()]}
                  for name, text in zip(names, labels, strict=True)],
    }


def replay_figure(view, height: int = 520, font: int = 16) -> dict:
    """The run replayed: the fit, the loss per epoch and the landscape, moving together frame by frame."""
    les, s, run, opt = view.lesson, view.settings, view.run, view.optimum
    epochs = frame_epochs(view)
    losses = _losses(view)
    params = [view.params_after(int(k)) for k in epochs]
    loss_at = [losses[int(k)] for k in epochs]
    names = [str(int(k)) for k in epochs]

    # -- the fit: the data, the least-squares line, the model's line (moves)
    x_lo, x_hi = landscape.span(s.x, s.predict, pad=0.1)
    xs = np.array([x_lo, x_hi])
    lines = np.array([charts._line(p, xs) for p in params])
    anchored = np.array(s.y, dtype=float)
    traces = [charts._scatter(x=np.array(s.x), y=np.array(s.y), name="data", mode="markers", xaxis="x", yaxis="y",
                              showlegend=False,
                              marker={"color": COLOR["data"], "size": 11},
                              hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<extra>data</extra>")]
    if opt.params is not None:
        ls_y = charts._line(opt.params, xs)
        anchored = np.r_[anchored, ls_y]
        traces.append(charts._scatter(x=xs, y=ls_y, name="least squares", mode="lines", xaxis="x",
                                      yaxis="y", line=charts._OPTIMUM_LINE, hoverinfo="skip"))
    i_line = len(traces)
    traces.append(charts._scatter(x=xs, y=lines[0], name="the model", mode="lines", xaxis="x", yaxis="y",
                                  line={"color": COLOR["model"], "width": 4}, hoverinfo="skip"))
    fit_range = charts._fit_y_range(anchored, lines.ravel())

    # -- the loss per epoch: the whole curve (faint), the optimum, a marker at epoch k (moves)
    n = len(run.history)
    rows = charts._drawn(view.finite + 1)  # the states 0 … finite
    curve = np.array(losses)[rows]
    positive = [v for v in [*curve.tolist(), opt.loss] if math.isfinite(v) and v > 0]
    floor = min(positive) / 10 if positive else 1e-12  # a loss of 0 on a log axis, as the loss chart does
    shown = np.where(np.isfinite(curve), np.maximum(curve, floor), np.nan)
    traces.append(charts._scatter(x=rows, y=shown, name="loss", mode="lines", xaxis="x2", yaxis="y2",
                                  line={"color": COLOR["model"], "width": 2}, opacity=0.45, showlegend=False,
                                  hovertemplate="after epoch %{x}<br>loss %{y:.6g}<extra></extra>"))
    traces.append(charts._scatter(x=[0, max(n, 1)], y=[max(opt.loss, floor)] * 2, xaxis="x2", yaxis="y2",
                                  name=f"minimum loss {number(opt.loss, 5)}", mode="lines", line=charts._OPTIMUM_LINE,
                                  hoverinfo="skip", showlegend=False))
    i_loss = len(traces)

    def loss_point(k: int, v: float) -> dict:
        return {"x": [k], "y": [_finite(max(v, floor))]}  # max(nan, floor) is nan: left out too

    traces.append(charts._scatter(**loss_point(int(epochs[0]), loss_at[0]), name="now", mode="markers",
                                  xaxis="x2", yaxis="y2", showlegend=False, hoverinfo="skip",
                                  marker={"color": COLOR["model"], "size": 15, "line": charts._OUTLINE}))

    # -- the landscape: the curve L(w) or contours of L(w, b), the whole path (faint), a marker (moves)
    path_rows = charts._drawn(len(view.path["w"]))
    if view.landscape.bs is None:
        ws = np.array(view.landscape.ws)
        traces.append(charts._scatter(x=ws, y=np.array(view.landscape.loss), name="L(w)", mode="lines", xaxis="x3",
                                      yaxis="y3", line={"color": COLOR["landscape"], "width": 3}, showlegend=False,
                                      hovertemplate="w = %{x:.4g}<br>L(w) = %{y:.4g}<extra></extra>"))
        path_w = view.path["w"][path_rows]
        traces.append(charts._scatter(x=path_w, y=np.array(landscape.loss_curve(s.x, s.y, path_w.tolist())),
                                      mode="lines+markers", xaxis="x3", yaxis="y3", showlegend=False,
                                      name="path", line={"color": charts._PATH_LINE, "width": 1.5},
                                      marker={"size": 5, "color": COLOR["model"]}, opacity=0.4, hoverinfo="skip"))
        marks = np.array(landscape.loss_curve(s.x, s.y, [p["w"] for p in params]))

        def land_point(j: int) -> dict:
            return {"x": [params[j]["w"]], "y": [_finite(float(marks[j]))]}

        land_axes = _axes(3, "w", "loss L(w)", font, xaxis={"range": [float(ws[0]), float(ws[-1])]},
                          yaxis={"range": _padded(view.landscape.loss)})
        if opt.params is not None:
            traces.append(charts._scatter(x=[opt.params["w"]], y=[opt.loss], mode="markers", xaxis="x3", yaxis="y3",
                                          marker=charts._STAR, name="minimum", showlegend=False, hoverinfo="skip"))
    else:
        surface = np.array(view.landscape.loss)
        z = charts._excess_levels(surface, opt.loss)
        contours, _ = charts._contour_levels(z)
        ws, bs = view.landscape.ws, view.landscape.bs
        traces.append({"type": "contour", "x": np.array(ws), "y": np.array(bs), "z": z, "xaxis": "x3", "yaxis": "y3",
                       "showscale": False, "colorscale": charts._LANDSCAPE_SCALE, "contours": contours,
                       "line": {"width": 0.5, "color": "rgba(0, 0, 0, 0.3)"}, "hoverinfo": "skip", "name": "L(w, b)"})
        traces.append(charts._scatter(x=view.path["w"][path_rows], y=view.path["b"][path_rows], mode="lines+markers",
                                      xaxis="x3", yaxis="y3", showlegend=False, name="path",
                                      line={"color": charts._PATH_LINE, "width": 1.5},
                                      marker={"size": 5, "color": COLOR["model"]}, opacity=0.45, hoverinfo="skip"))

        def land_point(j: int) -> dict:
            return {"x": [params[j]["w"]], "y": [params[j]["b"]]}

        land_axes = _axes(3, "w", "b", font, xaxis={"range": [ws[0], ws[-1]], "showgrid": False, "zeroline": False},
                          yaxis={"range": [bs[0], bs[-1]], "showgrid": False, "zeroline": False})
        if opt.params is not None:
            traces.append(charts._scatter(x=[opt.params["w"]], y=[opt.params["b"]], mode="markers", xaxis="x3",
                                          yaxis="y3", marker=charts._STAR, name="minimum", showlegend=False,
                                          hoverinfo="skip"))
    i_land = len(traces)
    traces.append(charts._scatter(**land_point(0), mode="markers", xaxis="x3", yaxis="y3", name="now",
                                  showlegend=False, hoverinfo="skip",
                                  marker={"color": COLOR["model"], "size": 16, "line": {"color": "white", "width": 2}}))

    moving = [i_line, i_loss, i_land]
    frames = [{"name": name, "traces": moving,
               "data": [{"x": xs, "y": lines[j]}, loss_point(int(epochs[j]), loss_at[j]), land_point(j)]}
              for j, name in enumerate(names)]
    labels = [state_text(les, p, v, int(k)) for p, v, k in zip(params, loss_at, epochs, strict=True)]
    frame_ms = min(max(REPLAY_SECONDS * 1000 / len(frames), FRAME_MS[0]), FRAME_MS[1])

    titles = [{"text": f"<b>{t}</b>", "xref": "paper", "yref": "paper", "x": sum(d) / 2, "y": 1,
               "yanchor": "bottom", "xanchor": "center", "showarrow": False, "font": {"size": font + 1}}
              for t, d in zip(_PANEL_TITLES, _DOMAINS, strict=True)]
    look = layout("", "")
    del look["xaxis"], look["yaxis"]  # three pairs of axes instead, below
    look.update(
        height=height, font={"size": font}, annotations=titles,
        # The fit's legend, inside its panel's top left (a line rising from the left leaves it free).
        legend={"x": 0.005, "y": 0.995, "xanchor": "left", "yanchor": "top", "orientation": "v",
                "bgcolor": "rgba(255, 255, 255, 0.85)", "font": {"size": font - 2}},
        margin={"l": 10, "r": 10, "t": font + 18, "b": _controls_px(font)[1]},
        updatemenus=[_buttons(frame_ms, font)], sliders=[_slider(names, labels, font)],
        **_axes(1, "x (input)", "y (output)", font, xaxis={"range": [x_lo, x_hi]}, yaxis={"range": fit_range}),
        **_axes(2, "epoch", "loss (log)", font, xaxis={"range": [-0.02 * n, n * 1.02 + 0.5]},
                yaxis={"type": "log", "exponentformat": "power", "dtick": 1,
                       "range": _padded(np.log10([v for v in [*shown.tolist(), max(opt.loss, floor)]
                                                   if math.isfinite(v)]))}),
        **land_axes,
    )
    return {"data": traces, "layout": look, "frames": frames}
