"""Regression tests for the numerics repros r1, r3, r4, r5, r7, r8 and r13
(/work/shared/repros/numerics): solver="auto" and the paths it picks, the weighted
centring of the Moments, and overflow handling.

Every reference is independent of linreg: the exact (weighted, penalized) least-squares
solution of the float data as given, from the normal equations in rational arithmetic
(``fractions.Fraction``), or a closed form.  The contract checked is the project's:
a fit is either within 1e-6 (normwise, relative, in the equilibrated scale) of the exact
solution and within 100x its own ``error_estimate``, or it warns
(:class:`linreg.AccuracyWarning` / :class:`linreg.RankDeficientWarning`) naming the
cause; bad input raises one ValueError; warnings on fits that are fine are rare.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest

import linreg
from linreg.solvers import auto

TOL = 1e-6


# ------------------------------------------------------------------ exact references
def _solve_fractions(M, v):
    """Gaussian elimination with exact rationals: M z = v."""
    n = len(v)
    M = [row[:] + [v[i]] for i, row in enumerate(M)]
    for col in range(n):
        piv = next(r for r in range(col, n) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [a - f * b for a, b in zip(M[r], M[col])]
    return [M[i][n] / M[i][i] for i in range(n)]


def exact_fit(X, y, w=None, fit_intercept=True, alpha=0.0):
    """(intercept, coef) of ``min sum w (y - c - X b)^2 + alpha ||b||^2`` exactly."""
    n, p = X.shape
    F = [[Fraction(float(v)) for v in row] for row in X]
    Y = [Fraction(float(v)) for v in y]
    W = [Fraction(1)] * n if w is None else [Fraction(float(v)) for v in w]
    A = [([Fraction(1)] if fit_intercept else []) + row for row in F]
    q = len(A[0])
    head = int(fit_intercept)
    G = [[sum(W[i] * A[i][a] * A[i][b] for i in range(n)) for b in range(q)] for a in range(q)]
    for j in range(head, q):
        G[j][j] += Fraction(float(alpha))
    rhs = [sum(W[i] * A[i][a] * Y[i] for i in range(n)) for a in range(q)]
    z = _solve_fractions(G, rhs)
    intercept = float(z[0]) if fit_intercept else 0.0
    return intercept, np.array([float(v) for v in z[head:]])


def equilibrated_error(coef, exact, X, w=None, fit_intercept=True):
    """Normwise relative error of ``coef`` in the equilibrated scale (weighted centred
    column norms), the scale of ``error_estimate``."""
    ld = np.longdouble  # the exponent range of extended precision: nothing overflows here
    X = np.asarray(X, dtype=ld)
    ww = np.ones(len(X), dtype=ld) if w is None else np.asarray(w, dtype=ld)
    Xc = X - (ww @ X) / ww.sum() if fit_intercept else X
    d = np.sqrt(ww @ (Xc * Xc))
    diff = (np.asarray(coef, dtype=ld) - np.asarray(exact, dtype=ld)) * d
    return float(np.sqrt(np.sum(diff**2)) / np.sqrt(np.sum((np.asarray(exact, dtype=ld) * d) ** 2)))


def fit_recording(estimator, X, y, w=None):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        estimator.fit(X, y, sample_weight=w)
    ours = [
        r
        for r in rec
        if issubclass(r.category, (linreg.AccuracyWarning, linreg.RankDeficientWarning))
    ]
    return estimator, [str(r.message) for r in ours]


def assert_contract(model, messages, err, intercept=None):
    """Accurate and honestly bounded, or warned about; ``intercept`` the exact one."""
    if messages:
        return
    bound = model.solution_.error_estimate
    assert err <= TOL, (model.solver_, err, bound)
    assert err <= 100 * max(bound, 1e-15), (model.solver_, err, bound)
    if intercept is not None and intercept != 0:
        assert abs(model.intercept_ - intercept) <= TOL * abs(intercept), model.solver_


# ------------------------------------------------------------------ r1: heavy weight
def test_r1_one_heavy_weight_is_centred_with_the_weighted_mean():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.standard_normal(50)
    w = np.ones(50)
    w[0] = 1e16
    model, messages = fit_recording(linreg.LinearRegression(), X, y, w)
    c, b = exact_fit(X, y, w)
    assert equilibrated_error(model.coef_, b, X, w) <= 1e-12
    assert abs(model.intercept_ - c) <= 1e-12 * abs(c)
    assert messages == []


def test_weighted_moments_do_not_depend_on_a_heavy_row_position():
    """The weighted statistics of the Moments equal exact rational ones."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 2)) + 5.0
    y = rng.standard_normal(300)
    w = 10.0 ** rng.uniform(-8, 16, 300)
    m = linreg.Moments.from_arrays(X, y, w, chunk_rows=64)
    Wf = [Fraction(float(v)) for v in w]
    total = sum(Wf)
    mean = [sum(Wf[i] * Fraction(float(X[i, j])) for i in range(300)) / total for j in range(2)]
    cross00 = sum(Wf[i] * (Fraction(float(X[i, 0])) - mean[0]) ** 2 for i in range(300))
    assert abs(m.x_mean[0] - float(mean[0])) <= 1e-14 * abs(float(mean[0]))
    assert abs(m.cross[0, 0] - float(cross00)) <= 1e-12 * float(cross00)


@pytest.mark.parametrize("large_path", [False, True])
def test_offsets_and_weights_seeded_loop(large_path, monkeypatch):
    """Offsets 1e0..1e9, weights spanning 1e-8..1e16, on the small path and (forced)
    the large-problem path: accurate within the stated bound, or warned about; and
    warnings on fits that are fine stay rare."""
    if large_path:
        monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0)
    false_alarms = fits = 0
    for seed in range(24):
        rng = np.random.default_rng(seed)
        n, p = 40, 3
        offset = 10.0 ** rng.uniform(0, 9)
        X = rng.standard_normal((n, p)) + offset * rng.uniform(0.5, 2, p)
        y = X @ rng.standard_normal(p) + rng.uniform(-3, 3) + 0.1 * rng.standard_normal(n)
        w = 10.0 ** rng.uniform(-8, 16, n) if seed % 3 else None
        model, messages = fit_recording(linreg.LinearRegression(), X, y, w)
        c, b = exact_fit(X, y, w)
        err = equilibrated_error(model.coef_, b, X, w)
        assert_contract(model, messages, err, c)
        fits += 1
        false_alarms += bool(messages) and err <= TOL and abs(model.intercept_ - c) <= TOL * abs(c)
    assert false_alarms <= 0.25 * fits, false_alarms


# ------------------------------------------------------------------ r5: false alarm
@pytest.mark.parametrize("seed", range(4))
def test_r5_no_false_alarm_on_an_almost_exact_fit_with_offset(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 2)) + 1e9
    y = X @ rng.standard_normal(2) + 0.5 + 1e-12 * rng.standard_normal(300)
    model, messages = fit_recording(linreg.LinearRegression(), X, y)
    c, b = exact_fit(X, y)
    assert messages == []
    assert equilibrated_error(model.coef_, b, X) <= 1e-12
    assert abs(model.intercept_ - c) <= 1e-9 * abs(c)
    assert model.solution_.error_estimate <= 1e-12


# ------------------------------------------------------------------ r8: weighted extended
@pytest.mark.parametrize("offset", [3e9, 3e11])
def test_r8_weighted_extended_is_exact_with_integer_weights(offset):
    """No intercept, collinear offsets (kappa ~ offset): sqrt(w) is never rounded into
    the system, so the refinement reaches the exact weighted solution."""
    rng = np.random.default_rng(2)
    n = 60
    X = rng.standard_normal((n, 4)) + rng.uniform(1, 3, 4) * offset
    y = rng.standard_normal(n)
    w = rng.integers(1, 4, n).astype(float)
    model, messages = fit_recording(linreg.LinearRegression(fit_intercept=False), X, y, w)
    _, b = exact_fit(X, y, w, fit_intercept=False)
    err = equilibrated_error(model.coef_, b, X, w, fit_intercept=False)
    if model.solver_ == "extended":
        assert err <= 1e-12, err
    assert_contract(model, messages, err)


def test_r8_refinement_itself_is_exact_at_kappa_1e14():
    """The repro's data (kappa 1.2e14): the extended refinement, whatever the rank
    rule decides, converges to the exact weighted solution and says so."""
    from linreg.solvers import extended
    from linreg.solvers.problem import LeastSquaresProblem

    rng = np.random.default_rng(2)
    n = 60
    X = rng.standard_normal((n, 4)) + rng.uniform(1, 3, 4) * 3e13
    y = rng.standard_normal(n)
    w = rng.integers(1, 4, n).astype(float)
    design = extended._Design(LeastSquaresProblem(X, y[:, None], w, fit_intercept=False))
    z, _, bound, _ = extended._refine(design)
    coef = (z[:, 0] / design.scale.astype(extended.LD)).astype(np.float64)
    _, b = exact_fit(X, y, w, fit_intercept=False)
    err = equilibrated_error(coef, b, X, w, fit_intercept=False)
    assert err <= 1e-12
    assert err <= 100 * max(bound, 1e-16)


# ------------------------------------------------------------------ r3/r13: large path
def _collinear(n, p, gap, offset, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] = X[:, 0] + gap * rng.standard_normal(n)
    X = X + offset
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("forced", ["large", "mid"])
@pytest.mark.parametrize("gap,offset", [(1e-3, 1e6), (1e-5, 1e6), (1e-7, 1e4), (1e-2, 1e9)])
def test_r3_large_path_measures_its_accuracy(forced, gap, offset, monkeypatch):
    """n*p above EXTENDED_MAX_ENTRIES (forced on small data): the answer is within its
    stated bound of the exact solution, or an AccuracyWarning states the figure."""
    monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0 if forced == "large" else 100)
    X, y = _collinear(400, 5, gap, offset, seed=7)
    model, messages = fit_recording(linreg.LinearRegression(), X, y)
    c, b = exact_fit(X, y)
    err = equilibrated_error(model.coef_, b, X)
    assert_contract(model, messages, err)
    for message in messages:
        assert "accurate to about" in message or "rank deficient" in message


@pytest.mark.parametrize("offset", [1e6, 1e8])
def test_r13_large_path_checks_the_intercept(offset, monkeypatch):
    """The intercept recovered from terms ~offset times larger: accurate to 1e-6, or a
    warning naming the intercept and its figure."""
    monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 6)) + offset
    y = X @ rng.standard_normal(6) + 0.5
    model, messages = fit_recording(linreg.LinearRegression(), X, y)
    c, b = exact_fit(X, y)
    intercept_err = abs(model.intercept_ - c) / abs(c)
    if intercept_err > TOL:
        assert any("intercept" in m for m in messages), (intercept_err, messages)
    assert equilibrated_error(model.coef_, b, X) <= 1e-10


def test_r13_mid_size_takes_the_extended_path_and_is_exact(monkeypatch):
    """Between EXTENDED_MAX_ENTRIES and 16x it, a cancelling intercept goes to the
    extended path, which solves for it directly."""
    monkeypatch.setattr(auto, "EXTENDED_MAX_ENTRIES", 100)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((250, 6)) + 1e8
    y = X @ rng.standard_normal(6) + 0.5
    model, messages = fit_recording(linreg.LinearRegression(), X, y)
    c, b = exact_fit(X, y)
    assert model.solver_ == "extended"
    assert messages == []
    assert abs(model.intercept_ - c) <= 1e-9 * abs(c)


# ------------------------------------------------------------------ r4: ridge scales
def test_r4_ridge_columns_1e110_closed_form():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 3)) * 1e110
    y = rng.standard_normal(2)
    alpha = 1e-4
    model, messages = fit_recording(linreg.Ridge(alpha=alpha), X, y)
    _, b = exact_fit(X, y, alpha=alpha)
    assert np.linalg.norm(model.coef_ - b) <= 1e-12 * np.linalg.norm(b)
    assert messages == []


@pytest.mark.parametrize("log_scale", [-150, -40, 0, 60, 150])
@pytest.mark.parametrize("log_alpha", [-16, -4, 2, 12])
@pytest.mark.parametrize("shape", [(3, 5), (12, 3)])
def test_ridge_extreme_scales_correct_or_refused(log_scale, log_alpha, shape):
    """Columns of 1e+-150, alpha 1e-16..1e12, p > n: correct, warned about, or a
    ValueError; never a silent wrong answer or another exception."""
    rng = np.random.default_rng(abs(log_scale) + 7 * abs(log_alpha))
    n, p = shape
    X = rng.standard_normal((n, p)) * 10.0**log_scale
    y = rng.standard_normal(n)
    alpha = 10.0**log_alpha
    try:
        model, messages = fit_recording(linreg.Ridge(alpha=alpha), X, y)
    except ValueError:
        return
    _, b = exact_fit(X, y, alpha=alpha)
    err = np.linalg.norm(model.coef_ - b) / np.linalg.norm(b)
    if not messages:
        assert err <= TOL, (model.solver_, err, model.solution_.error_estimate)


# ------------------------------------------------------------------ r7: overflow
def test_r7_common_huge_weight_without_intercept_no_lapack_error():
    rng = np.random.default_rng(217)
    p = int(rng.integers(1, 4))
    n = int(rng.integers(p + 1, 8))
    xs = 10.0 ** rng.uniform(-150, 150, p)
    off = 10.0 ** rng.uniform(0, 9, p)
    X = (rng.standard_normal((n, p)) + off) * xs
    y = rng.standard_normal(n)
    w = np.full(n, 10.0 ** rng.uniform(-250, 250))
    cases = [
        (X, y, w),
        ((rng.standard_normal((5, 2)) + 1e6) * 1e100, rng.standard_normal(5), np.full(5, 1e100)),
    ]
    for Xw, yw, ww in cases:
        try:
            model, messages = fit_recording(
                linreg.LinearRegression(fit_intercept=False), Xw, yw, ww
            )
        except ValueError as err:
            assert "weight" in str(err) or "y" in str(err) or "X" in str(err)
            continue
        _, b = exact_fit(Xw, yw, None, fit_intercept=False)  # a common weight cancels
        err = equilibrated_error(model.coef_, b, Xw, None, fit_intercept=False)
        assert_contract(model, messages, err)


def test_overflow_from_the_weights_is_blamed_on_the_weights():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 2)) * 1e60
    y = rng.standard_normal(6)
    w = np.full(6, 1e200)  # w * x^2 = 1e320: the weights, not X (x^2 = 1e120), overflow
    with pytest.raises(ValueError, match="sample_weight"):
        linreg.LinearRegression().fit(X, y, sample_weight=w)


def test_overflow_from_y_is_blamed_on_y():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((6, 2))
    y = rng.standard_normal(6) * 1e200
    with pytest.raises(ValueError, match=r"\by\b"):
        linreg.LinearRegression().fit(X, y)


# ------------------------------------------------------- explicit solvers, certified
def _family(seed):
    """Offsets up to 1e10 x spread, near-collinear pairs, weights, ridge, no intercept."""
    rng = np.random.default_rng(1000 + seed)
    n, p = int(rng.integers(8, 40)), int(rng.integers(1, 4))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-5, 5, p)
    if rng.random() < 0.6:
        X += 10.0 ** rng.uniform(0, 10) * rng.uniform(0.5, 2, p) * X.std(0)
    if p > 1 and rng.random() < 0.3:
        X[:, 1] = X[:, 0] + 10.0 ** rng.uniform(-10, -2) * rng.standard_normal(n) * X[:, 0].std()
    y = X @ rng.standard_normal(p) + rng.uniform(-5, 5)
    y += 10.0 ** rng.uniform(-12, 0) * rng.standard_normal(n)
    w = 10.0 ** rng.uniform(-8, 12, n) if rng.random() < 0.4 else None
    fit_intercept = rng.random() < 0.8
    alpha = 10.0 ** rng.uniform(-6, 3) if rng.random() < 0.25 else 0.0
    return X, y, w, fit_intercept, alpha


@pytest.mark.parametrize("solver", ["qr", "cholesky", "extended", "auto"])
def test_explicit_solvers_certify_or_warn(solver):
    """Every exact solver's answer (intercept included) is within 1e-6 of the exact one
    and within 100x its bound, or warned about; false alarms are rare."""
    false_alarms = 0
    for seed in range(40):
        X, y, w, fit_intercept, alpha = _family(seed)
        est = (
            linreg.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver)
            if alpha
            else linreg.LinearRegression(fit_intercept=fit_intercept, solver=solver)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # e.g. cholesky's svd fallback
            model, messages = fit_recording(est, X, y, w)
        try:
            c, b = exact_fit(X, y, w, fit_intercept, alpha)
        except StopIteration:  # exactly singular normal equations
            continue
        err = equilibrated_error(model.coef_, b, X, w, fit_intercept)
        assert_contract(model, messages, err, c if fit_intercept else None)
        fine = err <= TOL and (not fit_intercept or abs(model.intercept_ - c) <= TOL * abs(c))
        false_alarms += bool(messages) and fine and not any("rank" in m for m in messages)
    assert false_alarms <= 2, false_alarms
