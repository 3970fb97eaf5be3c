"""The fitted attributes' types, shapes and dtypes are scikit-learn's, exactly.

The reference is the installed scikit-learn fitted on the same data: for every estimator,
y of shape (n,), (n, 1) and (n, 3), with and without an intercept, float64 and float32 X,
``type(coef_)``, ``coef_.shape``, ``coef_.dtype``, ``type(intercept_)``,
``np.shape(intercept_)``, the intercept's dtype and predict's dtype and shape must be
equal (no broadcasting comparison: ``assert_allclose`` would pass (1, p) against (p,)).
Where scikit-learn refuses an input (LassoCV with 3 targets) linreg must refuse it too.

The routes that do not exist in scikit-learn (iterative trainers, chunked sources, torch
tensors, model files) must give the in-memory exact fit's types and shapes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sklm

import linreg

N, P = 40, 4

#: (linreg factory, scikit-learn factory): the same objective and parameters.
ESTIMATORS = {
    "LinearRegression": (lambda: linreg.LinearRegression(), lambda: sklm.LinearRegression()),
    "Ridge": (lambda: linreg.Ridge(alpha=0.7), lambda: sklm.Ridge(alpha=0.7)),
    "RidgeCV": (lambda: linreg.RidgeCV(), lambda: sklm.RidgeCV()),
    "Lasso": (lambda: linreg.Lasso(alpha=0.01), lambda: sklm.Lasso(alpha=0.01)),
    "ElasticNet": (lambda: linreg.ElasticNet(alpha=0.01), lambda: sklm.ElasticNet(alpha=0.01)),
    "LassoCV": (lambda: linreg.LassoCV(cv=3), lambda: sklm.LassoCV(cv=3)),
    "ElasticNetCV": (lambda: linreg.ElasticNetCV(cv=3), lambda: sklm.ElasticNetCV(cv=3)),
}
Y_SHAPES = [(N,), (N, 1), (N, 3)]
#: The estimators with the routes scikit-learn lacks (trainers, chunked sources, tensors).
ROUTE_ESTIMATORS = [linreg.LinearRegression, linreg.Ridge, linreg.Lasso, linreg.ElasticNet]


def _data(y_shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, P)) + 3.0
    y = X @ rng.standard_normal(P) + 1.0
    Y = y[:, None] + 0.1 * rng.standard_normal((N, 3))
    targets = {(N,): y, (N, 1): Y[:, :1], (N, 3): Y}[y_shape]
    return X.astype(dtype), targets


def _described(est, X):
    """Everything the contract fixes about a fitted estimator, as comparable values."""
    coef, intercept = est.coef_, est.intercept_
    pred = est.predict(X)
    return {
        "type(coef_)": type(coef),
        "coef_.shape": np.shape(coef),
        "coef_.dtype": getattr(coef, "dtype", None),
        "type(intercept_)": type(intercept),
        "shape(intercept_)": np.shape(intercept),
        "intercept_ dtype": getattr(intercept, "dtype", None),
        "type(predict)": type(pred),
        "predict.shape": pred.shape,
        "predict.dtype": pred.dtype,
    }


def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataConversionWarning, ConvergenceWarning
        return est.fit(X, y)


def _cases():
    for name in ESTIMATORS:
        for y_shape in Y_SHAPES:
            for fit_intercept in (True, False):
                for dtype in (np.float64, np.float32):
                    yield pytest.param(
                        name,
                        y_shape,
                        fit_intercept,
                        dtype,
                        id=f"{name}-y{len(y_shape)}d{y_shape[-1]}-"
                        f"{'icpt' if fit_intercept else 'noicpt'}-{np.dtype(dtype).name}",
                    )


@pytest.mark.parametrize("name, y_shape, fit_intercept, dtype", list(_cases()))
def test_fitted_attributes_match_scikit_learn(name, y_shape, fit_intercept, dtype):
    """Types, shapes and dtypes of coef_, intercept_ and predict equal scikit-learn's."""
    ours_factory, ref_factory = ESTIMATORS[name]
    X, y = _data(y_shape, dtype)
    ref = ref_factory().set_params(fit_intercept=fit_intercept)
    ours = ours_factory().set_params(fit_intercept=fit_intercept)
    try:
        _fit_quietly(ref, X, y)
    except ValueError:  # scikit-learn refuses this input: so must linreg
        with pytest.raises(ValueError):
            _fit_quietly(ours, X, y)
        return
    _fit_quietly(ours, X, y)
    assert _described(ours, X) == _described(ref, X)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize(
    "fit_dtype, predict_dtype", [(np.float32, np.float64), (np.float64, np.float32)]
)
def test_predict_dtype_with_mixed_precisions(name, fit_dtype, predict_dtype):
    """Fitted on one precision, predicting on the other: scikit-learn's result dtype."""
    ours_factory, ref_factory = ESTIMATORS[name]
    X, y = _data((N,), fit_dtype)
    ours, ref = _fit_quietly(ours_factory(), X, y), _fit_quietly(ref_factory(), X, y)
    Xp = X.astype(predict_dtype)
    assert ours.predict(Xp).dtype == ref.predict(Xp).dtype


def test_float32_coefficients_are_the_float64_solution_rounded():
    """float32 X is solved in float64; coef_ is that solution rounded once to float32,
    and solution_ keeps the float64 digits (compared with numpy.linalg.lstsq)."""
    X, y = _data((N,), np.float32)
    ours = linreg.LinearRegression().fit(X, y)
    A = np.hstack([np.ones((N, 1)), X.astype(np.float64)])
    exact = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(ours.solution_.coef[0], exact[1:], rtol=1e-10)
    assert np.array_equal(ours.coef_, exact[1:].astype(np.float32))
    assert ours.intercept_ == np.float32(exact[0])


@pytest.mark.parametrize("y_shape", [(N,), (N, 1)])
@pytest.mark.parametrize(
    "ours, ref",
    [
        (lambda: linreg.Lasso(alpha=0.01), lambda: sklm.Lasso(alpha=0.01)),
        (lambda: linreg.ElasticNet(alpha=0.01), lambda: sklm.ElasticNet(alpha=0.01)),
    ],
    ids=["Lasso", "ElasticNet"],
)
def test_penalized_float32_coefficients_are_the_float64_solution_rounded(ours, ref, y_shape):
    """Lasso/ElasticNet on float32 X: solution_ holds the float64 optimum (scikit-learn
    converged tightly in float64 on the same numbers as reference), coef_ and intercept_
    are it rounded once to float32, and dual_gap_ is a float32 scalar."""
    X, y = _data(y_shape, np.float32)
    model = _fit_quietly(ours(), X, y)
    exact = ref().set_params(tol=1e-14, max_iter=10**6).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(model.solution_.coef[0], exact.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.solution_.intercept, exact.intercept_, rtol=1e-9)
    assert np.array_equal(model.coef_, model.solution_.coef[0].astype(np.float32))
    assert np.array_equal(np.ravel(model.intercept_), model.solution_.intercept.astype(np.float32))
    assert type(model.dual_gap_) is np.float32


@pytest.mark.parametrize("y_shape", Y_SHAPES)
def test_ridge_cv_float32_coefficients_are_the_float64_fit_rounded(y_shape):
    """RidgeCV on float32 X gives the fit on the same numbers in float64, rounded once."""
    X, y = _data(y_shape, np.float32)
    single = linreg.RidgeCV().fit(X, y)
    double = linreg.RidgeCV().fit(X.astype(np.float64), y)
    assert single.coef_.dtype == np.float32 and single.alpha_ == double.alpha_
    assert np.array_equal(single.coef_, double.coef_.astype(np.float32))
    assert np.array_equal(
        np.ravel(single.intercept_), np.ravel(double.intercept_).astype(np.float32)
    )


# ------------------------------------------------------------ routes sklearn lacks
def _reference_description(estimator, X, y):
    return _described(_fit_quietly(estimator, X, y), X)


@pytest.mark.parametrize("y_shape", Y_SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("cls", ROUTE_ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_iterative_route_has_the_exact_routes_shapes(cls, y_shape, fit_intercept, dtype):
    """solver="gd" writes the fitted state exactly as the exact solver does."""
    X, y = _data(y_shape, dtype)
    exact = cls(fit_intercept=fit_intercept)
    gd = cls(fit_intercept=fit_intercept, solver="gd", max_iter=20_000)
    assert _reference_description(gd, X, y) == _reference_description(exact, X, y)
    assert isinstance(gd.solution_, linreg.Solution)


@pytest.mark.parametrize("y_shape", Y_SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("cls", ROUTE_ESTIMATORS)
def test_chunked_source_route_has_the_exact_routes_shapes(tmp_path, cls, y_shape, fit_intercept):
    """A file scan (chunked Moments) writes the fitted state as the in-memory fit does."""
    pd = pytest.importorskip("pandas")
    X, y = _data(y_shape, np.float64)
    Y = y.reshape(N, -1)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(P)])
    targets = [f"y{t}" for t in range(Y.shape[1])]
    for t, col in enumerate(targets):
        frame[col] = Y[:, t]
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    target = targets[0] if len(y_shape) == 1 else targets
    source = linreg.scan(path, target=target, batch_size=7)
    streamed = _fit_quietly(cls(fit_intercept=fit_intercept), source, None)
    in_memory = _fit_quietly(cls(fit_intercept=fit_intercept), frame[frame.columns[:P]], y)
    Xf = frame[frame.columns[:P]]
    assert _described(streamed, Xf) == _described(in_memory, Xf)


@pytest.mark.parametrize("y_shape", Y_SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("cls", ROUTE_ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_model_file_round_trip_keeps_types_and_shapes(tmp_path, cls, y_shape, fit_intercept, dtype):
    """save / load gives back the fitted model's types, shapes and dtypes."""
    X, y = _data(y_shape, dtype)
    model = _fit_quietly(cls(fit_intercept=fit_intercept), X, y)
    loaded = linreg.load(linreg.save(model, tmp_path / "m.json"))
    assert _described(loaded, X) == _described(model, X)
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    np.testing.assert_array_equal(loaded.intercept_, model.intercept_)


# ------------------------------------------------ the trainers' Solution and its bound
def _standardized_distance(model, X, y):
    """Relative distance of the fit to the exact optimum in the trainers' standardized
    coordinates (numpy.linalg.lstsq on the standardized data as the reference)."""
    from linreg.solvers import LeastSquaresProblem
    from linreg.training import standardize

    Y = y.reshape(len(y), -1)
    problem = LeastSquaresProblem(X, Y, None, True, np.zeros(Y.shape[1]))
    sp = standardize(X, Y, None, True, problem.alpha, problem.get_moments())
    A = np.hstack([np.ones((len(X), 1)), sp.Z])
    exact = np.linalg.lstsq(A, sp.T, rcond=None)[0]  # (1 + p, k)
    coef, intercept = model.solution_.coef, model.solution_.intercept
    B = coef * sp.x_scale[None, :] / sp.y_scale[:, None]
    c = (intercept + coef @ sp.x_shift - sp.y_shift) / sp.y_scale
    theta = np.vstack([c[None, :], B.T])
    return np.linalg.norm(theta - exact) / np.linalg.norm(theta)


def test_trainer_stopped_at_max_iter_is_inaccurate_and_warns_once_naming_its_bound():
    """gd stopped early: status "inaccurate", one AccuracyWarning (also a
    ConvergenceWarning) naming max_iter, tol and the bound, and the bound holds."""
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data((N,), np.float64)
    X[:, 1] = X[:, 0] + 0.05 * X[:, 1]  # ill-conditioned: 5 epochs cannot certify 1e-9
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = linreg.LinearRegression(solver="gd", max_iter=5).fit(X, y)
    assert len(record) == 1, [str(r.message) for r in record]
    warning = record[0]
    assert issubclass(warning.category, linreg.AccuracyWarning)
    assert issubclass(warning.category, ConvergenceWarning)
    bound = model.solution_.error_estimate
    message = str(warning.message)
    assert "max_iter=5" in message and "tol=1e-09" in message and f"{bound:.2e}" in message
    assert model.solution_.status == "inaccurate" and model.solution_.message == message
    assert model.n_iter_ == 5 and len(model.history_["train_loss"]) == 5
    distance = _standardized_distance(model, X, y)
    assert 1e-9 < distance <= bound


def test_trainer_that_reaches_tol_is_ok_and_its_bound_holds():
    """Converged gd: status "ok", bound <= tol, and the true distance within the bound."""
    X, y = _data((N,), np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = linreg.LinearRegression(solver="gd", tol=1e-10).fit(X, y)
    solution = model.solution_
    assert solution.status == "ok" and solution.message == ""
    assert solution.error_estimate <= 1e-10
    assert _standardized_distance(model, X, y) <= solution.error_estimate


@pytest.mark.parametrize("max_iter", [15, 20_000])
def test_proximal_trainer_bound_holds_against_scikit_learn(max_iter):
    """The elastic net trained by proximal gradient: its Solution's bound covers the
    true distance to scikit-learn's tightly converged ElasticNet (standardized units);
    stopped at max_iter it is "inaccurate" with the gap named in its message."""
    from linreg.penalized.iterative import fit_enet_iterative
    from linreg.training import TrainingConfig

    X, y = _data((N,), np.float64)
    X[:, 1] = X[:, 0] + 0.3 * X[:, 1]
    alpha, l1_ratio = 0.05, 0.5
    ref = sklm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-15, max_iter=10**6).fit(X, y)
    config = TrainingConfig(max_iter=max_iter, tol=1e-10, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the max_iter stop warns (ConvergenceWarning)
        fit = fit_enet_iterative(
            X,
            y[:, None],
            None,
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=True,
            solver="gd",
            config=config,
        )
    solution = fit.to_solution("gd")
    from linreg.solvers import LeastSquaresProblem
    from linreg.training import standardize

    problem = LeastSquaresProblem(X, y[:, None], None, True, np.zeros(1))
    sp = standardize(X, y[:, None], None, True, 0.0, problem.get_moments())

    def standardized(coef, intercept):
        B = np.asarray(coef) * sp.x_scale / sp.y_scale[0]
        c = (intercept + np.asarray(coef) @ sp.x_shift - sp.y_shift[0]) / sp.y_scale[0]
        return np.r_[c, B]

    ours = standardized(solution.coef[0], solution.intercept[0])
    exact = standardized(ref.coef_, ref.intercept_)
    distance = np.linalg.norm(ours - exact) / np.linalg.norm(ours)
    assert distance <= solution.error_estimate + 1e-12
    if max_iter == 15:
        assert solution.status == "inaccurate" and "relative duality gap" in solution.message
        assert distance > 1e-6  # the bound is tested on a fit that is visibly off
    else:
        assert solution.status == "ok" and solution.error_estimate < 1e-3


@pytest.mark.parametrize("y_shape", Y_SHAPES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("cls", ROUTE_ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_route_has_the_numpy_routes_shapes(cls, y_shape, fit_intercept, dtype):
    """A torch tensor (Moments on its device) gives the NumPy fit's types and shapes."""
    torch = pytest.importorskip("torch")
    X, y = _data(y_shape, dtype)
    on_device = _fit_quietly(
        cls(fit_intercept=fit_intercept), torch.as_tensor(X), torch.as_tensor(y)
    )
    in_memory = _fit_quietly(cls(fit_intercept=fit_intercept), X, y)
    ours, ref = _described(on_device, X), _described(in_memory, X)
    assert ours == ref


def test_model_file_dtype_field_is_validated_and_optional(tmp_path):
    """A model file's "dtype" must be float64 or float32 (the error names the field);
    files written before the field existed load as float64."""
    import json

    X, y = _data((N,), np.float32)
    path = linreg.LinearRegression().fit(X, y).save(tmp_path / "m.json")
    doc = json.loads(path.read_text())
    assert doc["dtype"] == "float32"
    doc["dtype"] = "object"
    path.write_text(json.dumps(doc))
    with pytest.raises(linreg.ModelFileError, match="'dtype'"):
        linreg.load(path)
    del doc["dtype"]
    path.write_text(json.dumps(doc))
    assert linreg.load(path).coef_.dtype == np.float64


def test_model_file_cannot_set_coefficients_through_fitted(tmp_path):
    """coef_ and intercept_ are written only from "coef"/"intercept" (shape and dtype
    checked): a "fitted" entry naming them is refused, naming the attribute."""
    import json

    X, y = _data((N, 1), np.float32)
    model = _fit_quietly(linreg.Lasso(alpha=0.01), X, y)
    path = linreg.save(model, tmp_path / "m.json")
    doc = json.loads(path.read_text())
    assert "coef_" not in doc["fitted"] and "intercept_" not in doc["fitted"]
    for name in ("coef_", "intercept_"):
        bad = dict(doc, fitted=dict(doc["fitted"], **{name: [[1.0] * P]}))
        path.write_text(json.dumps(bad))
        with pytest.raises(linreg.ModelFileError, match=name):
            linreg.load(path)


def test_early_stopping_reports_the_bound_of_the_parameters_it_returns():
    """Early stopping restores the best validation epoch: the Solution's bound is
    ``||grad J|| / mu / ||theta||`` at those parameters (recomputed here with NumPy from
    the standardized data), and it covers the true distance to the optimum."""
    from linreg.solvers import LeastSquaresProblem
    from linreg.training import standardize

    rng = np.random.default_rng(3)
    n, p = 200, 6
    X = rng.standard_normal((n, p))
    X[:, 1] = X[:, 0] + 0.1 * X[:, 1]
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    Xv = rng.standard_normal((50, p))
    yv = Xv @ rng.standard_normal(p)  # another model: the validation loss soon rises
    model = linreg.LinearRegression(solver="gd", early_stopping=True, n_iter_no_change=5)
    model.fit(X, y, validation_data=(Xv, yv))
    solution = model.solution_
    assert solution.diagnostics["stopped"] == "early_stopping"
    problem = LeastSquaresProblem(X, y[:, None], None, True, np.zeros(1))
    sp = standardize(X, y[:, None], None, True, problem.alpha, problem.get_moments())
    coef = solution.coef
    B = coef * sp.x_scale[None, :] / sp.y_scale[:, None]
    c = (solution.intercept + coef @ sp.x_shift - sp.y_shift) / sp.y_scale
    r = sp.T - c - sp.Z @ B.T
    grad = np.r_[-r.sum(axis=0) / n, -(sp.Z.T @ r).ravel() / n]
    size = np.sqrt(np.sum(B**2) + np.sum(c**2))
    expected = np.linalg.norm(grad) / sp.strong_convexity / size
    np.testing.assert_allclose(solution.error_estimate, expected, rtol=1e-8)
    assert _standardized_distance(model, X, y) <= solution.error_estimate
