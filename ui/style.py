"""How every chart looks: one colour per role, big type for a projector, the legend above the plot.

Plotly only (no torch), so the home page can draw a chart's empty frame before torch has loaded.
"""

from __future__ import annotations

HEIGHT = 400

# One colour per role, the same in every chart; Okabe-Ito hues stay distinct for colour-blind viewers.
COLOR = {
    "data": "#333333",
    "model": "#0072B2",  # the model's line, its loss, its path
    "optimum": "#D55E00",  # the closed-form answer: always dashed, or a star
    "start": "#009E73",
    "landscape": "#8C8C8C",
}

# plotly_white's look, written out: naming the stock template makes plotly deep-copy and validate
# all of it for every figure (~18 ms each, most of a rerun's budget); this takes 0.5 ms.
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "zerolinewidth": 2,
         "ticks": "", "title": {"standoff": 15}}
_TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
                        "hovermode": "closest", "hoverlabel": {"align": "left"}, "xaxis": _AXIS, "yaxis": _AXIS}}

# The legend hangs from the top of the figure (yref "container", anchored at its top), and Plotly
# widens the top margin to fit it. Anchored at its bottom just above the plot instead, it kept its
# old height's offset after a resize: a window widened from 1366 to 1920 px slid it 18-43 px into the plot.
# It hangs below a band as tall as Plotly's mode bar (zoom, pan, download...), which appears at the top
# right while the pointer is over a chart: from the very top, a long legend was written over by the bar.
_LEGEND = {"orientation": "h", "yref": "container", "yanchor": "top", "xanchor": "left", "x": 0}
_MODEBAR_PX = 32


def layout(x_title: str, y_title: str, xaxis: dict | None = None, yaxis: dict | None = None, **more) -> dict:
    """The house style, with these axis titles: every chart's layout starts here."""
    # "container" y is a fraction of the figure's height: the band is _MODEBAR_PX at the height asked for.
    legend = {**_LEGEND, "y": 1 - _MODEBAR_PX / more.get("height", HEIGHT)}
    return {
        "template": _TEMPLATE, "height": HEIGHT, "font": {"size": 16}, "hoverlabel": {"font_size": 15},
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "legend": legend,
        "xaxis": {"title": {"text": x_title}, "automargin": True, **(xaxis or {})},
        "yaxis": {"title": {"text": y_title}, "automargin": True, **(yaxis or {})},
        **more,
    }


def frame(x_title: str, y_title: str, message: str) -> dict:
    """An empty chart of a real one's size and axes, saying what is on its way."""
    # Grid and outline but no numbers: it reads as a chart being drawn, not as empty space.
    blank = {"showticklabels": False, "zeroline": False, "showline": True, "mirror": True, "linecolor": "#C8D1E0"}
    return {"data": [], "layout": layout(x_title, y_title, xaxis=blank, yaxis=blank, annotations=[
        {"text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
         "bgcolor": "white", "borderpad": 6, "font": {"color": COLOR["landscape"]}}])}


# Presenter view (ui.presenter): bigger type for the back of a room, and no space wasted above the title, so
# the title, the update equation and the replay fit above the fold of a 1280×720 projector.
# - Streamlit's header bar (the sidebar's » and the ⋮ menu, at the far left and right) is made see-through
#   and lets clicks pass except on its own buttons: the title row can then start under it.
# - The replay (the open tab's chart, keyed "…replay_chart") takes the height left in the window: Streamlit
#   sizes a Plotly chart to its container when the container has a height, so a tall screen gets a tall chart
#   (the element's container is a flex item with a basis of the figure's height: both are overridden).
PRESENTER_CSS = """
[data-testid="stHeader"] { background: transparent; }
[data-testid="stHeader"], [data-testid="stHeader"] * { pointer-events: none !important; }
[data-testid="stHeader"] button, [data-testid="stHeader"] button * { pointer-events: auto !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.6rem; padding-bottom: 1rem; }
[data-testid="stMain"] h1 { font-size: 2.4rem; padding: 0; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.05rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] p { font-size: 2.6rem; }
[data-testid="stMain"] .katex { font-size: 1.4em; }
[data-testid="stMain"] [data-testid="stTab"] p { font-size: 1.15rem; font-weight: 600; }
[data-testid="stMain"] [data-testid="stCode"] code { font-size: 1.05rem; }
[data-testid="stMain"] [class*="replay_chart"] {
  height: max(400px, calc(100vh - 275px)) !important; flex: 0 0 max(400px, calc(100vh - 275px)) !important;
}
[data-testid="stMain"] [class*="replay_chart"] [data-testid="stPlotlyChart"] { height: 100% !important; }
"""
