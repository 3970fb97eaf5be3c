"""Compile numba's coordinate-descent kernels at install time (``make``'s install step).

The NumPy route (:mod:`.small`) keeps a first small fit free of numba; larger problems
load the numba kernels from numba's on-disk cache, which this fills once, so that no
fit after install compiles them (~30 s on this project's machines).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse

from .estimators import ElasticNet
from .small import forced


def compile_kernels() -> None:
    """Compile every numba kernel of coordinate descent once, so that numba caches them on
    disk and no later fit compiles: the Gram, design and sparse layouts, with and without
    ``positive``, the proximal trainer's duality gap, and Ridge's SAG/SAGA epoch.  ``make``'s
    install step runs it.

    The cache lives where numba puts it: ``NUMBA_CACHE_DIR`` if set, else ``__pycache__``
    beside the kernels' source (``linreg/penalized/``; a user cache directory when that is
    not writable).  It survives new processes and reinstalls of the same source; numba
    recompiles (once, then caches again) when a kernel's source file changes, or on
    another numba, Python or CPU."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 8))
    y = X @ rng.standard_normal(8) + rng.standard_normal(40)
    with forced("numba"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for positive in (False, True):
            for solver in ("gram", "design"):
                ElasticNet(alpha=0.01, solver=solver, positive=positive).fit(X, y)
            for intercept in (True, False):
                model = ElasticNet(
                    alpha=0.01, solver="design", fit_intercept=intercept, positive=positive
                )
                model.fit(sparse.csc_matrix(X), y)
        ElasticNet(alpha=0.01, solver="gd", max_iter=3).fit(X, y)
        from ..models.ridge import Ridge  # SAG/SAGA epoch (linreg.solvers._sag_kernels)

        for solver in ("sag", "saga"):
            Ridge(alpha=1.0, solver=solver, max_iter=2).fit(X, y)
        _fixed_effects(rng)


def _fixed_effects(rng) -> None:
    """The fixed-effects kernels (:mod:`linreg.fixed_effects.kernels`): all rows kept or
    some (indexed), weighted and not, C- and F-ordered X; and the clustered summary's."""
    from ..models.linear_regression import LinearRegression

    n = 120
    codes = np.column_stack([rng.integers(0, 30, n), rng.integers(0, 4, n)])
    codes[0, 0] = 99  # a singleton: the kept rows are indexed
    X = rng.standard_normal((n, 2))
    y = X[:, 0] + rng.standard_normal(n)
    for absorb in (codes, codes[1:]):
        rows = slice(0, None) if absorb is codes else slice(1, None)
        for w in (None, rng.uniform(0.5, 2.0, n)):
            for data in (X, np.asfortranarray(X)):
                model = LinearRegression().fit(
                    data[rows], y[rows], sample_weight=None if w is None else w[rows],
                    absorb=absorb,
                )
            # the compiled cluster sums (:mod:`linreg.inference.cluster_kernels`)
            model.summary(cov_type="cluster", groups=absorb[:, 0])
