"""Which columns are linear combinations of earlier ones (R's "aliased" terms).

A column is aliased when its distance to the span of the columns before it, relative
to its own norm, is below the rank tolerance.  Earlier columns are kept, later ones
are named, as R's ``lm`` and statsmodels do, so ``x3 = x1 + x2`` names ``x3``.
"""

from __future__ import annotations

import numpy as np


def aliased_from_r(r_diag, rtol: float) -> np.ndarray:
    """Positions whose R diagonal (QR of unit-norm columns, no pivoting) is below ``rtol``.

    With unit-norm columns ``|R_jj|`` is exactly the sine of the angle between column
    j and the span of the columns before it.
    """
    return np.flatnonzero(np.abs(r_diag) <= rtol)


def aliased_from_gram(g, rtol: float) -> np.ndarray:
    """The same test on an equilibrated Gram matrix (unit diagonal), for when only the
    Moments are available: an incremental Cholesky that skips every column whose
    Schur complement (the squared sine) is below ``rtol``."""
    p = g.shape[0]
    kept: list[int] = []
    L = np.zeros((p, p))
    aliased = []
    for j in range(p):
        if kept:
            Lk = L[np.ix_(range(len(kept)), range(len(kept)))]
            z = np.linalg.solve(Lk, g[kept, j]) if kept else np.zeros(0)
            d = g[j, j] - z @ z
        else:
            z = np.zeros(0)
            d = g[j, j]
        if d <= rtol * g[j, j]:
            aliased.append(j)
            continue
        i = len(kept)
        L[i, :i] = z
        L[i, i] = np.sqrt(d)
        kept.append(j)
    return np.array(aliased, dtype=int)
