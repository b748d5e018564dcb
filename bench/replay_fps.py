"""The replay's frame rate in Chromium: press a replay button and count the epochs painted per second.

    nice -n 19 python bench/replay_fps.py [--repeat 3]

A fresh `streamlit run app.py`, one headless Chromium (Debian's) at 1920×1080. For each case the page
opens at a link (presenter view: the replay is the open tab), the watch (tests.support.browser.WATCH_REPLAY)
counts, on every painted animation frame (requestAnimationFrame), whether the slider's active step moved,
and the bench presses a speed button and waits for the last frame. fps = new epochs shown per second
between the first and the last change; "nominal" is what the frame duration asks for (1000 / duration).
It also reports the script runs started meanwhile (must be 0: the replay runs in the browser only), and the
epochs shown per second of the renderer's main-thread busy time (Chrome's TaskDuration): on a shared,
loaded machine the wall-clock rate measures the neighbours as much as the page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import Server, launch, new_app, sync_playwright
from tests.support.browser import CHARTS

CASES = [  # (label, path with query, button)
    ("lesson 3, 100 epochs, 1×", "/Model_loss_and_optimizer?present=1", "▶ Play"),
    ("lesson 3, 5,000 epochs (200 frames), 1×", "/Model_loss_and_optimizer?present=1&epochs=5000", "▶ Play"),
    ("lesson 3, 5,000 epochs (200 frames), 4×", "/Model_loss_and_optimizer?present=1&epochs=5000", "4×"),
    ("lesson 1, 5,000 epochs, 4×", "/Autograd?present=1&epochs=5000", "4×"),
]


def _busy(cdp) -> float:
    """Seconds the renderer's main thread has spent on tasks so far (Chrome's Performance.getMetrics)."""
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "TaskDuration")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with Server() as srv, sync_playwright() as pw:
        browser = launch(pw)
        try:
            for label, path, button in CASES:
                fps, per_cpu, nominal, runs = [], [], None, 0
                for _ in range(args.repeat):
                    app = new_app(browser, srv.url, 1920, 1080)
                    app.opened.add(path.split("?")[0])  # its two expected 404s (see App.unexpected_console_errors)
                    app.page.goto(srv.url + path, wait_until="commit")
                    app.wait_run(0)
                    cdp = app.context.new_cdp_session(app.page)
                    cdp.send("Performance.enable")
                    before = _busy(cdp)
                    got = app.play_replay(button)
                    # The renderer's main-thread busy time over the replay: epochs shown per busy second is
                    # what the page could reach on an idle core (the machine is shared: see the load average).
                    per_cpu.append(got["changes"] / max(_busy(cdp) - before, 1e-9))
                    duration = app.page.evaluate(
                        f"""() => {{ const gd = document.querySelector('{CHARTS}');
                        const b = gd.layout.updatemenus[0].buttons.find((b) => b.label === '{button}');
                        return b.args[1].frame.duration; }}""")
                    nominal = 1000 / duration
                    fps.append(got["fps"])
                    runs += got["runsStarted"] + got["runsDone"]
                    app.close()
                each = ", ".join(f"{v:.1f}" for v in fps)
                print(f"{label:45s} frames shown/s: median {statistics.median(fps):5.1f} ({each}); "
                      f"nominal {nominal:.1f}; per busy main-thread second {statistics.median(per_cpu):5.1f}; "
                      f"script runs meanwhile: {runs}; load average {os.getloadavg()[0]:.1f}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
