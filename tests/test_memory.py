"""Memory stays flat across reruns: the same measurement as bench/memory.py, shorter.

bench/memory.py reruns a lesson page 400 times, which takes about a minute. Here 120 reruns are
measured from the 40th on; the steady growth per rerun (median of the slopes between checkpoints,
so the allocator's one-off steps do not count), carried on to 400 reruns, must stay within 10% of
the memory after the 50th. A leak of a few hundred KiB per rerun fails it; so does 10% outright.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "memory.py"
RERUNS, EARLY = 120, 40


def _bench():
    spec = importlib.util.spec_from_file_location("bench_memory", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the dataclass it defines looks its module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc (Linux)")
def test_memory_stays_flat_across_reruns_of_a_lesson_page():
    m = _bench().measure(3, RERUNS, EARLY)
    print(f"lesson 3: RSS {m.rss_early_kib / 1024:.1f} MiB after rerun {EARLY}, {m.rss_last_kib / 1024:.1f} MiB "
          f"after {RERUNS} ({m.seconds:.1f} s); steady growth {m.growth_kib_per_rerun:.0f} KiB per rerun, "
          f"projected to 400 reruns: {m.projected_ratio():.3f}")
    assert m.ratio <= 1.10, m
    assert m.projected_ratio(400, 50) <= 1.10, m
