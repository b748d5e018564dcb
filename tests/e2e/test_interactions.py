"""What a student does on a lesson page, in the browser: type a rate, edit the data, break it, fix it,
take the log and the program home. Every number is checked against `core`, which the unit tests
check against the document.

One visitor per lesson (a module-scoped page, so the page loads once per lesson); each test starts
from the lesson's defaults, resetting with the page's own buttons if an earlier test left it elsewhere.
Every lesson gets the typed rate and the downloads (its console and program differ); the table edit
and the diverging preset each run on one lesson without a bias and one with (the renderer is shared).

The same pages guard against sending more: the websocket bytes of opening each lesson and of the
typed rate's rerun. Not a timing test (timings depend on the machine's load): bytes do not. The
budgets are the sizes measured when the heavy sections became lazy tabs (lessons 1-2 ≈ 35 KB, lessons
3-4 ≈ 99 KB, the landscape's contour being most of it), with ~40 % headroom. A section that starts
sending its content on every rerun while its tab is closed (the replay's frames, the sweep, the race,
a 5,000-row table), or a chart that starts sending per-point text again, breaks it: make that part
lazy, or raise the budget here on purpose, with the reason.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

import core
from core import analysis
from core.catalog import lesson
from core.data import presets
from tests.support import CLICK_MS, LESSON_PATH, reference
from tests.support.browser import CHARTS, element_kind, listen, messages, recorded

pytestmark = pytest.mark.e2e

LESSONS = (1, 2, 3, 4)
LR = 0.02  # not any lesson's default, and stable for every lesson's data
BUDGET = {1: 48_000, 2: 48_000, 3: 140_000, 4: 140_000}  # bytes, for opening the page and for one change


def lesson_id(n: int) -> str:
    return f"lesson{n}"


def lines(text: str) -> str:
    """A log as the console view shows it: its lines, ending with one newline."""
    return text.rstrip("\n") + "\n"


def trace(charts: list, prefix: str) -> dict:
    """The one trace, across all charts, whose name starts with `prefix`."""
    found = [t for chart in charts for t in chart if (t["name"] or "").startswith(prefix)]
    assert len(found) == 1, f"{len(found)} traces named {prefix}…: {[t['name'] for c in charts for t in c]}"
    return found[0]


def verdict(app) -> str:
    kinds = r"Converged|Converging|On the edge|Diverging|Stalled|Overflowed"  # core.analysis.KINDS' headlines
    banners = [a for a in app.alerts() if re.search(kinds, a)]
    assert len(banners) == 1, app.alerts()
    return banners[0]


@pytest.fixture(scope="module")
def lesson_page(app_factory, server):
    """lesson_page(n): the visitor on lesson n, one lesson at a time (conftest runs each lesson's tests
    together, so each lesson's page loads once)."""
    current: dict = {}

    def get(n: int):
        if n not in current:
            for app in current.values():
                app.close()
            current.clear()
            app = current[n] = app_factory(server.url)
            listen(app)
            app.opened_bytes = sum(map(len, recorded(app, lambda: app.goto(LESSON_PATH[n]))))
        return current[n]

    yield get
    for app in current.values():
        app.close()


@pytest.fixture
def at_defaults(lesson_page, n):
    """Lesson n's page at the document's data and settings (reset with its buttons if needed)."""
    app = lesson_page(n)
    if app.console() != reference(n):
        app.click("Reset to the document's data")
        app.click("Reset to the lesson's defaults")
    assert app.console() == reference(n)
    yield app
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}


@pytest.mark.parametrize("n", LESSONS, ids=lesson_id)
def test_typed_learning_rate_reruns_console_and_charts(n, at_defaults):
    app = at_defaults
    before = app.snapshot_charts()
    app.page.evaluate(f"document.querySelectorAll('{CHARTS}').forEach((e) => {{ e.__kept = true; }})")
    frames = recorded(app, lambda: app.set_number("Learning rate (exact)", f"{LR}"))
    after = app.wait_charts_change()
    changed = sum(map(len, frames))
    assert 5_000 < changed <= BUDGET[n], f"one rate change on lesson {n} sent {changed:,} bytes (budget {BUDGET[n]:,})"
    # The rate reruns only what the settings decide (ui.lesson_page._run, a fragment), run first: the data
    # and the lesson's text are not sent again, and the charts go before the sidebar's controls.
    sent = [(element_kind(m)[0], tuple(m.metadata.delta_path), str(m.delta)) for m in messages(frames)
            if m.WhichOneof("type") == "delta"]
    assert not [p for k, p, _ in sent if k in ("arrow_data_frame", "dataframe")], "the data editor was sent again"
    assert not [p for _, p, body in sent if "What this lesson adds" in body], "the lesson's text was sent again"
    first_chart = next(i for i, (k, _, _) in enumerate(sent) if k == "bidi_component")
    first_control = next(i for i, (k, p, _) in enumerate(sent) if p[0] == 1 and k == "number_input")
    assert first_chart < first_control, "the controls were sent before the charts"
    kept = app.page.evaluate(f"[...document.querySelectorAll('{CHARTS}')].map((e) => e.__kept === true)")
    assert kept == [True, True, True], "each chart is redrawn in place (Plotly.react), not replaced (ui/live_chart)"
    run = core.run_lesson(n, lr=LR)
    assert app.console() == lines(run.log_text)
    assert trace(after, "loss (before")["customdata"] == pytest.approx(run.history["loss"].tolist(), rel=1e-12)
    assert trace(after, "line after epoch") != trace(before, "line after epoch")
    assert trace(after, "gradient descent path") != trace(before, "gradient descent path")

    app.click("Reset to the lesson's defaults")
    assert app.console() == reference(n)
    assert app.page.get_by_label("Learning rate (exact)", exact=True).input_value() == f"{lesson(n).defaults().lr:g}"


@pytest.mark.parametrize("n", LESSONS, ids=lesson_id)
def test_opening_the_lesson_sent_at_most_the_budget(n, lesson_page):
    opened = lesson_page(n).opened_bytes  # recorded when the page was opened, before any test changed it
    assert 5_000 < opened <= BUDGET[n], f"opening lesson {n} sent {opened:,} bytes (budget {BUDGET[n]:,})"


@pytest.mark.parametrize("n", [1, 3], ids=lesson_id)  # w·x, and w·x + b
def test_edited_cell_moves_the_data_points(n, at_defaults):
    app = at_defaults
    x, y = list(lesson(n).defaults().x), list(lesson(n).defaults().y)
    assert y[1] == 4
    y[1] = 5.0
    app.snapshot_charts()
    app.edit_cell(row=1, column=1, value="5")
    after = app.wait_charts_change()
    points = trace(after, "data")
    assert (points["x"], points["y"]) == (x, y)
    assert app.console() == lines(core.run_lesson(n, x=x, y=y).log_text)

    app.snapshot_charts()
    app.click("Reset to the document's data")
    points = trace(app.wait_charts_change(), "data")
    assert (points["x"], points["y"]) == (list(lesson(n).defaults().x), list(lesson(n).defaults().y))
    assert app.console() == reference(n)


@pytest.mark.parametrize("n", [2, 4], ids=lesson_id)  # w·x, and w·x + b
def test_diverging_preset_then_the_safe_rate(n, at_defaults):
    app = at_defaults
    large = presets(lesson(n))[3]
    assert large.name == "Large x (diverges)"
    curv = analysis.curvature(large.x, lesson(n).has_bias)

    app.click(large.name)
    banner = verdict(app)
    assert "Overflowed" in banner and f"{curv.lr_critical:.6g}" in banner, banner
    assert app.console() == lines(core.run_lesson(n, x=large.x, y=large.y).log_text)

    app.act(lambda: app.button(re.compile(r"^Use a safe rate")).click(timeout=CLICK_MS))
    assert "Overflowed" not in verdict(app) and "Diverging" not in verdict(app)
    assert app.page.get_by_label("Learning rate (exact)", exact=True).input_value() == f"{curv.lr_safe:g}"
    assert app.console() == lines(core.run_lesson(n, x=large.x, y=large.y, lr=curv.lr_safe).log_text)

    app.click("Reset to the document's data")
    app.click("Reset to the lesson's defaults")
    assert app.console() == reference(n)


def _log_columns(has_bias: bool) -> list[str]:
    cols = ["epoch", "loss (before update)", "w (before update)", "dL/dw", "w (after update)"]
    return cols + (["b (before update)", "dL/db", "b (after update)"] if has_bias else [])


@pytest.mark.parametrize("n", LESSONS, ids=lesson_id)
def test_downloads_are_the_run_and_its_program(n, at_defaults, tmp_path):
    app = at_defaults
    program = app.download("Download the program", tmp_path)
    assert program.name == f"lesson{n}.py"
    # Runs while the CSV is checked: importing torch takes a few seconds.
    proc = subprocess.Popen([sys.executable, program.name], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    app.act(lambda: app.page.get_by_role("tab", name="Epoch log").click())  # the log's tab computes when opened
    csv = app.download("Download the log as CSV", tmp_path)
    app.act(lambda: app.page.get_by_role("tab", name="The program").click())  # as the next test expects
    assert csv.name == f"lesson{n}_log.csv"
    got = pd.read_csv(csv)  # pandas 3 reads floats round-trip exactly by default
    history = core.run_lesson(n).history
    names = ["epoch", "loss", "w_before", "grad_w", "w"] + (["b_before", "grad_b", "b"] if lesson(n).has_bias else [])
    expected = history[names].set_axis(_log_columns(lesson(n).has_bias), axis=1)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=True)

    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert out == app.console() == reference(n)
