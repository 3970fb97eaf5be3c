"""Quick profile of the adversarial suite (the long one: ``make fuzz``).

Every family runs ``QUICK_SEEDS`` seeded cases against its exact reference; a case
fails if linreg's answer is off by more than ``max(1e-6, 100 x its stated bound)``
without a warning, or if it raises anything but a ValueError with a message.  The
failure message is the one-line reproduction.
"""

from __future__ import annotations

import pytest

from .families import FAMILIES, make_case
from .fuzz import FAILING
from .runner import run_case

QUICK_SEEDS = 40


@pytest.mark.parametrize("seed", range(QUICK_SEEDS))
@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_silent_wrong_answer(family, seed):
    result = run_case(make_case(family, seed))
    assert result.cls not in FAILING, result.repro()
