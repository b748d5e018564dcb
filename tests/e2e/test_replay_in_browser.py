"""The replay in Chromium: Play advances the epoch in the browser while the app's script stays idle (no rerun)."""

from __future__ import annotations

import pytest

from tests.support.browser import CHARTS
from tests.support.paths import LESSON_PATH

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("n", (1, 3))
def test_play_advances_the_epoch_without_a_rerun(n, server, new_app):
    app = new_app(server.url, width=1366, height=768)
    app.goto(LESSON_PATH[n])
    app.act(lambda: app.page.get_by_role("tab", name="Replay").click())
    played = app.play_replay("▶ Play")  # to the last frame
    assert played["start"] == 0 and played["last"] == played["frames"] - 1
    assert played["changes"] >= played["frames"] - 1 - 5, played  # epoch after epoch (a few may share a paint)
    assert played["states"] == ["notRunning"], played  # the script never ran meanwhile
    assert played["runsStarted"] == 0 and played["runsDone"] == 0, played
    shown = app.page.evaluate(_SHOWN)  # the slider's current value: the last epoch, with its w (b) and loss
    assert shown.startswith(f"epoch {app.page.evaluate(_LAST_EPOCH)} ·") and "loss = " in shown, shown
    # Pause stops it part-way, and Play goes on from there.
    app.replay_button("❚❚ Pause").click()  # at the end already: nothing to pause, and nothing breaks
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}


def test_pause_stops_part_way_and_play_resumes_from_there(server, new_app):
    app = new_app(server.url, width=1366, height=768)
    app.goto(LESSON_PATH[3])
    app.act(lambda: app.page.get_by_role("tab", name="Replay").click())
    app.play_replay("0.5×", until_last=False, seconds=2.0)
    app.replay_button("❚❚ Pause").click()
    stopped = app.page.evaluate(_ACTIVE)
    assert 0 < stopped < 100
    app.page.wait_for_timeout(1_000)  # a paused replay stays where it is
    assert app.page.evaluate(_ACTIVE) == stopped
    resumed = app.play_replay("4×", until_last=False, seconds=1.0)
    assert resumed["start"] == stopped and resumed["last"] > stopped
    assert resumed["runsStarted"] == 0


_REPLAY = f"""[...document.querySelectorAll('{CHARTS}')]
  .find((e) => e._transitionData && e._transitionData._frames && e._transitionData._frames.length)"""
_ACTIVE = f"() => ({_REPLAY})._fullLayout.sliders[0].active"
_SHOWN = f"() => {{ const s = ({_REPLAY})._fullLayout.sliders[0]; return s.steps[s.active].label; }}"
_LAST_EPOCH = f"() => {{ const frames = ({_REPLAY})._transitionData._frames; return frames[frames.length - 1].name; }}"
