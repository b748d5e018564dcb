"""Every page through Streamlit's AppTest: it runs, its widgets are there, and its numbers are core's."""

from __future__ import annotations

import json

import pytest

import core
from core import analysis
from core.catalog import lesson
from core.data import presets
from tests.support.apptest import all_text, console, figures, open_page, open_tab, trace_names
from tests.support.paths import reference
from ui import charts, live_chart, plotly_spec, runs
from ui.nav import url_path

LESSONS = (1, 2, 3, 4)


def test_home_page_links_every_lesson():
    at = open_page(None)
    assert at.title[0].value == "Gradient Descent Lab"
    links = [el.proto.page for el in at.get("page_link")]
    for n in LESSONS:
        assert links.count(url_path(lesson(n)).lstrip("/")) == 2, f"lesson {n}: once in the menu, once on its card"
    assert len(figures(at)) == 1


@pytest.mark.parametrize("n", LESSONS)
def test_lesson_at_defaults_prints_the_document(n):
    at = open_page(n)
    assert not at.exception
    assert at.title[0].value.startswith(f"{n} · ")
    assert console(at) == reference(n)
    labels = {w.label for w in [*at.number_input, *at.select_slider, *at.radio, *at.button, *at.toggle, *at.slider]}
    for label in ("Learning rate", "Learning rate (exact)", "Iterations", "Log every", "Seed", "x to predict",
                  "Reset to the lesson's defaults", "Log scale", "Line after epoch"):
        assert label in labels, label
    assert at.select_slider(key=f"l{n}.lr_pick").value == lesson(n).defaults().lr
    # The program shown is the program for these settings.
    assert any("torch.manual_seed(0)" in c.value for c in at.code)


@pytest.mark.parametrize("n", LESSONS)
def test_controls_change_the_console_exactly_as_core(n):
    at = open_page(n)
    at.number_input(key=f"l{n}.lr").set_value(0.02).run()
    assert console(at) == core.run_lesson(n, lr=0.02).log_text
    at.number_input(key=f"l{n}.epochs").set_value(33).run()
    assert console(at) == core.run_lesson(n, lr=0.02, epochs=33).log_text
    at.radio(key=f"l{n}.start").set_value("random from the seed").run()
    at.number_input(key=f"l{n}.seed").set_value(7).run()
    assert console(at) == core.run_lesson(n, lr=0.02, epochs=33, seed=7, init_w=None).log_text
    at.select_slider(key=f"l{n}.lr_pick").set_value(0.001).run()
    assert at.number_input(key=f"l{n}.lr").value == 0.001
    assert console(at) == core.run_lesson(n, lr=0.001, epochs=33, seed=7, init_w=None).log_text
    at.button(key=f"l{n}.reset").click().run()
    assert console(at) == reference(n)


def test_fixed_start_and_prediction():
    at = open_page(3)
    at.radio(key="l3.start").set_value("fixed values").run()
    at.number_input(key="l3.init_w").set_value(0.5).run()
    at.number_input(key="l3.init_b").set_value(-1.0).run()
    at.number_input(key="l3.predict").set_value(2.5).run()
    assert console(at) == core.run_lesson(3, init_w=0.5, init_b=-1.0, predict=2.5).log_text
    assert "f(2.5)" in console(at)


@pytest.mark.parametrize("n", (1, 3))
def test_edited_table_changes_the_results(n):
    def edit(at):
        at.session_state[f"l{n}.editor0"] = {
            "edited_rows": {1: {"y": "5"}}, "added_rows": [{"x": "7", "y": "14.5"}], "deleted_rows": [0],
        }

    at = open_page(n, edit)
    assert not at.exception
    x, y = list(lesson(n).defaults().x[1:]), list(lesson(n).defaults().y[1:])
    y[0] = 5.0
    x.append(7.0)
    y.append(14.5)
    assert console(at) == core.run_lesson(n, x=x, y=y).log_text
    fit = figures(at)[1]
    data = next(t for t in fit["data"] if t["name"] == "data")
    assert list(data["x"]) == x and list(data["y"]) == y


@pytest.mark.parametrize("n", LESSONS)
def test_every_chart_has_its_traces(n):
    at = open_page(n)
    loss, fit, land = figures(at)
    run = core.run_lesson(n)
    assert trace_names(loss)[0].startswith("loss")
    assert loss["data"][0]["y"] == pytest.approx(run.history["loss"].tolist(), rel=1e-12)
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert {"data", "least squares (closed form)"} <= set(trace_names(fit))
    assert any(name.startswith("line after epoch") for name in trace_names(fit))
    assert "gradient descent path" in trace_names(land)
    kinds = {t["type"] for t in land["data"]}
    assert ("contour" in kinds) == lesson(n).has_bias
    at.toggle(key=f"l{n}.log_y").set_value(False).run()
    assert figures(at)[0]["layout"]["yaxis"].get("type", "linear") == "linear"


def test_fit_slider_draws_the_line_of_that_epoch():
    at = open_page(2)
    at.slider(key="l2.fit_epoch20").set_value(3).run()
    run = core.run_lesson(2)
    fit = figures(at)[1]
    line = next(t for t in fit["data"] if t["name"].startswith("line after epoch 3"))
    w3 = run.history["w"].iloc[2]
    assert line["y"][0] == pytest.approx(w3 * line["x"][0])


def test_lesson1_shows_autograd_next_to_the_formula():
    at = open_tab(open_page(1), 1, "Look closer")
    text = all_text(at)
    table = at.dataframe[1].value
    worst = (table["autograd dL/dw"] - table["(2/N)·Σ x(ŷ−y)"]).abs().max()
    assert "in every one of the 20 epochs `w.grad` equals" in text and f"largest difference is **{worst:.2g}**" in text
    assert list(table["autograd dL/dw"]) == core.run_lesson(1).history["grad_w"].tolist()
    assert (table["autograd dL/dw"] - table["(2/N)·Σ x(ŷ−y)"]).abs().max() < 1e-4


def test_lesson2_shows_step_equals_the_manual_update():
    at = open_tab(open_page(2), 2, "Look closer")
    assert "from the same start w = 0, against `torch.optim.SGD`: identical, bit for bit, in all 20 epochs" in all_text(
        at)
    manual = core.run_lesson(1, x=lesson(2).defaults().x, y=lesson(2).defaults().y, init_w=0.0)
    table = at.dataframe[1].value
    assert list(table["w (w -= lr·grad)"]) == manual.history["w"].tolist()
    assert list(table["w (optimizer.step())"]) == core.run_lesson(2).history["w"].tolist()


def test_lesson3_explains_the_slow_bias_with_the_right_figures():
    at = open_tab(open_page(3), 3, "Look closer")
    text = all_text(at)
    curv = analysis.curvature(lesson(3).defaults().x, True)
    assert f"{curv.condition:.1f}" == "88.7"
    for figure in ("**88.7**", "**44.8277**", "**0.50564**", "0.0441176", "mostly b",
                   f"b = {core.run_lesson(3).params['b']:.6g}", "b* = 0.0686275"):
        assert figure in text, figure
    assert "Converging" in text


def test_only_the_open_tab_is_computed():
    at = open_page(2)
    assert [t.label for t in at.tabs] == ["The program", "Replay", "Step through one epoch", "Look closer",
                                          "Epoch log", "Pinned runs", "Learning-rate sweep", "Optimizer race"]
    assert any(c.language == "python" for c in at.code) and not at.dataframe[1:]  # the program only
    assert len(figures(at)) == 3  # the charts section's three: no replay until its tab is open
    assert not any("optimizer.step()` is lesson 1" in h.value for h in at.subheader)
    open_tab(at, 2, "Look closer")
    assert not any(c.language == "python" for c in at.code)
    assert any("optimizer.step()` is lesson 1" in h.value for h in at.subheader)


def test_lesson4_shows_the_module_and_that_it_equals_lesson3():
    at = open_tab(open_page(4), 4, "Look closer")
    assert any("(lin): Linear(in_features=1, out_features=1, bias=True)" in c.value for c in at.code)
    assert "identical, bit for bit, in every one of the 100 epochs" in all_text(at)
    assert console(at) == reference(3)


def test_diverging_preset_explains_and_the_safe_rate_fixes_it():
    at = open_page(2)
    at.button(key="l2.preset3").click().run()  # "Large x (diverges)"
    p = presets(lesson(2))[3]
    curv = analysis.curvature(p.x, False)
    assert at.error, "a diverged run is shown as an error banner"
    assert "Overflowed" in at.error[0].value and f"{curv.lr_critical:.6g}" in at.error[0].value
    assert console(at) == core.run_lesson(2, x=p.x, y=p.y).log_text
    at.button(key="l2.safe").click().run()
    assert at.number_input(key="l2.lr").value == curv.lr_safe
    assert not at.error
    assert "Converged" in at.success[0].value
    at.button(key="l2.preset0").click().run()
    at.button(key="l2.reset").click().run()
    assert console(at) == reference(2)


def test_results_show_the_closed_form_distance():
    at = open_page(2)
    metrics = {m.label: m.value for m in at.metric}
    run = core.run_lesson(2)
    opt = analysis.optimum(run.settings.x, run.settings.y, False)
    assert metrics["final w"] == f"{run.params['w']:.6g}"
    assert metrics["distance to optimum"] == f"{abs(run.params['w'] - opt.params['w']):.3g}"
    assert metrics["prediction f(5)"] == f"{run.prediction:.6g}"


def test_epoch_log_has_unambiguous_columns():
    at = open_tab(open_page(3), 3, "Epoch log")
    log = at.dataframe[-1].value
    assert list(log.columns) == ["epoch", "loss (before update)", "w (before update)", "dL/dw", "w (after update)",
                                 "b (before update)", "dL/db", "b (after update)"]
    assert len(log) == 100


@pytest.mark.parametrize("n", (1, 3))
def test_the_charts_are_live_charts_holding_the_figures_st_plotly_chart_would_send(n):
    assert live_chart.CHUNK is not None, "Streamlit's Plotly bundle not found: the charts fell back to st.plotly_chart"
    at = open_page(n)
    live = [el for el in at.get("bidi_component") if el.proto.component_name == live_chart.NAME]
    assert len(live) == 3 and not at.get("plotly_chart")
    view = runs.build(lesson(n).defaults())
    epochs = len(view.run.history)
    specs = [charts.loss_chart(view), charts.fit_chart(view, epochs), charts.landscape_chart(view)]
    for el, spec in zip(live, specs, strict=True):
        data = json.loads(el.proto.json)
        assert data["chunk"] == live_chart.CHUNK
        assert data["figure"] == json.loads(json.dumps(plotly_spec.encode(spec)))


def test_the_home_picture_is_a_live_chart_so_a_lesson_opened_from_it_finds_the_charts_code_loaded():
    """Opened from a page without a live chart, a lesson drew its charts ~1 s later (ui.home.picture's docstring)."""
    at = open_page(None)
    live = [el for el in at.get("bidi_component") if el.proto.component_name == live_chart.NAME]
    assert len(live) == 1 and not at.get("plotly_chart")
    view = runs.build(lesson(1).defaults())
    assert json.loads(live[0].proto.json)["figure"] == json.loads(json.dumps(plotly_spec.encode(
        charts.landscape_chart(view))))


@pytest.mark.parametrize("n", (1, 3))
def test_the_loss_chart_is_handed_over_before_the_rest_of_the_page(n, monkeypatch):
    """A rerun pauses right after the loss chart (live_chart.hand_over), so the browser draws it before the rest."""
    sent: list[str] = []
    real_draw = live_chart.draw

    def draw(spec: dict, key: str, slot=None) -> None:
        sent.append(key.split(".")[-1])  # "l3.loss_chart" -> "loss_chart"
        real_draw(spec, key, slot)

    monkeypatch.setattr(live_chart, "draw", draw)
    monkeypatch.setattr(live_chart, "hand_over", lambda: sent.append("pause"))
    open_page(n, setup=lambda at: sent.clear())  # the lesson's run only, not the home page's picture before it
    assert sent == ["loss_chart", "pause", "fit_chart", "landscape_chart"]
