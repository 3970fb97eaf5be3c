"""Which rows ``linreg fit`` holds out for validation and testing.

The rule is :func:`linreg.split.holdout_labels`, the one shared with ``linreg compare``
and :func:`linreg.compare`: each row goes to the test part with probability
``test_size`` and to the validation part with probability ``val_size``, independently,
from a uniform number that depends only on (seed, row index).  A file read at once and
the same file streamed in batches of any size therefore hold out exactly the same rows,
and ``fit`` and ``compare`` hold out the same rows for the same seed.
"""

from __future__ import annotations

import numpy as np

from linreg.split import PART_NAMES, TEST, TRAIN, VALIDATION, holdout_labels

from .errors import UsageError

__all__ = ["PART_NAMES", "TEST", "TRAIN", "VALIDATION", "HoldOut"]


class HoldOut:
    """Labels (TRAIN, VALIDATION, TEST) for consecutive rows; :meth:`restart` rewinds
    to row 0."""

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
        """The next call of :meth:`labels` starts again at row 0."""
        self._next_row = 0

    def labels(self, n: int) -> np.ndarray:
        """The parts of the next ``n`` rows."""
        start, self._next_row = self._next_row, self._next_row + int(n)
        if not self.splits:
            return np.zeros(n, dtype=np.int8)
        return holdout_labels(n, self.test_size, self.val_size, self.seed, start=start)
