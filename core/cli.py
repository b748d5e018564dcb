"""The command line: flags made from the field table, a run, its console lines; errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.catalog import LESSONS
from core.fields import FIELDS, MAX_EPOCHS
from core.settings import SettingsError

EXIT_USAGE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints a usage block and exits on its own; we want one "error:" line instead.
    def error(self, message: str):
        raise _UsageError(message)


def _codec(field):
    """argparse's type= for a field: its text codec, with a codec's message as argparse's."""
    def parse(text: str):
        try:
            return field.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = field.name  # argparse names the type in its message
    return parse


def parser() -> argparse.ArgumentParser:
    """The argument parser: LESSON, then one option per field of core.fields."""
    lessons = ", ".join(f"{les.number}/{les.slug}" for les in LESSONS)
    p = _Parser(
        prog="python -m core",
        description="Run one of the document's programs and print what it prints. "
        "With no options the output is the document's, seed 0.",
        epilog=f"Values that begin with a minus sign need the = form: --x=-2,-1,0. Iterations: 1 to {MAX_EPOCHS:,}.",
    )
    p.add_argument("lesson", metavar="LESSON", help=f"which program: {lessons}")
    for f in FIELDS:
        p.add_argument(f.flag, dest=f.name, type=_codec(f), metavar=f.name.upper(), help=f.help.replace("%", "%%"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    from core import analysis, run_lesson  # the package's API, so the CLI and notebooks share one path
    from core.data import DataError

    try:
        args = parser().parse_args(argv)
        given = {k: v for k, v in vars(args).items() if v is not None and k != "lesson"}
        run = run_lesson(args.lesson, **given)
    except SystemExit as e:  # --help: argparse has printed it
        return int(e.code or 0)
    except _UsageError as e:
        return _fail(str(e))
    except KeyError as e:  # only lesson() raises it before the run starts
        return _fail(e.args[0])
    except (DataError, SettingsError) as e:
        return _fail(e.message)
    sys.stdout.write(run.log_text)
    v = analysis.verdict(run)
    if v.kind in ("diverging", "overflowed"):
        print(f"warning: {v.headline}. {v.reason}".replace("**", ""), file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE
