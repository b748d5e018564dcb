"""The lesson's settings in the sidebar: widgets in, plain values and per-field messages out."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.catalog import Lesson
from core.settings import MAX_EPOCHS_PAGE

# Log-spaced choices; the lessons' defaults (0.01, 0.015) are among them.
LR_CHOICES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.015, 0.02, 0.03, 0.045, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0)
RANDOM, FIXED = "random from the seed", "fixed values"


def key(les: Lesson, name: str) -> str:
    """A widget key private to this lesson's page, so lessons keep their own settings."""
    return f"l{les.number}.{name}"


def defaults(les: Lesson) -> dict[str, object]:
    """Every control's default, by name: the document's settings."""
    d = les.defaults()
    return {
        "lr_pick": d.lr, "lr": d.lr, "epochs": d.epochs, "log_every": d.log_every, "seed": d.seed,
        "start": RANDOM if d.init_w is None else FIXED,
        "init_w": d.init_w if d.init_w is not None else 0.0, "init_b": 0.0, "predict": d.predict,
    }


def reset(les: Lesson) -> None:
    """Put every control back to the lesson's defaults (an on_click callback, so before widgets draw)."""
    for name, value in defaults(les).items():
        st.session_state[key(les, name)] = value


def set_lr(les: Lesson, lr: float) -> None:
    """Set the learning rate from outside the controls (e.g. the "use a safe rate" button)."""
    st.session_state[key(les, "lr")] = lr
    st.session_state[key(les, "lr_pick")] = lr


@dataclass(frozen=True)
class Values:
    """What the controls hold: raw values (not yet checked) and where to show a message for each."""

    lr: float
    epochs: int
    log_every: int
    seed: int
    init_w: float | None
    init_b: float | None
    predict: float
    slots: dict  # field name -> st.empty() placeholder just below its widget


def _sync_exact(les: Lesson) -> None:
    st.session_state[key(les, "lr")] = st.session_state[key(les, "lr_pick")]


def _sync_pick(les: Lesson) -> None:
    lr = st.session_state[key(les, "lr")]
    if isinstance(lr, (int, float)) and 0 < lr <= LR_CHOICES[-1] * 10:
        st.session_state[key(les, "lr_pick")] = lr


def controls_ui(les: Lesson) -> Values:
    """Draw the settings in the sidebar and return their values; nothing is validated here."""
    for name, value in defaults(les).items():
        st.session_state.setdefault(key(les, name), value)
    k = lambda name: key(les, name)  # noqa: E731 - keeps the widget calls on one line each
    slots: dict = {}
    with st.sidebar:
        st.subheader("Settings")
        # First, not last: on a 768-pixel screen the end of the sidebar is below the fold.
        st.button("Reset to the lesson's defaults", key=k("reset"), on_click=reset, args=(les,),
                  width="stretch", icon=":material/restart_alt:")
        # The exact value joins the log-spaced choices, so the slider always shows the rate in use.
        options = sorted({*LR_CHOICES, st.session_state[k("lr_pick")]})
        st.select_slider("Learning rate", options=options, key=k("lr_pick"), format_func=lambda v: f"{v:g}",
                         on_change=_sync_exact, args=(les,), help="The step size η of every update.")
        st.number_input("Learning rate (exact)", key=k("lr"), step=0.001, format="%g",
                        on_change=_sync_pick, args=(les,))
        slots["lr"] = st.empty()
        left, right = st.columns(2)
        with left:
            st.number_input("Iterations", key=k("epochs"), step=10,
                            help=f"Epochs to train, 1 to {MAX_EPOCHS_PAGE:,}. Each uses every point.")
            slots["epochs"] = st.empty()
        with right:
            st.number_input("Log every", key=k("log_every"), step=1,
                            help="Print a console line every K epochs, as the document's `if iter % K == 0`.")
            slots["log_every"] = st.empty()
        params = "w and b" if les.has_bias else "w"
        start = st.radio(f"Initial {params}", (RANDOM, FIXED), key=k("start"), horizontal=True)
        st.number_input("Seed", key=k("seed"), step=1, disabled=start == FIXED,
                        help="Seeds the run's random generator: the document's torch.manual_seed(seed).")
        slots["seed"] = st.empty()
        init_w = init_b = None
        if start == FIXED:
            cols = st.columns(2 if les.has_bias else 1)
            with cols[0]:
                init_w = st.number_input("Initial w", key=k("init_w"), step=0.1, format="%g")
                slots["init_w"] = st.empty()
            if les.has_bias:
                with cols[1]:
                    init_b = st.number_input("Initial b", key=k("init_b"), step=0.1, format="%g")
                    slots["init_b"] = st.empty()
        st.number_input("x to predict", key=k("predict"), step=1.0, format="%g",
                        help="The program ends by printing the model's prediction for this x.")
        slots["predict"] = st.empty()
    ss = st.session_state
    return Values(lr=ss[k("lr")], epochs=ss[k("epochs")], log_every=ss[k("log_every")], seed=ss[k("seed")],
                  init_w=init_w, init_b=init_b, predict=ss[k("predict")], slots=slots)
