"""Server time of a rerun after one control changes, per lesson page, next to a trivial one-line page.

Each lesson page is opened at its defaults, then its learning rate alternates between the default
and a second rate: after the first two changes both runs are cached, as they are for a visitor
trying a setting twice. Each rerun of a lesson is followed by a rerun of a one-line page in the
same process, so the difference is the page's own cost with AppTest's overhead taken out.
The budget is 100 ms of server time per rerun at the defaults.

    python bench/rerun_latency.py [--reruns 20] [--lessons 1 2 3 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.catalog import lesson  # noqa: E402
from ui.nav import PAGES  # noqa: E402

SECOND_LR = 0.02  # stable for every lesson's default data, and not a default
BUDGET_MS = 100


def _timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start


def measure(n: int, reruns: int, trivial: AppTest) -> tuple[list[float], list[float]]:
    """Seconds per rerun of lesson n's page after a learning-rate change, and of the trivial page, interleaved."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGES[n])
    at.run()
    rates = (SECOND_LR, lesson(n).defaults().lr)
    page, plain = [], []
    for i in range(reruns + 2):
        at.number_input(key=f"l{n}.lr").set_value(rates[i % 2])
        t = _timed(at)
        if at.exception:
            raise RuntimeError(f"lesson {n} raised: {at.exception[0].value}")
        t_plain = _timed(trivial)
        if i >= 2:  # the first two compute their runs; from then on both are cached
            page.append(t)
            plain.append(t_plain)
    return page, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--lessons", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one_line = Path(tmp) / "one_line.py"
        one_line.write_text('import streamlit as st\nst.write("Hello")\n')
        trivial = AppTest.from_file(str(one_line), default_timeout=60)
        trivial.run()
        print(f"median of {args.reruns} reruns after a learning-rate change (runs cached), budget {BUDGET_MS} ms")
        print(f"{'page':<34}{'rerun':>9}{'one-line page':>15}{'difference':>12}{'max':>8}")
        for n in args.lessons:
            page, plain = measure(n, args.reruns, trivial)
            med, med_plain = statistics.median(page), statistics.median(plain)
            print(f"{PAGES[n]:<34}{med * 1000:>7.0f} ms{med_plain * 1000:>12.1f} ms"
                  f"{(med - med_plain) * 1000:>9.0f} ms{max(page) * 1000:>6.0f} ms")


if __name__ == "__main__":
    main()
