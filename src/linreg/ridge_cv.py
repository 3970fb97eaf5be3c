"""Moved to :mod:`linreg.models.ridge_cv` (RidgeCV);
this old path stays an alias of that
module, so old imports, pickles and model files keep working."""

import sys

from .models import ridge_cv as _module

sys.modules[__name__] = _module
