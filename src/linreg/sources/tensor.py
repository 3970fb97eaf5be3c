"""torch tensors (on any device) as a chunk source: Moments on the device, solve on the host.

``LinearRegression().fit(X, y)`` with torch tensors computes the Moments where the
tensors live (:func:`linreg.sources.device_moments.moments_on_device`: float64 products in
row chunks, one ``(1 + p + k)^2`` transfer), and the exact solvers work on those
Moments alone.  The second passes of :meth:`summary` (exact residual sum of squares,
the HC meat) get float64 NumPy chunks copied to the host, so they cost one
device-to-host transfer of the data each; the nonrobust summary needs none beyond the
exact RSS pass.

NumPy arrays fitted with ``device="cuda"`` come through the same class: their Moments
are computed on the GPU from chunks sent there one at a time.
"""

from __future__ import annotations

import numpy as np

from ..inference.chunks import CHUNK_ROWS
from .base import ChunkSource
from .device_moments import is_tensor, moments_on_device


def _as_device_array(a, what: str, device):
    """``a`` as a tensor on ``device`` (tensors are moved, anything else via NumPy)."""
    import torch

    if is_tensor(a):
        if a.is_complex():
            raise ValueError(f"{what} is a complex tensor; linear regression needs real values")
        if a.dtype == torch.bool:
            a = a.to(torch.float64)
        return a.detach().to(device)
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} is not numeric: {err}") from err
    return torch.from_numpy(arr).to(device)


class TensorSource(ChunkSource):
    """``(X, y, sample_weight)`` as torch tensors, or NumPy arrays bound for a device.

    Parameters
    ----------
    X : torch.Tensor or ndarray of shape (n_samples, n_features)
    y : torch.Tensor or array-like of shape (n_samples,) or (n_samples, n_targets)
        Moved to X's device when it is not a tensor there.
    sample_weight : torch.Tensor or array-like of shape (n_samples,), optional
    device : str or torch.device, optional
        Where the Moments are computed: default X's own device.  A NumPy X stays in
        host memory and is sent to this device chunk by chunk.
    chunk_rows : int, optional
        Rows per chunk of the device pass (see :func:`moments_on_device`).
    """

    def __init__(self, X, y, sample_weight=None, *, device=None, chunk_rows=None):
        import torch

        if y is None:
            raise ValueError("fit(X, y): y is required with a torch tensor X")
        if device is None:  # the device of the first tensor given
            tensors = [a for a in (X, y, sample_weight) if is_tensor(a)]
            device = tensors[0].device if tensors else torch.device("cpu")
        self.device = torch.device(device)
        if is_tensor(X):
            if X.is_complex():
                raise ValueError("X is a complex tensor; linear regression needs real values")
            if X.dtype == torch.bool:
                X = X.to(torch.float64)
            X = X.detach()
        else:
            X = np.asarray(X)
            if X.dtype == np.longdouble and np.longdouble != np.float64:
                raise ValueError(
                    "X is numpy.longdouble, which torch devices cannot compute in; "
                    "fit it with device='cpu' (extended precision on the host)"
                )
        if X.ndim != 2:
            raise ValueError(
                f"Expected a 2D X, got {X.ndim}D with shape {tuple(X.shape)}; reshape a "
                "single feature with X.reshape(-1, 1)"
            )
        n = X.shape[0]
        if n == 0:
            raise ValueError("Found array with 0 sample(s) (shape (0, ...)); need at least 1")
        # y and the weights are small next to X: put them where X's chunks go.
        home = X.device if is_tensor(X) else self.device
        Y = _as_device_array(y, "y", home)
        if Y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D, got shape {tuple(Y.shape)}")
        if Y.shape[0] != n:
            raise ValueError(
                f"X and y have different numbers of rows: X has {n}, y has {Y.shape[0]}"
            )
        self.y_was_1d = Y.ndim == 1
        Y = Y.reshape(n, -1)
        w = None
        if sample_weight is not None:
            w = _as_device_array(sample_weight, "sample_weight", home).to(torch.float64)
            if w.ndim != 1 or w.shape[0] != n:
                raise ValueError(f"sample_weight must have shape ({n},), got {tuple(w.shape)}")
            bad = ~torch.isfinite(w) | (w < 0)
            if bool(bad.any()):
                r = int(torch.argmax(bad.to(torch.int8)))
                raise ValueError(
                    f"sample_weight is negative or not finite ({float(w[r])!r}) at row {r}"
                )
            if not float(w.sum()) > 0:
                raise ValueError("sample_weight sums to zero: there is nothing to fit")
        self.X, self.Y, self.w = X, Y, w
        self.n_samples = n
        self.n_features = X.shape[1]
        self.n_targets = Y.shape[1]
        self.weighted = w is not None
        self.chunk_rows = chunk_rows

    def moments(self):
        m = moments_on_device(
            self.X, self.Y, self.w, chunk_rows=self.chunk_rows, device=self.device
        )
        if not (np.isfinite(m.cross).all() and np.isfinite(m.mean).all()):
            self._locate_bad_values()
        return m

    def _locate_bad_values(self):
        """Raise naming the first row and column holding NaN/inf, or the overflow."""
        from .._validation import assert_no_overflow

        for what, a in (("X", self.X), ("y", self.Y)):
            for start in range(0, self.n_samples, CHUNK_ROWS):
                part = _host(a[start : start + CHUNK_ROWS])
                bad = ~np.isfinite(part)
                if bad.any():
                    r, c = np.argwhere(bad)[0]
                    kind = "NaN" if np.isnan(part[r, c]) else "infinity"
                    raise ValueError(
                        f"Input {what} contains {kind} in column {c}, first at row "
                        f"{start + r} (0-based); drop or impute it before fitting."
                    )
        big = np.zeros(self.n_features)
        for start in range(0, self.n_samples, CHUNK_ROWS):
            big = np.maximum(big, np.abs(_host(self.X[start : start + CHUNK_ROWS])).max(axis=0))
        assert_no_overflow(big[None, :])

    def reduce(self, func):
        """``sum(func(X, Y, w))`` over float64 NumPy chunks copied to the host."""
        total = None
        for start in range(0, self.n_samples, CHUNK_ROWS):
            rows = slice(start, start + CHUNK_ROWS)
            w = None if self.w is None else _host(self.w[rows])
            part = func(_host(self.X[rows]), _host(self.Y[rows]), w)
            total = part if total is None else total + part
        return total


def _host(a) -> np.ndarray:
    """A tensor or ndarray chunk as a float64 NumPy array on the host."""
    if is_tensor(a):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def device_source(estimator, X, y, sample_weight):
    """The :class:`TensorSource` for NumPy-like input fitted by an exact solver with
    ``device="cuda"`` (or ``"cuda:N"``), else None (``"auto"`` and ``"cpu"`` keep
    NumPy input on the host path)."""
    device = getattr(estimator, "device", "auto")
    if not str(device).startswith("cuda"):
        return None
    from .._validation import validate_training_data
    from ..training.torch_module import resolve_device

    device = resolve_device(device)  # a clear error when CUDA is not available
    X, Y, w, y_was_1d = validate_training_data(estimator, X, y, sample_weight)
    names = getattr(estimator, "feature_names_in_", None)
    source = TensorSource(X, Y[:, 0] if y_was_1d else Y, w, device=device)
    source.feature_names = None if names is None else list(names)
    return source


def predict_on_device(estimator, X) -> np.ndarray:
    """``X @ coef_.T + intercept_`` for a tensor X, computed on its device in float64
    row chunks; returned as a NumPy array on the host (as ``predict`` always returns)."""
    import torch

    X = X.detach()
    if X.ndim != 2 or X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has shape {tuple(X.shape)}, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    f64 = dict(dtype=torch.float64, device=X.device)
    B = torch.as_tensor(coef.T, **f64)
    b = torch.as_tensor(np.asarray(estimator.intercept_, dtype=np.float64), **f64)
    rows = max(256, (16 * 2**20) // (8 * max(1, X.shape[1])))
    with torch.no_grad():
        parts = [
            (X[start : start + rows].to(torch.float64) @ B + b).cpu().numpy()
            for start in range(0, X.shape[0], rows)
        ]
    out = np.concatenate(parts) if parts else np.zeros((0,) + coef.shape[:-1])
    if not np.isfinite(out).all():
        row = int(np.argmax(~np.isfinite(out).reshape(out.shape[0], -1).all(axis=1)))
        raise ValueError(
            f"Input X contains NaN or infinity (or values too large) at row {row} "
            "(0-based); drop or impute them before predicting."
        )
    return out


def tensors_to_numpy(*arrays):
    """Tensors among ``arrays`` as host NumPy arrays (others unchanged), for the paths
    that work on the host (the iterative trainers move them back to their device)."""
    return tuple(a.detach().cpu().numpy() if is_tensor(a) else a for a in arrays)
