"""``linreg fit`` on data larger than memory: one streaming pass per statistic.

Large files, folders and globs are read with :func:`linreg.scan` in record batches.
With cross-validation (the default), one pass computes every fold's Moments (the
training rows' Moments, and so the fit, are their merge) and one more every fold's
held-out sums (:mod:`linreg.cross_validation`); without it one pass gives the training
rows' Moments.  Then one pass for the summary's exact residual sum of squares (and one
for a robust covariance), and one for the metrics of every part.  Memory stays at a few
batches whatever the data size.
"""

from __future__ import annotations

import sys

import numpy as np

from linreg.split import PartSource

from .holdout import PART_NAMES, TRAIN, HoldOut
from .metrics import MetricSums, metrics_by_target

#: Data files larger than this are streamed rather than read into memory.
STREAM_BYTES = 32 * 2**20


class HeldOutSource(PartSource):
    """The rows of one part (train, validation or test) of a scan: the library's
    :class:`linreg.split.PartSource` with the hold-out's sizes and seed."""

    empty_message = "no rows left to train on; lower --test-size/--val-size"

    def __init__(self, scan, holdout: HoldOut, part: int = TRAIN):
        super().__init__(scan, holdout.test_size, holdout.val_size, holdout.seed, part)


def should_stream(args) -> bool:
    """Stream when asked, for folders and globs, and for files over STREAM_BYTES."""
    from pathlib import Path

    path = Path(args.data)
    if args.stream or path.is_dir() or any(c in str(args.data) for c in "*?["):
        return True
    return path.is_file() and path.stat().st_size > STREAM_BYTES


def part_metrics(model, scan, holdout: HoldOut) -> dict:
    """n, R^2, RMSE and MAE of every part (train, validation, test) and target, in one
    pass; the sums are centred at the training means of the targets."""
    moments = getattr(model, "moments_", None)
    sums, per_part = None, {}
    holdout.restart()
    for X, y, w in scan:
        if sums is None:  # centre: the training means, or the first batch's
            centre = moments.y_mean if moments is not None else np.mean(y, axis=0)
            sums = MetricSums.of(model, centre)
        labels = holdout.labels(len(X))
        for part in np.unique(labels):
            m = labels == part
            s = sums(X[m], y[m], None if w is None else w[m])
            per_part[int(part)] = per_part.get(int(part), 0) + s
    targets = list(scan.target_names)
    return {PART_NAMES[k]: metrics_by_target(per_part[k], targets) for k in sorted(per_part)}


class ByteProgress:
    """A progress bar over the bytes read, one per pass, on a terminal only."""

    def __init__(self, label: str):
        self.label = label
        self._progress = None
        self._task = None
        self._last = 0
        self._passes = 0
        if sys.stderr.isatty():
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self._progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                transient=True,
            )

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            return
        if self._task is None or done < self._last:
            self._passes += 1
            if self._task is None:
                self._progress.start()
            else:
                self._progress.remove_task(self._task)
            self._task = self._progress.add_task(f"{self.label} (pass {self._passes})", total=total)
        self._progress.update(self._task, completed=done)
        self._last = done

    def close(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.stop()
