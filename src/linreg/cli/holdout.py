"""Which rows ``linreg fit`` holds out for validation and testing.

Each row goes to the test part with probability ``test_size`` and to the validation
part with probability ``val_size``, independently, from one seeded stream of uniform
numbers drawn in file order (as Spark's ``randomSplit`` does).  The draws do not depend
on how the file is cut into batches, so a file read at once and the same file streamed
in batches of any size hold out exactly the same rows.
"""

from __future__ import annotations

import numpy as np

from .errors import UsageError

TRAIN, VALIDATION, TEST = 0, 1, 2
PART_NAMES = {TRAIN: "train", VALIDATION: "validation", TEST: "test"}


class HoldOut:
    """Labels (TRAIN, VALIDATION, TEST) for consecutive rows; :meth:`restart` rewinds."""

    def __init__(self, test_size: float, val_size: float, seed: int):
        for name, value in (("--test-size", test_size), ("--val-size", val_size)):
            if not 0 <= value < 1:
                raise UsageError(f"{name} must be in [0, 1), got {value}")
        if test_size + val_size >= 1:
            raise UsageError(
                f"--test-size + --val-size must be below 1, got {test_size} + {val_size}"
            )
        self.test_size = float(test_size)
        self.val_size = float(val_size)
        self.seed = int(seed)
        self.restart()

    @property
    def splits(self) -> bool:
        return self.test_size > 0 or self.val_size > 0

    def restart(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def labels(self, n: int) -> np.ndarray:
        """The parts of the next ``n`` rows."""
        if not self.splits:
            return np.zeros(n, dtype=np.int8)
        u = self._rng.random(n)
        out = np.full(n, TRAIN, dtype=np.int8)
        out[u < self.test_size + self.val_size] = VALIDATION
        out[u < self.test_size] = TEST
        return out
