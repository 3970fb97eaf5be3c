"""Properties of fits with absorbed fixed effects (issue 16), on random small designs.

- The coefficients equal numpy's lstsq on ``[X, dummies]`` (weighted rows scaled by
  sqrt(w)) for random unbalanced designs with one, two or three effects, singletons and
  disconnected levels included (lstsq's minimum-norm solution in the dummy block leaves
  the identified regressor coefficients unique), and so do the fitted values on the
  rows kept (NaN with a warning on the rows removed as singletons);
- they do not move when a per-level constant is added to y or to a column of X (the
  constant lies in the absorbed span), when the rows are permuted or the weights
  scaled, and they follow the units of X; targets fitted at once equal their own fits;
- a regressor constant within the levels of an effect (or in the span of all of them)
  is reported by name
  (RankDeficientWarning) and dropped: coefficient 0, the others those of the fit without
  it.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import linreg
from linreg import RankDeficientWarning

SETTINGS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


# ---------------------------------------------------------------------------- designs
@st.composite
def designs(draw, max_q=3):
    """(X, y, w or None, codes (n, Q)): random unbalanced levels, skewed level sizes so
    that singletons and small levels occur, regressors with offsets and scales."""
    q = draw(st.integers(1, max_q))
    n_levels = draw(st.lists(st.integers(2, 9), min_size=q, max_size=q))
    p = draw(st.integers(1, 3))
    n = draw(st.integers(3 * sum(n_levels) + p + 4, 3 * sum(n_levels) + 40))
    seed = draw(st.integers(0, 2**31 - 1))
    weighted = draw(st.booleans())
    rng = np.random.default_rng(seed)
    codes = np.column_stack([_skewed(rng, g, n) for g in n_levels])
    offset = draw(st.sampled_from([0.0, 5.0, -1e3]))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    X = (rng.standard_normal((n, p)) + offset) * scale
    effect = sum(rng.standard_normal(g)[codes[:, k]] for k, g in enumerate(n_levels))
    y = X @ rng.uniform(0.5, 2.0, p) / scale + 3.0 * effect + rng.standard_normal(n)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    return X, y, w, codes


def _skewed(rng, g, n):
    """Codes 0..g-1 with geometric-ish probabilities (the last levels are rare)."""
    prob = 0.6 ** np.arange(g)
    return rng.choice(g, size=n, p=prob / prob.sum())


def _dummies(codes):
    return np.column_stack([np.eye(codes[:, k].max() + 1)[codes[:, k]]
                            for k in range(codes.shape[1])])  # fmt: skip


def _lstsq(X, y, w, codes):
    """Coefficients of X in the least-squares fit on [X, dummies], and the condition
    number of X after projecting out the dummies (the problem's sensitivity)."""
    D = _dummies(codes)
    s = np.ones(len(y)) if w is None else np.sqrt(w)
    A = np.column_stack([X, D]) * s[:, None]
    coef = np.linalg.lstsq(A, y * s, rcond=None)[0][: X.shape[1]]
    Dw = D * s[:, None]
    Xt = X * s[:, None] - Dw @ np.linalg.lstsq(Dw, X * s[:, None], rcond=None)[0]
    sv = np.linalg.svd(Xt / np.linalg.norm(X * s[:, None], axis=0), compute_uv=False)
    return coef, sv[0] / sv[-1] if sv[-1] > 0 else np.inf


def _fit(X, y, w, codes):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficientWarning)
        return linreg.LinearRegression().fit(X, y, sample_weight=w, absorb=codes).coef_


def _close(a, b, rtol):
    """Relative to the largest coefficient (components near 0 have no own scale)."""
    assert_allclose(a, b, rtol=rtol, atol=rtol * np.max(np.abs(b)))


# ---------------------------------------------------------------------------- lstsq
@SETTINGS
@given(designs())
def test_equals_lstsq_on_dummies(design):
    X, y, w, codes = design
    ref, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    _close(_fit(X, y, w, codes), ref, 1e-8)


def _kept(codes):
    """Rows kept by the iterated singleton rule (brute force)."""
    keep = np.ones(len(codes), dtype=bool)
    while True:
        drop = np.zeros_like(keep)
        for k in range(codes.shape[1]):
            counts = np.bincount(codes[keep, k], minlength=codes[:, k].max() + 1)
            drop |= keep & (counts[codes[:, k]] == 1)
        if not drop.any():
            return keep
        keep &= ~drop


@SETTINGS
@given(designs())
def test_fitted_values_equal_lstsq(design):
    """predict on the training rows kept is the projection onto [X, dummies] (unique
    even where the effects are not: disconnected designs, nested levels); rows removed
    as singletons have no effect estimate: NaN, with a warning."""
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    keep = _kept(codes)
    assume(keep.sum() > X.shape[1] + 2)
    D = _dummies(codes[keep])
    s = np.ones(keep.sum()) if w is None else np.sqrt(w[keep])
    A = np.column_stack([X[keep], D])
    ref = A @ np.linalg.lstsq(A * s[:, None], y[keep] * s, rcond=None)[0]
    model = linreg.LinearRegression().fit(X, y, sample_weight=w, absorb=codes)
    _close(model.predict(X[keep], absorb=codes[keep]), ref, 1e-8)
    if not keep.all():
        with pytest.warns(UserWarning, match="not seen in training"):
            gone = model.predict(X[~keep], absorb=codes[~keep])
        assert np.isnan(gone).all()


# ---------------------------------------------------------------------------- invariances
@SETTINGS
@given(designs(), st.integers(0, 2**31 - 1))
def test_per_level_constants_are_absorbed(design, seed):
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    rng = np.random.default_rng(seed)
    base = _fit(X, y, w, codes)
    q = rng.integers(codes.shape[1])
    shift = rng.uniform(-10, 10, codes[:, q].max() + 1)[codes[:, q]]
    _close(_fit(X, y + shift * np.std(y), w, codes), base, 1e-9)
    j = rng.integers(X.shape[1])
    X2 = X.copy()
    X2[:, j] += shift * np.std(X[:, j])
    _close(_fit(X2, y, w, codes), base, 1e-9)


@SETTINGS
@given(designs(), st.integers(0, 2**31 - 1))
def test_row_order_does_not_matter(design, seed):
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    perm = np.random.default_rng(seed).permutation(len(y))
    w2 = None if w is None else w[perm]
    _close(_fit(X[perm], y[perm], w2, codes[perm]), _fit(X, y, w, codes), 1e-10)


@SETTINGS
@given(designs(), st.lists(st.sampled_from([1e-6, 1e-3, 0.5, 7.0, 1e4]), min_size=3, max_size=3))
def test_units_of_x(design, units):
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    s = np.array(units[: X.shape[1]])
    _close(_fit(X * s, y, w, codes) * s, _fit(X, y, w, codes), 1e-9)


@SETTINGS
@given(designs(), st.sampled_from([1e-3, 3.0, 1e4]))
def test_targets_at_once_and_weight_scale(design, c):
    """Two targets fitted at once equal their fits one by one; weights times a constant
    change nothing."""
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    y2 = np.cos(y) + X[:, 0] / np.std(X[:, 0])
    both = linreg.LinearRegression().fit(X, np.column_stack([y, y2]), sample_weight=w,
                                         absorb=codes).coef_  # fmt: skip
    _close(both[0], _fit(X, y, w, codes), 1e-10)
    _close(both[1], _fit(X, y2, w, codes), 1e-10)
    wc = np.full(len(y), c) if w is None else w * c
    _close(_fit(X, y, wc, codes), _fit(X, y, w, codes), 1e-10)


# ---------------------------------------------------------------------------- collinear
@SETTINGS
@given(designs(), st.integers(0, 2**31 - 1), st.booleans())
def test_level_constant_regressor_is_named_and_dropped(design, seed, every_effect):
    """Constant within the levels of one effect, or a sum of per-level values of every
    effect (in their span, constant within none)."""
    pd = pytest.importorskip("pandas")
    X, y, w, codes = design
    _, cond = _lstsq(X, y, w, codes)
    assume(cond < 1e4)
    rng = np.random.default_rng(seed)
    factors = range(codes.shape[1]) if every_effect else [rng.integers(codes.shape[1])]
    const = sum(rng.uniform(-5, 5, codes[:, q].max() + 1)[codes[:, q]] for q in factors)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    frame.insert(int(rng.integers(X.shape[1] + 1)), "firm_const", const + 100.0)
    with pytest.warns(RankDeficientWarning, match="firm_const"):
        model = linreg.LinearRegression().fit(frame, y, sample_weight=w, absorb=codes)
    at = list(frame.columns).index("firm_const")
    assert model.coef_[at] == 0.0
    _close(np.delete(model.coef_, at), _fit(X, y, w, codes), 1e-9)
