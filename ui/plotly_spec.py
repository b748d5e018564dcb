"""st.plotly_chart for a figure spec that is already a plain dict: sent as it is, without a second validation.

Streamlit 1.67's st.plotly_chart turns a dict into `go.Figure(**spec)` (which validates every
property: 10-55 ms per chart here) and a `go.Figure` into `fig.to_dict()`. A Figure whose
`to_dict()` returns the spec skips that work; the specs are validated once, in the tests
(tests/test_charts.py builds a `go.Figure` from each). Numpy arrays are base64-encoded as Plotly's
own `to_dict()` does (`_plotly_utils.utils.convert_to_base64`), so the browser receives the same
JSON; a test checks that both encodings agree on every chart.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import streamlit as st

CONFIG = {"displaylogo": False, "responsive": True}


class _Spec(go.Figure):
    """A Figure in name only, that hands st.plotly_chart a prepared spec."""

    def __init__(self, spec: dict):
        # Figure's own __init__ is skipped: it costs ~2-4 ms and builds state nothing here reads.
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return encode(self._spec)


# Plotly.js typed-array names of the dtypes the charts use (plotly's own table has more).
_TYPED = {"float64": "f8", "float32": "f4", "int32": "i4", "int16": "i2", "int8": "i1", "uint8": "u1"}


def encode(spec):
    """A copy of `spec` with each numpy array as Plotly's {"dtype", "bdata"(, "shape")} (the caller's is kept).

    Plotly's convert_to_base64 does the same but visits every item of every list (the traces' x and
    y, the hover texts): 3-9 ms a chart here. This visits lists only when they hold dicts (traces,
    shapes, annotations). int64 arrays are narrowed to the smallest integer type, as Plotly does.
    """
    if isinstance(spec, dict):
        return {k: encode(v) for k, v in spec.items()}
    if isinstance(spec, list) and spec and isinstance(spec[0], dict):
        return [encode(v) for v in spec]
    if isinstance(spec, np.ndarray) and spec.size:
        return _typed(spec)
    return spec


def _typed(a: np.ndarray):
    if a.dtype == np.int64:
        a = next((a.astype(t) for t in (np.int8, np.int16, np.int32) if np.iinfo(t).min <= a.min()
                  and a.max() <= np.iinfo(t).max), a)
    name = _TYPED.get(str(a.dtype))
    if name is None:
        return a.tolist()
    out = {"dtype": name, "bdata": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(d) for d in a.shape)
    return out


def chart(spec: dict, slot=None, **kwargs) -> None:
    """Draw a figure spec (into `slot` if given), with the lab's config and without Streamlit's theme."""
    (slot or st).plotly_chart(_Spec(spec), config=CONFIG, theme=None, **kwargs)
