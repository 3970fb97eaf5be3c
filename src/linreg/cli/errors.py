"""The errors the ``linreg`` command reports in one line, and its exit codes.

=====  ===============================================================================
code   meaning
=====  ===============================================================================
0      success
1      the data or a file is wrong (:class:`DataError`, a model file refused, a file that
       cannot be read or written, input the library refuses)
2      the command line is wrong (:class:`UsageError`, or an option value argparse
       refuses: it names the option)
3      an internal error, a bug in linreg (a ``LinAlgError``, an assertion, any exception
       the rules in :mod:`linreg.cli` do not recognise as the user's): one line asking to
       rerun with ``--debug`` and report it
130    interrupted (Ctrl-C)
=====  ===============================================================================
"""

from __future__ import annotations

import sys

#: Exit status of a data error (bad data, model or output file).
DATA_EXIT = 1
#: Exit status of a usage error (argparse uses 2 as well).
USAGE_EXIT = 2
#: Exit status of an internal error: a bug in linreg, never the user's mistake.
INTERNAL_EXIT = 3
#: Exit status after Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED_EXIT = 130


class CommandError(Exception):
    """A user error: printed as one line on stderr, no traceback (``--debug`` shows it)."""

    exit_code = DATA_EXIT


class UsageError(CommandError):
    """The command line itself is wrong (a missing or conflicting option): exit 2."""

    exit_code = USAGE_EXIT


class DataError(CommandError):
    """The data or model file is wrong (missing, empty, non-numeric, NaN, ...): exit 1."""

    exit_code = DATA_EXIT


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
        text = _message(err)
        if not isinstance(err, CommandError):  # the library's words: its options' names
            text = command_line_terms(text)
        return code, f"error: {text}"
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
    return one_line(text)


def one_line(text: str) -> str:
    return " ".join(text.split())


#: The library's parameter names in its messages, and the options that set them on the
#: command line (advice must be possible in the command that prints it).
_TERMS = (
    (r"\(max_iter, --max-iter\)", "(--max-iter)"),
    (r"\bmax_iter or tol\b", "--max-iter"),
    (r"\bsolver='(\w+)' or '(\w+)'", r"--solver \1 or \2"),
    (r"\bsolver='(\w+)'", r"--solver \1"),
    (r"\bmax_iter\b", "--max-iter"),
    (r"\bbatch_size\b", "--batch-size"),
    (r"\bl1_ratio\b", "--l1-ratio"),
    (r"\bsample_weight\b", "--weights"),
)


def command_line_terms(text: str) -> str:
    """``text`` (a library warning or refusal) with its Python parameter names replaced
    by the command-line options that set them: ``solver='qr'`` -> ``--solver qr``,
    ``max_iter`` -> ``--max-iter``, ``sample_weight`` -> ``--weights``."""
    import re

    for pattern, replacement in _TERMS:
        text = re.sub(pattern, replacement, text)
    return text
