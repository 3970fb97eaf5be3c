"""The two kinds of user error the command reports in one line, and their exit codes."""

from __future__ import annotations


class CommandError(Exception):
    """A user error: printed as one line on stderr, no traceback (``--debug`` shows it)."""

    exit_code = 1


class UsageError(CommandError):
    """The command line itself is wrong (a missing or conflicting option): exit 2."""

    exit_code = 2


class DataError(CommandError):
    """The data or model file is wrong (missing, empty, non-numeric, NaN, ...): exit 1."""

    exit_code = 1
