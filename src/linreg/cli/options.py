"""Validated option types for the ``linreg`` command's parsers.

Each factory returns an ``argparse`` ``type=`` callable that turns the option's text into
a value or raises :class:`argparse.ArgumentTypeError`; argparse then prints one line
naming the option (``argument --max-iter: must be a positive integer, got -5``) and
exits with status 2, the usage-error code.
"""

from __future__ import annotations

import argparse
import math


def _number(text: str, kind):
    try:
        return kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"must be {noun}, got {text!r}") from None


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a seed, a count that may be zero)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (an iteration cap, a batch size, a number of folds)."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (a penalty)."""
    value = _number(text, float)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite non-negative number, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate, a time budget)."""
    value = _number(text, float)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1) (a held-out fraction)."""
    value = _number(text, float)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in [0, 1), got {text}")
    return value


def unit_interval(text: str) -> float:
    """A number in [0, 1] (an elastic-net mixing ratio)."""
    value = _number(text, float)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {text}")
    return value


def level(text: str) -> float:
    """A number in (0, 1) (an interval's coverage)."""
    value = _number(text, float)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


def names(text: str) -> list[str]:
    """A comma-separated list of column names, e.g. ``a,b,c``, kept exactly as written
    (the reader matches a padded header name such as ``" y"``); an empty name is an error."""
    parts = text.split(",")
    if not all(part.strip() for part in parts):
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return parts
