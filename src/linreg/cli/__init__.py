"""The ``linreg`` command: fit, predict, summary, test, compare, datasets, demo.

Only argparse is imported here; every command imports what it needs when it runs, so
``linreg --help`` answers at once.

Every failure is one line on stderr, ``linreg COMMAND: error: ...``, and ``--debug``
shows the traceback instead.  Exit codes (:mod:`linreg.cli.errors`): 1 for the user's
data or files, 2 for the command line, 3 for an internal error, 130 for Ctrl-C.

Which exceptions are the user's (:func:`classify`):

- :class:`~linreg.cli.errors.CommandError` (``UsageError`` 2, ``DataError`` 1), raised by
  the commands with a message written for the user;
- ``ModelFileError`` (a model file refused), an ``OSError`` on a file (the message names
  the path), ``MemoryError``, and the trainers' ``DivergenceError`` (a learning rate too
  large for the data);
- a ``ValueError`` or ``TypeError`` that linreg's own code raised on purpose: the
  innermost frame of its traceback is in the ``linreg`` package and stopped at a
  ``raise`` statement.  That is the library refusing its input (a bad shape, a NaN, an
  unknown option value) with a message for the user.

Anything else is a bug and is reported as one line ``internal error (a bug in linreg)``
with exit code 3: numpy's ``LinAlgError`` (a ``ValueError`` subclass, so a solver crash
would otherwise pass for the user's mistake), ``FloatingPointError``,
``AssertionError``, ``ZeroDivisionError``, ``IndexError``, ``KeyError``, and every
``ValueError``/``TypeError`` raised by Python, numpy, pyarrow or any other library
inside linreg's code (a call with a wrong keyword, ``float('x')`` on an unchecked
string): the command should have checked its input before that point.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import compare, datasets, demo, fit, hypothesis, predict, summary
from .errors import INTERRUPTED_EXIT, classify, command_line_terms, describe, one_line

COMMANDS = (fit, predict, summary, hypothesis, compare, datasets, demo)


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line (no usage block), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    from linreg import __version__

    parser = _Parser(
        prog="linreg",
        description="Linear regression done completely: exact, fast, honest.",
        epilog=(
            "Run 'linreg COMMAND --help' for a command's options; 'linreg demo' to see it "
            "all. Exit codes: 1 data error, 2 usage error, 3 internal error (a bug)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"linreg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    import warnings

    args = build_parser().parse_args(argv)
    formatwarning = warnings.formatwarning
    if not args.debug:
        # Warnings (rank deficiency, accuracy, convergence) as one line each.
        warnings.formatwarning = lambda message, category, *a, **k: (
            f"linreg {args.command}: warning: {command_line_terms(one_line(str(message)))}\n"
        )
    try:
        return args.run(args)
    except BrokenPipeError:
        # The reader of our output went away (``linreg predict ... | head``): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"linreg {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT
    except Exception as err:
        if args.debug:
            raise
        code, text = describe(err, _written_paths(args))
        print(f"linreg {args.command}: {text}", file=sys.stderr)
        return code
    finally:
        warnings.formatwarning = formatwarning


__all__ = ["build_parser", "classify", "describe", "main"]

#: Options that name a file or folder the command writes.
WRITTEN = ("output", "save", "plots")


def _written_paths(args) -> list[str]:
    return [str(v) for v in (getattr(args, name, None) for name in WRITTEN) if v]
