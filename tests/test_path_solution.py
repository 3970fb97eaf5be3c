"""Every alpha of a regularization path is a Solution whose bound holds."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import ElasticNet as SkElasticNet

from linreg import Solution
from linreg.penalized.estimators import make_data
from linreg.penalized.path import path_on_data, resolve_alphas


def test_path_points_are_solutions_with_bounds_that_hold():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 6)) + [0, 3, 0, 1e3, 0, 0]
    y = X @ rng.standard_normal(6) + rng.standard_normal(120)
    data = make_data(X, y[:, None], None, True, "gram")
    alphas = resolve_alphas(None, 8, data, 0.5, 1e-3)
    path = path_on_data(data, alphas, 0.5)
    assert len(path.solutions) == 8 and all(isinstance(s, Solution) for s in path.solutions)
    assert path.coefs.shape == (1, 6, 8) and path.intercepts.shape == (1, 8)
    assert path.converged
    for i, alpha in enumerate(alphas):
        ref = SkElasticNet(alpha=alpha, l1_ratio=0.5, tol=1e-14, max_iter=100_000).fit(X, y)
        err = np.linalg.norm(path.coefs[0, :, i] - ref.coef_)
        # The absolute certified bound (the relative error_estimate is inf where the
        # solution is exactly zero, at alpha_max).
        bound = float(path.solutions[i].diagnostics["coef_bound"][0])
        assert np.isfinite(bound)
        # scikit-learn at tol=1e-14 is itself within ~1e-12 of the optimum.
        assert err <= bound + 1e-11, (i, err, bound)
