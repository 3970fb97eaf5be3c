"""Exact fits of torch tensors: Moments on the tensor's device, the solve on the host.

The same torch code runs on "cpu" (always tested) and "cuda" (the CUDA class skips
when no GPU is visible).  Every fit is compared with the NumPy fit of the same values
(float32 tensors with the NumPy fit of the same float32 values) and with scikit-learn.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk

from linreg import LinearRegression, Moments, Ridge
from linreg.sources.device_moments import moments_on_device

torch = pytest.importorskip("torch")

CUDA_AVAILABLE = torch.cuda.is_available()


def make_data(n=2000, p=5, k=2, offset=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, p)
    X[:, 1] += offset
    Y = X @ rng.normal(size=(p, k)) + rng.normal(size=(n, k)) + 4.0
    w = rng.uniform(0.0, 3.0, n)
    return X, Y, w


def assert_same_fit(a, b, rtol=1e-10):
    scale = np.abs(np.asarray(a.coef_)).max()
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(b.intercept_, a.intercept_, rtol=rtol, atol=rtol * scale)


class DeviceChecks:
    device = "cpu"

    def t(self, a):
        return None if a is None else torch.as_tensor(a, device=self.device)

    # ------------------------------------------------------------- Moments
    @pytest.mark.parametrize("weighted", [False, True])
    @pytest.mark.parametrize("offset", [0.0, 1e6])
    @pytest.mark.parametrize("chunk_rows", [None, 333])
    def test_moments_equal_host_moments(self, weighted, offset, chunk_rows):
        X, Y, w = make_data(offset=offset)
        w = w if weighted else None
        ref = Moments.from_arrays(X, Y, w)
        m = moments_on_device(self.t(X), self.t(Y), self.t(w), chunk_rows=chunk_rows)
        assert m.n_samples == ref.n_samples
        np.testing.assert_allclose(m.weight_sum, ref.weight_sum, rtol=1e-13)
        np.testing.assert_allclose(m.mean, ref.mean, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(m.cross, ref.cross, rtol=1e-11, atol=1e-11 * ref.cross.max())

    def test_moments_of_numpy_sent_to_the_device(self):
        X, Y, w = make_data(offset=1e6)
        ref = Moments.from_arrays(X, Y, w)
        m = moments_on_device(X, Y, w, chunk_rows=500, device=self.device)
        np.testing.assert_allclose(m.cross, ref.cross, rtol=1e-11, atol=1e-11 * ref.cross.max())

    # ------------------------------------------------------------ estimators
    @pytest.mark.parametrize("offset", [0.0, 1e6])
    @pytest.mark.parametrize("weighted", [False, True])
    @pytest.mark.parametrize("targets", [1, 3])
    @pytest.mark.parametrize(
        "make", [lambda: LinearRegression(), lambda: Ridge(alpha=2.5)], ids=["ols", "ridge"]
    )
    def test_fit_equals_numpy_fit(self, make, targets, weighted, offset):
        X, Y, w = make_data(k=targets, offset=offset)
        y = Y[:, 0] if targets == 1 else Y
        w = w if weighted else None
        ref = make().fit(X, y, sample_weight=w)
        got = make().fit(self.t(X), self.t(y), sample_weight=self.t(w))
        assert_same_fit(ref, got)
        assert np.shape(got.coef_) == np.shape(ref.coef_)
        assert got.n_features_in_ == X.shape[1]

    def test_float32_equals_numpy_fit_of_the_same_values(self):
        X, Y, w = make_data(offset=1e3)
        X32, y32 = X.astype(np.float32), Y[:, 0].astype(np.float32)
        ref = LinearRegression().fit(X32, y32, sample_weight=w)
        got = LinearRegression().fit(self.t(X32), self.t(y32), sample_weight=self.t(w))
        assert_same_fit(ref, got)

    def test_agrees_with_scikit_learn(self):
        X, Y, w = make_data(k=2, offset=1e6)
        ref = sk.LinearRegression().fit(X, Y, sample_weight=w)
        got = LinearRegression().fit(self.t(X), self.t(Y), sample_weight=self.t(w))
        assert_same_fit(ref, got, rtol=1e-7)  # scikit-learn's lstsq on the offset data

    def test_y_as_numpy_with_tensor_x(self):
        X, Y, _ = make_data()
        ref = LinearRegression().fit(X, Y[:, 0])
        assert_same_fit(ref, LinearRegression().fit(self.t(X), Y[:, 0]))

    @pytest.mark.parametrize("cov_type", ["nonrobust", "HC1", "HC3"])
    @pytest.mark.parametrize("weighted", [False, True])
    def test_summary_equals_numpy_summary(self, cov_type, weighted):
        X, Y, w = make_data()
        w = w if weighted else None
        ref = LinearRegression().fit(X, Y[:, 0], sample_weight=w).summary(cov_type)
        got = LinearRegression().fit(self.t(X), self.t(Y[:, 0]), sample_weight=self.t(w))
        s = got.summary(cov_type)
        np.testing.assert_allclose(s.params, ref.params, rtol=1e-10)
        np.testing.assert_allclose(s.bse, ref.bse, rtol=1e-10)
        for name in ("rsquared", "fvalue", "llf", "df_resid"):
            np.testing.assert_allclose(getattr(s, name), getattr(ref, name), rtol=1e-10)

    def test_ridge_summary_equals_numpy_summary(self):
        X, Y, _ = make_data()
        ref = Ridge(alpha=4.0).fit(X, Y[:, 0]).summary()
        s = Ridge(alpha=4.0).fit(self.t(X), self.t(Y[:, 0])).summary()
        np.testing.assert_allclose(s.bse, ref.bse, rtol=1e-10)

    def test_predict_tensor_returns_numpy_equal_to_numpy_predict(self):
        X, Y, _ = make_data(k=2)
        for y in (Y[:, 0], Y):
            model = LinearRegression().fit(self.t(X), self.t(y))
            got = model.predict(self.t(X[:50]))
            assert isinstance(got, np.ndarray)
            np.testing.assert_allclose(got, model.predict(X[:50]), rtol=1e-12)
        model = LinearRegression().fit(self.t(X), self.t(Y[:, 0]))
        np.testing.assert_allclose(
            model.predict(self.t(X[:5]), interval="prediction"),
            model.predict(X[:5], interval="prediction"),
            rtol=1e-12,
        )

    def test_iterative_solver_takes_tensors(self):
        X, Y, _ = make_data()
        ref = LinearRegression().fit(X, Y[:, 0])
        got = LinearRegression(solver="gd", tol=1e-12).fit(self.t(X), self.t(Y[:, 0]))
        assert_same_fit(ref, got, rtol=1e-7)

    # ------------------------------------------------------------- bad input
    def test_nan_is_located(self):
        X, Y, _ = make_data()
        X[1234, 3] = np.nan
        with pytest.raises(ValueError, match=r"X contains NaN in column 3, first at row 1234"):
            LinearRegression().fit(self.t(X), self.t(Y[:, 0]))

    def test_overflow_is_named(self):
        X, Y, _ = make_data()
        X[7, 2] = 1e200
        with pytest.raises(ValueError, match="too large to square"):
            LinearRegression().fit(self.t(X), self.t(Y[:, 0]))

    def test_shape_and_weight_errors(self):
        X, Y, w = make_data()
        with pytest.raises(ValueError, match="different numbers of rows"):
            LinearRegression().fit(self.t(X), self.t(Y[:-1, 0]))
        with pytest.raises(ValueError, match="2D"):
            LinearRegression().fit(self.t(X[:, 0]), self.t(Y[:, 0]))
        w[5] = -1.0
        with pytest.raises(ValueError, match="sample_weight is negative .* at row 5"):
            LinearRegression().fit(self.t(X), self.t(Y[:, 0]), sample_weight=self.t(w))
        with pytest.raises(ValueError, match="sums to zero"):
            LinearRegression().fit(
                self.t(X), self.t(Y[:, 0]), sample_weight=self.t(np.zeros(len(X)))
            )


class TestCPU(DeviceChecks):
    device = "cpu"

    def test_numpy_input_stays_on_the_host_path(self):
        X, Y, _ = make_data()
        for device in ("auto", "cpu"):
            model = LinearRegression(device=device).fit(X, Y[:, 0])
            assert not hasattr(model, "_source")

    @pytest.mark.skipif(CUDA_AVAILABLE, reason="checks the error without CUDA")
    def test_numpy_with_cuda_device_explains_when_absent(self):
        X, Y, _ = make_data()
        with pytest.raises(ValueError, match="CUDA is not available"):
            LinearRegression(device="cuda").fit(X, Y[:, 0])


@pytest.mark.skipif(not CUDA_AVAILABLE, reason="CUDA is not available")
class TestCUDA(DeviceChecks):
    device = "cuda"

    def test_numpy_with_cuda_device_equals_host_fit(self):
        X, Y, w = make_data(offset=1e6)
        ref = LinearRegression().fit(X, Y, sample_weight=w)
        got = LinearRegression(device="cuda").fit(X, Y, sample_weight=w)
        assert got._source.device.type == "cuda"
        assert_same_fit(ref, got)


def test_fitting_numpy_does_not_import_torch():
    code = (
        "import sys, numpy as np, linreg\n"
        "X = np.random.default_rng(0).normal(size=(50, 3))\n"
        "m = linreg.LinearRegression().fit(X, X[:, 0] + 1)\n"
        "m.predict(X); m.summary()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tensor_requiring_grad_is_detached():
    X, Y, _ = make_data()
    Xt = torch.as_tensor(X).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = LinearRegression().fit(Xt, torch.as_tensor(Y[:, 0]))
    assert_same_fit(LinearRegression().fit(X, Y[:, 0]), got)
