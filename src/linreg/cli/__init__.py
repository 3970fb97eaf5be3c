"""The ``linreg`` command: fit, predict, summary, compare, datasets, demo.

Only argparse is imported here; every command imports what it needs when it runs, so
``linreg --help`` answers at once.  User errors (a missing file, an unknown column, a
NaN, a corrupted model file, an unknown option value) print one line on stderr and exit
with 2 (usage) or 1 (data); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import compare, datasets, demo, fit, predict, summary
from .errors import CommandError

COMMANDS = (fit, predict, summary, compare, datasets, demo)


def build_parser() -> argparse.ArgumentParser:
    from linreg import __version__

    parser = argparse.ArgumentParser(
        prog="linreg",
        description="Linear regression done completely: exact, fast, honest.",
        epilog="Run 'linreg COMMAND --help' for a command's options; 'linreg demo' to see it all.",
    )
    parser.add_argument("--version", action="version", version=f"linreg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    import warnings

    args = build_parser().parse_args(argv)
    if not args.debug:
        # Warnings (rank deficiency, accuracy, convergence) as one line each.
        warnings.formatwarning = lambda message, category, *a, **k: (
            f"linreg {args.command}: warning: {message}\n"
        )
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader of our output went away (``linreg predict ... | head``): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # user errors become one line; anything else is a bug
        if args.debug or not _is_user_error(err):
            raise
        code = err.exit_code if isinstance(err, CommandError) else 1
        print(f"linreg {args.command}: error: {_message(err)}", file=sys.stderr)
        return code


def _is_user_error(err) -> bool:
    if isinstance(err, (CommandError, OSError)):
        return True
    from linreg.model_io import ModelFileError

    if isinstance(err, ModelFileError):
        return True
    # Estimators and trainers report bad input and divergence as ValueError/RuntimeError
    # subclasses with a message written for the user.
    name = type(err).__name__
    return isinstance(err, ValueError) or name in ("DivergenceError",)


def _message(err) -> str:
    text = str(err).strip() or type(err).__name__
    if isinstance(err, OSError) and err.filename:
        text = f"{err.filename}: {err.strerror}"
    return " ".join(text.split())
