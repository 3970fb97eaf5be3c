"""The :class:`~linreg.Moments` of torch tensors, computed on the tensors' device.

The product ``X'X`` is the whole cost of an exact least-squares fit on tall data, and
a GPU forms it an order of magnitude faster than the host.  :func:`moments_on_device`
runs every row pass on the device in float64 and moves only the ``(1 + p + k)^2``
result to the host, where the (tiny) solve happens.

Two paths, as in :meth:`linreg.Moments.from_arrays`:

* **direct** (unweighted float64 tensors already on the device): the raw products
  ``X'X``, ``X'[1, Y]`` and ``[1, Y]'[1, Y]`` straight from the tensor's row chunks,
  no copy of X (one GEMM over the data plus one thin pass); centred afterwards.  When
  centring would cancel more than about one digit (a column whose mean is large next
  to its spread, e.g. an offset of 1e6) it falls back to the shifted path, shifted
  by the mean this pass just measured.
* **shifted** (weights, float32 or integer data, NumPy input, or the fallback): first
  the weighted column means (one reduction), then the sum over row chunks of
  ``Z_c' Z_c`` with ``Z_c = sqrt(w) [1, z - mean]`` in a float64 chunk buffer (the
  only temporary; float32 is upcast chunk by chunk).  The leading column carries the
  weight sum and the sums of the shifted data, so the rounding error of the mean is
  corrected exactly: ``C = S - s s'/W``.

NumPy inputs are sent to the device one chunk at a time (twice on the shifted path).
torch is imported when this module's functions run, never by ``import linreg``.
"""

from __future__ import annotations

import numpy as np

from ..moments import MAX_CANCELLATION, Moments, two_sum

__all__ = ["is_tensor", "moments_on_device"]

#: Bytes of the float64 chunk buffer on a CUDA device (large GEMMs run near peak).
CUDA_CHUNK_BYTES = 256 * 2**20

#: Bytes of the float64 chunk buffer on the CPU (as :data:`linreg.moments.CHUNK_BYTES`).
CPU_CHUNK_BYTES = 16 * 2**20

#: The direct path reads X's rows in place (a view, no copy): its chunks are larger,
#: so each GEMM is large too (64 MiB of X per chunk on the CPU, 1 GiB on CUDA).
DIRECT_CHUNK_BYTES = {"cuda": 2**30, "cpu": 64 * 2**20}


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a torch tensor, without importing torch."""
    module = type(obj).__module__ or ""
    return (module == "torch" or module.startswith("torch.")) and hasattr(obj, "device")


def default_chunk_rows(device, n_columns: int, direct: bool = False) -> int:
    """Rows per chunk so that a float64 chunk of ``n_columns`` columns fills the budget."""
    cuda = device.type == "cuda"
    if direct:
        budget = DIRECT_CHUNK_BYTES["cuda" if cuda else "cpu"]
    else:
        budget = CUDA_CHUNK_BYTES if cuda else CPU_CHUNK_BYTES
    return max(256, budget // (8 * n_columns))


def _rows(a, start: int, stop: int, device):
    """Rows ``[start, stop)`` of a tensor or ndarray as a tensor on ``device`` (dtype kept)."""
    import torch

    if is_tensor(a):
        return a[start:stop].detach().to(device)
    part = np.ascontiguousarray(a[start:stop])
    return torch.from_numpy(part).to(device)


def moments_on_device(X, Y, w=None, *, chunk_rows: int | None = None, device=None) -> Moments:
    """Moments of ``(X, Y, w)`` computed on a torch device in float64.

    Parameters
    ----------
    X : torch.Tensor or ndarray of shape (n_samples, n_features)
    Y : torch.Tensor or ndarray of shape (n_samples,) or (n_samples, n_targets)
    w : torch.Tensor or ndarray of shape (n_samples,), optional
        Non-negative sample weights (not checked here).
    chunk_rows : int, optional
        Rows per chunk; default: a float64 chunk of 256 MiB on CUDA, 16 MiB on the CPU.
    device : str or torch.device, optional
        Where to compute; default: X's device (the CPU for a NumPy X).  Tensors on
        another device and NumPy arrays are moved there chunk by chunk.

    Returns
    -------
    Moments
        ``sum_i w_i (z_i - mean)(z_i - mean)'`` for ``z = [x, y]``.  Non-finite input
        gives non-finite Moments (the caller locates it).
    """
    import torch

    if device is None:
        device = X.device if is_tensor(X) else torch.device("cpu")
    device = torch.device(device)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    n, p = X.shape
    k = Y.shape[1]
    d = p + k
    on_device = all(is_tensor(a) and a.device == device for a in (X, Y))
    direct = w is None and on_device and X.dtype == Y.dtype == torch.float64
    given = chunk_rows
    if chunk_rows is None:
        chunk_rows = default_chunk_rows(device, 1 + d)
    chunk_rows = max(1, int(chunk_rows))
    with torch.no_grad():
        shift = None
        if direct:
            rows = default_chunk_rows(device, p, direct=True) if given is None else chunk_rows
            R = _direct_products(X, Y, rows, device)
            moments, amplification = _centre(R, np.zeros(d), n, p)
            if amplification <= MAX_CANCELLATION:
                return moments
            shift = moments.mean
        if shift is None:
            shift = _weighted_mean(X, Y, w, chunk_rows, device)
            if shift is None:  # zero weight sum
                return Moments(n, 0.0, np.zeros(d), np.zeros((d, d)), p)
        R = _shifted_products(X, Y, w, shift, chunk_rows, device)
        return _centre(R, shift, n, p)[0]


def _direct_products(X, Y, chunk_rows, device):
    """Raw ``[1, X, Y]'[1, X, Y]`` from float64 row chunks, X read in place."""
    import torch

    n, p = X.shape
    k = Y.shape[1]
    f64 = dict(dtype=torch.float64, device=device)
    xx = torch.zeros((p, p), **f64)
    bx = torch.zeros((1 + k, p), **f64)
    bb = torch.zeros((1 + k, 1 + k), **f64)
    B = torch.ones((min(chunk_rows, n), 1 + k), **f64)  # [1, Y] of one chunk
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        Xc = X[start:stop]
        Bc = B[: stop - start]
        Bc[:, 1:] = Y[start:stop]
        xx.addmm_(Xc.T, Xc)  # the GEMM that dominates the cost; Xc.T is a view
        bx.addmm_(Bc.T, Xc)  # sums and X'Y: one thin GEMM (a second read of X)
        bb.addmm_(Bc.T, Bc)
    xb = bx.T
    # Reorder to the layout [1, X, Y] of the shifted path.
    R = torch.empty((1 + p + k, 1 + p + k), **f64)
    R[0, 0] = bb[0, 0]
    R[0, 1 : 1 + p] = xb[:, 0]
    R[0, 1 + p :] = bb[0, 1:]
    R[1 : 1 + p, 1 : 1 + p] = xx
    R[1 : 1 + p, 1 + p :] = xb[:, 1:]
    R[1 + p :, 1 + p :] = bb[1:, 1:]
    R = torch.triu(R) + torch.triu(R, 1).T
    return R.cpu().numpy()


def _fill(buf, X, Y, w, start, stop, shift_x, shift_y, device):
    """Write ``sqrt(w) [1, x - shift, y - shift]`` of rows ``[start, stop)`` into buf."""
    import torch

    Z = buf[: stop - start]
    p = X.shape[1]
    # float32 minus a float64 shift is computed in float64 (type promotion).
    torch.sub(_rows(X, start, stop, device), shift_x, out=Z[:, 1 : 1 + p])
    torch.sub(_rows(Y, start, stop, device), shift_y, out=Z[:, 1 + p :])
    if w is None:
        Z[:, 0] = 1.0
    else:
        torch.sqrt(_rows(w, start, stop, device).to(torch.float64), out=Z[:, 0])
        Z[:, 1:] *= Z[:, :1]
    return Z


def _weighted_mean(X, Y, w, chunk_rows, device):
    """The weighted column means of ``[X, Y]`` (float64 ndarray), or None if W = 0."""
    import torch

    n, p = X.shape
    k = Y.shape[1]
    f64 = dict(dtype=torch.float64, device=device)
    buf = torch.empty((min(chunk_rows, n), 1 + p + k), **f64)
    zero_x = torch.zeros(p, **f64)
    zero_y = torch.zeros(k, **f64)
    sums = torch.zeros(1 + p + k, **f64)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        Z = _fill(buf, X, Y, w, start, stop, zero_x, zero_y, device)
        sums.addmv_(Z.T, Z[:, 0])  # [sum w, sum w z]
    sums = sums.cpu().numpy()
    if not sums[0] > 0:
        return None
    return sums[1:] / sums[0]


def _shifted_products(X, Y, w, shift, chunk_rows, device):
    """``sum_c Z_c' Z_c`` with ``Z_c = sqrt(w) [1, z - shift]`` (float64 ndarray)."""
    import torch

    n, p = X.shape
    d = p + Y.shape[1]
    f64 = dict(dtype=torch.float64, device=device)
    shift_t = torch.as_tensor(np.asarray(shift, dtype=np.float64), **f64)
    buf = torch.empty((min(chunk_rows, n), 1 + d), **f64)
    R = torch.zeros((1 + d, 1 + d), **f64)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        Z = _fill(buf, X, Y, w, start, stop, shift_t[:p], shift_t[p:], device)
        R.addmm_(Z.T, Z)
    return R.cpu().numpy()


def _centre(R: np.ndarray, shift: np.ndarray, n: int, p: int) -> tuple[Moments, float]:
    """Moments from ``R = sum sqrt(w)[1, z - shift]' sqrt(w)[1, z - shift]``, and the
    largest ratio of raw to centred sum of squares (the digits centring cancelled)."""
    W = float(R[0, 0])
    d = R.shape[0] - 1
    if not W > 0:
        return Moments(n, 0.0, np.asarray(shift, dtype=np.float64), np.zeros((d, d)), p), 1.0
    s = R[0, 1:]
    offset = s / W
    with np.errstate(all="ignore"):  # non-finite input is located by the caller
        cross = R[1:, 1:] - np.outer(s, offset)
        raw = np.diag(R)[1:]
        centred = np.diag(cross)
        ratio = np.where(centred > 0, raw / centred, np.where(raw > 0, np.inf, 1.0))
    amplification = float(ratio.max(initial=1.0))
    if not np.isfinite(R).all():
        amplification = 1.0  # let the caller's finiteness check speak
    mean, low = two_sum(np.asarray(shift, dtype=np.float64), offset)
    return Moments(n, W, mean, cross, p, low), amplification
