"""Every setting in the link: a lesson page's controls read from and written to its URL, from the field table.

The approach (Streamlit 1.67): `bind="query-params"` would name the URL parameter after the widget key,
and our keys are per lesson (`l3.lr`); `st.data_editor` cannot bind at all. So the page does it itself,
for every field of `core.fields.FIELDS` with the field's own codec, and no per-field code:

- `read(les)`, before the data and the controls are drawn: when the URL is not the one this page last
  wrote (a visitor's first run, a link from another lesson), each parameter it names is parsed with its
  field's `parse`, checked with `Field.problem` (the data with `core.data.parse_columns`) and put into
  `st.session_state` (and the data table). Names the link leaves out keep their value (the lesson's
  default on a first visit). A bad parameter is ignored, and named with its problem in one warning
  that stays on the page; nothing from the URL is evaluated, and its text reaches the page only as
  escaped markdown or inside a code block.
- `write(les, settings, menu)`, after the settings are checked: the settings that differ from the
  lesson's defaults go back into the URL (formatted by the codec; defaults left out), so the address bar
  is always a link to what the page shows; the sidebar shows it with a copy button, the classroom form,
  and the menu, whose links carry the seed, and the data to a lesson with the same parameters.
- `hide=lr,seed` hides those controls; their values stay as the link set them.
- `present=1` opens the presenter view (ui.presenter); the toggle writes it back, and the menu keeps it.
"""

from __future__ import annotations

import string
from urllib.parse import urlencode

import streamlit as st

from core.catalog import Lesson
from core.data import DataError, parse_columns
from core.fields import BY_NAME, FIELDS, MAX_EPOCHS_PAGE, SCALARS, STARTS
from core.settings import Settings
from ui import controls, data_table, nav, presenter
from ui.controls import FIXED, RANDOM, key

HIDE = "hide"
PRESENT = presenter.KEY  # present=1: the presenter view
PRESENT_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                  "off": False}
MAX_LINK = 2_000  # characters of a whole link that browsers and chat apps keep
OTHER_NAMES = (HIDE, PRESENT)  # parameters that are not fields
_COLUMNS = tuple(f for f in FIELDS if f.kind == "column")
_MAX_LISTED = 6  # unknown names listed one by one; the rest are counted


def _safe(text: str) -> str:
    """Text from a URL as markdown that shows it literally: no HTML, links, emphasis, LaTeX or directives."""
    text = "".join(" " if not c.isprintable() else c for c in text)
    return "".join("\\" + c if c in string.punctuation else c for c in text)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _params() -> dict[str, list[str]]:
    """The URL's parameters, every value of each (a repeated name has several)."""
    qp = st.query_params
    return {name: qp.get_all(name) for name in qp}


def _fixed_text(les: Lesson, name: str) -> str:
    f = BY_NAME[name]
    value = st.session_state.get(key(les, name))
    if f in STARTS and st.session_state.get(key(les, "start")) != FIXED:
        value = None
    return f.format(value)


def read(les: Lesson) -> None:
    """Apply the URL to the page's controls when it is a new link; show what was wrong with it."""
    ss = st.session_state
    if ss.get(key(les, "link")) != _params():
        ss[key(les, "link_problems")] = _apply(les, _params())
    for name, value in ss.get(key(les, "hidden"), {}).items():  # hidden controls keep the link's values
        ss[key(les, name)] = value
    found = ss.get(key(les, "link_problems"))
    if found:
        lines = "\n".join(f"- **{_safe(name)}**: {_safe(message)}" for name, message in found)
        st.warning("This link has settings the page cannot use. It ignores them and keeps the lesson's own "
                   f"values:\n\n{lines}", icon=":material/link_off:")


def _apply(les: Lesson, params: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Put the link's settings into the session; return (parameter, problem) for each one ignored."""
    ss = st.session_state
    found: list[tuple[str, str]] = []
    values: dict[str, object] = {}
    known = {f.name for f in FIELDS} | set(OTHER_NAMES)
    unknown = [n for n in params if n not in known]
    for name in unknown[:_MAX_LISTED]:
        found.append((_shown(name), "not a setting of this page."))
    if len(unknown) > _MAX_LISTED:
        found.append(("…", f"and {len(unknown) - _MAX_LISTED:,} more names that are not settings."))
    texts: dict[str, str] = {}
    for name in (*(f.name for f in FIELDS), *OTHER_NAMES):
        if name not in params:
            continue
        if len(params[name]) != 1:
            found.append((name, f"given {len(params[name])} times; a link gives each setting once."))
        else:
            texts[name] = params[name][0]
    for f in SCALARS:
        if f.name not in texts:
            continue
        if not f.applies(les.params):
            found.append((f.name, f"lesson {les.number} has no {f.param}."))
            continue
        try:
            value = f.parse(texts[f.name])
        except ValueError as e:
            found.append((f.name, str(e)))
            continue
        problem = f.problem(value, MAX_EPOCHS_PAGE)
        if problem:
            found.append((f.name, problem))
        else:
            values[f.name] = value
    data = _data(les, texts, found)
    hidden = _hide(les, texts, found)
    present = _present(texts, found)
    # Write only now, when the whole link has been read.
    for name, value in values.items():
        if name == "lr":
            controls.set_lr(les, value)
        elif BY_NAME[name] in STARTS:
            if value is not None:
                ss[key(les, "start")] = FIXED
                ss[key(les, name)] = value
        else:
            ss[key(les, name)] = value
    starts = [values[f.name] for f in STARTS if f.name in values]
    if starts and all(v is None for v in starts):
        ss[key(les, "start")] = RANDOM
    if data is not None:
        data_table.load(les, *data)
    if present is not None:
        ss[key(les, PRESENT)] = present
    if hidden is not None:
        ss[key(les, "hidden")] = {name: ss.get(key(les, name), controls.defaults(les)[name]) for name in hidden}
    ss[key(les, "link")] = params
    return found


def _data(les: Lesson, texts: dict[str, str], found: list) -> tuple | None:
    given = [f.name for f in _COLUMNS if f.name in texts]
    if not given:
        return None
    if len(given) < len(_COLUMNS):
        missing = next(f.name for f in _COLUMNS if f.name not in texts)
        found.append((given[0], f"the data needs {missing} too; the link gives only {given[0]}."))
        return None
    try:
        return parse_columns(*(BY_NAME[f.name].parse(texts[f.name]) for f in _COLUMNS), len(les.params))
    except DataError as e:
        found.append(("x, y", e.message))
        return None


def _present(texts: dict[str, str], found: list) -> bool | None:
    """present=1 turns the presenter view on, present=0 off; absent, the page keeps its view."""
    if PRESENT not in texts:
        return None
    value = PRESENT_VALUES.get(texts[PRESENT].strip().lower())
    if value is None:
        found.append((PRESENT, f"{_shown(texts[PRESENT])} is not 1 or 0."))
    return value


def hideable(les: Lesson) -> list[str]:
    """The controls a classroom link can hide on this lesson: its scalar fields."""
    return [f.name for f in SCALARS if f.applies(les.params)]


def _hide(les: Lesson, texts: dict[str, str], found: list) -> tuple[str, ...] | None:
    """The controls to hide; hiding the seed hides the random-or-fixed start with it."""
    if HIDE not in texts:
        return None
    names = [n.strip() for n in texts[HIDE].split(",") if n.strip()]
    bad = [n for n in names if n not in hideable(les)]
    if bad:
        listed = ", ".join(_shown(n) for n in bad[:_MAX_LISTED])
        found.append((HIDE, f"{listed}: not a control of this lesson (choose from {', '.join(hideable(les))})."))
    hidden = [n for n in names if n in hideable(les)]
    if "seed" in hidden:
        hidden.append("start")
    if "lr" in hidden:
        hidden.append("lr_pick")
    return tuple(dict.fromkeys(hidden))


def link_params(les: Lesson, s: Settings) -> tuple[dict[str, str], bool]:
    """The URL parameters for settings `s`: each field that differs from the lesson's default, as its codec
    writes it, in the table's order; and whether the data fit in MAX_LINK characters (else it is left out)."""
    d = les.defaults()
    params = {f.name: f.format(getattr(s, f.name)) for f in FIELDS
              if f.applies(les.params) and getattr(s, f.name) != getattr(d, f.name)}
    hidden = [n for n in st.session_state.get(key(les, "hidden"), {}) if n in BY_NAME]
    if hidden:
        params[HIDE] = ",".join(hidden)
    if st.session_state.get(key(les, PRESENT)):
        params[PRESENT] = "1"
    fits = len(_url(les, params)) <= MAX_LINK
    if not fits:
        params = {n: v for n, v in params.items() if n not in ("x", "y")}
    return params, fits


def _url(les: Lesson, params: dict[str, str]) -> str:
    base = (st.context.url or "").split("?")[0] or nav.url_path(les)
    query = urlencode(params, safe=",")
    return base + ("?" + query if query else "")


def carry(les: Lesson, params: dict[str, str]):
    """What a menu link to another lesson keeps from this page: the seed always, the data between
    lessons with the same parameters (their other settings are their own), and the presenter view."""
    def to(target: Lesson) -> dict[str, str]:
        if target is les:
            return params
        kept = ("seed", "x", "y", PRESENT) if target.params == les.params else ("seed", PRESENT)
        return {n: v for n, v in params.items() if n in kept}
    return to


def write(les: Lesson, s: Settings | None, menu) -> None:
    """Write the settings in use to the URL; draw the menu into `menu`, and the link and the classroom form."""
    ss = st.session_state
    if s is not None:
        params, fits = link_params(les, s)
        want = {n: [v] for n, v in params.items()}
        if _params() != want:
            st.query_params.from_dict(params)
        ss[key(les, "link")] = want
        ss[key(les, "link_fits")] = fits
    params = {n: v[-1] for n, v in ss.get(key(les, "link"), {}).items()}
    nav.menu(menu, carry(les, params))
    with st.sidebar:
        _share_ui(les, params, ss.get(key(les, "link_fits"), True))


def _share_ui(les: Lesson, params: dict[str, str], fits: bool) -> None:
    st.subheader("Copy link")
    st.code(_url(les, params), language=None, wrap_lines=True)
    notes = ["The link holds every setting that differs from the lesson's defaults."]
    if not fits:
        notes.append(f"**The data is not in it:** with it, the link would be longer than {MAX_LINK:,} "
                     "characters, more than browsers and chat apps keep.")
    notes.append("The menu's links keep this page's seed, and its data for the lesson with the same "
                 "parameters (1 ↔ 2: w; 3 ↔ 4: w and b); the other settings are each lesson's own.")
    hidden = [n for n in ss_hidden(les) if n in BY_NAME]
    if hidden:
        fixed = ", ".join(f"{BY_NAME[n].label} {_fixed_text(les, n)}" for n in hidden)
        notes.append(f"Fixed by this link: {_safe(fixed)}.")
    st.caption(" ".join(notes))
    with st.expander("Classroom link", icon=":material/school:"):
        choice = st.multiselect("Controls to hide", hideable(les), key=key(les, "hide_pick"),
                                format_func=lambda n: BY_NAME[n].label,
                                help="Students see the run at this page's settings and cannot change these.")
        task = dict(params)
        task.pop(HIDE, None)
        if choice:
            task[HIDE] = ",".join(choice)
        st.code(_url(les, task), language=None, wrap_lines=True)


def ss_hidden(les: Lesson) -> dict:
    return st.session_state.get(key(les, "hidden"), {})

