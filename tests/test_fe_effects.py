"""The fixed-effect normal equations (``fixed_effects.effects``) against the dummy design.

References are independent of linreg: ``np.bincount`` for grouped sums, the explicit
dummy matrix ``D`` with ``numpy.linalg.lstsq`` for the weighted projection onto the span
of the effects, ``numpy.linalg.eigvalsh`` of the dense normalized ``D'WD`` for the
spectral bound, and a union-find over the cells for the connected components.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linreg.fixed_effects import effects
from linreg.fixed_effects.effects import EffectSystem, expand, group_sums


def _cells(codes, w):
    """Distinct rows of ``codes`` with their summed weights (np.unique, independent)."""
    uniq, inv = np.unique(codes, axis=0, return_inverse=True)
    weight = np.bincount(inv.ravel(), weights=w, minlength=uniq.shape[0])
    return SimpleNamespace(codes=uniq, weight=weight)


def _dummies(codes, n_levels):
    return np.hstack([np.eye(g)[codes[:, q]] for q, g in enumerate(n_levels)])


def _projection(codes, n_levels, w, V):
    """W-orthogonal projection of V onto span(D), by lstsq on sqrt(w)-scaled dummies."""
    D = _dummies(codes, n_levels)
    sw = np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(D * sw, V * sw, rcond=None)[0]
    return D @ coef


def _dense_lambda(codes, n_levels, w):
    """Smallest nonzero eigenvalue of diag(n)^-1/2 D'WD diag(n)^-1/2, dense."""
    D = _dummies(codes, n_levels)
    K = (D * w[:, None]).T @ D
    n = np.diag(K).copy()
    pos = n > 0
    s = 1.0 / np.sqrt(n[pos])
    ev = np.linalg.eigvalsh(K[np.ix_(pos, pos)] * np.outer(s, s))
    nonzero = ev[ev > 1e-9]
    return float(nonzero[0]) if nonzero.size else 1.0


def _components(codes, n_levels, w):
    """Connected components of the positive-weight levels (union-find over the rows)."""
    offsets = np.concatenate([[0], np.cumsum(n_levels)[:-1]])
    parent = list(range(int(np.sum(n_levels))))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    used = set()
    for row, wi in zip(codes, w, strict=True):
        if wi <= 0:
            continue
        nodes = [int(c + o) for c, o in zip(row, offsets, strict=True)]
        used.update(nodes)
        for a in nodes[1:]:
            parent[find(a)] = find(nodes[0])
    return len({find(x) for x in used})


def _problem(rng, n, n_levels, weighted=True, zeros=0.1, m=3, disconnected=False):
    codes = np.column_stack([rng.integers(0, g, n) for g in n_levels])
    if disconnected:  # rows of the second half use a disjoint set of levels
        half = n // 2
        codes[half:] += np.asarray(n_levels)
        n_levels = [2 * g for g in n_levels]
    n_levels = list(np.asarray(n_levels))
    w = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    if zeros:
        w[rng.random(n) < zeros] = 0.0
    V = rng.standard_normal((n, m)) * rng.uniform(0.1, 10.0, m)
    return codes, n_levels, w, V


def _solve(codes, n_levels, w, V, **kw):
    system = EffectSystem(_cells(codes, w), n_levels)
    rhs = [group_sums(codes[:, q], n_levels[q], V, w) for q in range(codes.shape[1])]
    alpha, info = system.solve(rhs, **kw)
    return system, rhs, alpha, info


def _check_projection(codes, n_levels, w, V, **kw):
    system, rhs, alpha, info = _solve(codes, n_levels, w, V, **kw)
    ref = _projection(codes, n_levels, w, V)
    fit = expand(alpha, codes)
    sw = np.sqrt(w)[:, None]
    err = np.linalg.norm((fit - ref) * sw) / np.linalg.norm(ref * sw)
    assert err < 1e-12, (err, info)
    # normal equations: residual relative to the right-hand side
    res = system.residual(alpha, rhs)
    for r, b in zip(res, rhs, strict=True):
        assert np.linalg.norm(r) <= 1e-11 * np.linalg.norm(np.concatenate(rhs))
        assert r.shape == b.shape
    assert info["converged"] and info["residual"] <= 1e-12
    return system, info


# ------------------------------------------------------------------ group sums, expand
@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("weighted", [False, True])
def test_group_sums_equal_bincount(order, weighted):
    rng = np.random.default_rng(0)
    n, G, m = 500, 37, 4
    codes = rng.integers(0, G, n)
    base = rng.standard_normal((n, 2 * m))
    V = base[:, ::2] if order == "strided" else np.asarray(base[:, :m], order=order)
    w = rng.random(n) if weighted else None
    out = group_sums(codes, G, V, w)
    ref = np.column_stack([
        np.bincount(codes, weights=V[:, j] * (1.0 if w is None else w), minlength=G)
        for j in range(m)
    ])
    np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-13)
    assert out.shape == (G, m) and out.flags.c_contiguous
    np.testing.assert_allclose(group_sums(codes, G, V[:, 0], w), ref[:, 0], rtol=1e-13, atol=1e-13)


def test_group_sums_errors():
    with pytest.raises(ValueError, match="out of range"):
        group_sums(np.array([0, 3]), 3, np.ones((2, 1)))
    with pytest.raises(ValueError, match="shape"):
        group_sums(np.array([0, 1]), 3, np.ones((3, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        group_sums(np.array([0, 1]), 3, np.ones((2, 1)), weight=np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="integer"):
        group_sums(np.array([0.0, 1.0]), 3, np.ones((2, 1)))


def test_expand_equals_dummy_product():
    rng = np.random.default_rng(1)
    n_levels = [5, 3, 7]
    codes = np.column_stack([rng.integers(0, g, 50) for g in n_levels])
    alpha = [rng.standard_normal((g, 2)) for g in n_levels]
    ref = _dummies(codes, n_levels) @ np.vstack(alpha)
    np.testing.assert_allclose(expand(alpha, codes), ref, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(expand([a[:, 0] for a in alpha], codes), ref[:, 0], rtol=1e-14)
    with pytest.raises(ValueError, match="out of range"):
        expand(alpha, codes + np.array([0, 0, 7]))


# ------------------------------------------------------------------ solve
@pytest.mark.parametrize("Q", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("disconnected", [False, True])
def test_projection_equals_lstsq(Q, weighted, disconnected):
    rng = np.random.default_rng(10 * Q + weighted + 2 * disconnected)
    n_levels = [9, 4, 6][:Q]
    codes, n_levels, w, V = _problem(rng, 300, n_levels, weighted, disconnected=disconnected)
    system, info = _check_projection(codes, n_levels, w, V)
    expected = {1: "exact", 2: "schur", 3: "irons-tuck"}[Q]
    assert info["method"] == expected
    assert system.components() == _components(codes, n_levels, w)


@pytest.mark.parametrize("method", ["cg", "irons-tuck"])
def test_iterative_routes_for_two_factors(monkeypatch, method):
    monkeypatch.setattr(effects, "SCHUR_MAX", 0)
    monkeypatch.setattr(effects, "LARGE_TWO", method)
    rng = np.random.default_rng(3)
    for disconnected in (False, True):
        codes, n_levels, w, V = _problem(rng, 400, [30, 12], disconnected=disconnected)
        _, info = _check_projection(codes, n_levels, w, V)
        assert info["method"] == method


@pytest.mark.parametrize("method", ["cg", "irons-tuck"])
def test_weakly_connected_two_factors_iterative(monkeypatch, method):
    """Workers moving rarely between firms: slow alternating projections."""
    monkeypatch.setattr(effects, "SCHUR_MAX", 0)
    monkeypatch.setattr(effects, "LARGE_TWO", method)
    rng = np.random.default_rng(4)
    n_workers, n_firms, T = 200, 20, 5
    firm = np.repeat(rng.integers(0, n_firms, n_workers), T)
    movers = rng.random(n_workers * T) < 0.02
    firm[movers] = rng.integers(0, n_firms, movers.sum())
    codes = np.column_stack([np.repeat(np.arange(n_workers), T), firm])
    n_levels = [n_workers, n_firms]
    V = rng.standard_normal((codes.shape[0], 2))
    w = np.ones(codes.shape[0])
    system, rhs, alpha, info = _solve(codes, n_levels, w, V)
    assert info["method"] == method and info["converged"]
    # the contract's certificate: ||E||_W^2 <= ||ghat||^2 / lambda, ghat = g / sqrt(n)
    res = system.residual(alpha, rhs)
    ghat2 = sum(np.sum(r**2 / n[:, None], axis=0) for r, n in zip(res, system.level_weight))
    lam = _dense_lambda(codes, n_levels, w)
    assert 0 < system.smallest_nonzero_eigenvalue() <= lam
    E = expand(alpha, codes) - _projection(codes, n_levels, w, V)
    assert np.all(np.sum(E**2, axis=0) <= ghat2 / lam * (1 + 1e-6) + 1e-24)
    assert np.linalg.norm(E) <= 1e-10 * np.linalg.norm(V)


def test_rhs_on_zero_weight_level_is_an_error():
    codes = np.array([[0, 0], [1, 1], [2, 1]])
    system = EffectSystem(_cells(codes, np.array([1.0, 1.0, 0.0])), [3, 2])
    with pytest.raises(ValueError, match="zero weight"):
        system.solve([np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match=r"rhs\[1\]"):
        system.solve([np.zeros(3), np.zeros(3)])


def test_bad_cells():
    with pytest.raises(ValueError, match="out of range"):
        EffectSystem(SimpleNamespace(codes=np.array([[0, 2]]), weight=np.ones(1)), [1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        EffectSystem(SimpleNamespace(codes=np.array([[0, 1]]), weight=-np.ones(1)), [1, 2])


# ------------------------------------------------------------------ spectrum
@pytest.mark.parametrize("disconnected", [False, True])
def test_lambda_two_factors_dense(disconnected):
    rng = np.random.default_rng(5 + disconnected)
    codes, n_levels, w, _ = _problem(rng, 300, [25, 8], disconnected=disconnected)
    system = EffectSystem(_cells(codes, w), n_levels)
    ref = _dense_lambda(codes, n_levels, w)
    lam = system.smallest_nonzero_eigenvalue()
    assert lam <= ref
    assert lam >= ref * (1 - 1e-6)


@pytest.mark.parametrize("disconnected", [False, True])
def test_lambda_two_factors_sparse_route(monkeypatch, disconnected):
    """Per component: dense below SCHUR_MAX levels, shift-invert Lanczos above."""
    monkeypatch.setattr(effects, "SCHUR_MAX", 6)
    rng = np.random.default_rng(7 + disconnected)
    codes, n_levels, w, _ = _problem(rng, 400, [40, 20], disconnected=disconnected)
    system = EffectSystem(_cells(codes, w), n_levels)
    ref = _dense_lambda(codes, n_levels, w)
    lam = system.smallest_nonzero_eigenvalue()
    assert 0.0 < lam <= ref
    assert lam >= ref * (1 - 1e-6)


@pytest.mark.parametrize(("dense_max", "bisect_max"), [(3000, 600), (0, 600), (0, 0)])
def test_lambda_three_factors(monkeypatch, dense_max, bisect_max):
    """Dense eigenvalues of K, bisection on inertia, deflated Lanczos."""
    monkeypatch.setattr(effects, "DENSE_K_MAX", dense_max)
    monkeypatch.setattr(effects, "BISECT_MAX", bisect_max)
    rng = np.random.default_rng(8)
    codes, n_levels, w, _ = _problem(rng, 300, [12, 5, 9])
    system = EffectSystem(_cells(codes, w), n_levels)
    ref = _dense_lambda(codes, n_levels, w)
    lam = system.smallest_nonzero_eigenvalue()
    assert lam <= ref
    assert lam >= ref * (1 - 1e-6)


@pytest.mark.parametrize(
    ("nested_max", "sparse_null_max", "bisect_max"),
    [(200, 2000, 0), (200, 0, 0), (0, 2000, 0), (200, 2000, 600)],
)
@pytest.mark.parametrize("disconnected", [False, True])
def test_lambda_three_factors_nested_sparse(
    monkeypatch, disconnected, nested_max, sparse_null_max, bisect_max
):
    """A factor nested in another (industry of a firm) adds null directions beyond the
    per-component constants: deflated from the nesting (sparse Gram or dense vectors),
    or found by the eigensolver when the enclosing factor is large, or counted by the
    inertia; the bound stays below the dense one."""
    monkeypatch.setattr(effects, "DENSE_K_MAX", 0)
    monkeypatch.setattr(effects, "NESTED_MAX", nested_max)
    monkeypatch.setattr(effects, "SPARSE_NULL_MAX", sparse_null_max)
    monkeypatch.setattr(effects, "BISECT_MAX", bisect_max)
    rng = np.random.default_rng(9 + disconnected)
    codes, n_levels, w, V = _problem(rng, 400, [30, 6, 4], disconnected=disconnected)
    industry_of_firm = rng.integers(0, n_levels[2], n_levels[0])
    codes[:, 2] = industry_of_firm[codes[:, 0]]
    system = EffectSystem(_cells(codes, w), n_levels)
    ref = _dense_lambda(codes, n_levels, w)
    lam = system.smallest_nonzero_eigenvalue()
    assert 0.0 < lam <= ref
    assert lam >= ref * (1 - 1e-6)
    _check_projection(codes, n_levels, w, V)


def test_lambda_one_factor():
    codes = np.array([[0], [1], [1]])
    assert EffectSystem(_cells(codes, np.ones(3)), [2]).smallest_nonzero_eigenvalue() == 1.0


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    Q=st.integers(1, 3),
    n=st.integers(2, 60),
    sizes=st.lists(st.integers(1, 8), min_size=3, max_size=3),
    weighted=st.booleans(),
    route=st.sampled_from(
        [(2000, "cg", 3000, 600), (0, "cg", 0, 600), (0, "irons-tuck", 0, 0)]
    ),
)
def test_projection_property(seed, Q, n, sizes, weighted, route):
    """Every route (Schur / CG / Irons-Tuck; dense / Lanczos bound) on random designs."""
    rng = np.random.default_rng(seed)
    codes, n_levels, w, V = _problem(rng, n, sizes[:Q], weighted, zeros=0.2 if weighted else 0)
    if not np.any(w > 0):
        return
    names = ("SCHUR_MAX", "LARGE_TWO", "DENSE_K_MAX", "BISECT_MAX")
    saved = [getattr(effects, name) for name in names]
    for name, value in zip(names, route, strict=True):
        setattr(effects, name, value)
    try:
        _check_property(codes, n_levels, w, V)
    finally:
        for name, value in zip(names, saved, strict=True):
            setattr(effects, name, value)


def _check_property(codes, n_levels, w, V):
    system, rhs, alpha, info = _solve(codes, n_levels, w, V)
    ref = _projection(codes, n_levels, w, V)
    sw = np.sqrt(w)[:, None]
    scale = max(np.linalg.norm(ref * sw), np.linalg.norm(V * sw) * 1e-3)
    assert np.linalg.norm((expand(alpha, codes) - ref) * sw) <= 1e-11 * scale
    lam = system.smallest_nonzero_eigenvalue()
    ref_lam = _dense_lambda(codes, n_levels, w)
    assert lam <= ref_lam * (1 + 1e-12)
    assert system.components() == _components(codes, n_levels, w)
