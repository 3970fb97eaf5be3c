"""Residual and specification diagnostics (Breusch-Pagan, White, Durbin-Watson,
Breusch-Godfrey, Jarque-Bera, omnibus, RESET, Goldfeld-Quandt, VIF): an alias of
:mod:`linreg.inference.diagnostics`, where they live."""

import sys

from .inference import diagnostics as _module

sys.modules[__name__] = _module
