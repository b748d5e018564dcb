"""st.plotly_chart for a figure spec that is already a plain dict: sent as it is, without a second validation.

Streamlit 1.67's st.plotly_chart turns a dict into `go.Figure(**spec)` (which validates every
property: 10-55 ms per chart here) and a `go.Figure` into `fig.to_dict()`. A Figure whose
`to_dict()` returns the spec skips that work; the specs are validated once, in the tests
(tests/test_charts.py builds a `go.Figure` from each). Arrays are base64-encoded as Plotly's own
`to_dict()` does, so the browser receives the same JSON.
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go
import streamlit as st
from _plotly_utils.utils import convert_to_base64

CONFIG = {"displaylogo": False, "responsive": True}


class _Spec(go.Figure):
    """A Figure in name only, that hands st.plotly_chart a prepared spec."""

    def __init__(self, spec: dict):
        # Figure's own __init__ is skipped: it costs ~2-4 ms and builds state nothing here reads.
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        spec = copy.copy(self._spec)  # convert_to_base64 rewrites arrays in place: keep the caller's intact
        spec["data"] = [dict(trace) for trace in spec["data"]]
        if "frames" in spec:  # an animation: its frames' traces are rewritten too
            spec["frames"] = [{**f, "data": [dict(trace) for trace in f["data"]]} for f in spec["frames"]]
        convert_to_base64(spec)
        return spec


def chart(spec: dict, slot=None, **kwargs) -> None:
    """Draw a figure spec (into `slot` if given), with the lab's config and without Streamlit's theme."""
    (slot or st).plotly_chart(_Spec(spec), config=CONFIG, theme=None, **kwargs)
