"""Moved to :mod:`linreg.inference.intervals`; this old path stays an alias of that module,
so old imports and pickles keep working."""

import sys

from .inference import intervals as _module

sys.modules[__name__] = _module
