"""Iterative solvers (gd, autograd, torch) against the exact solvers.

Every trainer minimizes the same objective as the exact paths, so the reference is
always ``linreg.LinearRegression()`` / ``linreg.Ridge()`` with an exact solver (or the
answer constructed to be exact).  Iterative fits stop on a certified bound (``tol``)
well below the tolerance each assertion uses.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning

import linreg
from linreg import LinearRegression, Ridge
from linreg.solvers import LeastSquaresProblem
from linreg.training import DivergenceError, TrainingConfig, standardize

torch = pytest.importorskip("torch")

from linreg.training.torch_module import TorchTrainer  # noqa: E402

ITERATIVE = [
    ("gd", {}),
    ("autograd", {}),
    ("torch", {"optimizer": "sgd"}),
    ("torch", {"optimizer": "adam"}),
]
ALL_TORCH_OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "adamw", "lbfgs"]
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # These problems are tiny: intra-op threads only add latency, and with pytest-xdist
    # (or any other busy process) two threads per process oversubscribe the cores and
    # small matrix products wait a scheduler time slice each (~1000x slower).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fit(estimator, X, y, **fit_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return estimator.fit(X, y, **fit_kw)


def label(solver, kw):
    return solver + "".join(f"-{v}" for v in kw.values())


# --------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def seed_problem():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    return X, X @ np.array([10.0, 20.0])


@pytest.fixture(scope="module")
def multi_output():
    """Columns on very different scales and offsets, two targets, an intercept."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) * [1.0, 100.0, 0.01] + [5.0, -300.0, 0.1]
    B = np.array([[1.5, -2.0], [-0.02, 0.01], [300.0, -100.0]])
    Y = X @ B + [4.0, -1.0] + rng.normal(size=(200, 2))
    return X, Y


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


# --------------------------------------------------------------------------- seed 001
@pytest.mark.parametrize(("solver", "kw"), ITERATIVE, ids=[label(*c) for c in ITERATIVE])
def test_seed_problem_default_settings(seed_problem, solver, kw):
    X, y = seed_problem
    model = fit(LinearRegression(fit_intercept=False, solver=solver, **kw), X, y)
    assert_allclose(model.coef_, [10.0, 20.0], rtol=1e-6)
    assert model.intercept_ == 0.0
    assert model.n_iter_ <= 10_000
    assert model.solution_.status == "ok"


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adamw", "lbfgs"])
def test_seed_problem_other_optimizers(seed_problem, optimizer):
    X, y = seed_problem
    model = fit(LinearRegression(fit_intercept=False, solver="torch", optimizer=optimizer), X, y)
    assert_allclose(model.coef_, [10.0, 20.0], rtol=1e-6)
    assert model.n_iter_ <= 5_000


# --------------------------------------------------------------------------- agreement
MULTI = [*ITERATIVE, ("torch", {"optimizer": "lbfgs"})]


@pytest.mark.parametrize(("solver", "kw"), MULTI, ids=[label(*c) for c in MULTI])
def test_multi_output_agrees_with_exact(multi_output, solver, kw):
    X, Y = multi_output
    exact = LinearRegression().fit(X, Y)
    # The second intercept (~0.03) is small next to coef @ x_mean, so its relative
    # accuracy is ~100x the certified relative bound: tol 1e-12 for rtol 1e-6.
    model = fit(LinearRegression(solver=solver, tol=1e-12, **kw), X, Y)
    assert model.coef_.shape == (2, 3)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-6)


@pytest.mark.parametrize(("solver", "kw"), ITERATIVE, ids=[label(*c) for c in ITERATIVE])
def test_diabetes_agrees_with_exact(diabetes, solver, kw):
    X, y = diabetes
    exact = LinearRegression().fit(X, y)
    model = fit(LinearRegression(solver=solver, **kw), X, y)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-6)
    assert isinstance(model.intercept_, float)


@pytest.mark.parametrize("solver", ["gd", "torch"])
def test_ridge_diabetes_agrees_with_exact(diabetes, solver):
    X, y = diabetes
    exact = Ridge(alpha=1.0).fit(X, y)
    model = fit(Ridge(alpha=1.0, solver=solver), X, y)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-6)


@pytest.mark.parametrize("solver", ["gd", "torch"])
def test_sample_weight_agrees_with_exact(multi_output, solver):
    X, Y = multi_output
    w = np.random.default_rng(3).uniform(0.1, 5.0, size=X.shape[0])
    exact = LinearRegression().fit(X, Y, sample_weight=w)
    model = fit(LinearRegression(solver=solver, tol=1e-12), X, Y, sample_weight=w)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-6)


def test_autograd_ridge_with_weights_agrees_with_exact(multi_output):
    X, Y = multi_output
    w = np.random.default_rng(4).uniform(0.1, 5.0, size=X.shape[0])
    exact = Ridge(alpha=0.05).fit(X, Y, sample_weight=w)
    model = fit(Ridge(alpha=0.05, solver="autograd", tol=1e-12), X, Y, sample_weight=w)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-6)


# --------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("solver", ["gd", "autograd", "torch"])
def test_large_lr_raises_divergence_error(diabetes, solver):
    X, y = diabetes
    model = LinearRegression(solver=solver, lr=1e3)
    with pytest.raises(DivergenceError, match=r"epoch \d+ with lr=1000") as info:
        model.fit(X, y)
    message = str(info.value)
    assert "use lr=" in message and "lr=None" in message
    assert not hasattr(model, "coef_")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("solver", "optimizer"),
    [("gd", "sgd"), ("autograd", "sgd"), ("torch", "sgd"), ("torch", "adam")],
)
def test_overflowing_lr_raises_divergence_error_not_nan(diabetes, solver, optimizer):
    X, y = diabetes
    model = LinearRegression(solver=solver, optimizer=optimizer, lr=1e300)
    with pytest.raises(DivergenceError, match="diverged at epoch"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


# --------------------------------------------------------------------------- minibatches
def test_minibatch_reproducible_and_close(diabetes):
    """Plain minibatch gradients (``variance_reduction=False``, the tutorials' loop) are
    reproducible from the seed and stall at a noise floor (ConvergenceWarning)."""
    X, y = diabetes
    exact = LinearRegression().fit(X, y)
    kw = dict(
        solver="torch",
        optimizer="momentum",
        batch_size=32,
        random_state=0,
        lr_scheduler="cosine",
        max_iter=200,
        variance_reduction=False,
    )
    with pytest.warns(ConvergenceWarning):
        first = LinearRegression(**kw).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        second = LinearRegression(**kw).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)
    assert first.intercept_ == second.intercept_
    # Minibatch noise on this ill-conditioned problem (condition number of the
    # Hessian ~470) leaves the small coefficients a few percent off after 200 epochs;
    # the fit itself is as good as exact.
    rel = np.linalg.norm(first.coef_ - exact.coef_) / np.linalg.norm(exact.coef_)
    assert rel < 2e-2
    assert_allclose(first.intercept_, exact.intercept_, rtol=1e-2)
    mse = np.mean((y - first.predict(X)) ** 2)
    mse_exact = np.mean((y - exact.predict(X)) ** 2)
    assert mse_exact <= mse * (1 + 1e-9) and mse <= mse_exact * (1 + 1e-3)
    other = LinearRegression(**{**kw, "random_state": 1, "max_iter": 5})
    with pytest.warns(ConvergenceWarning):
        other.fit(X, y)
    first_5 = LinearRegression(**{**kw, "max_iter": 5})
    with pytest.warns(ConvergenceWarning):
        first_5.fit(X, y)
    assert not np.array_equal(other.coef_, first_5.coef_)


@pytest.mark.parametrize("solver,optimizer", [("gd", "sgd"), ("torch", "sgd"),
                                              ("torch", "momentum"), ("torch", "adam")])
@pytest.mark.parametrize("weighted", [False, True])
def test_variance_reduced_minibatches_certify(diabetes, solver, optimizer, weighted):
    """With the control variate (the default) minibatch training reaches the certified
    tol, and the bound holds against the exact solution (numpy lstsq)."""
    X, y = diabetes
    w = np.random.default_rng(5).uniform(0.2, 3.0, len(y)) if weighted else None
    A = np.column_stack([np.ones(len(y)), X])
    root = np.ones(len(y)) if w is None else np.sqrt(w)
    ref = np.linalg.lstsq(A * root[:, None], y * root, rcond=None)[0]
    model = LinearRegression(solver=solver, optimizer=optimizer, batch_size=64,
                             random_state=0, tol=1e-7, max_iter=20_000)  # fmt: skip
    model.fit(X, y, sample_weight=w)
    assert model.solution_.status == "ok"
    assert model.solution_.error_estimate <= 1e-7
    rel = np.linalg.norm(model.coef_ - ref[1:]) / np.linalg.norm(ref[1:])
    # the certificate is on the standardized coordinates: the raw coefficients' error
    # is within the scales' ratio of it (diabetes' columns have equal scales)
    assert rel <= 1e-5


@pytest.mark.parametrize("scheduler", ["plateau", "cosine", "step"])
def test_schedulers_run(multi_output, scheduler):
    X, Y = multi_output
    exact = LinearRegression().fit(X, Y)
    model = fit(LinearRegression(solver="torch", lr_scheduler=scheduler, max_iter=2000), X, Y)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)


# --------------------------------------------------------------------------- dtype, device
def standardized(X, y, fit_intercept=True, alpha=0.0):
    Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
    problem = LeastSquaresProblem(X, Y, None, fit_intercept, np.full(Y.shape[1], alpha))
    return standardize(
        X, Y, None, fit_intercept, problem.alpha, problem.get_moments(), dtype=X.dtype
    )


def test_float32_trains_in_float32(multi_output):
    X, Y = multi_output
    X32 = X.astype(np.float32)
    sp = standardized(X32, Y)
    trainer = TorchTrainer(sp, TrainingConfig(device="cpu"))
    assert trainer.model.linear.weight.dtype == torch.float32
    assert trainer.Z.dtype == torch.float32
    coef, intercept = trainer.parameters()
    assert coef.dtype == np.float64 and intercept.dtype == np.float64

    exact = LinearRegression().fit(X32.astype(np.float64), Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # float32's default tol is reachable
        model = fit(LinearRegression(solver="torch"), X32, Y)
    # scikit-learn's dtype rule: float32 X, float32 coef_ (solution_ keeps float64)
    assert isinstance(model.coef_, np.ndarray) and model.coef_.dtype == np.float32
    assert model.intercept_.dtype == np.float32
    assert model.solution_.coef.dtype == np.float64
    assert_allclose(model.coef_, exact.coef_, rtol=1e-4)


def test_float64_trains_in_float64(diabetes):
    X, y = diabetes
    trainer = TorchTrainer(standardized(X, y), TrainingConfig(device="cpu"))
    assert trainer.model.linear.weight.dtype == torch.float64
    assert trainer.model.linear.bias is not None
    trainer = TorchTrainer(standardized(X, y, fit_intercept=False), TrainingConfig(device="cpu"))
    assert trainer.model.linear.bias is None


def test_reported_gradient_is_the_exact_full_batch_gradient(diabetes):
    """full_gradient() matches J's analytic gradient (NumPy), minibatches or not."""
    X, y = diabetes
    sp = standardized(X, y, alpha=5.0)
    w = np.random.default_rng(0).uniform(0.5, 1.5, size=X.shape[0])
    sp.w = w / w.mean()
    config = TrainingConfig(device="cpu", batch_size=50, random_state=0)
    trainer = TorchTrainer(sp, config)
    for _ in range(3):
        trainer.run_epoch()
    coef, intercept = trainer.parameters()
    r = sp.T - intercept - sp.Z @ coef.T
    wr = sp.w[:, None] * r
    n = sp.n_samples
    grad_b = -(sp.Z.T @ wr) / n + sp.penalty[:, None] * coef.T
    grad_c = -wr.sum(axis=0) / n
    mse, norm = trainer.full_gradient()
    assert_allclose(mse, np.einsum("ik,ik->k", r, wr) / n, rtol=1e-12)
    assert_allclose(norm, np.sqrt(np.sum(grad_b**2) + np.sum(grad_c**2)), rtol=1e-10)


@CUDA
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "lbfgs"])
def test_cuda_matches_cpu(diabetes, optimizer):
    X, y = diabetes
    cpu = fit(LinearRegression(solver="torch", optimizer=optimizer, device="cpu"), X, y)
    gpu = fit(LinearRegression(solver="torch", optimizer=optimizer, device="cuda"), X, y)
    assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-6)
    assert_allclose(gpu.intercept_, cpu.intercept_, rtol=1e-6)
    assert gpu.coef_.dtype == np.float64


@CUDA
def test_cuda_autograd_and_minibatch(diabetes):
    X, y = diabetes
    exact = LinearRegression().fit(X, y)
    model = fit(LinearRegression(solver="autograd", device="cuda"), X, y)
    assert_allclose(model.coef_, exact.coef_, rtol=1e-6)
    kw = dict(solver="torch", device="cuda", batch_size=64, random_state=0, max_iter=20)
    with pytest.warns(ConvergenceWarning):
        first = LinearRegression(**kw).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        second = LinearRegression(**kw).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")
def test_cuda_unavailable_is_a_clear_error(seed_problem):
    X, y = seed_problem
    with pytest.raises(ValueError, match="CUDA is not available"):
        LinearRegression(solver="torch", device="cuda").fit(X, y)


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("kw", "match"),
    [
        # scikit-learn's InvalidParameterError (linreg's constraints of its own options)
        ({"solver": "torch", "optimizer": "rmsprop"}, "'optimizer' parameter of .* must be a str"),
        ({"solver": "torch", "lr_scheduler": "linear"}, "'lr_scheduler' parameter of"),
        ({"solver": "torch", "device": "tpu"}, "device must be one of"),
        ({"solver": "autograd", "device": "tpu"}, "device must be one of"),
        ({"solver": "torch", "batch_size": 0}, r"'batch_size' parameter of .* range \[1, inf\)"),
        ({"solver": "torch", "optimizer": "lbfgs", "batch_size": 2}, "full-batch"),
        ({"solver": "autograd", "optimizer": "adam"}, "needs solver='torch'"),
    ],
)
def test_invalid_options(seed_problem, kw, match):
    X, y = seed_problem
    with pytest.raises(ValueError, match=match):
        LinearRegression(fit_intercept=False, **kw).fit(X, y)


def test_adamw_has_no_weight_decay_by_default(seed_problem):
    X, y = seed_problem
    sp = standardized(X, y, fit_intercept=False)
    trainer = TorchTrainer(sp, TrainingConfig(optimizer="adamw", device="cpu"))
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.0


def test_validation_history_and_early_stopping(diabetes):
    X, y = diabetes
    X_train, y_train, X_val, y_val = X[:60], y[:60], X[60:], y[60:]
    with pytest.warns(ConvergenceWarning):
        model = LinearRegression(solver="torch", max_iter=30).fit(
            X_train, y_train, validation_data=(X_val, y_val)
        )
    history = model.history_
    assert len(history["val_loss"]) == len(history["train_loss"]) == model.n_iter_ == 30
    assert all(np.isfinite(history["val_loss"]))
    # The first epoch's validation loss is that of the first step's parameters.
    assert history["val_loss"][-1] < history["val_loss"][0]

    stopped = fit(
        LinearRegression(solver="torch", early_stopping=True, n_iter_no_change=10),
        X_train,
        y_train,
        validation_data=(X_val, y_val),
    )
    assert stopped.n_iter_ < 100_000
    assert len(stopped.history_["val_loss"]) == stopped.n_iter_
    best = min(stopped.history_["val_loss"])
    pred = stopped.predict(X_val)
    assert_allclose(np.mean((y_val - pred) ** 2), best, rtol=1e-9)


def test_import_linreg_does_not_import_torch():
    code = (
        "import sys, numpy as np, linreg\n"
        "X = np.array([[1., 2.], [3., 4.], [5., 6.]]); y = X @ [10., 20.]\n"
        "linreg.LinearRegression(solver='gd', fit_intercept=False).fit(X, y)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_trainers_registered():
    assert {"gd", "autograd", "torch"} <= set(linreg.training.TRAINERS)


def test_iterative_solvers_reject_per_target_alphas():
    X = np.random.default_rng(0).normal(size=(50, 3))
    Y = np.column_stack([X @ [1.0, 2.0, 3.0], X @ [3.0, 2.0, 1.0]])
    with pytest.raises(ValueError, match="one alpha for all targets"):
        linreg.Ridge(alpha=[1.0, 2.0], solver="gd").fit(X, Y)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
@pytest.mark.parametrize("batch_size", [8, 40])
def test_small_variance_reduced_minibatches_do_not_diverge(optimizer, batch_size):
    """The automatic step of small variance-reduced minibatches (1/L diverged here for
    momentum at 8 and 40 rows): training reaches tol; lstsq is the reference."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.0, 5.0, -3.0, 10.0]
    y = X @ rng.normal(size=4) + 2.0 + rng.normal(size=600)
    model = LinearRegression(solver="torch", optimizer=optimizer, batch_size=batch_size,
                             random_state=0, max_iter=3000).fit(X, y)  # fmt: skip
    ref = np.linalg.lstsq(np.column_stack([np.ones(600), X]), y, rcond=None)[0]
    assert model.solution_.status == "ok"
    assert_allclose(model.coef_, ref[1:], rtol=1e-6)
