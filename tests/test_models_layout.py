"""The estimators live in :mod:`linreg.models`; the old module paths keep working.

Checked: pickles written with the old class paths (as models saved before the move
hold them) load as the new classes and predict the same; old imports give the same
objects; monkeypatching a constant through an old module path reaches the module that
uses it; every estimator is a :class:`linreg.models.base.LinearModel` whose
``_parameter_constraints`` name every constructor parameter.
"""

from __future__ import annotations

import importlib
import inspect
import pickle

import numpy as np
import pytest

import linreg
from linreg.models.base import LinearModel

#: (old module, new module, class name): the paths before and after the move.
MOVED = [
    ("linreg.linear_regression", "linreg.models.linear_regression", "LinearRegression"),
    ("linreg.ridge", "linreg.models.ridge", "Ridge"),
    ("linreg.ridge_cv", "linreg.models.ridge_cv", "RidgeCV"),
    ("linreg.penalized.estimators", "linreg.models.elastic_net", "Lasso"),
    ("linreg.penalized.estimators", "linreg.models.elastic_net", "ElasticNet"),
    ("linreg.penalized.cv", "linreg.models.elastic_net_cv", "LassoCV"),
    ("linreg.penalized.cv", "linreg.models.elastic_net_cv", "ElasticNetCV"),
]

ESTIMATORS = {
    "LinearRegression": lambda: linreg.LinearRegression(),
    "Ridge": lambda: linreg.Ridge(alpha=0.5),
    "RidgeCV": lambda: linreg.RidgeCV(),
    "Lasso": lambda: linreg.Lasso(alpha=0.01),
    "ElasticNet": lambda: linreg.ElasticNet(alpha=0.01),
    "LassoCV": lambda: linreg.LassoCV(cv=3, alphas=5),
    "ElasticNetCV": lambda: linreg.ElasticNetCV(cv=3, alphas=5),
}


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    return X, X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.standard_normal(40)


@pytest.mark.parametrize(("old", "new", "name"), MOVED)
def test_a_pickle_with_the_old_class_path_loads(old, new, name):
    X, y = _data()
    model = ESTIMATORS[name]().fit(X, y)
    # protocol 2 names classes as "c<module>\n<name>\n": rewrite it to the old path
    data = pickle.dumps(model, protocol=2)
    assert f"c{new}\n{name}\n".encode() in data
    old_data = data.replace(f"c{new}\n{name}\n".encode(), f"c{old}\n{name}\n".encode())
    assert old_data != data
    loaded = pickle.loads(old_data)
    assert type(loaded) is type(model) and type(loaded).__module__ == new
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize(("old", "new", "name"), MOVED)
def test_old_imports_give_the_same_objects(old, new, name):
    cls = getattr(importlib.import_module(new), name)
    assert getattr(importlib.import_module(old), name) is cls
    assert getattr(linreg, name) is cls
    assert getattr(importlib.import_module("linreg.models"), name) is getattr(linreg, name)


def test_old_helper_imports_still_work():
    from linreg._base import ExactLinearModel
    from linreg.penalized.data import make_data as new_make_data
    from linreg.penalized.estimators import ITERATIVE, SOLVERS, make_data

    assert make_data is new_make_data and "gd" in ITERATIVE and "gram" in SOLVERS
    assert issubclass(ExactLinearModel, LinearModel)


def test_monkeypatching_the_old_path_reaches_the_new_module(monkeypatch):
    import linreg.models.ridge_cv as new
    import linreg.ridge_cv as old

    monkeypatch.setattr(old, "CHUNK_ENTRIES", 64)
    assert new.CHUNK_ENTRIES == 64


def test_penalized_imports_no_estimator_module():
    """penalized/ holds the algorithms; the estimators (models/) import them, not back.
    (penalized.estimators and .cv are the old paths' re-exports; warmup compiles the
    kernels by fitting the estimators.)"""
    import ast
    from pathlib import Path

    root = Path(linreg.__file__).parent / "penalized"
    for path in root.glob("*.py"):
        if path.name in ("estimators.py", "cv.py", "warmup.py", "__init__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                target = "." * node.level + node.module
                assert "models" not in target and target not in (".estimators", ".cv"), (
                    path,
                    target,
                )


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_every_estimator_is_a_linear_model_with_complete_constraints(name):
    cls = getattr(linreg, name)
    assert issubclass(cls, LinearModel)
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert set(cls._parameter_constraints) == params


def _warning_cases():
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5))
    y = X @ np.arange(5.0) + rng.standard_normal(20)
    Xw, yw = rng.standard_normal((4, 6)), rng.standard_normal(4)
    return {
        "Lasso alpha=0": lambda: linreg.Lasso(alpha=0.0).fit(X, y),
        "Lasso max_iter": lambda: linreg.Lasso(alpha=0.01, max_iter=1, tol=0).fit(X, y),
        "underdetermined": lambda: linreg.LinearRegression().fit(Xw, yw),
        "sparse underdetermined": lambda: linreg.LinearRegression().fit(sp.csr_matrix(Xw), yw),
        "aliased": lambda: linreg.Ridge(alpha=0.0).fit(np.column_stack([X, X[:, 0]]), y),
        "CV column y": lambda: linreg.ElasticNetCV(alphas=3, cv=3).fit(X, y[:, None]),
        "trainer max_iter": lambda: linreg.LinearRegression(solver="gd", max_iter=3).fit(X, y),
        "partial_fit": lambda: linreg.LinearRegression().partial_fit(Xw, yw),
    }


@pytest.mark.parametrize("case", sorted(_warning_cases()))
def test_warnings_point_at_the_callers_line(case):
    """Every route of the template warns at the user's call, however deep it warns."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _warning_cases()[case]()
    assert caught, "the case warns"
    assert all(record.filename == __file__ for record in caught), [
        (r.category.__name__, r.filename, r.lineno) for r in caught
    ]


def test_pickling_a_model_leaves_its_training_data_in_place():
    """Pickling drops the training data from the pickle only: the pickled model itself
    still computes robust summaries (a second pass), equal to statsmodels' HC1."""
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = X.sum(1) + rng.standard_normal(50) * (1 + np.abs(X[:, 0]))
    model = linreg.LinearRegression().fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    reference = sm.OLS(y, sm.add_constant(X)).fit(cov_type="HC1").bse
    np.testing.assert_allclose(model.summary("HC1").bse, reference, rtol=1e-10)
    with pytest.raises(ValueError, match="pass X, y"):
        restored.summary("HC1")
