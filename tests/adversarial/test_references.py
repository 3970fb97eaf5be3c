"""The exact references themselves, checked against independent implementations.

A failure of the adversarial suite must be linreg's, never the reference's: these
tests pin the references to numpy.linalg.lstsq, statsmodels and scikit-learn on
well-conditioned data, and pin the classification rules.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import Lasso

from . import exact, inference
from .families import FAMILIES, make_case
from .runner import classify


def _floats(values):
    return np.array([exact.to_float(v) for v in values])


def _data(seed=0, n=40, p=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.5 + 0.1 * rng.standard_normal(n)
    return X, y, rng.uniform(0.5, 2.0, n)


def test_exact_wls_matches_lstsq():
    X, y, w = _data()
    ref = exact.solve_exact(X, y, w, fit_intercept=True)
    Xa = np.column_stack([np.ones(len(y)), X]) * np.sqrt(w)[:, None]
    theta = np.linalg.lstsq(Xa, y * np.sqrt(w), rcond=None)[0]
    np.testing.assert_allclose(_floats(ref.coef[0]), theta[1:], rtol=1e-12)
    assert exact.to_float(ref.intercept[0]) == pytest.approx(theta[0], rel=1e-12)
    assert not ref.rank_deficient


def test_exact_ridge_matches_closed_form():
    X, y, _ = _data(1)
    alpha = 3.0
    ref = exact.solve_exact(X, y, None, fit_intercept=True, alpha=alpha)
    Xc, yc = X - X.mean(0), y - y.mean()
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ yc)
    np.testing.assert_allclose(_floats(ref.coef[0]), coef, rtol=1e-12)


def test_minimum_norm_convention_is_lstsq_on_centred_data():
    rng = np.random.default_rng(2)
    X = rng.integers(-5, 6, (12, 4)).astype(float)
    X[:, 3] = X[:, 0] + 7.0  # aliased with x0 and the intercept
    y = rng.standard_normal(12)
    ref = exact.solve_exact(X, y, None, fit_intercept=True)
    assert ref.rank == 3
    lstsq = np.linalg.lstsq(X - X.mean(0), y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(_floats(ref.coef[0]), lstsq, rtol=1e-10, atol=1e-12)


def test_coef_error_measures_a_known_perturbation():
    X, y, _ = _data(3)
    ref = exact.solve_exact(X, y, None, True)
    coef = _floats(ref.coef[0])
    err_c, err_b = exact.coef_error(ref, coef * (1 + 1e-5), exact.to_float(ref.intercept[0]))
    assert err_c == pytest.approx(1e-5, rel=1e-3)
    assert err_b < 1e-15


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
def test_standard_errors_match_statsmodels(cov_type):
    X, y, w = _data(4)
    ref = inference.exact_wls(X, y, w, True)
    got = [float(v) for v in inference.standard_errors(inference.covariance(ref, cov_type))]
    res = sm.WLS(y, sm.add_constant(X), weights=w).fit(cov_type=cov_type)
    np.testing.assert_allclose(got, res.bse, rtol=1e-10)


@pytest.mark.parametrize("kind", ["confidence", "prediction"])
def test_intervals_match_statsmodels(kind):
    X, y, _ = _data(5)
    X0 = X[:3] + 0.5
    ref = inference.exact_wls(X, y, None, True)
    fits, halves, _ = inference.interval_reference(ref, X0, True, kind, 0.95)
    frame = (
        sm.OLS(y, sm.add_constant(X)).fit().get_prediction(sm.add_constant(X0, has_constant="add"))
    )
    sf = frame.summary_frame(alpha=0.05)
    lower = sf["mean_ci_lower" if kind == "confidence" else "obs_ci_lower"].to_numpy()
    np.testing.assert_allclose([float(f) for f in fits], sf["mean"], rtol=1e-12)
    np.testing.assert_allclose([float(f - h) for f, h in zip(fits, halves)], lower, rtol=1e-12)


def test_kkt_accepts_an_optimum_and_rejects_a_perturbation():
    X, y, w = _data(6, n=60, p=5)
    alpha = 0.05
    sk = Lasso(alpha=alpha, tol=1e-14, max_iter=10**6).fit(X, y, sample_weight=w)
    viol, berr = inference.kkt_violation(X, y, w, sk.coef_, sk.intercept_, alpha, 1.0, True)
    assert viol < 1e-6 and berr < 1e-9
    bad = sk.coef_ * (1 + 1e-3)
    viol, _ = inference.kkt_violation(X, y, w, bad, sk.intercept_, alpha, 1.0, True)
    assert viol > 1e-5


def test_classification_rules():
    assert classify(1e-3, 1e-16, False, False, True) == "silent_wrong"
    assert classify(1e-3, 1e-16, True, False, True) == "warned_wrong"
    assert classify(1e-3, 1e-4, False, False, True) == "ok"  # within 100x its stated bound
    assert classify(float("nan"), 1e-16, False, False, True) == "silent_wrong"
    assert classify(1e-12, 1e-16, True, False, False) == "warned_fine"
    assert classify(1e-12, 1e-16, True, True, True) == "ok"  # a true rank warning


@pytest.mark.parametrize("family", list(FAMILIES))
def test_cases_are_reproducible(family):
    a, b = make_case(family, 7), make_case(family, 7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.params == b.params


def test_wide_ridge_dual_matches_primal():
    rng = np.random.default_rng(8)
    X, y, w = rng.standard_normal((6, 9)), rng.standard_normal(6), rng.uniform(0.5, 2, 6)
    ref = exact.solve_exact(X, y, w, fit_intercept=True, alpha=0.3)
    xm = w @ X / w.sum()
    Xc, yc = X - xm, y - w @ y / w.sum()
    coef = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + 0.3 * np.eye(9), Xc.T @ (w * yc))
    np.testing.assert_allclose(_floats(ref.coef[0]), coef, rtol=1e-10)


def test_interval_error_flags_a_shift_beyond_the_rounding_floor():
    from .runner import _interval_error

    X, y, _ = _data(9)
    ref = inference.exact_wls(X, y, None, True)
    fits, halves, floors = inference.interval_reference(ref, X[:2], True, "confidence", 0.95)
    good = [[float(f), float(f - h), float(f + h)] for f, h in zip(fits, halves)]
    assert _interval_error(good, fits, halves, floors) < 1e-12
    bad = [[v + 1e-3 * float(h) for v in row] for row, h in zip(good, halves)]
    assert _interval_error(bad, fits, halves, floors) == pytest.approx(1e-3, rel=1e-3)


def test_equilibrated_condition_matches_numpy():
    X, y, _ = _data(10, n=30, p=3)
    X = X * [1.0, 1e5, 1e-7] + [0.0, 3e6, 1.0]
    Xc = X - X.mean(0)
    want = np.linalg.cond(Xc / np.linalg.norm(Xc, axis=0))
    got = exact.equilibrated_condition(exact.solve_exact(X, y, None, True))
    assert got == pytest.approx(want, rel=1e-8)


def test_documented_rank_score_separates_resolvable_from_rounding_level_dependencies():
    """The rank rule's score (aliased at >= 1) is small on a well-separated design, and
    reaches the rule on two columns closer than the rounding of a 1e9 offset; without
    the offset the same closeness (3e-8) is resolvable and the score stays small."""
    from .families import Case
    from .runner import RANK_RULE_SLACK, documented_rank_score

    rng = np.random.default_rng(11)
    Z = rng.standard_normal((200, 3))
    near = Z.copy()
    near[:, 1] = near[:, 0] + 3e-8 * rng.standard_normal(200)
    y = rng.standard_normal(200)
    assert documented_rank_score(Case("t", 0, Z, y)) < 1e-10
    assert documented_rank_score(Case("t", 0, near, y)) < RANK_RULE_SLACK
    assert documented_rank_score(Case("t", 0, near + 1e9, y)) >= 1.0


@pytest.mark.parametrize("seed", [0, 1, 3, 11])
def test_parquet_source_round_trips_the_case_exactly(seed, tmp_path):
    """The streamed family compares a scan of a Parquet file with the exact reference of
    the in-memory case: the file must hold exactly the case's floats, in order."""
    from .runner import _parquet_source

    case = make_case("streamed", seed)
    batches = list(_parquet_source(case, str(tmp_path)))
    X = np.concatenate([b[0] for b in batches])
    y = np.concatenate([np.ravel(b[1]) for b in batches])
    np.testing.assert_array_equal(X, np.asarray(case.X, dtype=np.float64))
    np.testing.assert_array_equal(y, np.asarray(case.y, dtype=np.float64))
    if case.w is not None:
        np.testing.assert_array_equal(np.concatenate([b[2] for b in batches]), case.w)
    assert len(batches) == -(-len(y) // case.extra["batch_size"])


def test_trainer_ridge_reference_is_scikit_learns_weighted_ridge():
    """The trainers family's Ridge reference (the exact ridge solution) is the objective
    scikit-learn minimises with sample weights: sum w r^2 + alpha ||b||^2."""
    from sklearn.linear_model import Ridge

    X, y, w = _data(seed=5)
    X = X * [1e-3, 1.0, 1e3, 10.0] + [1e6, 0.0, -5.0, 3.0]
    alpha = 0.7
    ref = exact.solve_exact(X, y, w, True, alpha)
    skl = Ridge(alpha=alpha, solver="svd").fit(X, y, sample_weight=w)
    np.testing.assert_allclose(_floats(ref.coef[0]), skl.coef_, rtol=1e-7)
    assert exact.to_float(ref.intercept[0]) == pytest.approx(skl.intercept_, rel=1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_exact_cluster_and_hac_references_equal_statsmodels(seed):
    """The exact references of summary_cluster / summary_hac are statsmodels' formulas
    (one-way CR1, two-way V0 + V1 - V01, Newey-West with both kernels) on WLS data."""
    import mpmath
    from statsmodels.stats.sandwich_covariance import weights_uniform

    rng = np.random.default_rng(seed)
    n = 40
    X = rng.standard_normal((n, 2)) + [3.0, -1.0]
    y = X @ [1.0, 2.0] + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    g = rng.integers(0, 6, n)
    g2 = np.column_stack([g, rng.integers(0, 4, n)])
    ref = inference.exact_wls(X, y, w, True)
    res = sm.WLS(y, sm.add_constant(X), weights=w)
    cases = [
        ({"groups": g}, "cluster", inference.cluster_covariance(ref, g)),
        ({"groups": g, "use_correction": False}, "cluster",
         inference.cluster_covariance(ref, g, False)),
        ({"groups": g2}, "cluster", inference.cluster_covariance(ref, g2)),
        ({"maxlags": 3}, "HAC", inference.hac_covariance(ref, 3)),
        ({"maxlags": 2, "use_correction": True}, "HAC",
         inference.hac_covariance(ref, 2, use_correction=True)),
        ({"maxlags": 2, "weights_func": weights_uniform}, "HAC",
         inference.hac_covariance(ref, 2, "uniform")),
    ]  # fmt: skip
    for kwds, kind, cov in cases:
        with np.errstate(invalid="ignore"):
            want = res.fit(cov_type=kind, cov_kwds=kwds).bse
        got = np.array(
            [np.nan if mpmath.isnan(v) else float(v) for v in inference.standard_errors(cov)]
        )
        np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


# ------------------------------------------------------------------ absorbed effects
def _panel(seed, n=60, Q=2, weights=True):
    """A small panel: Q factors with singletons (and, Q=2, two disconnected blocks)."""
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, g, n) for g in (7, 4, 3)[:Q]])
    codes[0, 0] = 50  # a singleton
    if Q >= 2:  # rows 1-2: a chain (row 1 singleton in f0, shares a new f1 level with row 2)
        codes[1, 0], codes[1:3, 1] = 51, 60
        codes[n // 2 :, 1] += 10  # second block of f1 levels ...
        codes[n // 2 :, 0] += 20  # ... and of f0 levels: two components
    X = rng.standard_normal((n, 3)) + [0.0, 5.0, -2.0]
    y = X @ [1.0, -2.0, 0.5] + codes[:, 0] * 0.1 + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n) if weights else None
    return X, y, codes, w


def _dummy_lstsq(X, y, codes, w, keep):
    D = [np.eye(int(c.max()) + 1)[c] for c in codes[keep].T]
    design = np.column_stack([X[keep], *D])
    sw = np.ones(int(keep.sum())) if w is None else np.sqrt(w[keep])
    return np.linalg.lstsq(design * sw[:, None], y[keep] * sw, rcond=None)[0][: X.shape[1]]


@pytest.mark.parametrize("Q", [1, 2, 3])
def test_absorbed_reference_is_lstsq_on_the_dummy_design(Q):
    from . import absorbed

    X, y, codes, w = _panel(Q, Q=Q)
    w[5] = 0.0  # a zero weight: dropped before the singletons
    ref = absorbed.solve_absorbed(X, y, codes, w)
    keep = ref.keep
    assert not keep[0] and not keep[5] and (Q == 1 or not (keep[1] or keep[2]))
    np.testing.assert_allclose(_floats(ref.ls.coef[0]), _dummy_lstsq(X, y, codes, w, keep),
                               rtol=1e-10)  # fmt: skip


def test_absorbed_reference_names_a_level_constant_regressor_with_coefficient_zero():
    from . import absorbed

    X, y, codes, w = _panel(4)
    X[:, 1] = (codes[:, 0] % 3) * 0.25  # constant within the levels of f0
    ref = absorbed.solve_absorbed(X, y, codes, w)
    assert ref.ls.rank_deficient and ref.ls.gram[1, 1] == 0 and ref.ls.coef[0][1] == 0
    keep = ref.keep
    want = _dummy_lstsq(np.delete(X, 1, 1), y, codes, w, keep)
    np.testing.assert_allclose(_floats(ref.ls.coef[0])[[0, 2]], want, rtol=1e-10)


def test_fixest_rows_repeat_the_singleton_removal():
    from . import absorbed

    codes = np.array([[0, 0], [0, 1], [1, 1], [1, 2], [2, 2], [2, 2], [3, 3], [3, 3]])
    # row 0: f1 level 0 single -> then row 1's f0 level 0 single -> row 2 ... (a chain)
    keep = absorbed.fixest_rows(codes)
    np.testing.assert_array_equal(keep, [False] * 4 + [True] * 4)


@pytest.mark.parametrize(
    ("Q", "vcov", "weights"),
    [(1, "iid", False), (2, "iid", True), (2, "CRV1", False), (3, "CRV1", True)],
)
def test_absorbed_reference_equals_pyfixest(Q, vcov, weights):
    """Coefficients and standard errors (iid and CRV1 by the first factor, fixest's
    default small-sample corrections) against pyfixest's feols on the same rows."""
    import pandas as pd
    import pyfixest as pf

    from . import absorbed

    X, y, codes, w = _panel(10 + Q, n=80, Q=Q, weights=weights)
    if Q == 3:
        codes[:, 2] = 2 * codes[:, 0] + codes[:, 1] % 2  # f2 nested in the clusters f0
    ref = absorbed.solve_absorbed(X, y, codes, w)
    names = [f"f{j}" for j in range(Q)]
    df = pd.DataFrame({"y": y, "x0": X[:, 0], "x1": X[:, 1], "x2": X[:, 2]})
    for j, name in enumerate(names):
        df[name] = codes[:, j]
    if w is not None:
        df["w"] = w
    kind = "cluster" if vcov == "CRV1" else "nonrobust"
    fit = pf.feols(
        "y ~ x0 + x1 + x2 | " + " + ".join(names),
        data=df,
        vcov={"CRV1": "f0"} if vcov == "CRV1" else "iid",
        weights="w" if w is not None else None,
        fixef_rm="singleton",
        fixef_tol=1e-14,  # its demeaning tolerance (1e-6 by default) moves the SEs
    )
    np.testing.assert_allclose(_floats(ref.ls.coef[0]), fit.coef().to_numpy(), rtol=1e-8)
    got = [float(v) for v in absorbed.standard_errors(ref, kind)]
    np.testing.assert_allclose(got, fit.se().to_numpy(), rtol=1e-8)
    assert ref.n == fit._N


def test_absorbed_fuzz_seed_441_shift_rounding():
    """Fuzz seed 441 (a target offset of 1.16e9, a nearly exact fit, weights): the rows
    must be shifted by the same float the level sums were taken about, or its rounding
    (eps times the offset) stays as a constant in every residual: the standard errors
    were 7.4e-6 off the exact rational ones, silently."""
    from . import runner

    result = runner.run("absorbed", 441)
    assert result.cls == "ok", result.repro()


@pytest.mark.parametrize("seed", [535, 462, 613, 888])
def test_absorbed_fuzz_seeds_nearly_exact_clustered(seed):
    """Fuzz absorbed 535 and 462 (nearly exact fits, clustered standard errors): the
    demeaning stopped once the residuals were certified to 2e-12 and 3e-14, and the
    clusters' cancelling score sums amplified what was left into standard errors 1.2e-6
    and 1.1e-6 off the exact rational ones, silently; small problems now refine to the
    residuals' rounding floor, in memory and (613, 888: 1.4e-6 and 1.1e-6 off) from a
    scan, whose refinements looked at the coefficients' bound only."""
    from . import runner

    result = runner.run("absorbed", seed)
    assert result.cls == "ok", result.repro()


@pytest.mark.parametrize("offset", [1.159e9, -3.7e11])
def test_absorbed_large_offset_no_false_warning(offset):
    """Columns of very different scales: the residuals' bound takes each column's
    demeaning error times its own coefficient (it multiplied the largest error by the
    norm of all coefficients: a false 5e-4 warning after 8 refinements); the standard
    errors equal the exact rational ones to 1e-8 without a warning."""
    import warnings

    import linreg

    from . import absorbed

    rng = np.random.default_rng(441)
    n = 240
    codes = rng.integers(0, 9, (n, 1))
    X = rng.standard_normal((n, 3)) * [1.0, 3e5, 0.01]
    w = rng.uniform(0.1, 2.0, n)
    y = offset + X @ [2.0, 1e-4, 50.0] + 40 * codes[:, 0] + 2e-5 * rng.standard_normal(n)
    ref = absorbed.solve_absorbed(X, y, codes, w)
    want = np.array([float(v) for v in absorbed.standard_errors(ref, "nonrobust")])
    with warnings.catch_warnings():
        warnings.simplefilter("error", linreg.AccuracyWarning)
        model = linreg.LinearRegression().fit(X, y, sample_weight=w, absorb=codes)
        got = model.summary(cov_type="nonrobust").bse
    np.testing.assert_allclose(got, want, rtol=1e-8)


@pytest.mark.parametrize("seed", [59, 258, 80, 100])
def test_sparse_fuzz_seeds_error_estimate_holds(seed):
    """Fuzz sparse_fits 59 and 258 (weights spanning ten decades): the sparse Moments
    lost digits that the exact solver's bound did not see (coefficients 9.5e-10 and
    3.2e-9 off under stated bounds of 8e-15 and 4.9e-15); the answer is now checked
    against the rows and refined.  Seeds 80 and 100 (no intercept) pin the refinement's
    uncentred right-hand side: a correction taken about the targets' means was 6e-2
    off."""
    from . import runner

    result = runner.run("sparse_fits", seed)
    assert result.cls == "ok", result.repro()
    assert not result.bound_missed, result.repro()
    assert result.err <= max(100 * result.bound, 1e-15), result.repro()
