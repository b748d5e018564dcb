"""ui.replay_chart and the Replay tab: each frame is the run's own state, thinning keeps the epochs that matter,
a 5,000-epoch spec stays small, a run that overflowed replays up to its overflow, and the page sends it only
when the tab is open."""

from __future__ import annotations

import itertools
import json
import math
from functools import cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from core import analysis
from core.catalog import lesson
from core.view import View, build
from tests.support.apptest import figures, open_page, open_tab
from ui import replay_chart
from ui.plotly_spec import _Spec

SPEC_LIMIT = 2_000_000  # bytes of JSON per figure (the design's performance budget)


@cache
def view(n: int, **changes) -> View:
    les = lesson(n)
    return build(les.defaults().replace(**changes))


def spec_json(spec: dict) -> str:
    """The JSON the browser receives, as st.plotly_chart makes it from the page's spec."""
    return pio.to_json(_Spec(spec), validate=False)


def state_after(v: View, k: int) -> tuple[dict[str, float], float]:
    """The parameters after k epochs and the loss at them, read straight from the run's history."""
    h = v.run.history
    params = dict(v.run.initial) if k == 0 else {p: float(h[p].iat[k - 1]) for p in v.lesson.params}
    loss = float(h["loss"].iat[k]) if k < len(h) else float(v.run.final_loss)
    return params, loss


def moving(spec: dict) -> dict[str, int]:
    """The indices of the three moving traces: the model's line, the marker on the loss, the marker on the landscape."""
    idx = spec["frames"][0]["traces"]
    return {"line": idx[0], "loss": idx[1], "land": idx[2]}


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_each_frame_is_the_runs_state_after_that_epoch(n):
    v = view(n)
    spec = replay_chart.replay_figure(v)
    go.Figure(spec)  # a valid Plotly figure, frames and all
    epochs = [int(f["name"]) for f in spec["frames"]]
    assert epochs == list(range(len(v.run.history) + 1))  # a short run: every epoch, the start included
    i = moving(spec)
    for f in spec["frames"]:
        k = int(f["name"])
        params, loss = state_after(v, k)
        line, loss_mark, land = f["data"]
        # The fit: the line w·x + b at that epoch.
        np.testing.assert_allclose(line["y"], params["w"] * np.asarray(line["x"]) + params.get("b", 0.0), rtol=1e-12)
        # The loss panel: at epoch k, the run's own loss at those parameters.
        assert loss_mark["x"] == [k] and loss_mark["y"] == [loss]
        # The landscape: the parameters (w on the curve L(w); w and b on the contours).
        assert land["x"] == [params["w"]]
        if v.lesson.has_bias:
            assert land["y"] == [params["b"]]
        else:
            s = v.settings
            assert land["y"][0] == pytest.approx(np.mean((params["w"] * np.array(s.x) - np.array(s.y)) ** 2))
        assert f["traces"] == [i["line"], i["loss"], i["land"]]
    # The slider shows each frame's epoch, parameters and loss.
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["args"][0] for s in steps] == [[f["name"]] for f in spec["frames"]]
    params, loss = state_after(v, len(v.run.history))
    assert steps[-1]["label"] == replay_chart.state_text(v.lesson, params, loss, len(v.run.history))
    # The figure starts at epoch 0, and the buttons play it.
    assert spec["data"][i["line"]]["y"].tolist() == spec["frames"][0]["data"][0]["y"].tolist()
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["▶ Play", "❚❚ Pause", "0.5×", "1×", "2×", "4×"]


def test_speeds_scale_the_frame_duration():
    spec = replay_chart.replay_figure(view(3))
    buttons = spec["layout"]["updatemenus"][0]["buttons"]
    play = buttons[0]["args"][1]["frame"]["duration"]
    assert replay_chart.FRAME_MS[0] <= play <= replay_chart.FRAME_MS[1]
    for b, speed in zip(buttons[2:], replay_chart.SPEEDS, strict=True):
        assert b["args"][1]["frame"]["duration"] == pytest.approx(play / speed)
        assert b["args"][1]["fromcurrent"] and not b["args"][1]["frame"]["redraw"]


@pytest.mark.parametrize(("n", "changes"), [(3, {"epochs": 5_000}), (1, {"lr": 0.0755, "epochs": 5_000}),
                                            (1, {"lr": 0.08, "epochs": 5_000}), (3, {"lr": 0.046, "epochs": 5_000})])
def test_long_runs_are_thinned_keeping_first_last_and_divergence(n, changes):
    v = view(n, **changes)
    epochs = replay_chart.frame_epochs(v).tolist()
    assert len(epochs) <= replay_chart.MAX_FRAMES
    assert epochs[0] == 0 and epochs[-1] == v.finite
    start = replay_chart.divergence_epoch(v)
    if v.verdict.kind in ("diverging", "overflowed"):
        assert start is not None and start in epochs
    # Evenly: one odd stride between the kept epochs, but for the ones kept on purpose.
    stride = max(b - a for a, b in itertools.pairwise(epochs))
    assert stride % 2 == 1
    spec = replay_chart.replay_figure(v)
    assert [int(f["name"]) for f in spec["frames"]] == epochs
    for f in spec["frames"][:: max(1, len(epochs) // 20)]:  # thinned frames still carry their own epoch's state
        params, loss = state_after(v, int(f["name"]))
        assert f["data"][2]["x"] == [params["w"]]
        assert f["data"][1]["y"] == [loss if math.isfinite(loss) else None]


def test_divergence_epoch_is_the_verdicts():
    v = view(1, lr=0.078, epochs=300)
    assert v.verdict.kind == "diverging" and v.verdict.epoch is not None
    assert replay_chart.divergence_epoch(v) == v.verdict.epoch
    losses = [*v.run.history["loss"].tolist(), v.run.final_loss]
    start = v.verdict.epoch
    assert all(a < b for a, b in zip(losses[start - 1:], losses[start:], strict=False))


@pytest.mark.parametrize("n", [1, 3])
def test_a_5000_epoch_spec_is_small(n):
    v = view(n, epochs=5_000)
    text = spec_json(replay_chart.replay_figure(v))
    assert len(text) < SPEC_LIMIT, len(text)
    assert len(json.loads(text)["frames"]) <= replay_chart.MAX_FRAMES


@pytest.mark.parametrize(("n", "changes"), [(1, {"lr": 1.0, "epochs": 5_000}), (3, {"lr": 1.0, "epochs": 5_000}),
                                            (1, {"lr": 0.08, "epochs": 5_000}), (2, {"lr": 0.5, "epochs": 200})])
def test_a_run_that_overflowed_replays_up_to_its_overflow(n, changes):
    v = view(n, **changes)
    assert v.verdict.kind == "overflowed"
    spec = replay_chart.replay_figure(v)
    go.Figure(spec)
    text = spec_json(spec)
    assert "NaN" not in text and "Infinity" not in text  # strict JSON: the browser's JSON.parse must accept it
    frames = json.loads(text)["frames"]
    assert int(frames[-1]["name"]) == v.finite
    for f in frames:  # every parameter drawn is finite; a loss that is not is left out (null)
        line, loss_mark, land = f["data"]
        assert all(math.isfinite(y) for y in line["y"]) if isinstance(line["y"], list) else True
        assert all(y is None or math.isfinite(y) for y in loss_mark["y"])
        assert all(math.isfinite(x) for x in land["x"])
    params, loss = state_after(v, v.finite)
    label = spec["layout"]["sliders"][0]["steps"][-1]["label"]
    assert label == replay_chart.state_text(v.lesson, params, loss, v.finite)
    if not math.isfinite(loss):
        assert "overflow" in label


def test_growth_start_matches_the_verdicts_rule():
    assert analysis.growth_start([5, 4, 3, 4, 5, 6]) == 3  # the update of epoch 3 is the first to raise the loss
    assert analysis.growth_start([5, 4, 3, 4]) is None  # one step up is not a divergence
    assert analysis.growth_start([1, 2, 3]) == 1
    assert analysis.growth_start([3, 2, 1]) is None


# ---- the page ----------------------------------------------------------------------------------------------


def test_replay_is_a_tab_computed_only_when_open():
    at = open_page(3)
    assert "Replay" in [t.label for t in at.tabs]
    assert not any(fig.get("frames") for fig in figures(at)), "the default page sends no replay"
    at = open_tab(at, 3, "Replay")
    assert not at.exception
    replays = [fig for fig in figures(at) if fig.get("frames")]
    assert len(replays) == 1
    v = view(3)
    last = replays[0]["frames"][-1]
    params, loss = state_after(v, len(v.run.history))
    assert last["data"][2]["x"] == [params["w"]] and last["data"][2]["y"] == [params["b"]]
    assert last["data"][1]["y"] == [loss]
