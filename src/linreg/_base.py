"""Moved to :mod:`linreg.models.base` (the estimator base);
this old path stays an alias of that
module, so old imports, pickles and model files keep working."""

import sys

from .models import base as _module

sys.modules[__name__] = _module
