"""A diverging run is a result to explain, not an error: through core and through the page.

The verdict says it overflowed, where the loss overflowed, how many epochs ran finite, and how the
rate compares with the critical rate for the data; every chart draws only finite numbers (a log
axis only positive ones); the console prints exactly what the program prints, inf and nan included.
"""

from __future__ import annotations

import math
import re

import pytest

import core
from core import analysis
from core.catalog import lesson
from core.data import presets
from tests.support.apptest import console, figures, open_page

LARGE_X = presets(lesson(2))[3]
assert LARGE_X.name.startswith("Large x")

# name: (lesson, settings, epoch where the loss overflows, epochs that ran finite)
CASES = {
    "lesson 1, lr 0.5": (1, {"lr": 0.5}, 18, 17),
    "lesson 3, lr 1.0, 200 iterations": (3, {"lr": 1.0, "epochs": 200}, 12, 11),
    "lesson 2, Large x preset": (2, {"x": LARGE_X.x, "y": LARGE_X.y}, 12, 11),
    "lesson 4, Large x preset": (4, {"x": LARGE_X.x, "y": LARGE_X.y}, 11, 10),
}


def _run(name: str) -> core.Run:
    n, settings, _, _ = CASES[name]
    return core.run_lesson(n, **settings)


def _page(name: str):
    n, settings, _, _ = CASES[name]

    def setup(at):
        for k, v in settings.items():
            if k in ("x", "y"):
                continue
            at.session_state[f"l{n}.{k}"] = v

    at = open_page(n, setup)
    if "x" in settings:
        at.button(key=f"l{n}.preset3").click().run()
    assert not at.exception, at.exception[0].value
    return at


# ---- through core ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_core_verdict_names_the_overflow_and_the_critical_rate(name):
    run = _run(name)
    s = run.settings
    v = analysis.verdict(run)
    curv = analysis.curvature(s.x, s.has_bias)
    ok = analysis.finite_epochs(run)
    assert v.kind == "overflowed"
    assert s.lr > curv.lr_critical
    assert ok < len(run.history), "the run really overflowed"
    _, _, overflow, finite = CASES[name]
    assert (ok, v.epoch) == (finite, overflow)
    assert re.search(rf"overflowed\b.* at epoch {overflow}\b", v.reason), v.reason
    assert f"{s.lr:.6g}" in v.reason and f"{curv.lr_critical:.6g}" in v.reason
    # The history really is finite up to there and not after.
    h = run.history.drop(columns="epoch").to_numpy(dtype=float)
    assert all(math.isfinite(v) for v in h[:ok].ravel())
    assert not all(math.isfinite(v) for v in h[ok])
    # The console prints what the program prints: the overflow shows as inf or nan.
    assert re.search(r"\b(inf|nan)\b", run.log_text)


@pytest.mark.parametrize("name", CASES)
def test_the_log_of_a_diverging_run_is_the_document_programs(name, document_log):
    """inf and nan included, digit for digit: the document's own program, run after torch.manual_seed."""
    run = _run(name)
    assert run.log_text == document_log(run.settings)


@pytest.mark.parametrize("name", CASES)
def test_core_verdict_says_how_many_epochs_ran_finite(name):
    """ "Overflowed at epoch 18" alone leaves the reader to work out that 17 epochs ran: say it."""
    run = _run(name)
    ok = analysis.finite_epochs(run)
    reason = analysis.verdict(run).reason
    assert re.search(rf"\b{ok:,} (finite )?epochs?\b", reason) and "finite" in reason, reason


# ---- through the page -----------------------------------------------------------------------


def _numbers(v, path=""):
    """Every number (and null) inside a decoded figure, with where it is."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _numbers(x, f"{path}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _numbers(x, f"{path}[{i}]")
    elif v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
        yield path, v


def _traces_data(fig: dict) -> list[tuple[str, object]]:
    """The plotted arrays of every trace (x, y, z and what hover shows)."""
    out = []
    for i, t in enumerate(fig["data"]):
        for k in ("x", "y", "z", "customdata"):
            if k in t:
                out += list(_numbers(t[k], f"data[{i}].{k}"))
    return out


@pytest.mark.parametrize("name", CASES)
def test_page_explains_the_divergence_and_draws_only_finite_numbers(name):
    n = CASES[name][0]
    at = _page(name)
    run = _run(name)
    s = run.settings
    curv = analysis.curvature(s.x, s.has_bias)
    ok = analysis.finite_epochs(run)

    banner = at.error[0].value
    assert "Overflowed" in banner and f"epoch {ok + 1}" in banner
    assert f"{curv.lr_critical:.6g}" in banner and f"{s.lr:.6g}" in banner
    assert any(f"**{curv.lr_critical:.6g}**" in m.value for m in at.markdown), "the stable range is stated"
    assert at.button(key=f"l{n}.safe").label.endswith(f"{curv.lr_safe:g}")

    text = console(at)
    assert text == run.log_text
    assert re.search(r"\b(inf|nan)\b", text)

    loss, fit, land = figs = figures(at)
    assert len(figs) == 3
    for fig in figs:
        plotted = _traces_data(fig)
        assert plotted, "every chart still draws something"
        assert not [(p, v) for p, v in plotted if v is None or not math.isfinite(v)], "no gaps, no NaN, no inf"
        nonfinite = [(p, v) for p, v in _numbers(fig) if v is not None and not math.isfinite(v)]
        assert not nonfinite, nonfinite[:5]
        ranges = [v for p, v in _numbers(fig["layout"]) if p.endswith(("range[0]", "range[1]"))]
        assert all(v is not None and math.isfinite(v) for v in ranges), ranges
    # The loss chart: the finite epochs only, and every value positive, as a log axis needs.
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert loss["data"][0]["x"] == list(range(1, ok + 1))
    assert loss["data"][0]["y"] == pytest.approx(run.history["loss"].iloc[:ok].tolist(), rel=1e-12)
    assert all(v > 0 for p, v in _traces_data(loss) if ".y" in p)
    # The path on the landscape ends at the last finite epoch; the chart says so.
    path = next(t for t in land["data"] if t["name"] == "gradient descent path")
    assert len(path["x"]) == ok + 1  # epoch 0 (the start) to the last finite one
    assert any("the last finite one" in t.get("name", "") for t in land["data"] + fit["data"])


@pytest.mark.parametrize("name", ["lesson 1, lr 0.5", "lesson 3, lr 1.0, 200 iterations"])
def test_page_says_how_many_epochs_ran_finite(name):
    at = _page(name)
    ok = analysis.finite_epochs(_run(name))
    banner = at.error[0].value
    assert re.search(rf"\b{ok:,} (finite )?epochs?\b", banner) and "finite" in banner, banner


def test_page_prose_never_reasons_with_nan():
    """After NaN the explanation must not quote "b = nan" or a shrinking error as if the run converged."""
    at = _page("lesson 3, lr 1.0, 200 iterations")
    prose = [m.value for m in at.markdown]
    assert not [p for p in prose if re.search(r"\bnan\b", p)], [p for p in prose if "nan" in p]


def test_the_safe_rate_button_turns_the_diverged_run_into_a_stable_one():
    at = _page("lesson 3, lr 1.0, 200 iterations")
    curv = analysis.curvature(core.lesson(3).defaults().x, True)
    at.button(key="l3.safe").click().run()
    assert not at.exception
    assert at.number_input(key="l3.lr").value == curv.lr_safe
    assert not at.error
    assert console(at) == core.run_lesson(3, lr=curv.lr_safe, epochs=200).log_text
