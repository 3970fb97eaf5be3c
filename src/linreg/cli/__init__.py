"""The ``linreg`` command: fit, predict, summary, compare, datasets, demo.

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

from . import compare, datasets, demo, fit, predict, summary
from .errors import DATA_EXIT, INTERNAL_EXIT, INTERRUPTED_EXIT, CommandError

COMMANDS = (fit, predict, summary, compare, datasets, demo)


def build_parser() -> argparse.ArgumentParser:
    from linreg import __version__

    parser = argparse.ArgumentParser(
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
            f"linreg {args.command}: warning: {_one_line(str(message))}\n"
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


#: Options that name a file or folder the command writes.
WRITTEN = ("output", "save", "plots")


def _written_paths(args) -> list[str]:
    return [str(v) for v in (getattr(args, name, None) for name in WRITTEN) if v]


def describe(err: BaseException, written=()) -> tuple[int, str]:
    """``(exit code, one line)`` for an exception that ended a command (see the module
    docstring): ``error: ...`` for the user's errors, ``internal error ...`` for bugs.

    ``written`` are the paths the command writes: an OSError that names no file (a full
    disk while writing) is reported against them.
    """
    code = classify(err)
    if code is not None:
        if isinstance(err, OSError) and err.filename is None and written and _full(err):
            what = err.strerror or _message(err)
            return code, f"error: {' or '.join(written)}: cannot write: {what}"
        return code, f"error: {_message(err)}"
    return INTERNAL_EXIT, (
        f"internal error (a bug in linreg): {type(err).__name__}: {_message(err)}; "
        "rerun with --debug for the traceback and report it"
    )


def _full(err: OSError) -> bool:
    """Whether ``err`` is a failure to write (a full disk or device, a read-only one)."""
    import errno

    return err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO)


def classify(err: BaseException) -> int | None:
    """The exit code of a user error, or None for an internal error (a bug)."""
    if isinstance(err, CommandError):
        return err.exit_code
    if isinstance(err, (OSError, MemoryError)) or _is_linreg_class(err, "ModelFileError"):
        return DATA_EXIT
    if _is_linreg_class(err, "DivergenceError"):
        return DATA_EXIT
    if _is_library_refusal(err):
        return DATA_EXIT
    return None


def _is_linreg_class(err, name: str) -> bool:
    """Whether ``err`` is an instance of linreg's exception class ``name`` (checked by
    name and module, so that the check imports nothing)."""
    return any(
        cls.__name__ == name and cls.__module__.split(".")[0] == "linreg"
        for cls in type(err).__mro__
    )


def _is_library_refusal(err) -> bool:
    """A ValueError/TypeError raised by a ``raise`` statement in linreg's own code."""
    if not isinstance(err, (ValueError, TypeError)):
        return False
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(err, numpy.linalg.LinAlgError):
        return False
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    if frame.f_globals.get("__name__", "").split(".")[0] != "linreg":
        return False
    import dis

    code = frame.f_code.co_code
    # The frame's last instruction: RAISE_VARARGS for ``raise X(...)``; a CALL when the
    # error came from a callee in C (``float('x')``) or from the call itself (a keyword
    # the function does not take).
    return 0 <= tb.tb_lasti < len(code) and dis.opname[code[tb.tb_lasti]] == "RAISE_VARARGS"


def _message(err) -> str:
    text = str(err).strip() or type(err).__name__
    if isinstance(err, OSError) and err.filename is not None:
        what = err.strerror or text
        text = f"{err.filename}: {what}"
        if err.filename2 is not None:
            text = f"{err.filename} -> {err.filename2}: {what}"
    elif isinstance(err, OSError) and err.strerror:
        text = err.strerror
    elif isinstance(err, MemoryError):
        text = f"not enough memory ({text})"
    return _one_line(text)


def _one_line(text: str) -> str:
    return " ".join(text.split())
