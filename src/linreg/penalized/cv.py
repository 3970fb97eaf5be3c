"""Moved to :mod:`linreg.models.elastic_net_cv` (ElasticNetCV, LassoCV);
this old path stays an alias of that
module, so old imports, pickles and model files keep working."""

import sys

from ..models import elastic_net_cv as _module

sys.modules[__name__] = _module
