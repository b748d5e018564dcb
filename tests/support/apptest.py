"""Helpers for Streamlit's AppTest: open a page as a visitor does, and read what it shows.

Shared by the AppTest tests and bench/, so that no test module imports another.
"""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.support.paths import ROOT
from ui import live_chart

# The lesson pages' scripts, relative to app.py (what AppTest.switch_page takes).
LESSON_SCRIPTS = {
    1: "pages/1_Autograd.py",
    2: "pages/2_Loss_and_optimizer.py",
    3: "pages/3_Model_loss_and_optimizer.py",
    4: "pages/4_Model_as_a_class.py",
}


def page_script(n: int) -> str:
    """Lesson n's page script, as the app names it (its lesson spec; the table above for older commits)."""
    from core.catalog import lesson

    return getattr(lesson(n), "page", None) or LESSON_SCRIPTS[n]


def open_page(n: int | None, setup=None, timeout: float = 60) -> AppTest:
    """Start at the home page (as a visitor does), then go to lesson n; `setup(at)` runs before."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    assert not at.exception, at.exception
    if n is not None:
        at.switch_page(page_script(n))
        if setup:
            setup(at)
        at.run()
    return at


def open_link(n: int, params: dict, timeout: float = 60) -> AppTest:
    """Lesson n opened by a link with these query parameters: the session's first run is that page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page_script(n))
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, n: int, label: str) -> AppTest:
    """Open lesson n's tab `label` (the tabs compute only when open) and rerun."""
    at.session_state[f"l{n}.tab"] = label
    return at.run()


def console(at: AppTest) -> str:
    """The console view (the code block of the program's output), as the program prints it."""
    block = next(c.value for c in at.code if c.value.startswith("epoch "))
    return block.rstrip("\n") + "\n"


def plain(v):
    """Plotly 7 sends arrays as {"dtype", "bdata"} (base64); turn them back into lists."""
    if isinstance(v, dict):
        if set(v) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
            if "shape" in v:
                arr = arr.reshape([int(d) for d in str(v["shape"]).split(",")])
            return arr.tolist()
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def figures(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page in page order (st.plotly_chart and ui.live_chart's), as its figure dict with
    plain lists."""
    found: list[dict] = []

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            found.append(plain(json.loads(node.proto.spec)))
        elif kind == "bidi_component" and node.proto.component_name == live_chart.NAME:
            found.append(plain(json.loads(node.proto.json)["figure"]))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return found


def trace_names(fig: dict) -> list[str]:
    """The names of a figure's traces, in order."""
    return [t.get("name", "") for t in fig["data"]]


def all_text(at: AppTest) -> str:
    """The page's markdown and alerts, one per line."""
    parts = [m.value for m in at.markdown] + [e.value for e in at.info] + [e.value for e in at.success]
    parts += [e.value for e in at.warning] + [e.value for e in at.error]
    return "\n".join(parts)
