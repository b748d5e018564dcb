"""Memory across reruns: one lesson page rerun many times in one process, each with a new learning rate.

Every rerun is a new setting, so each one computes a fresh run, and the bounded run cache fills and
then evicts. Resident memory (VmRSS) is read after rerun `--early`, every `--every` reruns after it,
and after the last. Flat memory: the last is within 10% of the early one. The growth per rerun is
also estimated robustly (the median of the slopes between checkpoints), so that a steady leak shows
even in a short measurement, while the allocator's occasional one-off steps do not count as one.

    python bench/memory.py [--lesson 3] [--reruns 400] [--early 50] [--every 10]

Lesson 3 is the default: its page draws the most (the contours of the loss landscape).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.analysis import curvature  # noqa: E402
from core.catalog import lesson  # noqa: E402


def rss_kib() -> int:
    """This process's resident memory in KiB, from /proc/self/status (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status (not Linux?)")


def rates(n: int, number: int) -> list[float]:
    """`number` different learning rates, all stable for lesson n's data, so every rerun is a new run."""
    s = lesson(n).defaults()
    top = 0.9 * curvature(s.x, s.has_bias).lr_critical
    return [top * (k + 1) / number for k in range(number)]


@dataclass(frozen=True)
class Memory:
    """Resident memory at checkpoints (rerun number, KiB) from the early rerun to the last, and the time taken."""

    lesson: int
    checkpoints: tuple[tuple[int, int], ...]
    seconds: float

    @property
    def early(self) -> int:
        return self.checkpoints[0][0]

    @property
    def reruns(self) -> int:
        return self.checkpoints[-1][0]

    @property
    def rss_early_kib(self) -> int:
        return self.checkpoints[0][1]

    @property
    def rss_last_kib(self) -> int:
        return self.checkpoints[-1][1]

    @property
    def ratio(self) -> float:
        return self.rss_last_kib / self.rss_early_kib

    @property
    def growth_kib_per_rerun(self) -> float:
        """Steady growth per rerun: the median slope over all pairs of checkpoints (Theil-Sen)."""
        slopes = [(kb - ka) / (b - a) for (a, ka), (b, kb) in combinations(self.checkpoints, 2)]
        return statistics.median(slopes)

    def projected_ratio(self, reruns: int = 400, early: int = 50) -> float:
        """The ratio a run of `reruns` would give if memory kept growing steadily as measured here."""
        return 1 + self.growth_kib_per_rerun * (reruns - early) / self.rss_early_kib


def measure(n: int = 3, reruns: int = 400, early: int = 50, every: int = 10) -> Memory:
    """Rerun lesson n's page `reruns` times in one AppTest, a new learning rate each time; RSS from `early` on."""
    if not 0 < early < reruns:
        raise ValueError(f"early must be between 1 and reruns - 1, got {early}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(lesson(n).page)
    at.run()
    key = f"l{n}.lr"
    checkpoints = []
    start = time.perf_counter()
    for i, lr in enumerate(rates(n, reruns), start=1):
        at.number_input(key=key).set_value(lr).run()
        if at.exception:
            raise RuntimeError(f"rerun {i} (lr={lr}) raised: {at.exception[0].value}")
        if i == early or (i > early and (i - early) % every == 0) or i == reruns:
            gc.collect()
            checkpoints.append((i, rss_kib()))
    return Memory(n, tuple(checkpoints), time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", type=int, default=3, choices=(1, 2, 3, 4))
    parser.add_argument("--reruns", type=int, default=400)
    parser.add_argument("--early", type=int, default=50)
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    m = measure(args.lesson, args.reruns, args.early, args.every)
    print(f"lesson {m.lesson}: {m.reruns} reruns in {m.seconds:.1f} s ({1000 * m.seconds / m.reruns:.0f} ms each)")
    print(f"RSS after rerun {m.early:>4}: {m.rss_early_kib / 1024:8.1f} MiB")
    print(f"RSS after rerun {m.reruns:>4}: {m.rss_last_kib / 1024:8.1f} MiB")
    print(f"ratio: {m.ratio:.3f} (flat: at most 1.10); steady growth {m.growth_kib_per_rerun:.0f} KiB per rerun")
    print("checkpoints (rerun: MiB): " + ", ".join(f"{i}: {kib / 1024:.1f}" for i, kib in m.checkpoints))


if __name__ == "__main__":
    main()
