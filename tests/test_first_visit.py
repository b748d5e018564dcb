"""The first visit after a server starts: what loads before torch, the home page's frame, the warm-up.

Each check runs in a fresh Python process, since this test process has long since imported torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("torch", "pandas")


def _python(code: str) -> dict:
    """Run `code` in a fresh interpreter at the repo root; it prints one JSON object as its last line."""
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def test_the_menu_and_the_home_pages_frame_load_without_torch_or_pandas():
    out = _python(
        "import json, sys\n"
        "import core, core.catalog, ui.nav, ui.style, ui.plotly_spec, ui.live_chart, ui.home\n"
        "fig = ui.style.frame('w', 'loss', 'Loading')\n"
        "s = core.lesson(1).defaults()\n"
        f"print(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules], 'traces': len(fig['data']),\n"
        "                   'note': fig['layout']['annotations'][0]['text'], 'height': fig['layout']['height'],\n"
        "                   'lr': s.lr}))\n"
    )
    assert out == {"loaded": [], "traces": 0, "note": "Loading", "height": 400, "lr": 0.01}


def test_run_lesson_loads_torch_when_it_is_called(reference):
    out = _python(
        "import json, sys, core\n"
        "before = 'torch' in sys.modules\n"
        "print(json.dumps([before, core.run_lesson(1).log_text, 'torch' in sys.modules]))\n"
    )
    assert out == [False, reference(1), True]


def test_home_page_on_a_fresh_server_replaces_its_frame_with_lesson_1():
    """The frame is drawn only while torch is not loaded yet: that branch runs only in a fresh process."""
    out = _python(
        "import json, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from tests.support.apptest import figures\n"
        "assert 'torch' not in sys.modules\n"
        "at = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "charts = figures(at)\n"
        "print(json.dumps({'exceptions': len(at.exception), 'charts': len(charts),\n"
        "                  'traces': [t.get('name') for t in charts[0]['data']],\n"
        "                  'annotations': charts[0]['layout'].get('annotations', [])}))\n"
    )
    assert out["exceptions"] == 0  # and the process exits cleanly with the warm-up it started still running
    assert out["charts"] == 1, "the frame is replaced, not added to"
    assert out["traces"][:2] == ["loss L(w)", "minimum (closed form)"]
    assert out["annotations"] == []


def test_warm_up_runs_every_lesson_once_per_server_in_the_background():
    out = _python(
        "import json, sys\n"
        "from ui import runs\n"
        "before = 'torch._dynamo' in sys.modules\n"
        "t = runs.warm_up()\n"
        "same = runs.warm_up() is t\n"
        "t.join(120)\n"
        "print(json.dumps({'before': before, 'same': same, 'alive': t.is_alive(), 'daemon': t.daemon,\n"
        "                  'after': 'torch._dynamo' in sys.modules}))\n"
    )
    # torch.optim.SGD's first use imports torch._dynamo: the cost the first visit to lessons 2-4 no longer pays.
    assert out == {"before": False, "same": True, "alive": False, "daemon": False, "after": True}
