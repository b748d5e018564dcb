"""The step-through in Chromium: open it, step through every phase on lessons 1 and 3, and photograph each
phase (stepthrough-lesson{n}-{phase}-{w}x{h}.png; tests/support/shots.py says where). A plain run photographs
lesson 1 at a laptop's size and lesson 3 at a projector's, as the comparison test does; refreshing docs/
(GDL_UPDATE_SCREENSHOTS=1) photographs both lessons at both sizes, resizing the window between the two."""

from __future__ import annotations

import pytest

from core.catalog import lesson
from core.trace import PHASES, phase_lines, trace
from tests.support.paths import LESSON_PATH
from tests.support.shots import screenshot, updating_docs

SIZES = ((1366, 768), (1920, 1080))
_SECTION = "[data-testid=stMain] [role=tabpanel]:has-text('Inside one step')"
# Scroll the page so the step-through's epoch row sits just under Streamlit's fixed header: what a student
# sees while stepping. The page scrolls inside Streamlit's own container, not the window.
_SCROLL_TO = """(el) => {
  el.scrollIntoView({block: 'start'});
  let box = el.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) {
    box = box.parentElement;
  }
  if (box) box.scrollBy(0, -70);
}"""
_MARKED = """(want) => {
  const got = [...document.querySelectorAll('[data-testid=stMain] [data-mark=phase] span')].map((e) => e.textContent);
  return JSON.stringify(got) === JSON.stringify(want);
}"""
_GRAPH_DRAWN = """(ops) => {
  const svg = document.querySelector('[data-testid=stMain] [data-testid=stGraphVizChart] svg');
  return !!svg && ops.every((op) => svg.textContent.includes(op));
}"""

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("n", (1, 3))
def test_step_through_every_phase(n, server, new_app):
    sizes = list(SIZES) if updating_docs() else [SIZES[0] if n == 1 else SIZES[1]]
    app = new_app(server.url, *sizes[0])
    app.goto(LESSON_PATH[n])
    app.act(lambda: app.page.get_by_role("tab", name="Step through one epoch").click())
    section = app.page.locator(_SECTION)
    s = lesson(n).defaults()
    tr = trace(s, 1)
    lines = phase_lines(s)
    for i, phase in enumerate(PHASES):
        if i:
            app.act(lambda: section.get_by_role("button", name="Next ▶").click())
        # The graph has ŷ's part at the forward phase and all of it from the loss on.
        ops = [nd["op"] for nd in tr["graph"] if nd["y_pred"]] if phase == "forward" else [tr["graph"][0]["op"]]
        app.wait_for(_GRAPH_DRAWN, arg=ops)
        # The fragment's new elements replace the old ones after its run ends: wait for this phase's listing.
        app.wait_for(_MARKED, arg=[str(k) for k in lines[phase]])
        marked = section.locator("[data-mark=phase]").all_inner_texts()
        assert [int(t.split()[0]) for t in marked] == lines[phase], phase
        # Both sizes, the current one first: one resize per phase, ending at the size the next phase starts in.
        for k, (width, height) in enumerate(sizes):
            if k:
                app.page.set_viewport_size({"width": width, "height": height})
                app.page.wait_for_timeout(400)  # Streamlit's layout and Plotly's responsive redraw settle
            section.get_by_label("Epoch", exact=True).evaluate(_SCROLL_TO)
            name = f"stepthrough-lesson{n}-{phase.replace('_', '-')}-{width}x{height}.png"
            screenshot(app.page, name)
        sizes.reverse()
    assert app.problems() == {"exceptions": [], "page errors": [], "console errors": []}
