"""Moments: one pass, mergeable, exact to rounding whatever the split of the rows.

References are independent: two-pass centred products computed in extended precision
(numpy.longdouble) on the whole data, and exact integer arithmetic.
"""

import numpy as np
import pytest

from linreg import Moments


def reference_moments(X, Y, w=None):
    """Corrected two-pass weighted centred cross-products in longdouble."""
    Z = np.column_stack([X, Y]).astype(np.longdouble)
    w = np.ones(len(Z), dtype=np.longdouble) if w is None else np.asarray(w, np.longdouble)
    mean = (w @ Z) / w.sum()
    mean = mean + (w @ (Z - mean)) / w.sum()  # second pass removes the sum's rounding
    C = Z - mean
    return float(w.sum()), mean.astype(float), ((C * w[:, None]).T @ C).astype(float)


def assert_matches(m, ref, rtol):
    wsum, mean, cross = ref
    assert m.weight_sum == pytest.approx(wsum, rel=1e-15)
    spread = np.sqrt(np.diag(cross) / wsum)
    np.testing.assert_array_less(np.abs(m.mean - mean), rtol * (np.abs(mean) + spread))
    scale = np.sqrt(np.outer(np.diag(cross), np.diag(cross)))
    np.testing.assert_array_less(np.abs(m.cross - cross), rtol * scale + 1e-300)


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5000, 6)) @ rng.standard_normal((6, 6))
    Y = X @ rng.standard_normal((6, 2)) + rng.standard_normal((5000, 2))
    w = rng.uniform(0, 3, 5000)
    return X, Y, w


@pytest.mark.parametrize("weighted", [False, True])
def test_matches_two_pass_reference(data, weighted):
    X, Y, w = data
    w = w if weighted else None
    assert_matches(Moments.from_arrays(X, Y, w), reference_moments(X, Y, w), rtol=1e-13)


@pytest.mark.parametrize("chunk_rows", [1, 7, 256, 999, 5000])
def test_any_chunking_gives_the_same_statistics(data, chunk_rows):
    X, Y, w = data
    if chunk_rows == 1:
        X, Y, w = X[:300], Y[:300], w[:300]
    ref = reference_moments(X, Y, w)
    assert_matches(Moments.from_arrays(X, Y, w, chunk_rows=chunk_rows), ref, rtol=1e-13)


def test_merge_in_any_order_and_tree(data):
    X, Y, w = data
    rng = np.random.default_rng(2)
    cuts = np.sort(rng.choice(np.arange(1, len(X)), size=9, replace=False))
    parts = [
        Moments.of_chunk(a, b, c)
        for a, b, c in zip(np.split(X, cuts), np.split(Y, cuts), np.split(w, cuts))
    ]
    ref = reference_moments(X, Y, w)
    sequential = Moments.empty(6, 2)
    for p in reversed(parts):
        sequential = sequential.merge(p)
    while len(parts) > 1:  # a tree of merges, as a cluster would reduce
        parts = [
            parts[i] + parts[i + 1] if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    for m in (sequential, parts[0]):
        assert m.n_samples == len(X)
        assert_matches(m, ref, rtol=1e-13)


def test_update_equals_from_arrays(data):
    X, Y, _ = data
    m = Moments.empty(6, 2)
    for start in range(0, len(X), 700):
        m = m.update(X[start : start + 700], Y[start : start + 700])
    assert_matches(m, reference_moments(X, Y), rtol=1e-13)


@pytest.mark.parametrize("offset", [1e6, 1e9, 1e12])
@pytest.mark.parametrize("sort", [False, True])
def test_large_offset_keeps_digits(offset, sort):
    """A column near `offset` with unit spread: raw X'X would cancel every digit."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20000, 3))
    X[:, 1] += offset
    if sort:
        X = X[np.argsort(X[:, 1])]
    y = X[:, 0] - 2 * (X[:, 1] - offset) + rng.standard_normal(20000)
    m = Moments.from_arrays(X, y)
    assert_matches(m, reference_moments(X, y), rtol=1e-11)


def test_exact_integer_statistics():
    """Small integers: every product and sum is exact, so the result must be too."""
    X = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0], [8.0, 1.0]])
    y = np.array([1.0, 2.0, 2.0, 7.0])
    m = Moments.from_arrays(X, y, chunk_rows=3)
    Z = np.column_stack([X, y])
    C = Z - Z.mean(axis=0)
    np.testing.assert_array_equal(m.mean, Z.mean(axis=0))
    np.testing.assert_allclose(m.cross, C.T @ C, rtol=0, atol=1e-13)


def test_weights_equal_duplicated_rows(data):
    X, Y, _ = data
    X, Y = X[:200], Y[:200]
    counts = np.random.default_rng(4).integers(0, 4, 200)
    dup = Moments.from_arrays(np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0))
    weighted = Moments.from_arrays(X, Y, counts.astype(float))
    np.testing.assert_allclose(weighted.mean, dup.mean, rtol=1e-13)
    np.testing.assert_allclose(weighted.cross, dup.cross, rtol=1e-11, atol=1e-9)
    assert weighted.weight_sum == dup.n_samples


def test_subtract_recovers_the_complement(data):
    X, Y, w = data
    total = Moments.from_arrays(X, Y, w)
    fold = Moments.from_arrays(X[:1000], Y[:1000], w[:1000])
    rest = total.subtract(fold)
    assert rest.n_samples == 4000
    assert_matches(rest, reference_moments(X[1000:], Y[1000:], w[1000:]), rtol=1e-11)


def test_float32_is_accumulated_in_float64():
    rng = np.random.default_rng(5)
    X = (rng.standard_normal((100000, 3)) + 1000).astype(np.float32)
    y = rng.standard_normal(100000).astype(np.float32)
    m = Moments.from_arrays(X, y)
    assert m.cross.dtype == np.float64
    assert_matches(m, reference_moments(X.astype(np.float64), y.astype(np.float64)), rtol=1e-12)


def test_merge_rejects_other_shapes():
    with pytest.raises(ValueError, match="cannot merge"):
        Moments.empty(3, 1).merge(Moments.empty(2, 1))


@pytest.mark.parametrize("weighted", [False, True])
def test_parallel_blocks_give_the_same_statistics(data, weighted, monkeypatch):
    """Large inputs are reduced by one thread per core; force that path on small data."""
    import linreg.moments

    monkeypatch.setattr(linreg.moments, "PARALLEL_MIN_ENTRIES", 0)
    monkeypatch.setattr(linreg.moments.os, "cpu_count", lambda: 3)
    X, Y, w = data
    w = w if weighted else None
    m = Moments.from_arrays(X, Y, w, chunk_rows=300)
    assert m.n_samples == len(X)
    assert_matches(m, reference_moments(X, Y, w), rtol=1e-13)
