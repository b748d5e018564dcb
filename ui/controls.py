"""The lesson's settings in the sidebar, from the field table: widgets in, raw values out, problems below them."""

from __future__ import annotations

import streamlit as st

from core.catalog import Lesson
from core.fields import MAX_EPOCHS_PAGE, SCALARS, STARTS, Field

# Log-spaced choices; the lessons' defaults (0.01, 0.015) are among them. The page adds the data's
# own 1/λmax and 2/λmax band (ui.lesson_page), so every regime is a slider step away.
LR_CHOICES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.015, 0.02, 0.03, 0.045, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0)
RANDOM, FIXED = "random from the seed", "fixed values"


# Multiples of this data's 1/λmax on the slider: monotone, the overshoot boundary, a damped zigzag,
# a slow zigzag, and just past 2/λmax, where every run diverges.
_LANDMARKS = (0.5, 1.0, 1.5, 1.9, 2.1)


def landmark_rates(lam_max: float) -> tuple[float, ...]:
    """Rates at fixed multiples of 1/λmax, to three significant digits, for the slider."""
    if not lam_max > 0:
        return ()
    return tuple(float(f"{m / lam_max:.3g}") for m in _LANDMARKS if 0 < m / lam_max <= LR_CHOICES[-1] * 10)


def key(les: Lesson, name: str) -> str:
    """A widget key private to this lesson's page, so lessons keep their own settings."""
    return f"l{les.number}.{name}"


def defaults(les: Lesson) -> dict[str, object]:
    """Every control's default, by widget name: the document's settings."""
    d = les.defaults()
    values: dict[str, object] = {"lr_pick": d.lr, "start": RANDOM if d.init_w is None else FIXED}
    for f in SCALARS:
        value = getattr(d, f.name)
        values[f.name] = 0.0 if value is None and f.optional else value  # the fixed value offered first
    return values


def reset(les: Lesson) -> None:
    """Put every control back to the lesson's defaults (an on_click callback, so before widgets draw)."""
    for name, value in defaults(les).items():
        st.session_state[key(les, name)] = value


def set_lr(les: Lesson, lr: float) -> None:
    """Set the learning rate from outside the controls (e.g. the "use a safe rate" button)."""
    st.session_state[key(les, "lr")] = lr
    st.session_state[key(les, "lr_pick")] = lr


def _sync_exact(les: Lesson) -> None:
    st.session_state[key(les, "lr")] = st.session_state[key(les, "lr_pick")]


def _sync_pick(les: Lesson) -> None:
    lr = st.session_state[key(les, "lr")]
    if isinstance(lr, (int, float)) and 0 < lr <= LR_CHOICES[-1] * 10:
        st.session_state[key(les, "lr_pick")] = lr


def _problem(f: Field, found: dict[str, str]) -> None:
    """Field f's problem, if it has one, in red right below its widget (the run knew it before they were drawn)."""
    if f.name in found:
        st.error(found[f.name])


def _number(les: Lesson, f: Field, found: dict[str, str], **more) -> None:
    """One field's number input, and its problem right below it."""
    fmt = None if f.kind == "count" else "%g"
    help_text = f.help + (f" 1 to {MAX_EPOCHS_PAGE:,} on this page." if f.per_run_limit else "")
    st.number_input(f.label, key=key(les, f.name), step=f.step, format=fmt, help=help_text, **more)
    _problem(f, found)


def _row(les: Lesson, fields: list[Field], found: dict[str, str]) -> None:
    """Number inputs side by side, each with its problem right below it."""
    for col, f in zip(st.columns(len(fields)), fields, strict=True):
        with col:
            _number(les, f, found)


def _rate(les: Lesson, f: Field, found: dict[str, str], extra_choices: tuple[float, ...]) -> None:
    """The learning rate: log-spaced choices on a slider, and the exact value in a box."""
    # The exact value joins the choices, so the slider always shows the rate in use.
    options = sorted({*LR_CHOICES, *extra_choices, st.session_state[key(les, "lr_pick")]})
    st.select_slider(f.label, options=options, key=key(les, "lr_pick"), format_func=lambda v: f"{v:.3g}",
                     on_change=_sync_exact, args=(les,), help=f.help)
    st.number_input(f"{f.label} (exact)", key=key(les, f.name), step=f.step, format="%g",
                    on_change=_sync_pick, args=(les,))
    _problem(f, found)


def _fields(les: Lesson) -> list[Field]:
    return [f for f in SCALARS if f.applies(les.params)]


def _fill_defaults(les: Lesson) -> None:
    """Give every control that has no value yet the lesson's default (before its widget is drawn)."""
    for name, value in defaults(les).items():
        st.session_state.setdefault(key(les, name), value)


def values(les: Lesson) -> dict[str, object]:
    """What the controls hold, by field name, raw (not yet checked): read before the widgets are drawn.

    A widget returns what its key holds in st.session_state, so the run can start before the sidebar is
    sent (ui.lesson_page sends the charts first). The starting values are None while the start is random.
    """
    ss = st.session_state
    _fill_defaults(les)
    fixed = ss[key(les, "start")] == FIXED
    return {f.name: ss[key(les, f.name)] if fixed or f not in STARTS else None for f in _fields(les)}


def controls_ui(les: Lesson, extra_lrs: tuple[float, ...], found: dict[str, str]) -> None:
    """Draw the lesson's settings in the sidebar (after `values`), with `found`'s problems (by field name).

    Every scalar field of core.fields that applies to the lesson gets its widget, in the table's
    order; the starting values share one "random or fixed" choice. A field's problem is drawn right
    below its widget; one whose widget is not drawn (a classroom link hid it) below the settings.
    """
    _fill_defaults(les)
    fields = _fields(les)
    starts = [f for f in fields if f in STARTS]
    hidden = st.session_state.get(key(les, "hidden"), {})  # a classroom link's fixed controls (ui.links)
    shown = [f for f in fields if f.name not in hidden]
    counts = [f for f in shown if f.kind == "count" and f.name != "seed"]
    with st.sidebar:
        st.subheader("Settings")
        # First, not last: on a 768-pixel screen the end of the sidebar is below the fold.
        st.button("Reset to the lesson's defaults", key=key(les, "reset"), on_click=reset, args=(les,),
                  width="stretch", icon=":material/restart_alt:")
        fixed = st.session_state[key(les, "start")] == FIXED
        pair: list[Field] = []  # counts go two to a row
        for f in shown:
            if f.kind == "rate":
                _rate(les, f, found, extra_lrs)
            elif f.kind == "count" and f.name != "seed":
                pair.append(f)
                if len(pair) == 2 or f is counts[-1]:
                    _row(les, pair, found)
                    pair = []
            elif f in STARTS:
                continue  # drawn with the seed, below
            elif f.name == "seed":
                names = " and ".join(g.param for g in starts)
                st.radio(f"Initial {names}", (RANDOM, FIXED), key=key(les, "start"), horizontal=True)
                _number(les, f, found, disabled=fixed)
                if fixed and (shown_starts := [g for g in starts if g in shown]):
                    _row(les, shown_starts, found)
            else:
                _number(les, f, found)
        drawn = {f.name for f in shown}
        for name in [n for n in found if n not in drawn]:
            st.error(found[name])
