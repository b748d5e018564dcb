"""Views of runs and the lessons' comparisons, cached by their settings: a rerun that changes nothing costs nothing."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import streamlit as st

from core import catalog, insight, view
from core.settings import Settings

PROGRESS_FROM = 1_000  # epochs; shorter runs finish before a bar would be seen

T = TypeVar("T")


class Recent(Generic[T]):
    """The last `size` results by their settings, shared by every session of this server (threads).

    Not st.cache_data: that hashes the settings field by field, pickles each result it stores and
    unpickles it on every hit (together ~10 % of an uncached rerun here), to hand out copies. A
    view is never changed after it is built, so one object serves every rerun that asks for it.
    The key is the settings' repr, which tells -0.0 from 0.0 (the program prints them differently).
    Bounded, so memory stays flat however many settings visitors try (64 runs of 5,000 epochs ≈ 20 MB).
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._done: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, settings: Settings) -> bool:
        with self._lock:
            return repr(settings) in self._done

    def get(self, settings: Settings, compute: Callable[[], T]) -> T:
        """The result for `settings`, computed (outside the lock: sessions do not wait on each other) if new."""
        key = repr(settings)
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
        value = compute()
        with self._lock:
            self._done[key] = value
            while len(self._done) > self.size:
                self._done.popitem(last=False)
        return value


_views: Recent[view.View] = Recent()
_manual_vs_optimizer: Recent[tuple] = Recent()
_class_vs_linear: Recent[insight.Comparison] = Recent()


def build(settings: Settings) -> view.View:
    """The view of the run for these settings; a long run that is not cached yet shows a progress bar."""
    if settings.epochs < PROGRESS_FROM or settings in _views:
        return _views.get(settings, lambda: view.build(settings))
    slot = st.empty()

    def report(done: int, total: int) -> None:
        slot.progress(done / total, text=f"Training: epoch {done:,} of {total:,}")

    result = _views.get(settings, lambda: view.build(settings, report))
    slot.empty()
    return result


def manual_vs_optimizer(settings: Settings) -> tuple[insight.Comparison, insight.UpdateCheck | None]:
    """The hand-written update against optimizer.step() (core.insight), and what makes them part, if they do."""

    def compute() -> tuple[insight.Comparison, insight.UpdateCheck | None]:
        pair = insight.manual_and_optimizer(settings)
        cmp = insight.compare(*pair, *insight.LABELS)
        return cmp, insight.update_check(settings, cmp, pair)

    return _manual_vs_optimizer.get(settings, compute)


def class_vs_linear(settings: Settings) -> insight.Comparison:
    """Cached core.insight.class_vs_linear."""
    return _class_vs_linear.get(settings, lambda: insight.class_vs_linear(settings))


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per server, in the background: run each lesson once while the first visitor reads the page.

    The first torch.optim.SGD imports torch._dynamo, which took the first visit to lessons 2-4 from
    about 1.2 s to 3 s after the home page; a run costs nothing next to it.
    """
    # Not a daemon: stopping the server mid-run waits the second it takes, where killing torch mid-op
    # at the interpreter's exit aborts the process ("terminate called without an active exception").
    thread = threading.Thread(target=_run_each_lesson, name="gdl-warm-up", daemon=False)
    thread.start()
    return thread


def _run_each_lesson() -> None:
    for les in catalog.LESSONS:
        les.train(les.defaults())
