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
