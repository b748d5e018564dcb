"""A chart that changes with every setting, kept on the page and redrawn in place with Plotly.react.

Why not st.plotly_chart: in Streamlit 1.67 a plotly_chart element's id hashes its figure
(`streamlit/elements/plotly_chart.py`, `key_as_main_identity=False`) and the frontend keys every
element by its id, so each new figure unmounts the old chart and draws the new one from nothing
(`Plotly.newPlot`: axes, legend, mode bar, SVG layers); its component also reads a figure into its
state only when mounted, so a stable id would freeze the chart. Measured in Chromium on lesson 1's
figures, newPlot took 45, 50 and 100 ms (loss, fit, landscape) and Plotly.react of the next figure
22, 25 and 24 ms; side by side, Enter → new loss line went from 450 to 314 ms (README, Performance).

So the lesson's charts are a keyed `st.components.v2` component (its id is its key: it stays mounted)
whose JavaScript (ui/live_chart.js) calls Plotly.react on the same element with each new figure,
using the Plotly bundle Streamlit ships. The figure is the same spec st.plotly_chart would send
(`plotly_spec.encode`). Without that bundle (another Streamlit build), it falls back to st.plotly_chart.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import streamlit as st

from ui import plotly_spec

NAME = "gdl_live_chart"
# Streamlit's Plotly bundle, by file name (its hash changes with each Streamlit release), next to its index.js.
_BUNDLES = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
CHUNK = f"./{_BUNDLES[0].name}" if len(_BUNDLES) == 1 else None

# The lab's chart config; st.plotly_chart also drops the lasso and box-select buttons when a chart has no selection.
_CONFIG = {**plotly_spec.CONFIG, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}

# How long a rerun waits after the loss chart before it sends the rest of the page (hand_over).
HAND_OVER_S = 0.03

_component = st.components.v2.component(NAME, js=Path(__file__).with_name("live_chart.js").read_text(),
                                        isolate_styles=False) if CHUNK else None


def draw(spec: dict, key: str, slot=None) -> None:
    """Draw figure `spec` as the live chart `key` (unique on the page), into `slot` if given (an st.empty: it
    replaces what the slot held), or as an st.plotly_chart without the bundle."""
    with slot if slot is not None else contextlib.nullcontext():
        if _component is None:
            plotly_spec.chart(spec, key=key)
            return
        _component(key=key, data={"figure": plotly_spec.encode(spec), "config": _CONFIG, "chunk": CHUNK})


def hand_over() -> None:
    """Wait HAND_OVER_S, so that the browser draws the chart just sent before the rest of the rerun arrives.

    Streamlit's page applies the messages it has received when React next renders. Sent together, the
    loss chart waited for the re-render of the results, the console and ~20 controls before Plotly.react
    drew it; 30 ms apart, it is drawn in a render of its own. Side by side in Chromium (bench/browser_latency.py,
    uncached rate changes, medians; README, Performance): Enter → new loss line on lessons 1 and 3, 218–258 ms
    in three runs, against 292–316 ms without the pause in two of them; the console now changes 40–90 ms after
    the line, not with it.
    A sleeping script thread costs the server nothing; the other visitors' threads run meanwhile.
    """
    time.sleep(HAND_OVER_S)
