"""ui.charts: every figure carries the run's own numbers, nothing non-finite, a valid log axis, a small spec."""

from __future__ import annotations

import base64
import copy
import json
import math
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from _plotly_utils.utils import convert_to_base64

from core import analysis, landscape
from core.catalog import lesson
from core.lessons import Run
from core.view import of
from ui import charts, plotly_spec, replay_chart

LONG = 5_000  # the pages' maximum number of epochs
SPEC_LIMIT = 2_000_000  # bytes of JSON per figure (the design's performance budget)


def _run(n: int, **changes) -> Run:
    return _train(n, tuple(sorted(changes.items())))


@cache  # runs are shared between tests: a 5,000-epoch run is most of this file's time
def _train(n: int, changes: tuple[tuple[str, object], ...]) -> Run:
    les = lesson(n)
    return les.train(les.defaults().replace(**dict(changes)))


# The charts are plain specs; go.Figure validates each one as Plotly would, and gives the tests its API.
def loss_chart(*args, **kwargs) -> go.Figure:
    return go.Figure(charts.loss_chart(*args, **kwargs))


def fit_chart(*args, **kwargs) -> go.Figure:
    return go.Figure(charts.fit_chart(*args, **kwargs))


def landscape_chart(*args, **kwargs) -> go.Figure:
    return go.Figure(charts.landscape_chart(*args, **kwargs))


def _optimum(run: Run) -> analysis.Optimum:
    s = run.settings
    return analysis.optimum(s.x, s.y, s.has_bias)


def _trace(fig, name: str):
    """The one trace whose name is `name`, or starts with it when `name` ends with '…'."""
    found = [t for t in fig.data
             if (t.name.startswith(name[:-1]) if name.endswith("…") else t.name == name)]
    assert len(found) == 1, f"{name!r} in {[t.name for t in fig.data]}"
    return found[0]


def _kinds(fig) -> list[tuple[str, str]]:
    return [(t.name, t.type) for t in fig.data]


def _numbers(node):
    """Every number in a figure's JSON, decoding Plotly's base64 typed arrays; null is a NaN in disguise."""
    if isinstance(node, dict):
        if {"dtype", "bdata"} <= node.keys():
            yield from np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).tolist()
            return
        for value in node.values():
            yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            assert value is not None, "null in a figure's JSON"
            yield from _numbers(value)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield node


def _figures(run: Run) -> dict[str, object]:
    n = len(run.history)
    return {"loss": loss_chart(of(run)), "loss linear": loss_chart(of(run), log_y=False),
            "fit 0": fit_chart(of(run), 0), "fit last": fit_chart(of(run), n),
            "landscape": landscape_chart(of(run))}


def _params(run: Run, epoch: int) -> dict[str, float]:
    return dict(run.initial) if epoch == 0 else {k: float(run.history[k].iat[epoch - 1]) for k in run.initial}


def _at(trace, x: float) -> float:
    """The trace's y where its x equals `x` exactly."""
    xs = list(trace.x)
    return float(trace.y[xs.index(x)])


# ---- loss per epoch -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_loss_chart_plots_the_history_and_the_closed_form_minimum(n):
    run = _run(n)
    h = run.history
    min_loss = _optimum(run).loss
    fig = loss_chart(of(run))
    assert _kinds(fig) == [("loss (before the update)", "scatter"),
                           (f"minimum loss {min_loss:.4g} (closed form)", "scatter")]
    loss, minimum = fig.data
    assert np.array_equal(loss.x, h["epoch"]) and np.array_equal(loss.y, h["loss"])
    assert list(minimum.y) == [min_loss, min_loss] and list(minimum.x) == [1, len(h)]
    assert minimum.line.dash == "dash"
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "epoch" and fig.layout.yaxis.title.text == "loss (MSE, before update)"

    linear = loss_chart(of(run), log_y=False)
    assert linear.layout.yaxis.type in (None, "linear")
    assert np.array_equal(linear.data[0].y, h["loss"])


def test_a_loss_of_exactly_zero_still_draws_on_a_log_axis():
    # y = 2x exactly and w starts at 2: every loss, and the closed-form minimum, is exactly 0.
    run = _run(2, x=(1.0, 2.0, 3.0, 4.0), y=(2.0, 4.0, 6.0, 8.0), init_w=2.0)
    assert (run.history["loss"] == 0).all() and _optimum(run).loss == 0
    fig = loss_chart(of(run))
    loss, minimum = fig.data
    assert fig.layout.yaxis.type == "log"
    assert min(loss.y) > 0 and min(minimum.y) > 0
    assert "0 drawn at 1e-12" in loss.name and "drawn at 1e-12" in minimum.name
    assert list(loss.customdata) == [0.0] * len(run.history)  # the hover still tells the truth

    linear = loss_chart(of(run), log_y=False)
    assert list(linear.data[0].y) == [0.0] * len(run.history) and "drawn" not in linear.data[0].name


def test_a_loss_that_reaches_zero_is_drawn_a_decade_below_its_smallest_positive_value():
    run = _run(2, x=(1.0, 2.0, 3.0, 4.0), y=(2.0, 4.0, 6.0, 8.0), init_w=0.0, lr=0.05, epochs=300)
    h = run.history["loss"]
    assert (h == 0).any() and (h > 0).any()
    floor = h[h > 0].min() / 10
    loss = loss_chart(of(run)).data[0]
    assert np.array_equal(loss.y, np.where(h > 0, h, floor))
    assert loss.name == f"loss (before the update); 0 drawn at {floor:.0e}"


# ---- the fit at an epoch --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_fit_chart_draws_the_line_of_the_chosen_epoch(n, where):
    run = _run(n)
    s = run.settings
    epoch = {"first": 0, "middle": len(run.history) // 2, "last": len(run.history)}[where]
    p = _params(run, epoch)
    w, b = p["w"], p.get("b", 0.0)
    opt = _optimum(run).params
    fig = fit_chart(of(run), epoch)

    line_name = "initial line (epoch 0)" if epoch == 0 else f"line after epoch {epoch}"
    assert _kinds(fig) == [("data", "scatter"), (line_name, "scatter"), ("least squares (closed form)", "scatter"),
                           (f"prediction f(5) = {w * 5 + b:.4g}", "scatter")]
    data, line, least, prediction = fig.data
    assert list(data.x) == list(s.x) and list(data.y) == list(s.y) and data.mode == "markers"
    for x in s.x:
        assert _at(line, x) == pytest.approx(w * x + b, rel=1e-12)
        assert _at(least, x) == pytest.approx(opt["w"] * x + opt.get("b", 0.0), rel=1e-12)
    assert least.line.dash == "dash"
    assert list(prediction.x) == [5.0] and prediction.y[0] == pytest.approx(w * 5 + b, rel=1e-12)
    if where == "last":  # the program computes its prediction in float32
        assert prediction.y[0] == pytest.approx(run.prediction, rel=1e-5)
    x_lo, x_hi = fig.layout.xaxis.range
    assert x_lo < min(*s.x, 5) and x_hi > max(*s.x, 5)
    y_lo, y_hi = fig.layout.yaxis.range
    assert y_lo < min(s.y) and y_hi > max(s.y)


def test_fit_chart_has_no_least_squares_line_when_the_optimum_is_not_unique():
    run = _run(3, x=(2.0, 2.0, 2.0), y=(1.0, 2.0, 3.0))
    assert _optimum(run).params is None
    fig = fit_chart(of(run), len(run.history))
    assert [name for name, _ in _kinds(fig)] == [
        "data", "line after epoch 100", f"prediction f(5) = {run.params['w'] * 5 + run.params['b']:.4g}"]


def test_fit_chart_clamps_an_epoch_outside_the_run():
    run = _run(1)
    assert _at(_trace(fit_chart(of(run), -3), "initial line (epoch 0)"), 6.0) == run.initial["w"] * 6.0
    too_far = fit_chart(of(run), 10**6)
    assert _at(_trace(too_far, "line after epoch 20"), 6.0) == pytest.approx(run.params["w"] * 6.0, rel=1e-12)


# ---- the loss landscape ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2])
def test_landscape_of_w_is_the_loss_curve_with_the_path_on_it(n):
    run = _run(n)
    s = run.settings
    opt = _optimum(run)
    fig = landscape_chart(of(run))
    # The optimum is drawn before the path so that an end marker right on it stays visible.
    assert _kinds(fig) == [("loss L(w)", "scatter"), ("minimum (closed form)", "scatter"),
                           ("gradient descent path", "scatter"), ("start (epoch 0)", "scatter"),
                           ("end (epoch 20)", "scatter")]
    curve, minimum, path, start, end = fig.data
    assert list(curve.y) == landscape.loss_curve(s.x, s.y, list(curve.x))
    assert list(path.x) == [run.initial["w"], *run.history["w"]]
    assert list(path.customdata) == list(range(21))
    assert list(path.y) == landscape.loss_curve(s.x, s.y, list(path.x))
    assert (start.x[0], end.x[0]) == (run.initial["w"], run.params["w"])
    assert (minimum.x[0], minimum.y[0]) == (opt.params["w"], opt.loss)
    assert min(curve.x) < min(*path.x, opt.params["w"]) and max(curve.x) > max(*path.x, opt.params["w"])
    assert fig.layout.xaxis.title.text == "w"


@pytest.mark.parametrize("n", [3, 4])
def test_landscape_of_w_and_b_is_contours_with_the_path_across_them(n):
    run = _run(n)
    s = run.settings
    opt = _optimum(run)
    fig = landscape_chart(of(run))
    assert _kinds(fig) == [("loss L(w, b)", "contour"), ("minimum (closed form)", "scatter"),
                           ("gradient descent path", "scatter"), ("start (epoch 0)", "scatter"),
                           ("end (epoch 100)", "scatter")]
    contour, minimum, path, start, end = fig.data
    assert list(path.x) == [run.initial["w"], *run.history["w"]]
    assert list(path.y) == [run.initial["b"], *run.history["b"]]
    assert (start.x[0], start.y[0]) == (run.initial["w"], run.initial["b"])
    assert (end.x[0], end.y[0]) == (run.params["w"], run.params["b"])
    assert (minimum.x[0], minimum.y[0]) == (opt.params["w"], opt.params["b"])

    ws, bs = list(contour.x), list(contour.y)
    assert 60 <= len(ws) <= 80 and len(bs) == len(ws)
    assert ws[0] < min(*path.x, opt.params["w"]) and ws[-1] > max(*path.x, opt.params["w"])
    assert bs[0] < min(*path.y, opt.params["b"]) and bs[-1] > max(*path.y, opt.params["b"])
    surface = np.array(landscape.loss_surface(s.x, s.y, ws, bs))
    z = np.asarray(contour.z, dtype=float)
    assert z.shape == surface.shape
    # The colours are a rising function of the loss: sorted by loss, the levels never fall.
    order = np.argsort(surface, axis=None)
    assert (np.diff(z.ravel()[order]) >= -1e-4).all()
    assert np.unravel_index(z.argmin(), z.shape) == np.unravel_index(surface.argmin(), surface.shape)
    # The hover reads the loss itself, not its logarithm.
    assert np.allclose(np.asarray(contour.customdata, dtype=float), surface, rtol=1e-6)  # the hover's loss


# ---- what every figure promises -------------------------------------------------------------


def test_the_three_charts_share_one_style_and_one_colour_per_role():
    run = _run(3)
    loss, fit, land = loss_chart(of(run)), fit_chart(of(run), 50), landscape_chart(of(run))
    for fig in (loss, fit, land):
        layout = fig.layout
        assert layout.font.size == 16 and 380 <= layout.height <= 420 and layout.legend.orientation == "h"
        assert layout.title.text is None  # the page's subheader names the chart
    model = charts.COLOR["model"]
    assert loss.data[0].line.color == _trace(fit, "line after…").line.color == model
    assert _trace(land, "gradient descent path").marker.color == model
    optimum = charts.COLOR["optimum"]
    assert loss.data[1].line.color == _trace(fit, "least squares…").line.color == optimum
    assert _trace(land, "minimum (closed form)").marker.color == optimum
    assert _trace(fit, "data").marker.color == charts.COLOR["data"]


@pytest.mark.parametrize(("n", "lr", "epochs"), [(1, 0.5, 20), (3, 0.2, 100)])
def test_a_diverging_run_is_drawn_up_to_its_last_finite_epoch(n, lr, epochs):
    run = _run(n, lr=lr, epochs=epochs)
    ok = analysis.finite_epochs(run)
    assert 0 < ok < epochs  # the premise: the run overflows
    figs = _figures(run)
    for name, fig in figs.items():
        numbers = list(_numbers(json.loads(fig.to_json())))
        assert numbers and all(math.isfinite(v) for v in numbers), name

    loss = figs["loss"].data[0]
    assert list(loss.x) == list(range(1, ok + 1)) and np.array_equal(loss.y, run.history["loss"][:ok])
    assert figs["loss"].layout.yaxis.type == "log" and min(loss.y) > 0
    assert figs["loss"].layout.annotations[0].text.strip() == f"overflow at epoch {ok + 1}"

    # The fit shows the parameters while they are finite, which can outlast the loss (their square).
    params = run.history[list(run.params)].to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(params).all(axis=1))
    last = int(bad[0]) if len(bad) else epochs
    fit = figs["fit last"]
    line = _trace(fit, f"line after epoch {last}" + (", the last finite one" if last < epochs else ""))
    p = _params(run, last)
    assert _at(line, run.settings.x[0]) == pytest.approx(p["w"] * run.settings.x[0] + p.get("b", 0.0))
    y_lo, y_hi = fit.layout.yaxis.range  # the data stays in view, however wild the line
    assert y_hi - y_lo < 10 * (max(run.settings.y) - min(run.settings.y))

    land = figs["landscape"]
    path = _trace(land, "gradient descent path")
    assert len(path.x) == ok + 1 and path.x[0] == run.initial["w"]
    assert _trace(land, f"end (epoch {ok}, the last finite one)").x[0] == path.x[-1]


def test_a_line_too_steep_to_see_is_named_with_its_values():
    run = _run(1, lr=0.5, epochs=20)
    fig = fit_chart(of(run), 20)
    w = _params(run, 20)["w"]  # finite, though the loss overflowed at epoch 18
    assert [a.text for a in fig.layout.annotations] == [f"the line is off the chart: w = {w:.4g}"]
    assert not fit_chart(of(run), 0).layout.annotations


@pytest.mark.parametrize(("n", "changes"), [(1, {"lr": 0.0757}), (3, {})])
def test_a_long_run_draws_at_most_a_thousand_points_per_trace_in_a_small_spec(n, changes):
    run = _run(n, epochs=LONG, **changes)
    figs = _figures(run)
    for name, fig in figs.items():
        spec = fig.to_json()
        assert len(spec) < SPEC_LIMIT / 4, name  # measured: under 160 kB
        assert all(math.isfinite(v) for v in _numbers(json.loads(spec)))
        for trace in fig.data:
            assert len(trace.x) <= charts.MAX_POINTS, (name, trace.name)

    loss = figs["loss"].data[0]
    assert (loss.x[0], loss.x[-1]) == (1, LONG) and list(loss.x[:100]) == list(range(1, 101))
    assert np.array_equal(loss.y, run.history["loss"].to_numpy()[np.asarray(loss.x) - 1])
    path = _trace(figs["landscape"], "gradient descent path")
    epochs = list(path.customdata)
    assert epochs[:charts.DENSE_HEAD] == list(range(charts.DENSE_HEAD)) and epochs[-1] == LONG
    assert (path.x[0], path.x[-1]) == (run.initial["w"], run.params["w"])


def test_a_zigzag_stays_a_zigzag_when_a_long_path_is_thinned():
    # lr just under the critical 0.0758: w jumps across w* at every step, for all 5,000 epochs.
    run = _run(1, lr=0.0757, epochs=LONG)
    w_star = _optimum(run).params["w"]
    path = _trace(landscape_chart(of(run)), "gradient descent path")
    side = np.sign(np.asarray(path.x) - w_star)
    assert (side[1:] * side[:-1] == -1).all()


def test_a_hundred_thousand_epochs_still_draw_a_thousand_points():
    # The CLI allows 100,000 epochs; a made-up history that long checks the thinning without the wait.
    n = 100_000
    w = 2 - 1.5 * 0.999 ** np.arange(1, n + 1)
    history = pd.DataFrame({"epoch": np.arange(1, n + 1), "loss": (w - 2) ** 2, "w_before": np.r_[0.5, w[:-1]],
                            "w": w, "grad_w": 2 * (w - 2)})
    s = lesson(2).defaults().replace(x=(1.0, 2.0), y=(2.0, 4.0), epochs=n)
    run = Run(settings=s, history=history, initial={"w": 0.5}, params={"w": float(w[-1])}, final_loss=0.0,
              prediction=0.0, log_lines=())
    for fig in (loss_chart(of(run)), landscape_chart(of(run))):
        assert len(fig.to_json()) < SPEC_LIMIT / 4
        assert max(len(t.x) for t in fig.data) <= charts.MAX_POINTS
    assert loss_chart(of(run)).data[0].x[-1] == n


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("changes", [(), (("lr", 0.2),), (("epochs", LONG),),
                                     (("x", (0.0, 1.0, 1.0)), ("y", (1.0, 0.0, 2.0)))],
                         ids=["default", "diverged", "long", "ties"])
def test_the_specs_are_sent_as_plotly_itself_would_encode_them(n, changes):
    """ui.plotly_spec.encode (fast, used on every rerun) against Plotly's own convert_to_base64."""
    view = of(_run(n, **dict(changes)))
    for spec in (charts.loss_chart(view, log_y=True), charts.fit_chart(view, 1), charts.landscape_chart(view),
                 replay_chart.replay_figure(view)):
        before = json.dumps(spec, sort_keys=True, default=lambda a: a.tolist())
        theirs = copy.deepcopy(spec)
        convert_to_base64(theirs)
        ours = plotly_spec.encode(spec)
        assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True, default=lambda a: a.tolist())
        assert json.dumps(spec, sort_keys=True, default=lambda a: a.tolist()) == before, "the caller's spec is kept"
