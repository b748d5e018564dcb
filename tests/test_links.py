"""Every setting in the link (ui.links): widget → URL → a fresh session → the same settings and console;
classroom links; menu links; and bad links, each of which leaves the page working with one warning."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

import core
from core.catalog import lesson
from core.data import presets
from core.fields import BY_NAME, FIELDS, SCALARS
from tests.support.apptest import console, open_link, open_page
from tests.support.paths import reference
from ui.controls import FIXED, RANDOM, defaults
from ui.nav import url_path

LESSONS = (1, 2, 3, 4)


visit = open_link


def k(n: int, name: str) -> str:
    return f"l{n}.{name}"


def link_code(at: AppTest) -> str:
    """The Copy link block (the first code block that is a link to a page)."""
    return next(c.value for c in at.code if c.value.split("?")[0].endswith(tuple(url_path(lesson(n)) for n in LESSONS)))


def changed_value(i: int, f) -> object:
    """A value for field f unlike any lesson's default, made from its kind (no per-field code)."""
    return {"rate": 0.02 + 0.001 * i, "count": int(f.lo) + 2 + i, "value": 1.25 + i}[f.kind]


def test_the_issue_link_prints_the_cli_console():
    at = visit(3, {"lr": "0.03", "epochs": "50", "seed": "7"})
    assert console(at) == core.run_lesson(3, lr=0.03, epochs=50, seed=7).log_text
    assert not at.warning
    assert at.query_params == {"lr": "0.03", "epochs": "50", "seed": "7"}
    assert link_code(at).endswith("/Model_loss_and_optimizer?lr=0.03&epochs=50&seed=7")


@pytest.mark.parametrize("n", LESSONS)
def test_every_field_round_trips_through_the_url(n):
    les = lesson(n)
    at = open_page(n)
    assert at.query_params == {}, "a page at its defaults has a bare URL"
    at.radio(key=k(n, "start")).set_value(RANDOM).run()
    want: dict[str, object] = {}
    fields = [f for f in SCALARS if f.applies(les.params)]
    for starts in (False, True):  # the seed first (it is disabled while the starts are fixed), then the starts
        for i, f in enumerate(fields):
            if (f.param is not None) == starts:
                want[f.name] = changed_value(i, f)
                at.number_input(key=k(n, f.name)).set_value(want[f.name])
        at.run()
        at.radio(key=k(n, "start")).set_value(FIXED).run()
    preset = presets(les)[1]
    at.button(key=k(n, "preset1")).click().run()
    want.update(x=preset.x, y=preset.y)
    expected = core.run_lesson(n, **want).log_text
    assert console(at) == expected
    url = dict(at.query_params)
    assert list(url) == [f.name for f in FIELDS if f.name in want], "every changed field, named as its CLI flag"
    for name, value in want.items():
        assert url[name] == BY_NAME[name].format(value)

    fresh = visit(n, url)
    assert not fresh.warning
    for name, value in want.items():
        if name in ("x", "y"):
            continue
        assert fresh.session_state[k(n, name)] == value, name
    assert fresh.radio(key=k(n, "start")).value == FIXED
    assert console(fresh) == expected
    assert dict(fresh.query_params) == url


@pytest.mark.parametrize("n", (1, 2))
def test_random_and_fixed_starts_round_trip(n):
    les = lesson(n)
    at = open_page(n)
    flip = RANDOM if les.defaults().init_w is not None else FIXED
    at.radio(key=k(n, "start")).set_value(flip).run()
    url = dict(at.query_params)
    fresh = visit(n, url)
    assert fresh.radio(key=k(n, "start")).value == flip
    assert console(fresh) == console(at)
    init_w = None if flip == RANDOM else 0.0
    assert console(fresh) == core.run_lesson(n, init_w=init_w).log_text


def test_classroom_link_hides_and_fixes_controls():
    at = visit(3, {"lr": "0.03", "seed": "7", "hide": "lr,seed"})
    keys = {w.key for w in [*at.number_input, *at.select_slider, *at.radio]}
    assert not keys & {k(3, "lr"), k(3, "lr_pick"), k(3, "seed"), k(3, "start")}
    assert k(3, "epochs") in keys
    assert console(at) == core.run_lesson(3, lr=0.03, seed=7).log_text
    assert at.query_params["hide"] == "lr,seed"
    at.number_input(key=k(3, "epochs")).set_value(30).run()
    assert console(at) == core.run_lesson(3, lr=0.03, seed=7, epochs=30).log_text
    at.button(key=k(3, "reset")).click().run()
    assert console(at) == core.run_lesson(3, lr=0.03, seed=7).log_text, "reset keeps what the link fixed"
    assert any("Fixed by this link" in c.value for c in at.caption)


def test_classroom_form_builds_the_link():
    at = open_page(2)
    at.number_input(key=k(2, "lr")).set_value(0.05).run()
    at.multiselect(key=k(2, "hide_pick")).set_value(["lr", "epochs"]).run()
    task = next(c.value for c in at.code if "hide=" in c.value)
    assert task.endswith("/Loss_and_optimizer?lr=0.05&hide=lr,epochs")
    fresh = visit(2, dict(p.split("=") for p in task.split("?")[1].split("&")))
    assert not fresh.warning
    assert console(fresh) == core.run_lesson(2, lr=0.05).log_text


def test_menu_links_keep_seed_and_the_data_of_lessons_with_the_same_parameters():
    at = visit(1, {"seed": "7", "lr": "0.02", "x": "1,2,3", "y": "2,4,7"})
    links = {el.proto.page: el.proto.query_string for el in at.get("page_link")}
    by_lesson = {n: links[url_path(lesson(n)).lstrip("/")] for n in LESSONS}
    assert "x=1" in by_lesson[2] and "seed=7" in by_lesson[2] and "lr=" not in by_lesson[2]
    assert by_lesson[3] == "seed=7" and by_lesson[4] == "seed=7"
    assert "lr=0.02" in by_lesson[1]
    assert any("menu" in c.value and "seed" in c.value for c in at.caption), "the page says what the links keep"


def test_long_data_is_left_out_of_the_link_and_the_page_says_so():
    xs = [f"{i}.125" for i in range(400)]
    at = visit(1, {"x": ",".join(xs), "y": ",".join(xs), "epochs": "3"})
    assert not at.warning
    assert dict(at.query_params) == {"epochs": "3"}
    assert any("The data is not in it" in c.value for c in at.caption)


def test_a_new_link_in_the_same_session_applies_only_what_it_names():
    at = visit(3, {"lr": "0.03"})
    at.query_params.clear()
    at.query_params.update({"seed": "5"})
    at.run()
    assert console(at) == core.run_lesson(3, lr=0.03, seed=5).log_text


# ---- bad links: each keeps the page working, with the field's default and one warning naming it.

# AppTest %-encodes the commas (3 characters each), and Streamlit ignores a query string over 512 Ki
# characters: 60,000 points is what fits here. The browser test sends 100,000 with plain commas.
BIG = ",".join(["1"] * 60_000)
HUGE = ",".join(["1"] * 100_000)
BAD_LINKS = [
    # (lesson, parameters, the name the warning must show)
    (1, {"foo": "1"}, "foo"),
    (3, {"<script>alert(1)</script>": "1"}, "script"),
    (2, {"Lr": "0.1"}, "Lr"),
    (1, {"lr": "abc"}, "lr"),
    (1, {"lr": "nan"}, "lr"),
    (2, {"lr": "inf"}, "lr"),
    (3, {"lr": "-inf"}, "lr"),
    (4, {"lr": "0"}, "lr"),
    (1, {"lr": "-0.1"}, "lr"),
    (2, {"lr": "11"}, "lr"),
    (3, {"lr": "1e999"}, "lr"),
    (4, {"lr": ""}, "lr"),
    (1, {"lr": "0x10"}, "lr"),
    (2, {"lr": "<script>alert('x')</script>"}, "lr"),
    (3, {"lr": '"0.1"'}, "lr"),
    (4, {"lr": "[click](javascript:alert(1))"}, "lr"),
    (1, {"epochs": "abc"}, "epochs"),
    (2, {"epochs": "0"}, "epochs"),
    (3, {"epochs": "5001"}, "epochs"),
    (4, {"epochs": "1.5"}, "epochs"),
    (1, {"epochs": "1e3"}, "epochs"),
    (2, {"epochs": "-3"}, "epochs"),
    (3, {"log_every": "0"}, "log_every"),
    (4, {"log_every": "nan"}, "log_every"),
    (1, {"seed": "-1"}, "seed"),
    (2, {"seed": "4294967296"}, "seed"),
    (3, {"seed": "seven"}, "seed"),
    (4, {"seed": "$$\\frac{1}{2}$$"}, "seed"),
    (1, {"init_w": "nan"}, "init_w"),
    (2, {"init_w": "1e7"}, "init_w"),
    (3, {"init_w": "inf"}, "init_w"),
    (4, {"init_w": "<img src=x onerror=alert(1)>"}, "init_w"),
    (1, {"init_b": "1"}, "init_b"),
    (3, {"init_b": "abc"}, "init_b"),
    (1, {"predict": "nan"}, "predict"),
    (2, {"predict": "-1e7"}, "predict"),
    (3, {"predict": "'; DROP TABLE runs; --"}, "predict"),
    (1, {"x": "1,2,3", "y": "2,4"}, "x, y"),
    (2, {"x": "1,2,3"}, "x"),
    (3, {"y": "1,2"}, "y"),
    (4, {"x": "1,a,3", "y": "1,2,3"}, "x, y"),
    (1, {"x": "1,nan,3", "y": "1,2,3"}, "x, y"),
    (2, {"x": "1,inf", "y": "1,2"}, "x, y"),
    (3, {"x": BIG, "y": BIG}, "x, y"),
    (4, {"x": HUGE, "y": "1,2,3"}, "x, y"),
    (4, {"x": "1", "y": "2"}, "x, y"),
    (1, {"x": "", "y": ""}, "x, y"),
    (2, {"x": "1e7,2", "y": "1,2"}, "x, y"),
    (3, {"x": "1,2,<b>3</b>", "y": "1,2,3"}, "x, y"),
    (1, {"lr": ["0.1", "0.2"]}, "lr"),
    (3, {"x": ["1,2", "3,4"], "y": "1,2"}, "x"),
    (4, {"hide": "bogus"}, "hide"),
    (1, {"hide": "init_b"}, "hide"),
    (2, {"hide": ["lr", "seed"]}, "hide"),
    (3, {f"p{i}": "1" for i in range(500)}, "more names"),
]


@pytest.mark.parametrize(("n", "params", "name"), BAD_LINKS, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD_LINKS)])
def test_a_bad_link_gives_defaults_and_one_warning(n, params, name):
    at = visit(n, params)
    assert len(at.warning) == 1, [w.value for w in at.warning]
    text = at.warning[0].value
    assert name.replace("<", "\\<").replace(">", "\\>") in text or name in text.replace("\\", "")
    unescaped = re.findall(r"(?<!\\)[<>\[\]$`]", text)
    assert not unescaped, f"URL text is escaped markdown, never HTML, a link or LaTeX: {text!r}"
    assert not at.error, [e.value for e in at.error]
    d = defaults(lesson(n))
    for f in SCALARS:
        if f.applies(lesson(n).params):
            assert at.session_state[k(n, f.name)] == d[f.name], f.name
    assert console(at) == reference(n), "the page runs at the lesson's defaults"
    assert dict(at.query_params) == {}, "the bad parameters leave the address bar"
    at.run()
    assert len(at.warning) == 1, "the warning stays"


def test_a_bad_links_warning_is_under_the_title_row_not_in_it():
    at = visit(1, {"lr": "abc"})
    main = [c for _, c in sorted(at._tree.children[0].children.items())]
    row = [type(c).__name__ for c in main[0].children.values()]
    assert row == ["Title", "Toggle"], row
    assert main[1].type == "warning" and "lr" in main[1].value


def test_good_and_bad_parameters_in_one_link():
    at = visit(3, {"lr": "0.03", "epochs": "zero", "seed": "7", "predict": "inf", "bogus": "1"})
    assert len(at.warning) == 1
    text = at.warning[0].value.replace("\\", "")
    assert all(name in text for name in ("epochs", "predict", "bogus"))
    assert "lr" not in text.split("\n", 2)[-1].replace("Learning", "")
    assert console(at) == core.run_lesson(3, lr=0.03, seed=7).log_text


def test_bad_link_count():
    assert len(BAD_LINKS) >= 40
    assert {name for _, _, name in BAD_LINKS} >= {f.name for f in FIELDS} | {"hide"}
