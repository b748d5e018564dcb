"""The Replay section: the run replayed epoch by epoch in the browser (ui.replay_chart builds the figure)."""

from __future__ import annotations

import streamlit as st

from core.view import View
from ui import controls, plotly_spec, presenter, replay_chart

HEIGHT = {False: 500, True: 470}  # px; in presenter view it shares a 720-pixel screen with the title and the math
FONT = {False: 16, True: 19}


def replay_section(view: View) -> None:
    """Play, Pause, speeds and a scrubber over the fit, the loss and the landscape, all in step; no reruns."""
    present = presenter.on(view.lesson)
    if not present:
        st.subheader("Replay")
        st.caption("Press ▶ Play: the browser replays the run epoch by epoch — the line, the loss and the point on "
                   "the landscape move together. Drag the slider to scrub; 0.5× to 4× play at that speed. "
                   f"At most {replay_chart.MAX_FRAMES} frames: a longer run is shown every few epochs "
                   "(always the first, the last and where a divergence starts).")
    spec = replay_chart.replay_figure(view, height=HEIGHT[present], font=FONT[present])
    plotly_spec.chart(spec, key=controls.key(view.lesson, "replay_chart"))
