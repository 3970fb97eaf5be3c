"""Moved to :mod:`linreg.models.linear_regression` (LinearRegression);
this old path stays an alias of that
module, so old imports, pickles and model files keep working."""

import sys

from .models import linear_regression as _module

sys.modules[__name__] = _module
