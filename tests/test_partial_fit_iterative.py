"""partial_fit of the iterative trainers (gd, autograd, torch): one epoch per call.

References, all independent of linreg's numbers: numpy ``lstsq`` on the rows seen (the
augmented system for Ridge), the weighted means and standard deviations of the rows
seen computed by numpy (the coordinates the certificate is stated in) and of the first
batch (the trainer's), ``fit`` with the same trainer and ``max_iter`` epochs (the same
start), a hand-written torch loop with ``torch.optim.Adam`` on the same standardized
batches, and scikit-learn's ``SGDRegressor.partial_fit`` for the API's behaviour.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import SGDRegressor

from linreg import LinearRegression, Ridge
from linreg.training import DivergenceError

torch = pytest.importorskip("torch")

P = 4


def _data(n, seed=0, noise=1.0, n_targets=1):
    """Well-conditioned columns with offsets and different scales, weights in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P)) * [1.0, 2.0, 0.5, 3.0] + [0.0, 5.0, -3.0, 10.0]
    Y = X @ rng.normal(size=(P, n_targets)) + 2.0 + noise * rng.normal(size=(n, n_targets))
    w = rng.uniform(0.5, 2.0, size=n)
    return X, (Y[:, 0] if n_targets == 1 else Y), w


def _lstsq(X, y, w=None, alpha=0.0, fit_intercept=True):
    """Weighted (ridge) least squares by numpy lstsq: (coef (p,), intercept)."""
    w = np.ones(len(y)) if w is None else w
    A = np.column_stack([X, np.ones(len(y))]) if fit_intercept else X
    rows, rhs = np.sqrt(w)[:, None] * A, np.sqrt(w) * y
    if alpha:
        pen = np.sqrt(alpha) * np.eye(X.shape[1], A.shape[1])  # the intercept unpenalized
        rows, rhs = np.vstack([rows, pen]), np.concatenate([rhs, np.zeros(X.shape[1])])
    sol = np.linalg.lstsq(rows, rhs, rcond=None)[0]
    return sol[: X.shape[1]], (sol[-1] if fit_intercept else 0.0)


def _coordinates(X1, y1, w1, fit_intercept=True):
    """Weighted means (zero without an intercept) and root mean squares about them
    (numpy): the standardized coordinates of these rows."""
    w1 = np.ones(len(y1)) if w1 is None else w1
    if fit_intercept:
        mx, my = np.average(X1, axis=0, weights=w1), np.average(y1, weights=w1)
    else:
        mx, my = np.zeros(X1.shape[1]), 0.0
    sx = np.sqrt(np.average((X1 - mx) ** 2, axis=0, weights=w1))
    sy = np.sqrt(np.average((y1 - my) ** 2, weights=w1))
    return mx, sx, my, sy


def _relative_distance(coords, coef, intercept, ref_coef, ref_intercept):
    """||theta - theta*|| / ||theta|| in the standardized coordinates ``coords``."""
    mx, sx, my, sy = coords

    def theta(b, c):
        return np.concatenate([b * sx / sy, [(c - my + b @ mx) / sy]])

    mine = theta(np.asarray(coef, float), float(intercept))
    return np.linalg.norm(mine - theta(ref_coef, ref_intercept)) / np.linalg.norm(mine)


def _batches(n, size):
    return [slice(lo, lo + size) for lo in range(0, n, size)]


# ------------------------------------------------------------------ convergence, certificate
@pytest.mark.parametrize(
    "make",
    [
        lambda: LinearRegression(solver="gd"),
        lambda: LinearRegression(solver="autograd"),
        lambda: LinearRegression(solver="torch", batch_size=40, random_state=0, device="cpu"),
    ],
    ids=["gd", "autograd", "torch-sgd-minibatch"],
)
def test_batches_converge_to_lstsq_with_an_honest_bound(make):
    """Noise-free data (every batch has the same optimum): after many calls coef_ is
    numpy lstsq's on all rows, the reported bound reaches 1e-9 and bounds the actual
    relative distance in the coordinates of the rows seen (with their multiplicity)
    at every call."""
    X, y, w = _data(600, noise=0.0)
    model = make()
    ref = _lstsq(X, y, w)
    bounds = []
    seen = np.zeros(600)
    for epoch in range(40):
        for rows in _batches(600, 150):
            assert model.partial_fit(X[rows], y[rows], sample_weight=w[rows]) is model
            seen[rows] += 1
            keep = seen > 0
            coords = _coordinates(X[keep], y[keep], (w * seen)[keep])
            actual = _relative_distance(coords, model.coef_, model.intercept_, *ref)
            assert actual <= model.solution_.error_estimate
        bounds.append(model.solution_.error_estimate)
        if bounds[-1] <= 1e-9:
            break
    assert bounds[-1] <= 1e-9, bounds[-5:]
    np.testing.assert_allclose(model.coef_, ref[0], rtol=1e-8)
    np.testing.assert_allclose(model.intercept_, ref[1], rtol=1e-8)
    assert model.solution_.status == "ok"
    assert model.history_["error_bound"][-1] == model.solution_.error_estimate
    assert len(model.history_["train_loss"]) == model.n_iter_ == 4 * len(bounds)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    size=st.integers(5, 80),
    alpha=st.sampled_from([0.0, 3.0, 300.0]),
    fit_intercept=st.booleans(),
)
def test_bound_holds_at_every_call_on_noisy_data(seed, size, alpha, fit_intercept):
    """Noisy batches (each with its own optimum): the bound of every call bounds the
    actual distance to the ridge solution of all the rows seen (lstsq on the augmented
    system), and train_loss is their weighted MSE (numpy)."""
    X, y, w = _data(160, seed=seed)
    model = Ridge(alpha=alpha, solver="gd", fit_intercept=fit_intercept)
    for rows in _batches(160, size):
        model.partial_fit(X[rows], y[rows], sample_weight=w[rows])
        seen = slice(0, rows.stop)
        coords = _coordinates(X[seen], y[seen], w[seen], fit_intercept)
        ref = _lstsq(X[seen], y[seen], w[seen], alpha, fit_intercept)
        actual = _relative_distance(coords, model.coef_, model.intercept_, *ref)
        assert actual <= model.solution_.error_estimate
        resid = y[seen] - X[seen] @ model.coef_ - model.intercept_
        mse = np.average(resid**2, weights=w[seen])
        np.testing.assert_allclose(model.history_["train_loss"][-1], mse, rtol=1e-9)


def test_ridge_penalty_of_the_rows_seen():
    """The full data passed three times is three copies of every row: the optimum is
    lstsq on the augmented system of the rows stacked three times (alpha once).
    L-BFGS reaches it with a bound below 1e-9."""
    X, y, w = _data(200, seed=3)
    model = Ridge(alpha=50.0, solver="torch", optimizer="lbfgs", device="cpu")
    for _ in range(3):
        model.partial_fit(X, y, sample_weight=w)
    ref = _lstsq(np.vstack([X] * 3), np.concatenate([y] * 3), np.concatenate([w] * 3), 50.0)
    assert model.solution_.error_estimate <= 1e-9
    np.testing.assert_allclose(model.coef_, ref[0], rtol=1e-8)
    np.testing.assert_allclose(model.intercept_, ref[1], rtol=1e-8)
    once = _lstsq(X, y, w, 50.0)  # the penalty is not that of one copy of the rows
    assert np.max(np.abs(model.coef_ - once[0])) > 1e-3


# ------------------------------------------------------------------ the same epochs as fit
def _fit_epochs(model, X, y, w, epochs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the epoch cap warns
        return model.set_params(max_iter=epochs).fit(X, y, sample_weight=w)


@pytest.mark.parametrize(
    "make",
    [
        lambda: LinearRegression(solver="gd"),
        lambda: Ridge(alpha=3.0, solver="gd"),
        lambda: LinearRegression(solver="autograd", device="cpu"),
        lambda: Ridge(alpha=3.0, solver="torch", optimizer="adam", batch_size=64,
                      random_state=1, device="cpu"),
    ],
    ids=["gd", "ridge-gd", "autograd", "ridge-torch-adam"],
)
def test_one_call_on_all_rows_is_one_epoch_of_fit(make):
    """partial_fit on the full data once equals fit with max_iter=1 (same trainer, same
    start) to 1e-12."""
    X, y, w = _data(300, seed=5, n_targets=2)
    model = make().partial_fit(X, y, sample_weight=w)
    ref = _fit_epochs(make(), X, y, w, 1)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-12, atol=1e-14)
    assert model.n_iter_ == 1


@pytest.mark.parametrize(
    "options",
    [
        {"solver": "gd"},
        {"solver": "gd", "batch_size": 64, "random_state": 3},
        {"solver": "torch", "optimizer": "adam", "batch_size": 64, "random_state": 3,
         "device": "cpu"},
        {"solver": "torch", "optimizer": "momentum", "lr_scheduler": "step", "device": "cpu"},
    ],
    ids=["gd", "gd-minibatch", "torch-adam-minibatch", "torch-momentum-step"],
)
def test_calls_on_all_rows_are_the_epochs_of_fit(options):
    """Least squares (penalty-free: repeated rows keep the optimum): 12 calls on all the
    rows equal fit with max_iter=12 (tol=0: all 12 epochs) to 1e-12, which needs the
    optimizer's, scheduler's and shuffling generator's state kept between calls."""
    X, y, w = _data(300, seed=6)
    model = LinearRegression(tol=0.0, max_iter=12, **options)
    for _ in range(12):
        model.partial_fit(X, y, sample_weight=w)
    ref = _fit_epochs(LinearRegression(tol=0.0, **options), X, y, w, 12)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-12)
    assert model.n_iter_ == ref.n_iter_ == 12


def test_partial_fit_after_fit_continues_from_its_parameters():
    """fit for 8 epochs, then 4 calls on the same rows: fit with 12 epochs (gd keeps no
    other state), with a history of the 4 calls."""
    X, y, w = _data(300, seed=6)
    ref = _fit_epochs(LinearRegression(solver="gd", tol=0.0), X, y, w, 12)
    continued = _fit_epochs(LinearRegression(solver="gd", tol=0.0), X, y, w, 8)
    for _ in range(4):
        continued.partial_fit(X, y, sample_weight=w)
    np.testing.assert_allclose(continued.coef_, ref.coef_, rtol=1e-11)
    np.testing.assert_allclose(continued.intercept_, ref.intercept_, rtol=1e-11)
    assert continued.n_iter_ == 12 and len(continued.history_["train_loss"]) == 4


# ------------------------------------------------------------------ torch's state
def _hand_adam(batches, lr, batch_size, seed, restart_each_call=False):
    """nn.Linear + torch.optim.Adam by hand on the batches standardized with the first
    batch's mean and standard deviation (numpy); coef and intercept in user units."""
    X1, y1 = batches[0]
    mx, sx, my, sy = _coordinates(X1, y1, None)
    lin = torch.nn.Linear(P, 1, dtype=torch.float64)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    generator = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(lin.parameters(), lr=lr)
    for X, y in batches:
        if restart_each_call:
            opt = torch.optim.Adam(lin.parameters(), lr=lr)
        Z = torch.as_tensor((X - mx) / sx)
        T = torch.as_tensor((y - my) / sy)[:, None]
        perm = torch.randperm(len(y), generator=generator)
        for lo in range(0, len(y), batch_size):
            idx = perm[lo : lo + batch_size]
            opt.zero_grad()
            loss = 0.5 * ((lin(Z[idx]) - T[idx]) ** 2).mean(dim=0).sum()
            loss.backward()
            opt.step()
    W = lin.weight.detach().numpy()[0]
    coef = W * sy / sx
    return coef, my + sy * float(lin.bias.detach()[0]) - coef @ mx


def test_torch_adam_keeps_its_state_between_calls():
    """Three calls of minibatch Adam (plain minibatch gradients) equal a hand-written
    torch loop that keeps one Adam (and one shuffling generator) over the three
    batches, to 1e-10; a loop whose Adam restarts at each call differs."""
    X, y, _ = _data(300, seed=8)
    batches = [(X[rows], y[rows]) for rows in _batches(300, 100)]
    model = LinearRegression(
        solver="torch", optimizer="adam", lr=0.05, batch_size=32, random_state=4, device="cpu",
        variance_reduction=False,
    )
    for Xb, yb in batches:
        model.partial_fit(Xb, yb)
    coef, intercept = _hand_adam(batches, 0.05, 32, 4)
    np.testing.assert_allclose(model.coef_, coef, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=1e-10, atol=1e-12)
    fresh = _hand_adam(batches, 0.05, 32, 4, restart_each_call=True)
    assert np.max(np.abs(model.coef_ - fresh[0])) > 1e-6


def test_pickled_model_resumes_with_its_optimizer_state():
    """A pickled model's next call equals the original's next call (Adam's moments,
    the scheduler and the generator travel with it)."""
    X, y, _ = _data(300, seed=9)
    model = LinearRegression(solver="torch", optimizer="adam", batch_size=50, random_state=2,
                             lr_scheduler="step", device="cpu")
    model.partial_fit(X[:150], y[:150])
    copy = pickle.loads(pickle.dumps(model))
    model.partial_fit(X[150:], y[150:])
    copy.partial_fit(X[150:], y[150:])
    np.testing.assert_array_equal(copy.coef_, model.coef_)
    restarted = pickle.loads(pickle.dumps(model)).set_params(lr=0.01)  # a new optimizer
    assert restarted.partial_fit(X[:10], y[:10]).n_iter_ == 3


# ------------------------------------------------------------------ the API, the errors
def test_api_behaves_as_sgdregressors_partial_fit():
    """Returns self, sets n_features_in_ and feature_names_in_, coef_ (n_features,) for a
    1-D y, ValueError for a different number of features, as SGDRegressor."""
    X, y, _ = _data(100, seed=1)
    frame = pd.DataFrame(X, columns=list("abcd"))
    ours, theirs = LinearRegression(solver="gd"), SGDRegressor()
    assert ours.partial_fit(frame, y) is ours and theirs.partial_fit(frame, y) is theirs
    assert ours.n_features_in_ == theirs.n_features_in_ == P
    assert list(ours.feature_names_in_) == list(theirs.feature_names_in_)
    assert ours.coef_.shape == theirs.coef_.shape == (P,)
    for est in (ours, theirs):
        with pytest.raises(ValueError, match="X has 3 features, but .* expecting 4"):
            with pytest.warns(UserWarning, match="does not have valid feature names"):
                est.partial_fit(X[:, :3], y)
        with pytest.raises(ValueError, match="feature names"):
            est.partial_fit(frame.rename(columns={"a": "z"}), y)


def test_errors_name_the_mismatch_and_leave_the_model_unchanged():
    X, y, w = _data(100, seed=2)
    model = LinearRegression(solver="gd").partial_fit(X, y)
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="y has 2 target.*fitted on 1"):
        model.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="fit_intercept changed"):
        model.set_params(fit_intercept=False).partial_fit(X, y)
    model.set_params(fit_intercept=True)
    with pytest.raises(ValueError, match="different numbers of rows"):
        model.partial_fit(X, y[:-1])
    with pytest.raises(ValueError, match="one alpha for all targets"):
        Ridge(alpha=[1.0, 2.0], solver="gd").partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(DivergenceError, match="partial_fit diverged at epoch 2"):
        model.set_params(lr=1e4).partial_fit(X, y)
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.n_iter_ == 1


def test_float32_and_fit_starts_over():
    """float32 X gives float32 coef_ (as fit); fit drops the partial state: the next
    call continues from fit, with a new history."""
    X, y, _ = _data(200, seed=4)
    X32 = X.astype(np.float32)
    model = LinearRegression(solver="gd").partial_fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert model.predict(X32).dtype == np.float32
    for _ in range(3):
        model.partial_fit(X, y)
    assert model.n_iter_ == 4 and model.coef_.dtype == np.float64
    _fit_epochs(model, X, y, None, 7)
    model.partial_fit(X, y)
    assert model.n_iter_ == 8 and len(model.history_["error_bound"]) == 1


def test_summary_asks_for_the_rows():
    """partial_fit keeps the Moments, not the rows: summary() says to pass them (as the
    exact partial_fit), and takes them."""
    X, y, _ = _data(200, seed=7)
    model = LinearRegression(solver="gd").partial_fit(X[:100], y[:100])
    model.partial_fit(X[100:], y[100:])
    with pytest.raises(ValueError, match="partial_fit.*pass X=, y="):
        model.summary()
    assert len(model.summary(X=X, y=y).params) == P + 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_calls_equal_cpu_calls_and_resume_after_pickling():
    """On CUDA (float64) the calls equal the CPU's to 1e-10; the optimizer state, kept on
    the CPU, resumes on the device after pickling."""
    X, y, _ = _data(300, seed=10)
    options = {"solver": "torch", "optimizer": "adam", "batch_size": 64, "random_state": 5}
    cpu = LinearRegression(device="cpu", **options)
    gpu = LinearRegression(device="cuda", **options)
    for rows in _batches(300, 100):
        cpu.partial_fit(X[rows], y[rows])
        gpu = pickle.loads(pickle.dumps(gpu.partial_fit(X[rows], y[rows])))
    np.testing.assert_allclose(gpu.coef_, cpu.coef_, rtol=1e-10, atol=1e-12)
