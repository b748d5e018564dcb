"""The command line: parse flags into Settings, run, print the console lines; errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core import analysis
from core.catalog import LESSONS, lesson
from core.data import DataError, parse_list
from core.settings import MAX_EPOCHS, SettingsError

EXIT_USAGE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints a usage block and exits on its own; we want one "error:" line instead.
    def error(self, message: str):
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    lessons = ", ".join(f"{les.number}/{les.slug}" for les in LESSONS)
    p = _Parser(
        prog="python -m core",
        description="Run one of the document's four programs and print what it prints. "
        "With no options the output is the document's, seed 0.",
        epilog="Values that begin with a minus sign need the = form: --x=-2,-1,0.",
    )
    p.add_argument("lesson", metavar="LESSON", help=f"which program: {lessons}")
    p.add_argument("--x", help="inputs, comma-separated (default: the document's)")
    p.add_argument("--y", help="targets, comma-separated, one per x")
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--epochs", type=int, help=f"iterations, 1 to {MAX_EPOCHS:,}")
    p.add_argument("--log-every", type=int, help="print every K-th epoch")
    p.add_argument("--seed", type=int, help="seed of the run's random generator (default 0)")
    p.add_argument("--init-w", type=float, help="initial w instead of a random one")
    p.add_argument("--init-b", type=float, help="initial b instead of a random one (lessons 3-4)")
    p.add_argument("--predict", type=float, help="the x to predict at the end (default 5)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    from core import run_lesson  # the package's API, so the CLI and notebooks share one path

    try:
        args = _parser().parse_args(argv)
        les = lesson(args.lesson)
        given = {k: v for k, v in vars(args).items() if v is not None and k != "lesson"}
        for column in ("x", "y"):
            if column in given:
                given[column] = parse_list(given[column])
        run = run_lesson(les.number, **given)
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
    if v.kind == "diverged":
        print(f"warning: the run diverged. {v.reason}", file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE
