"""Where linreg's warnings point: at the user's code, not at linreg's internals."""

from __future__ import annotations

import sys


def external_stacklevel() -> int:
    """The ``stacklevel`` for a ``warnings.warn`` call made by the caller of this
    function that attributes the warning to the first frame outside linreg.

    ``stacklevel=1`` is the function that calls ``warnings.warn``; each frame of a
    ``linreg`` module above it adds one.  So a warning raised at any depth of a fit
    (the estimator base's template, a solver route, a helper) names the line of the
    user's code that called ``fit``, as scikit-learn's warnings do, whatever route the
    fit took.  (Python 3.12's ``skip_file_prefixes`` does the same.)
    """
    frame = sys._getframe(1)  # the function that will call warnings.warn
    level = 1
    while frame is not None and _is_linreg(frame):
        frame = frame.f_back
        level += 1
    return level


def _is_linreg(frame) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "linreg" or name.startswith("linreg.")
