"""Moved to :mod:`linreg.inference.summary`; this old path stays an alias of that module,
so old imports and pickles keep working."""

import sys

from .inference import summary as _module

sys.modules[__name__] = _module
