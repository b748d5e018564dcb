"""Views of runs and the lessons' comparisons, cached by their settings: a rerun that changes nothing costs nothing."""

from __future__ import annotations

import contextvars
import threading

import streamlit as st

from core import catalog, insight, view
from core.lessons import Progress
from core.settings import Settings

PROGRESS_FROM = 1_000  # epochs; shorter runs finish before a bar would be seen

# Bounded: memory stays flat however many settings visitors try (64 runs of 5,000 epochs ≈ 20 MB).
_CACHE = {"max_entries": 64, "show_spinner": False}


@st.cache_data(**_CACHE)
def _build(settings: Settings, _progress: Progress | None = None) -> view.View:
    return view.build(settings, _progress)


def build(settings: Settings) -> view.View:
    """The view of the run for these settings; a long run that is not cached yet shows a progress bar."""
    if settings.epochs < PROGRESS_FROM:
        return _build(settings)
    slot = st.empty()
    # Progress is reported from inside the cached function. Drawing the bar in the context from
    # before the call keeps Streamlit from recording it as part of the cached result (it would
    # be replayed, on a later cache hit, onto an element that no longer exists).
    outside = contextvars.copy_context()

    def report(done: int, total: int) -> None:
        outside.run(slot.progress, done / total, text=f"Training: epoch {done:,} of {total:,}")

    result = _build(settings, report)
    slot.empty()
    return result


@st.cache_data(**_CACHE)
def manual_vs_optimizer(settings: Settings) -> tuple[insight.Comparison, insight.UpdateCheck | None]:
    """The hand-written update against optimizer.step() (core.insight), and what makes them part, if they do."""
    pair = insight.manual_and_optimizer(settings)
    cmp = insight.compare(*pair, *insight.LABELS)
    return cmp, insight.update_check(settings, cmp, pair)


@st.cache_data(**_CACHE)
def class_vs_linear(settings: Settings) -> insight.Comparison:
    """Cached core.insight.class_vs_linear."""
    return insight.class_vs_linear(settings)


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
