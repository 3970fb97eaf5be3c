"""The iterative trainers on streamed data (``linreg.scan`` files, Dask collections).

References, all independent of linreg's numbers: the standardized coordinates computed
with numpy (weighted means, weighted standard deviations ``sqrt(sum w (x - m)^2 /
sum w)``, or root mean squares without an intercept), the exact optimum by
``numpy.linalg.lstsq`` on the weighted (ridge-augmented) system in those coordinates,
numpy predictions on held-out rows, the in-memory trainers on the same rows (same
settings and seed), the ids of the rows the minibatches hand out, and torch's
``DataLoader``.  The certificate's promise: the relative distance of the returned
parameters to the optimum, in the standardized coordinates, is at most the reported
``solution_.error_estimate`` (plus the rounding of the map to the user's units), and
it is at most ``tol`` whenever the status is ``"ok"``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import linreg
from linreg import LinearRegression, Ridge
from linreg.training.minibatches import Minibatches

torch = pytest.importorskip("torch")

EPS = np.finfo(float).eps


# ---------------------------------------------------------------------------- data
def _data(n, p, seed=0, k=1, scales=None, offsets=None, weights="uniform"):
    """X (n, p) with the given column scales and offsets, Y (n, k), weights or None."""
    rng = np.random.default_rng(seed)
    scales = np.ones(p) if scales is None else np.asarray(scales, dtype=float)
    offsets = np.zeros(p) if offsets is None else np.asarray(offsets, dtype=float)
    X = rng.normal(size=(n, p)) * scales + offsets
    beta = rng.normal(size=(p, k)) / scales[:, None]
    Y = X @ beta + 3.0 + rng.normal(size=(n, k))
    if weights is None:
        w = None
    else:
        w = rng.uniform(0.2, 2.0, size=n)
        if weights == "zeros":
            w[rng.choice(n, size=max(1, n // 10), replace=False)] = 0.0
    return X, Y, w


def _frame(X, Y, w=None):
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    for i in range(Y.shape[1]):
        df[f"y{i}"] = Y[:, i]
    if w is not None:
        df["w"] = w
    return df


def _write(df, folder, fmt="parquet", name="data"):
    """``df`` as a Parquet or CSV file under ``folder`` (CSV checked to round-trip)."""
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
        back = pd.read_csv(path)
        assert np.array_equal(back.to_numpy(), df.to_numpy())
    return path


def _scan(path, k=1, weighted=False, batch_size=None):
    targets = "y0" if k == 1 else [f"y{i}" for i in range(k)]
    return linreg.scan(path, targets, weights="w" if weighted else None, batch_size=batch_size)


# ---------------------------------------------------------------------------- reference
def _coordinates(X, Y, w, fit_intercept):
    """(x_shift, x_scale, y_shift, y_scale) of the standardized coordinates (numpy)."""
    w = np.ones(X.shape[0]) if w is None else w
    if fit_intercept:
        mx, my = np.average(X, axis=0, weights=w), np.average(Y, axis=0, weights=w)
    else:
        mx, my = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    sx = np.sqrt(np.sum(w[:, None] * (X - mx) ** 2, axis=0) / w.sum())
    sy = np.sqrt(np.sum(w[:, None] * (Y - my) ** 2, axis=0) / w.sum())
    return mx, sx, my, sy


def _optimum(X, Y, w, fit_intercept, alpha, coords):
    """The exact minimizer ``(B (p, k), c (k,))`` in the standardized coordinates: numpy
    lstsq on ``sqrt(w) [Z, 1] ~ sqrt(w) T`` with rows ``sqrt(alpha) / x_scale_j e_j``
    (the user's ``sum w r^2 + alpha ||beta||^2`` divided by ``y_scale^2``)."""
    mx, sx, my, sy = coords
    n, p = X.shape
    w = np.ones(n) if w is None else w
    Z, T = (X - mx) / sx, (Y - my) / sy
    A = np.column_stack([Z, np.ones(n)]) if fit_intercept else Z
    rows, rhs = np.sqrt(w)[:, None] * A, np.sqrt(w)[:, None] * T
    if alpha:
        pen = np.zeros((p, A.shape[1]))
        pen[:, :p] = np.diag(np.sqrt(alpha) / sx)
        rows, rhs = np.vstack([rows, pen]), np.vstack([rhs, np.zeros((p, T.shape[1]))])
    sol = np.linalg.lstsq(rows, rhs, rcond=None)[0]
    return sol[:p], (sol[p] if fit_intercept else np.zeros(T.shape[1]))


def _user(model, p):
    """``coef_`` as (k, p) and ``intercept_`` as (k,)."""
    coef = np.asarray(model.coef_, dtype=float).reshape(-1, p)
    return coef, np.atleast_1d(np.asarray(model.intercept_, dtype=float))


def _standardized(model, coords, p):
    """The model's parameters in the standardized coordinates, ``(B (p, k), c (k,))``,
    and the rounding of that map (the cancellation in ``c + x_shift.beta - y_shift``)."""
    mx, sx, my, sy = coords
    coef, intercept = _user(model, p)
    B = (coef * sx / sy[:, None]).T
    c = (intercept + coef @ mx - my) / sy
    rounding = 8 * EPS * (np.abs(intercept) + np.abs(coef) @ np.abs(mx) + np.abs(my)) / sy
    return B, c, float(np.sqrt(np.sum(rounding**2)))


def _norm(B, c):
    return float(np.sqrt(np.sum(B**2) + np.sum(c**2)))


def _condition(X, w, fit_intercept, alpha, coords):
    """``L / mu`` of J's Hessian in the standardized coordinates (numpy eigvalsh); the
    intercept's coordinate, decoupled by the centring, has curvature 1."""
    mx, sx, _, _ = coords
    w = np.ones(X.shape[0]) if w is None else w
    Z = (X - mx) / sx
    H = (Z.T * w) @ Z / w.sum() + np.diag(alpha / (w.sum() * sx**2))
    eig = np.linalg.eigvalsh(H)
    if fit_intercept:
        return max(eig[-1], 1.0) / min(eig[0], 1.0)
    return eig[-1] / eig[0]


def _distance(model, X, Y, w, fit_intercept, alpha):
    """(relative distance to the optimum, the bound's rounding floor, rounding of the map
    to the user's units), in the standardized coordinates.

    The floor: the certificate ``||grad|| / mu`` is computed from the Moments, whose
    gradient rounds by about ``eps L ||theta||`` and whose ``mu`` by about ``eps L``, so
    it carries a relative error of about ``eps L / mu`` (the floor objective.py states)."""
    coords = _coordinates(X, Y, w, fit_intercept)
    B, c, rounding = _standardized(model, coords, X.shape[1])
    B_opt, c_opt = _optimum(X, Y, w, fit_intercept, alpha, coords)
    size = _norm(B, c)
    floor = 64 * EPS * _condition(X, w, fit_intercept, alpha, coords)
    return _norm(B - B_opt, c - c_opt) / size, floor, rounding / size


def _within(distance, bound, floor, rounding):
    """The certificate's promise, up to its own rounding and the map's."""
    return distance <= bound * (1 + floor) + floor + rounding + 1e-12


def _fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AccuracyWarning / ConvergenceWarning: checked below
        return model.fit(*args, **kwargs)


# ---------------------------------------------------------------------------- the certificate
TRAINER_SETTINGS = [
    {"solver": "gd"},
    {"solver": "gd", "batch": True},
    {"solver": "gd", "batch": True, "variance_reduction": False},
    {"solver": "autograd"},
    {"solver": "torch", "optimizer": "sgd", "batch": True},
    {"solver": "torch", "optimizer": "sgd"},
    {"solver": "torch", "optimizer": "momentum"},
    {"solver": "torch", "optimizer": "momentum", "batch": True},
    {"solver": "torch", "optimizer": "nesterov", "batch": True, "variance_reduction": False},
    {"solver": "torch", "optimizer": "adam", "batch": True},
    {"solver": "torch", "optimizer": "lbfgs"},
]


@st.composite
def _problems(draw):
    n = draw(st.integers(50, 2000))
    p = draw(st.integers(1, 8))
    scales = [10.0 ** draw(st.floats(-3, 3)) for _ in range(p)]
    offsets = [draw(st.sampled_from([0.0, 1.0, -1.0])) * 10.0 ** draw(st.floats(-3, 3))
               for _ in range(p)]  # fmt: skip
    return {
        "n": n,
        "p": p,
        "k": draw(st.integers(1, 2)),
        "seed": draw(st.integers(0, 2**16)),
        "scales": scales,
        "offsets": offsets,
        "weights": draw(st.sampled_from([None, "uniform", "zeros"])),
        "fit_intercept": draw(st.booleans()),
        "alpha": draw(st.sampled_from([0.0, 0.0, 1e-3, 1.0, 100.0])),
        "trainer": draw(st.sampled_from(TRAINER_SETTINGS)),
        "batch_size": draw(st.sampled_from([32, 64, 200, 1000])),
        "shuffle": draw(st.booleans()),
        "fmt": draw(st.sampled_from(["parquet", "csv"])),
        "tol": draw(st.sampled_from([1e-4, 1e-7, 1e-9])),
    }


def _estimator(case, max_iter):
    trainer = case["trainer"]
    options = {
        "solver": trainer["solver"],
        "optimizer": trainer.get("optimizer", "sgd"),
        "batch_size": case["batch_size"] if trainer.get("batch") else None,
        "variance_reduction": trainer.get("variance_reduction", True),
        "shuffle": case["shuffle"],
        "random_state": 0,
        "tol": case["tol"],
        "max_iter": max_iter,
        "fit_intercept": case["fit_intercept"],
        "progress": False,
    }
    if case["alpha"]:
        return Ridge(alpha=case["alpha"], **options)
    return LinearRegression(**options)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_problems())
def test_certified_bound_holds_on_a_scan(case, tmp_path_factory):
    X, Y, w = _data(case["n"], case["p"], case["seed"], case["k"], case["scales"],
                    case["offsets"], case["weights"])  # fmt: skip
    path = _write(_frame(X, Y, w), tmp_path_factory.mktemp("cert"), case["fmt"])
    model = _estimator(case, max_iter=40)
    _fit(model, _scan(path, case["k"], w is not None, batch_size=97))
    distance, floor, rounding = _distance(model, X, Y, w, case["fit_intercept"], case["alpha"])
    solution = model.solution_
    assert _within(distance, solution.error_estimate, floor, rounding), (distance, floor)
    event(f"status {solution.status}")
    if solution.status == "ok":
        assert solution.error_estimate <= case["tol"]
    history = model.history_["error_bound"]
    assert len(history) == model.n_iter_ and history[-1] == solution.error_estimate


@pytest.mark.parametrize(
    "trainer",
    [
        {"solver": "gd", "batch": True},
        {"solver": "autograd"},
        {"solver": "torch", "optimizer": "adam", "batch": True},
        {"solver": "torch", "optimizer": "lbfgs"},
    ],
    ids=["gd-minibatch", "autograd", "torch-adam", "torch-lbfgs"],
)
def test_trainers_reach_tol_and_the_bound_holds(trainer, tmp_path):
    X, Y, w = _data(1500, 4, seed=3, scales=[1e-3, 1.0, 30.0, 1e3], offsets=[0, 2, -5, 0])
    path = _write(_frame(X, Y, w), tmp_path)
    case = {"trainer": trainer, "batch_size": 128, "shuffle": True, "tol": 1e-9,
            "fit_intercept": True, "alpha": 0.0}  # fmt: skip
    model = _fit(_estimator(case, max_iter=2000), _scan(path, weighted=True))
    assert model.solution_.status == "ok"
    assert model.solution_.error_estimate <= 1e-9
    distance, floor, rounding = _distance(model, X, Y, w, True, 0.0)
    assert _within(distance, model.solution_.error_estimate, floor, rounding)


# ---------------------------------------------------------------------------- in memory
@pytest.mark.parametrize(
    "options",
    [
        {"solver": "gd", "batch_size": 64},
        {"solver": "gd", "batch_size": 64, "shuffle": False},
        {"solver": "torch", "optimizer": "sgd", "batch_size": 100},
        {"solver": "torch", "optimizer": "lbfgs"},
        {"solver": "autograd"},
    ],
    ids=["gd-shuffled", "gd-in-order", "torch-sgd", "torch-lbfgs", "autograd"],
)
def test_streamed_equals_in_memory_within_their_bounds(options, tmp_path):
    X, Y, w = _data(800, 3, seed=5, k=2, scales=[0.01, 1.0, 100.0], weights="zeros")
    path = _write(_frame(X, Y, w), tmp_path, "csv")
    make = lambda: Ridge(alpha=0.5, random_state=7, tol=1e-7, progress=False, **options)  # noqa: E731
    streamed = _fit(make(), _scan(path, 2, weighted=True))
    memory = _fit(make(), X, Y, sample_weight=w)
    coords = _coordinates(X, Y, w, True)
    Bs, cs, rs = _standardized(streamed, coords, 3)
    Bm, cm, rm = _standardized(memory, coords, 3)
    allowed = (streamed.solution_.error_estimate * _norm(Bs, cs) + rs
               + memory.solution_.error_estimate * _norm(Bm, cm) + rm)  # fmt: skip
    assert _norm(Bs - Bm, cs - cm) <= allowed + 1e-12
    assert streamed.solution_.error_estimate <= 1e-7
    assert memory.solution_.error_estimate <= 1e-7


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_full_batch_gd_on_a_scan_follows_the_in_memory_iterates(fit_intercept, tmp_path):
    """The gradient from the Moments and from the rows: the same steps to rounding.

    The in-memory full-batch step bounds its end point by the gradient at its start
    plus the step (known for free there), the streamed one by the gradient at its end
    (from the Moments): the streamed fit stops no later, on the same iterate."""
    X, Y, w = _data(600, 5, seed=11, scales=[1, 2, 0.5, 3, 10], offsets=[0, 5, -3, 10, 1])
    path = _write(_frame(X, Y, w), tmp_path)

    def pair(max_iter):
        make = lambda: LinearRegression(solver="gd", tol=1e-9, max_iter=max_iter,  # noqa: E731
                                        fit_intercept=fit_intercept, progress=False)  # fmt: skip
        return _fit(make(), _scan(path, weighted=True)), _fit(make(), X, Y[:, 0], sample_weight=w)

    streamed, memory = pair(None)
    assert streamed.solution_.status == memory.solution_.status == "ok"
    assert memory.n_iter_ - 3 <= streamed.n_iter_ <= memory.n_iter_
    for max_iter in (1, 7, streamed.n_iter_):
        streamed, memory = pair(max_iter)
        assert streamed.n_iter_ == memory.n_iter_ == max_iter
        np.testing.assert_allclose(streamed.coef_, memory.coef_, rtol=1e-10, atol=0)
        if fit_intercept:
            np.testing.assert_allclose(streamed.intercept_, memory.intercept_, rtol=1e-10)
    # history_["train_loss"][-1]: the weighted MSE of the returned model (numpy)
    coef, intercept = _user(streamed, X.shape[1])
    mse = np.average((Y - X @ coef.T - intercept) ** 2, axis=0, weights=w)[0]
    np.testing.assert_allclose(streamed.history_["train_loss"][-1], mse, rtol=1e-9)


# ---------------------------------------------------------------------------- shuffling
def test_shuffle_seeds(tmp_path):
    """The same seed: the same fit (to the rounding of the scan's Moments, which are not
    bitwise reproducible: its reader shifts each batch by the running mean it last saw);
    another seed: other minibatches, a visibly different 3-epoch fit; in order: no seed."""
    X, Y, w = _data(700, 3, seed=2)
    path = _write(_frame(X, Y), tmp_path)

    def fit(**options):
        model = LinearRegression(solver="gd", batch_size=50, max_iter=3, progress=False,
                                 **options)  # fmt: skip
        return _fit(model, _scan(path, batch_size=64)).coef_

    def same(a, b):
        return np.allclose(a, b, rtol=1e-12, atol=0)

    seeded = fit(random_state=1)
    assert same(seeded, fit(random_state=1))
    assert not np.allclose(seeded, fit(random_state=2), rtol=1e-6, atol=0)
    in_order = fit(random_state=1, shuffle=False)
    assert same(in_order, fit(random_state=2, shuffle=False))
    assert same(in_order, fit(random_state=None, shuffle=False))
    assert not np.allclose(in_order, seeded, rtol=1e-6, atol=0)


def test_in_order_minibatch_gd_streamed_follows_the_in_memory_iterates(tmp_path):
    """``shuffle=False``: the same minibatches (rows in file order, across the scan's
    batches of 300 rows) as in memory, so the same iterates to rounding."""
    X, Y, w = _data(1024, 4, seed=21, scales=[1, 3, 0.1, 10], offsets=[1, -2, 0, 4])
    path = _write(_frame(X, Y, w), tmp_path)
    for max_iter in (1, 4):
        options = {"solver": "gd", "batch_size": 64, "shuffle": False, "max_iter": max_iter}
        streamed = _fit(LinearRegression(progress=False, **options),
                        _scan(path, weighted=True, batch_size=300))  # fmt: skip
        memory = _fit(LinearRegression(progress=False, **options), X, Y[:, 0], sample_weight=w)
        np.testing.assert_allclose(streamed.coef_, memory.coef_, rtol=1e-10, atol=0)
        np.testing.assert_allclose(streamed.intercept_, memory.intercept_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["gd", "torch"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_a_short_last_minibatch_does_not_derail_the_epoch(solver, shuffle, tmp_path):
    """50 rows in batches of 16: the last has 2 rows, whose curvature (the mean of two
    z^2, here 2.9 L) at the full automatic step made the variance-reduced epoch map
    expand (|e| x 1.14 per epoch: DivergenceError at epoch 49).  Stepped by its rows'
    share it converges (streamed; in memory torch, and gd with its gd.py fix)."""
    X, Y, _ = _data(50, 1, seed=0, weights=None)
    path = _write(_frame(X, Y), tmp_path)
    inputs = [(_scan(path),)] + ([(X, Y[:, 0])] if solver == "torch" else [])
    for data in inputs:
        model = LinearRegression(solver=solver, batch_size=16, shuffle=shuffle, tol=1e-6,
                                 fit_intercept=False, max_iter=500, random_state=0,
                                 progress=False)  # fmt: skip
        _fit(model, *data)
        assert model.solution_.status == "ok"
        distance, floor, rounding = _distance(model, X, Y, None, False, 0.0)
        assert _within(distance, model.solution_.error_estimate, floor, rounding)
        assert model.solution_.error_estimate <= 1e-6


def _id_source(tmp_path, n, chunk, fmt="parquet"):
    """A scan of ``n`` rows with x0 = the row id, y = 2 id + 1, w = id % 7 + 1."""
    ids = np.arange(n, dtype=float)
    df = pd.DataFrame({"x0": ids, "x1": -ids, "y0": 2 * ids + 1, "w": ids % 7 + 1})
    return linreg.scan(_write(df, tmp_path, fmt, name=f"ids{n}"), "y0", weights="w",
                       batch_size=chunk)  # fmt: skip


def _check_rows(batches, n, batch_size):
    """The ids of one epoch's minibatches (each row aligned with its y and w)."""
    seen = []
    sizes = []
    for X, Y, w in batches:
        ids = X[:, 0]
        np.testing.assert_array_equal(X[:, 1], -ids)
        np.testing.assert_array_equal(Y[:, 0], 2 * ids + 1)
        np.testing.assert_array_equal(w, ids % 7 + 1)
        seen.append(ids)
        sizes.append(len(ids))
    assert all(size == batch_size for size in sizes[:-1]) and 0 < sizes[-1] <= batch_size
    seen = np.concatenate(seen)
    np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    return seen


@pytest.mark.parametrize(
    ("n", "chunk", "batch_size", "capacity"),
    [(1000, 64, 10, 25), (1000, 7, 33, 100), (500, 1000, 16, 300), (301, 50, 40, 2000),
     (100, 13, 100, 100)],  # fmt: skip
)
def test_shuffle_buffer_emits_every_row_once_per_epoch(tmp_path, n, chunk, batch_size, capacity):
    source = _id_source(tmp_path, n, chunk)
    batches = Minibatches(source, batch_size, shuffle=True, seed=4)
    batches.capacity = capacity
    first = _check_rows(batches.epoch(0), n, batch_size)
    again = Minibatches(source, batch_size, shuffle=True, seed=4)
    again.capacity = capacity
    np.testing.assert_array_equal(_check_rows(again.epoch(0), n, batch_size), first)
    second = _check_rows(batches.epoch(1), n, batch_size)
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(n))
    in_order = Minibatches(source, batch_size, shuffle=False, seed=4)
    np.testing.assert_array_equal(_check_rows(in_order.epoch(3), n, batch_size), np.arange(n))


@pytest.mark.parametrize("shuffle", [False, True])
def test_minibatches_of_dask_partitions_hold_every_row_once(shuffle):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    from linreg.sources.dask import DaskSource

    n = 700
    ids = np.arange(n, dtype=float)
    df = pd.DataFrame({"x0": ids, "x1": -ids, "y0": 2 * ids + 1, "w": ids % 7 + 1})
    with dask.config.set(scheduler="sync"):
        ddf = dd.from_pandas(df, npartitions=5)
        source = DaskSource(ddf[["x0", "x1"]], ddf["y0"], ddf["w"])
        batches = Minibatches(source, 48, shuffle=shuffle, seed=3)
        batches.capacity = 150
        for epoch in range(2):
            order = _check_rows(batches.epoch(epoch), n, 48)
            assert np.array_equal(order, ids) != shuffle


def test_minibatches_do_not_depend_on_how_the_rows_are_chunked(tmp_path):
    """The buffer is filled in row order and drawn from each time it is full: the same
    seed gives the same minibatches whatever the source's chunks (scan batches of any
    size, arrays in memory), in both modes."""
    from linreg.training.minibatches import ArraySource

    n = 1000
    ids = np.arange(n, dtype=float)
    arrays = ArraySource(np.column_stack([ids, -ids]), 2 * ids + 1, ids % 7 + 1)
    for shuffle in (True, False):
        orders = []
        for source in [_id_source(tmp_path, n, chunk) for chunk in (7, 64, 1000)] + [arrays]:
            batches = Minibatches(source, 30, shuffle=shuffle, seed=5)
            batches.capacity = 120
            orders.append(_check_rows(batches.epoch(2), n, 30))
        for order in orders[1:]:
            np.testing.assert_array_equal(order, orders[0])


def test_shuffle_buffer_mixes_locally(tmp_path):
    """No row comes out earlier than the buffer's size before its place (it cannot be
    drawn before it is read); rows do move both ways."""
    n, chunk, capacity = 3000, 100, 200
    batches = Minibatches(_id_source(tmp_path, n, chunk), 20, shuffle=True, seed=0)
    batches.capacity = capacity
    order = _check_rows(batches.epoch(0), n, 20)
    position = np.empty(n)
    position[order.astype(int)] = np.arange(n)
    early = np.arange(n) - position
    assert early.max() <= capacity
    assert early.max() > 0 and early.min() < 0


# ---------------------------------------------------------------------------- torch DataLoader
def _loader_ids(loader):
    """The ids of one epoch of ``loader`` (each row aligned with its y and w)."""
    ids = []
    for Z, T, w in loader:
        np.testing.assert_array_equal(T[:, 0].numpy(), 2 * Z[:, 0].numpy() + 1)
        np.testing.assert_array_equal(w.numpy(), Z[:, 0].numpy() % 7 + 1)
        ids.append(Z[:, 0].numpy())
    return np.concatenate(ids)


@pytest.mark.parametrize(("num_workers", "persistent"), [(0, False), (2, False), (2, True)])
def test_torch_dataset_composes_with_a_dataloader(tmp_path, num_workers, persistent):
    """Every row exactly once per epoch across the workers; each epoch its own draws
    (the epoch number is shared with the workers: each epoch's fresh worker copies
    used to restart it at 0 and repeat the first epoch's order); the same seed, the
    same epochs."""
    from linreg.training.minibatches import torch_dataset

    n = 900
    source = _id_source(tmp_path, n, chunk=100)

    def epochs(count=3):
        batches = Minibatches(source, 32, shuffle=True, seed=1)
        batches.capacity = 128
        dataset = torch_dataset(batches, lambda X, Y, w: (X, Y, w), torch.float64)
        loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=num_workers,
                                             persistent_workers=persistent)  # fmt: skip
        orders = [_loader_ids(loader) for _ in range(count)]
        assert dataset.epochs == count
        return orders

    orders = epochs()
    for ids in orders:
        assert len(ids) == n
        np.testing.assert_array_equal(np.sort(ids), np.arange(n))
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    again = epochs()
    for first, second in zip(orders, again):
        np.testing.assert_array_equal(first, second)


# ---------------------------------------------------------------------------- Dask
@pytest.mark.parametrize(
    "options",
    [{"solver": "gd", "batch_size": 64, "shuffle": False}, {"solver": "gd", "batch_size": 64},
     {"solver": "torch", "optimizer": "adam", "batch_size": 128}],  # fmt: skip
    ids=["gd-in-order", "gd-shuffled", "torch-adam"],
)
def test_dask_equals_the_scan_fit(options, tmp_path):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    X, Y, _ = _data(1200, 3, seed=8, scales=[1.0, 10.0, 0.1], offsets=[1, 0, -2], weights=None)
    df = _frame(X, Y)
    path = _write(df, tmp_path)
    make = lambda: LinearRegression(random_state=3, tol=1e-9, progress=False, **options)  # noqa: E731
    scanned = _fit(make(), _scan(path))
    with dask.config.set(scheduler="sync"):
        ddf = dd.from_pandas(df, npartitions=4)
        distributed = _fit(make(), ddf[["x0", "x1", "x2"]], ddf["y0"])
    for model in (scanned, distributed):
        assert model.solution_.status == "ok" and model.solution_.error_estimate <= 1e-9
        distance, floor, rounding = _distance(model, X, Y, None, True, 0.0)
        assert _within(distance, model.solution_.error_estimate, floor, rounding)
    coords = _coordinates(X, Y, None, True)
    Bs, cs, rs = _standardized(scanned, coords, 3)
    Bd, cd, rd = _standardized(distributed, coords, 3)
    allowed = (scanned.solution_.error_estimate * _norm(Bs, cs) + rs
               + distributed.solution_.error_estimate * _norm(Bd, cd) + rd)  # fmt: skip
    assert _norm(Bs - Bd, cs - cd) <= allowed + 1e-12
    if not options.get("shuffle", True):  # same rows in the same order: the same minibatches
        assert scanned.n_iter_ == distributed.n_iter_
        np.testing.assert_allclose(scanned.coef_, distributed.coef_, rtol=1e-9)


@pytest.mark.parametrize("solver", ["gd", "torch"])
def test_dask_weighted_with_a_dask_validation_pair(solver):
    """Weights with zeros from a Dask column, validation as a Dask (X, y) pair, and Dask
    arrays: the bound holds and reaches tol; ``val_loss`` is numpy's MSE."""
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    da = pytest.importorskip("dask.array")
    X, Y, w = _data(1200, 3, seed=8, scales=[1, 10, 0.1], offsets=[1, 0, -2], weights="zeros")
    Xv, Yv, _ = _data(300, 3, seed=10, scales=[1, 10, 0.1], offsets=[1, 0, -2], weights=None)
    features = ["x0", "x1", "x2"]
    valid = _frame(Xv, Yv)
    with dask.config.set(scheduler="sync"):
        ddf = dd.from_pandas(_frame(X, Y, w), npartitions=4)
        pair = (dd.from_pandas(valid[features], npartitions=2),
                dd.from_pandas(valid["y0"], npartitions=2))  # fmt: skip
        frame = LinearRegression(solver=solver, batch_size=64, random_state=0, progress=False)
        _fit(frame, ddf[features], ddf["y0"], sample_weight=ddf["w"], validation_data=pair)
        arrays = LinearRegression(solver=solver, batch_size=64, random_state=0, progress=False)
        _fit(arrays, da.from_array(X, chunks=(300, 3)), da.from_array(Y[:, 0], chunks=300),
             sample_weight=da.from_array(w, chunks=300))  # fmt: skip
    for model in (frame, arrays):
        assert model.solution_.status == "ok" and model.solution_.error_estimate <= 1e-9
        distance, floor, rounding = _distance(model, X, Y, w, True, 0.0)
        assert _within(distance, model.solution_.error_estimate, floor, rounding)
    coef, intercept = _user(frame, 3)
    expected = np.mean((Yv - Xv @ coef.T - intercept) ** 2)
    np.testing.assert_allclose(frame.history_["val_loss"][-1], expected, rtol=1e-10)


# ---------------------------------------------------------------------------- validation
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("solver", ["gd", "torch"])
def test_validation_scan_loss_is_the_mse_of_predict(solver, tmp_path):
    X, Y, w = _data(1000, 3, seed=9, k=2, scales=[1, 5, 0.2], offsets=[3, 0, 1])
    Xv, Yv, _ = _data(300, 3, seed=10, k=2, scales=[1, 5, 0.2], offsets=[3, 0, 1], weights=None)
    train = _write(_frame(X, Y, w), tmp_path, name="train")
    valid = _write(_frame(Xv, Yv), tmp_path, "csv", name="valid")
    model = LinearRegression(solver=solver, batch_size=100, random_state=0, max_iter=5,
                             progress=False)  # fmt: skip
    _fit(model, _scan(train, 2, weighted=True), validation_data=_scan(valid, 2))
    coef, intercept = _user(model, 3)
    expected = np.mean((Yv - Xv @ coef.T - intercept) ** 2)
    assert len(model.history_["val_loss"]) == model.n_iter_ == 5
    np.testing.assert_allclose(model.history_["val_loss"][-1], expected, rtol=1e-10)
    np.testing.assert_allclose(np.mean((Yv - model.predict(Xv)) ** 2), expected, rtol=1e-12)


@pytest.mark.parametrize(("solver", "optimizer"), [("gd", "sgd"), ("torch", "adam")])
def test_early_stopping_on_a_validation_scan_restores_the_best_epoch(solver, optimizer,
                                                                     tmp_path):  # fmt: skip
    """The returned model's validation MSE (numpy) is the least of ``val_loss``, and the
    bound recomputed for the restored parameters holds."""
    X, Y, w = _data(1000, 3, seed=9, scales=[1, 5, 0.2], offsets=[3, 0, 1])
    Xv, Yv, _ = _data(300, 3, seed=10, scales=[1, 5, 0.2], offsets=[3, 0, 1], weights=None)
    train = _write(_frame(X, Y, w), tmp_path, name="train")
    valid = _write(_frame(Xv, Yv), tmp_path, name="valid")
    model = LinearRegression(solver=solver, optimizer=optimizer, batch_size=50,
                             early_stopping=True, n_iter_no_change=3, random_state=0,
                             variance_reduction=False, tol=1e-12, max_iter=200,
                             progress=False)  # fmt: skip
    _fit(model, _scan(train, weighted=True), validation_data=_scan(valid))
    assert model.solution_.diagnostics["stopped"] == "early_stopping"
    coef, intercept = _user(model, 3)
    val = np.mean((Yv - Xv @ coef.T - intercept) ** 2)
    np.testing.assert_allclose(min(model.history_["val_loss"]), val, rtol=1e-10)
    distance, floor, rounding = _distance(model, X, Y, w, True, 0.0)
    assert _within(distance, model.solution_.error_estimate, floor, rounding)


# ---------------------------------------------------------------------------- errors
@pytest.fixture
def small_scan(tmp_path):
    X, Y, _ = _data(200, 3, seed=12, weights=None)
    return _write(_frame(X, Y), tmp_path)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"solver": "torch", "optimizer": "lbfgs", "batch_size": 32}, "lbfgs"),
        ({"solver": "autograd", "batch_size": 32}, "batch_size"),
        ({"solver": "gd", "lr": 0.0}, "lr"),
        ({"solver": "torch", "lr": -1.0}, "lr"),
        ({"solver": "gd", "optimizer": "adam"}, "optimizer"),
    ],
)
def test_refused_options_are_one_clear_value_error(small_scan, options, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression(progress=False, **options).fit(_scan(small_scan))


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_validation_with_other_columns_is_refused(small_scan, tmp_path):
    X, Y, _ = _data(50, 2, seed=1, weights=None)
    other = _write(_frame(X, Y), tmp_path, name="other")
    model = LinearRegression(solver="gd", progress=False)
    with pytest.raises(ValueError, match="validation_data has 2 features"):
        model.fit(_scan(small_scan), validation_data=_scan(other))
    with pytest.raises(ValueError, match="has 2 features"):
        model.fit(_scan(small_scan), validation_data=(X, Y[:, 0]))


@pytest.mark.parametrize(("fmt", "value", "where"),
                         [("parquet", np.inf, "row 151"), ("csv", np.nan, "line 152")])  # fmt: skip
@pytest.mark.parametrize("solver", ["gd", "torch"])
def test_a_non_finite_value_mid_file_names_the_file_and_row(tmp_path, fmt, value, where, solver):
    X, Y, _ = _data(300, 3, seed=13, weights=None)
    df = _frame(X, Y)
    df.loc[150, "x1"] = value
    path = tmp_path / f"bad.{fmt}"
    df.to_parquet(path) if fmt == "parquet" else df.to_csv(path, index=False)
    model = LinearRegression(solver=solver, batch_size=32, progress=False)
    with pytest.raises(ValueError, match=rf"bad\.{fmt}.*'x1'.*{where}"):
        model.fit(_scan(path, batch_size=40))


# ---------------------------------------------------------------------------- CLI
@pytest.mark.parametrize(
    "options",
    [["--solver", "gd", "--batch-size", "64"],
     ["--solver", "torch", "--optimizer", "adam", "--batch-size", "64"]],  # fmt: skip
    ids=["gd", "torch-adam"],
)
def test_cli_fit_streams_with_the_iterative_solvers(options, tmp_path, capsys):
    import json

    from linreg.cli import main

    X, Y, _ = _data(600, 2, seed=14, scales=[1.0, 4.0], offsets=[0.5, -1.0], weights=None)
    path = _write(_frame(X, Y), tmp_path, "csv")
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["fit", str(path), "--target", "y0", "--stream", "--cv", "0",
                     "--format", "json", *options])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["solver_"] == options[1]
    assert report["rows"]["train"] == len(X)
    exact = np.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), Y[:, 0], rcond=None)[0]
    found = [report["intercept"], report["coef"]["x0"], report["coef"]["x1"]]
    np.testing.assert_allclose(found, exact, rtol=1e-7)


def test_streamed_minibatches_default_epoch_cap(tmp_path, monkeypatch):
    """Minibatch training on a source stops at STREAMED_MAX_EPOCHS passes by default (a
    problem that cannot certify, a constant column: mu = 0), with the warning naming
    the bound; an explicit max_iter wins."""
    from sklearn.exceptions import ConvergenceWarning

    from linreg.models import base

    monkeypatch.setattr(base, "STREAMED_MAX_EPOCHS", 3)
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.standard_normal(200), np.ones(200)])
    y = X[:, 0] + rng.standard_normal(200)
    path = _write(_frame(X, y[:, None]), tmp_path)
    model = LinearRegression(solver="gd", batch_size=32, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model.fit(_scan(path))
    assert model.n_iter_ == 3
    model = LinearRegression(solver="gd", batch_size=32, random_state=0, max_iter=5)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        model.fit(_scan(path))
    assert model.n_iter_ == 5
