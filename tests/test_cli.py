"""core.cli and core.run_lesson: `python -m core` prints what the document prints; bad input is one error line.

Most cases call main(argv) in-process (capsys); a few run `python -m core` for real, all at once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import core
from core.catalog import lesson
from core.cli import main
from core.data import DataError
from core.settings import SettingsError

ROOT = Path(__file__).resolve().parents[1]
SLUGS = {1: "autograd", 2: "optimizer", 3: "linear", 4: "module"}


def _cli(argv, capsys) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------- output


@pytest.mark.parametrize("n", (1, 2, 3, 4))
def test_no_options_prints_the_documents_output(n, capsys, reference):
    for key in (str(n), SLUGS[n]):
        status, out, err = _cli([key], capsys)
        assert (status, err) == (0, "")
        assert out.encode("utf-8") == reference(n).encode("utf-8")


def test_negative_values_with_the_equals_form(capsys, document_log):
    status, out, err = _cli(["1", "--x=-2,-1,0,1.5", "--y=-4.5,-2,0.25,3"], capsys)
    assert (status, err) == (0, "")
    s = lesson(1).defaults().replace(x=(-2.0, -1.0, 0.0, 1.5), y=(-4.5, -2.0, 0.25, 3.0))
    assert out == document_log(s)


@pytest.mark.parametrize(
    ("argv", "changes"),
    [
        (["2", "--lr", "0.02", "--epochs", "9", "--log-every", "3", "--predict=-3", "--init-w", "1.5"],
         {"lr": 0.02, "epochs": 9, "log_every": 3, "predict": -3.0, "init_w": 1.5}),
        (["linear", "--lr", "0.03", "--epochs", "50", "--log-every", "7", "--seed", "12345", "--init-w", "0.5",
          "--init-b=-0.25", "--predict", "2.5", "--x", "1, 2.5,4", "--y", "2,5.5, 7"],
         {"lr": 0.03, "epochs": 50, "log_every": 7, "seed": 12345, "init_w": 0.5, "init_b": -0.25,
          "predict": 2.5, "x": (1.0, 2.5, 4.0), "y": (2.0, 5.5, 7.0)}),
        (["4", "--seed", "7", "--init-b", "1"], {"seed": 7, "init_b": 1.0}),
        (["1", "--seed", "1", "--log-every", "1"], {"seed": 1, "log_every": 1}),
    ],
    ids=["lesson2", "lesson3-every-flag", "lesson4-init_b-only", "lesson1-seed"],
)
def test_every_flag_reaches_the_run(argv, changes, capsys, document_log):
    status, out, err = _cli(argv, capsys)
    assert (status, err) == (0, "")
    s = lesson(argv[0]).defaults().replace(**changes)
    assert out == document_log(s)


def test_a_diverging_run_prints_the_documents_output_and_one_warning(capsys, document_log):
    status, out, err = _cli(["1", "--lr", "0.5"], capsys)
    assert status == 0
    assert out == document_log(lesson(1).defaults().replace(lr=0.5))
    assert "inf" in out  # it really blew up
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "Traceback" not in err


# ---------------------------------------------------------------- bad input


BAD = [
    pytest.param([], id="no-lesson"),
    pytest.param(["1", "--x", "1,a,3", "--y", "1,2,3"], id="text-in-list"),
    pytest.param(["1", "--x", "1,2,3", "--y", "1,2"], id="lengths-differ"),
    pytest.param(["3", "--x", "1,2,3"], id="x-only-differs-from-default-y"),
    pytest.param(["1", "--x=", "--y="], id="empty"),
    pytest.param(["3", "--x", "1", "--y", "2"], id="single-point-with-bias"),
    pytest.param(["1", "--x", "1,,3", "--y", "1,2,3"], id="blank-cell"),
    pytest.param(["2", "--x", "1,nan", "--y", "1,2"], id="nan"),
    pytest.param(["3", "--x", "1,2", "--y", "inf,2"], id="inf"),
    pytest.param(["4", "--x", "1,2", "--y=-inf,2"], id="minus-inf"),
    pytest.param(["1", "--x", "1,2e6", "--y", "1,2"], id="over-1e6"),
    pytest.param(["1", "--x=1,-1e300", "--y", "1,2"], id="minus-1e300"),
    pytest.param(["1", "--lr", "0"], id="lr-0"),
    pytest.param(["1", "--lr=-0.1"], id="lr-negative"),
    pytest.param(["1", "--lr", "nan"], id="lr-nan"),
    pytest.param(["1", "--lr", "11"], id="lr-too-big"),
    pytest.param(["1", "--lr", "fast"], id="lr-text"),
    pytest.param(["1", "--epochs", "0"], id="epochs-0"),
    pytest.param(["1", "--epochs", "100001"], id="epochs-100001"),
    pytest.param(["1", "--epochs", "1.5"], id="epochs-fraction"),
    pytest.param(["1", "--log-every", "0"], id="log-every-0"),
    pytest.param(["1", "--seed=-1"], id="seed-negative"),
    pytest.param(["1", "--init-w", "inf"], id="init-w-inf"),
    pytest.param(["2", "--init-b", "1"], id="init-b-without-bias"),
    pytest.param(["1", "--predict", "2e6"], id="predict-too-big"),
    pytest.param(["9"], id="unknown-lesson"),
    pytest.param(["gradient"], id="unknown-slug"),
    pytest.param(["1", "--bogus"], id="unknown-flag"),
    pytest.param(["1", "--lr"], id="missing-value"),
    pytest.param(["1", "2"], id="extra-argument"),
]


@pytest.mark.parametrize("argv", BAD)
def test_bad_input_is_one_error_line_and_status_2(argv, capsys):
    status, out, err = _cli(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.endswith("\n")
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and len(lines[0]) > len("error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["1", "--x", "1,a,3", "--y", "1,2,3"], "Row 2, column x"),
        (["1", "--x", "1,2", "--y", "1,inf"], "Row 2, column y"),
        (["1", "--x", "1,2,3", "--y", "1,2"], "x has 3 values but y has 2"),
        (["1", "--epochs", "100001"], "100,000"),
        (["9"], "unknown lesson"),
        (["1", "--bogus"], "--bogus"),
    ],
)
def test_error_lines_say_what_and_where(argv, words, capsys):
    _, _, err = _cli(argv, capsys)
    assert words in err


# ---------------------------------------------------------------- core.run_lesson


def test_run_lesson_keywords_are_the_cli_flags(capsys):
    flags = ["3", "--lr", "0.03", "--epochs", "50", "--log-every", "5", "--seed", "7", "--init-w", "0.5",
             "--init-b", "-1", "--predict", "2.5", "--x", "1,2,3.5", "--y", "2,4,7.5"]
    _, out, _ = _cli(flags, capsys)
    run = core.run_lesson(3, lr=0.03, epochs=50, log_every=5, seed=7, init_w=0.5, init_b=-1, predict=2.5,
                          x=[1, 2, 3.5], y=["2", "4", "7.5"])
    assert run.log_text == out
    assert run.settings.x == (1.0, 2.0, 3.5) and run.settings.y == (2.0, 4.0, 7.5)


@pytest.mark.parametrize("key", (4, "4", "module"))
def test_run_lesson_defaults_are_the_document(key, reference):
    assert core.run_lesson(key).log_text == reference(4)


def test_run_lesson_rejects_bad_values():
    with pytest.raises(TypeError):
        core.run_lesson(1, learning_rate=0.1)
    with pytest.raises(KeyError):
        core.run_lesson(7)
    with pytest.raises(DataError) as data:
        core.run_lesson(1, x=[1, 2, "x"], y=[1, 2, 3])
    assert (data.value.row, data.value.column) == (3, "x")
    with pytest.raises(SettingsError) as setting:
        core.run_lesson(2, lr=-1)
    assert setting.value.field == "lr"
    with pytest.raises(SettingsError) as epochs:
        core.run_lesson(1, epochs=5_001, max_epochs=5_000)
    assert epochs.value.field == "epochs"
    assert core.run_lesson(1, epochs=5_000, max_epochs=5_000).settings.epochs == 5_000


def test_run_lesson_reports_progress():
    calls = []
    core.run_lesson(2, epochs=300, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(250, 300), (300, 300)]


# ---------------------------------------------------------------- core stays free of the UI


def test_no_core_source_imports_streamlit_or_plotly():
    sources = sorted((ROOT / "core").glob("*.py"))
    assert {p.name for p in sources} >= {"__init__.py", "__main__.py", "settings.py", "data.py", "lessons.py",
                                         "analysis.py", "landscape.py", "cli.py"}
    pattern = re.compile(r"^\s*(import|from)\s+(streamlit|plotly)\b|import_module\(\s*['\"](streamlit|plotly)",
                         re.M)
    for path in sources:
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


# ---------------------------------------------------------------- real processes, started together

_IMPORT_CHECK = (
    "import sys, core, core.cli, core.analysis, core.landscape, core.data, core.settings, core.lessons; "
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')))"
)
PROCESSES = {
    "doc": [sys.executable, "-m", "core", "1"],
    "error": [sys.executable, "-m", "core", "linear", "--lr", "0"],
    "diverge": [sys.executable, "-m", "core", "1", "--lr", "0.5"],
    "imports": [sys.executable, "-c", _IMPORT_CHECK],
}


@pytest.fixture(scope="module")
def processes() -> dict[str, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = {name: subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for name, cmd in PROCESSES.items()}
    done = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


def test_python_m_core_prints_the_document(processes, reference):
    assert (processes["doc"].returncode, processes["doc"].stderr) == (0, "")
    assert processes["doc"].stdout == reference(1)


def test_python_m_core_bad_input(processes):
    p = processes["error"]
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("error: ")
    assert "Traceback" not in p.stderr


def test_python_m_core_diverging_run(processes, document_log):
    p = processes["diverge"]
    assert p.returncode == 0
    assert p.stdout == document_log(lesson(1).defaults().replace(lr=0.5))
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("warning: ")


def test_importing_core_loads_neither_streamlit_nor_plotly(processes):
    p = processes["imports"]
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.strip() == "[]"
