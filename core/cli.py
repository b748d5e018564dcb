"""The command line: flags made from the field table, a run, its console lines; errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.catalog import LESSONS, lesson
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
    # Options of the command line only, not settings: what to print about the run, not how it runs.
    p.add_argument("--trace", dest="_trace", metavar="K", help="print epoch K of the run phase by phase "
                   "(forward, loss, backward, update, zero-grad) and its autograd graph, instead of the log")
    p.add_argument("--json", dest="_json", action="store_true", help="with --trace: print it as one JSON object")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    from core import analysis, run_lesson  # the package's API, so the CLI and notebooks share one path
    from core.data import DataError

    try:
        args = parser().parse_args(argv)
        given = {k: v for k, v in vars(args).items() if v is not None and k != "lesson" and not k.startswith("_")}
        if args._json and args._trace is None:
            return _fail("--json prints a trace: give --trace K too.")
        if args._trace is not None:
            return _trace(args.lesson, args._trace, args._json, given)
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


def _trace(lesson_key: str, k_text: str, as_json: bool, given: dict) -> int:
    """--trace K: epoch K of the run, phase by phase, as text or as one JSON object."""
    import json

    from core.data import DataError, parse_columns
    from core.settings import check
    from core.trace import TraceError, trace

    try:
        k = int(k_text.strip())
    except ValueError:
        return _fail(f"--trace must be a whole number (an epoch), got {k_text[:40]!r}.")
    try:
        les = lesson(lesson_key)
        base = les.defaults()
        x, y = parse_columns(list(given.pop("x", base.x)), list(given.pop("y", base.y)), len(les.params))
        tr = trace(check(base.replace(x=x, y=y, **given), MAX_EPOCHS), k)
    except KeyError as e:
        return _fail(e.args[0])
    except (DataError, SettingsError) as e:
        return _fail(e.message)
    except TraceError as e:
        return _fail(str(e))
    if as_json:
        keys = ("epoch", "loss", "params_before", "grads", "params_after", "zeroed")
        out = {key: tr[key] for key in keys}
        out["graph"] = [{f: node[f] for f in ("id", "op", "param", "next", "value", "grad")} for node in tr["graph"]]
        print(json.dumps(out))
    else:
        sys.stdout.write(trace_text(tr))
    return 0


def trace_text(tr: dict) -> str:
    """A trace as readable lines: the state after each phase, then the graph."""
    def num(v) -> str:
        return "None" if v is None else repr(v)

    lines = [f"epoch {tr['epoch']} of {tr['epochs']}, lesson {tr['lesson']}, learning rate {tr['lr']!r}"]
    for st in tr["states"]:
        state = ", ".join([*(f"{p} = {num(v)}" for p, v in st["params"].items()),
                           *(f"{p}.grad = {num(v)}" for p, v in st["grads"].items())])
        extra = f"; loss = {st['loss']!r}" if "loss" in st else ""
        extra += f"; y_pred = {st['y_pred']}" if "y_pred" in st else ""
        lines.append(f"after {st['phase']:<9}  {state}{extra}" if st["phase"] != "start"
                     else f"{'start':<15}  {state}")
    lines.append("autograd graph of the loss (depth first):")
    for node in tr["graph"]:
        leaf = f" [{node['param']}]" if node["param"] else ""
        lines.append(f"  {node['id']}: {node['op']}{leaf} -> {node['next']}  "
                     f"value {node['value']}  grad {node['grad']}")
    return "\n".join(lines) + "\n"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE
