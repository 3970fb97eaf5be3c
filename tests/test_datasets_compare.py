"""Built-in datasets, train/val/test splits, and the solver comparison."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import linreg
from linreg.comparison import (
    EXACT_SOLVERS,
    ITERATIVE_SOLVERS,
    Comparison,
    default_solvers,
    max_relative_deviation,
)
from linreg.datasets import Dataset, builtin_names, load, load_nist, nist_names
from linreg.split import TEST, TRAIN, VALIDATION, holdout_labels, train_val_test_split
from linreg.training import TRAINERS

SHAPES = {
    # name: (X shape, y shape, fit_intercept)
    "seed001": ((3, 2), (3,), False),
    "seed002": ((4, 1), (4,), True),
    "seed003": ((100, 1), (100,), True),
    "multi_output": ((200, 3), (200, 2), True),
    "longley": ((16, 6), (16,), True),
    "diabetes": ((442, 10), (442,), True),
    "grunfeld": ((220, 4), (220,), True),
}


# ------------------------------------------------------------------ datasets --
def test_builtin_names():
    assert builtin_names() == list(SHAPES)


@pytest.mark.parametrize("name", list(SHAPES))
def test_dataset_shapes_and_names(name):
    d = load(name)
    X_shape, y_shape, fit_intercept = SHAPES[name]
    assert isinstance(d, Dataset)
    assert d.name == name
    assert d.X.shape == X_shape and d.X.dtype == np.float64
    assert d.y.shape == y_shape and d.y.dtype == np.float64
    assert d.fit_intercept is fit_intercept
    assert len(d.feature_names) == X_shape[1]
    assert len(d.target_names) == (1 if len(y_shape) == 1 else y_shape[1])
    assert d.description
    if d.coef is not None:
        assert np.shape(d.coef) == (
            (X_shape[1],) if len(y_shape) == 1 else (y_shape[1], X_shape[1])
        )
    with pytest.raises(AttributeError):
        d.name = "other"  # frozen
    assert name in repr(d)


def test_load_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown dataset 'nope'.*seed001.*diabetes"):
        load("nope")


def test_nist_api_unchanged():
    assert "Longley" in nist_names()
    assert load_nist("Norris").X.shape == (36, 1)


def test_seed001_recovered_exactly():
    d = load("seed001")
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(d.y, d.X @ [10, 20])
    model = linreg.LinearRegression(fit_intercept=False).fit(d.X, d.y)
    np.testing.assert_allclose(model.coef_, [10, 20], rtol=1e-12, atol=0)
    np.testing.assert_allclose(model.coef_, d.coef, rtol=1e-12, atol=0)


def test_seed002_data():
    d = load("seed002")
    np.testing.assert_array_equal(d.X[:, 0], [1, 2, 3, 3.5])
    np.testing.assert_array_equal(d.y, [2, 4, 6, 7.5])
    assert d.coef is None


def test_seed003_is_reproducible_and_as_documented():
    a, b = load("seed003"), load("seed003", random_state=0)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = load("seed003", n=50, random_state=1)
    assert c.X.shape == (50, 1) and not np.array_equal(c.X[:50], a.X[:50])
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, (100, 1))
    np.testing.assert_array_equal(a.X, x)
    np.testing.assert_array_equal(a.y, 3.5 * x[:, 0] + rng.uniform(-10, 20, 100))
    assert (a.X >= 0).all() and (a.X < 10).all()
    noise = a.y - 3.5 * a.X[:, 0]
    assert (noise >= -10).all() and (noise < 20).all()
    assert a.coef.tolist() == [3.5] and a.intercept == 5.0


def test_multi_output_recovers_its_coefficients():
    d = load("multi_output", n=5000)
    model = linreg.LinearRegression().fit(d.X, d.y)
    assert model.coef_.shape == d.coef.shape == (2, 3)
    # Standard errors: noise 0.5 over scales 10, 0.1, 500 and sqrt(5000) samples.
    scale = 0.5 / np.array([10, 0.1, 500]) / np.sqrt(5000)
    assert (np.abs(model.coef_ - d.coef) < 5 * scale).all()


def test_longley_is_nist_longley():
    d, nist = load("longley"), load_nist("Longley")
    np.testing.assert_array_equal(d.X, nist.X)
    np.testing.assert_array_equal(d.y, nist.y)
    assert d.feature_names == (
        "GNP deflator",
        "GNP",
        "Unemployed",
        "Armed Forces",
        "Population",
        "Year",
    )
    # Column order as in the NIST header (x1 = GNP deflator ... x6 = year).
    assert d.X[0].tolist() == [83.0, 234289, 2356, 1590, 107608, 1947]
    np.testing.assert_array_equal(d.coef, nist.params[1:])
    assert d.intercept == nist.params[0]


def test_diabetes_is_sklearns():
    from sklearn.datasets import load_diabetes

    d = load("diabetes")
    bunch = load_diabetes()
    np.testing.assert_array_equal(d.X, bunch.data)
    np.testing.assert_array_equal(d.y, bunch.target)
    assert d.feature_names == tuple(bunch.feature_names)


# --------------------------------------------------------------------- split --
def test_split_sizes_and_partition():
    X = np.arange(200.0).reshape(100, 2)
    y = np.arange(100.0)
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(
        X, y, val_size=0.2, test_size=0.1, random_state=3
    )
    assert (len(X_tr), len(X_va), len(X_te)) == (70, 20, 10)
    assert (len(y_tr), len(y_va), len(y_te)) == (70, 20, 10)
    np.testing.assert_array_equal(X_tr[:, 0] / 2, y_tr)  # rows stay paired
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_va, y_te])), y)


def test_split_without_validation_part():
    X, y = np.ones((8, 1)), np.arange(8.0)
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y)
    assert X_va.shape == (0, 1) and y_va.shape == (0,)
    assert (len(y_tr), len(y_te)) == (6, 2)


def test_split_is_reproducible():
    X, y = np.arange(50.0)[:, None], np.arange(50.0)
    a = train_val_test_split(X, y, val_size=0.2, random_state=7)
    b = train_val_test_split(X, y, val_size=0.2, random_state=7)
    c = train_val_test_split(X, y, val_size=0.2, random_state=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])


def test_split_without_shuffle_keeps_order():
    X, y = np.arange(10.0)[:, None], np.arange(10.0)
    _, _, _, y_tr, y_va, y_te = train_val_test_split(
        X, y, val_size=0.2, test_size=0.3, shuffle=False
    )
    assert y_tr.tolist() == [0, 1, 2, 3, 4] and y_va.tolist() == [5, 6]
    assert y_te.tolist() == [7, 8, 9]


def test_split_pandas():
    df = pd.DataFrame({"a": np.arange(20.0), "b": -np.arange(20.0)}, index=np.arange(20) * 10)
    s = pd.Series(np.arange(20.0), index=df.index, name="t")
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(
        df, s, val_size=0.25, test_size=0.25, random_state=0
    )
    assert isinstance(X_tr, pd.DataFrame) and isinstance(y_te, pd.Series)
    assert list(X_tr.columns) == ["a", "b"] and y_tr.name == "t"
    assert (len(X_tr), len(X_va), len(X_te)) == (10, 5, 5)
    for Xp, yp in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        assert Xp.index.equals(yp.index)
        np.testing.assert_array_equal(Xp["a"].to_numpy(), yp.to_numpy())


@pytest.mark.parametrize(
    "val_size,test_size",
    [(-0.1, 0.2), (0.2, 1.0), (0.5, 0.5), (0.7, 0.4), (1.2, 0.0), ("0.2", 0.1), (None, 0.1)],
)
def test_split_rejects_bad_sizes(val_size, test_size):
    with pytest.raises(ValueError):
        train_val_test_split(np.ones((10, 1)), np.ones(10), val_size=val_size, test_size=test_size)


def test_split_rejects_mismatched_lengths_and_empty_training():
    with pytest.raises(ValueError, match="different numbers of samples"):
        train_val_test_split(np.ones((10, 1)), np.ones(9))
    with pytest.raises(ValueError, match="no training samples"):
        train_val_test_split(np.ones((2, 1)), np.ones(2), val_size=0.3, test_size=0.3)


# ------------------------------------------------------------------- compare --
#: Tight enough for a relative deviation below 1e-5, loose enough to be quick.
ITERATIVE_TOL = 1e-8
#: Epoch caps: gd-type methods need at most ~9,000 epochs on these data at ITERATIVE_TOL.
MAX_ITER = {"torch/lbfgs": 200}
DEFAULT_MAX_ITER = 20_000


def _label(spec) -> str:
    return spec if isinstance(spec, str) else "/".join(spec)


def _check_text(comparison: Comparison, solvers) -> None:
    text = str(comparison)
    for spec in solvers:
        assert _label(spec) in text
    assert "max rel dev" in text and "train MSE" in text
    lines = text.splitlines()
    header = lines[1]
    assert lines[2].replace(" ", "").strip("-") == ""  # a rule under the header
    # Right-aligned column: every value ends where its header does.
    end = header.index("max rel dev") + len("max rel dev")
    for line in lines[3 : 3 + len(comparison.rows)]:
        assert line[end - 1] != " " and line[end : end + 1] in ("", " ")


@pytest.mark.parametrize("name", list(SHAPES))
def test_compare_exact_solvers_on_every_dataset(name):
    d = load(name)
    c = linreg.compare(d.X, d.y, fit_intercept=d.fit_intercept, solvers=list(EXACT_SOLVERS))
    assert [r["solver"] for r in c.rows] == list(EXACT_SOLVERS)
    for row in c.rows:
        assert row["kind"] == "exact"
        assert row["max_rel_dev"] < 1e-8, row
        assert row["note"] == ""
        assert math.isnan(row["val_mse"]) and math.isnan(row["test_mse"])
        assert row["n_iter"] >= 1 and row["seconds"] >= 0
    assert c.reference["solver"].startswith("auto (")
    _check_text(c, EXACT_SOLVERS)


def _iterative_cases():
    """(dataset, solver) for every built-in dataset and iterative solver.

    Longley's standardized Hessian has condition number 1.2e4, so first-order methods
    (gd, autograd, torch sgd / adam) need some 250,000 epochs to reach 1e-8: there
    only L-BFGS runs (``test_compare_records_warnings_in_a_note`` runs gd on it).
    """
    for name in SHAPES:
        for spec in ITERATIVE_SOLVERS:
            label = _label(spec)
            if name == "longley" and label != "torch/lbfgs":
                continue
            yield pytest.param(name, spec, id=f"{name}-{label}")


@pytest.mark.parametrize("name,spec", list(_iterative_cases()))
def test_compare_iterative_solvers_on_every_dataset(name, spec):
    solver = spec if isinstance(spec, str) else spec[0]
    if solver not in TRAINERS:
        pytest.skip(f"solver {solver!r} is not registered (TRAINERS: {list(TRAINERS)})")
    d = load(name)
    label = _label(spec)
    c = linreg.compare(
        d.X,
        d.y,
        fit_intercept=d.fit_intercept,
        solvers=[spec],
        tol=ITERATIVE_TOL,
        max_iter=MAX_ITER.get(label, DEFAULT_MAX_ITER),
    )
    (row,) = c.rows
    assert row["solver"] == label and row["kind"] == "iterative"
    assert row["max_rel_dev"] < 1e-5, (row["max_rel_dev"], row["note"])
    _check_text(c, [spec])


def test_compare_default_solvers():
    assert "compare" in linreg.__all__
    d = load("seed002")
    c = linreg.compare(d.X, d.y)
    assert [r["solver"] for r in c.rows] == [_label(s) for s in default_solvers()]
    for row in c.rows:
        assert row["max_rel_dev"] < (1e-8 if row["kind"] == "exact" else 1e-5)
    _check_text(c, default_solvers())


def test_default_solvers_follow_the_registered_trainers():
    solvers = default_solvers()
    assert solvers[:4] == ["cholesky", "qr", "extended", "svd"]
    assert ("gd" in solvers) == ("gd" in TRAINERS)
    assert (("torch", "adam") in solvers) == ("torch" in TRAINERS)


def test_compare_with_splits_weights_and_ridge():
    d = load("diabetes")
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(d.y))
    c = linreg.compare(
        d.X,
        d.y,
        alpha=0.5,
        val_size=0.2,
        test_size=0.2,
        sample_weight=w,
        solvers=["cholesky", "qr"],
    )
    # linreg fit's row-keyed rule: each row's part from (seed, row index) alone.
    labels = holdout_labels(442, test_size=0.2, val_size=0.2, seed=0)
    train, val, test = (np.flatnonzero(labels == k) for k in (TRAIN, VALIDATION, TEST))
    assert (c.n_train, c.n_val, c.n_test) == (len(train), len(val), len(test))
    assert c.model == "Ridge(alpha=0.5)"
    ref = linreg.Ridge(0.5).fit(d.X[train], d.y[train], sample_weight=w[train])
    for row in c.rows:
        assert row["max_rel_dev"] < 1e-10
        np.testing.assert_allclose(row["coef"], ref.coef_, rtol=1e-10)
        resid = d.y[test] - ref.predict(d.X[test])
        assert row["test_mse"] == pytest.approx(np.average(resid**2, weights=w[test]))
        assert np.isfinite(row["val_mse"])
    text = str(c)
    sizes = f"{len(train)} train / {len(val)} val / {len(test)} test"
    assert "val MSE" in text and "test MSE" in text and sizes in text


def test_compare_pandas_and_multi_output_frame():
    d = load("multi_output")
    X = pd.DataFrame(d.X, columns=list(d.feature_names))
    y = pd.DataFrame(d.y, columns=list(d.target_names))
    c = linreg.compare(X, y, solvers=["qr", "svd"], test_size=0.25)
    frame = c.to_frame()
    assert list(frame.index) == ["qr", "svd"]
    assert {"coef", "intercept", "train_mse", "test_mse", "max_rel_dev", "note"} <= set(
        frame.columns
    )
    assert frame.loc["qr", "coef"].shape == (2, 3)
    assert (frame["max_rel_dev"] < 1e-10).all()


def test_compare_abbreviates_many_coefficients():
    d = load("diabetes")
    c = linreg.compare(d.X, d.y, solvers=["qr"])
    row_line = str(c).splitlines()[3]
    assert "..." in row_line and row_line.count(",") == 3  # three shown, then "..."


@pytest.mark.skipif("gd" not in TRAINERS, reason="needs solver='gd'")
def test_compare_records_warnings_in_a_note():
    d = load("longley")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes compare
        c = linreg.compare(d.X, d.y, solvers=["qr", "gd"], max_iter=50)
    qr, gd = c.rows
    assert qr["note"] == ""
    # IterationLimitWarning: an AccuracyWarning that is also a ConvergenceWarning
    assert gd["note"].startswith("IterationLimitWarning: solver='gd' stopped at max_iter=50")
    assert gd["n_iter"] == 50 and gd["max_rel_dev"] > 1e-3
    text = str(c)
    assert "[1]" in text and "\n[1] IterationLimitWarning" in text


def test_compare_raises_when_the_reference_fails():
    d = load("seed002")
    # Ridge with a negative alpha fails in every solver, the reference first.
    with pytest.raises(ValueError, match="reference fit"):
        linreg.compare(d.X, d.y, alpha=-1.0, solvers=["qr"])


def test_compare_records_an_error_in_a_row(monkeypatch):
    def broken(problem, config):
        raise RuntimeError("trainer exploded")

    monkeypatch.setitem(TRAINERS, "broken", broken)
    d = load("seed003")
    c = linreg.compare(d.X, d.y, solvers=["qr", "broken"])
    qr, bad = c.rows
    assert qr["max_rel_dev"] < 1e-10
    assert bad["note"] == "error: RuntimeError: trainer exploded"
    assert bad["coef"] is None and math.isnan(bad["max_rel_dev"])
    assert "error: RuntimeError: trainer exploded" in str(c)


def test_compare_rejects_unknown_solvers():
    X, y = np.ones((5, 1)), np.arange(5.0)
    with pytest.raises(ValueError, match="unknown solver 'nope'"):
        linreg.compare(X, y, solvers=["nope"])
    with pytest.raises(ValueError, match="optimizer applies to solver='torch' only"):
        linreg.compare(X, y, solvers=[("qr", "adam")])
    with pytest.raises(ValueError, match="name or a"):
        linreg.compare(X, y, solvers=[3])


def test_compare_rich_table():
    from rich.console import Console
    from rich.table import Table

    d = load("seed002")
    c = linreg.compare(d.X, d.y, solvers=["qr", "svd"])
    assert isinstance(c.to_rich(), Table)
    console = Console(width=160, record=True)
    console.print(c)
    text = console.export_text()
    assert "qr" in text and "svd" in text and "max rel dev" in text


def test_max_relative_deviation():
    assert max_relative_deviation([1.0, 2.0], [1.0, 2.0]) == 0
    assert max_relative_deviation([1.1, 2.0], [1.0, 2.0]) == pytest.approx(0.1)
    # A zero reference parameter is measured against 1e-12 of the largest.
    assert max_relative_deviation([1e-13, 2.0], [0.0, 2.0]) == pytest.approx(0.05)


def test_compare_does_not_import_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys, linreg; from linreg.comparison import compare; "
        "print(sorted(m for m in ('torch', 'matplotlib', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
