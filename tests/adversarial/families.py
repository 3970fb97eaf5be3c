"""Seeded case generators, one per family: ``(family, seed)`` -> data and estimator.

Deterministic: :func:`make_case` with the same family and seed rebuilds the same case,
so a failure is reproduced by ``python -m tests.adversarial.fuzz --repro FAMILY SEED``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    """One adversarial fit.

    ``check`` says what is compared with the exact reference: ``"coef"``
    (coefficients and intercept), ``"summary"`` (standard errors of ``cov_type``),
    ``"interval"``, ``"kkt"`` (Lasso/ElasticNet optimality) or ``"invariance"``
    (a transformed refit as well; ``transform`` names it).
    """

    family: str
    seed: int
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None = None
    estimator: str = "LinearRegression"
    params: dict = field(default_factory=dict)
    check: str = "coef"
    extra: dict = field(default_factory=dict)
    note: str = ""


def _rng(family: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(family.encode()), seed])


def _shape(rng, n_max=300, p_max=12, big=0.03):
    """A tall shape, now and then a large one (up to 2000 x 60)."""
    if rng.random() < big:
        return int(rng.integers(200, 2001)), int(rng.integers(1, 61))
    p = int(rng.integers(1, p_max + 1))
    n = int(rng.integers(p + 3, max(p + 4, n_max)))
    return n, p


def _target(rng, X, noise=None, intercept=True):
    p = X.shape[1]
    c = rng.standard_normal(p) * 10.0 ** rng.uniform(-2, 2, p)
    scale = np.abs(X - X.mean(0)).mean(0)
    scale[scale == 0] = 1.0
    c = c / scale  # comparable contributions per column
    y = X @ c + (rng.uniform(-5, 5) if intercept else 0.0)
    spread = np.std(y) if np.std(y) > 0 else 1.0
    noise = 10.0 ** rng.uniform(-8, 0) if noise is None else noise
    return y + noise * spread * rng.standard_normal(X.shape[0])


# ------------------------------------------------------------------ OLS families
def ols_offsets(rng):
    """Column offsets up to 1e9 x the spread (sometimes two nearly equal columns too)."""
    n, p = _shape(rng)
    X = rng.standard_normal((n, p))
    if p >= 2 and rng.random() < 0.4:  # and ill-conditioned (r3: kappa 2e8, offset 1e6)
        X[:, 1] = X[:, 0] + 10.0 ** -rng.uniform(2, 8) * rng.standard_normal(n)
    X += rng.choice([-1, 1], p) * 10.0 ** rng.uniform(0, 9, p)
    y = _target(rng, X) + rng.choice([-1, 1]) * 10.0 ** rng.uniform(0, 9)
    return dict(X=X, y=y, note="column offsets up to 1e9 x spread")


def ols_scales(rng):
    """Column scales 1e-150..1e150 and y scales 1e-100..1e100."""
    n, p = _shape(rng)
    X = rng.standard_normal((n, p))
    if rng.random() < 0.3:
        X += rng.uniform(-100, 100, p)
    X *= 10.0 ** rng.uniform(-150, 150, p)
    y = _target(rng, X) * 10.0 ** rng.uniform(-100, 100)
    return dict(X=X, y=y, note="column scales 1e-150..1e150")


def ols_collinear(rng):
    """Two columns with correlation 1 - 1e-4 .. 1 - 1e-16."""
    n, p = _shape(rng, p_max=8)
    p = max(p, 2)
    X = rng.standard_normal((n, p))
    j, k = rng.choice(p, 2, replace=False)
    delta = 10.0 ** -rng.uniform(4, 16)  # correlation 1 - delta
    X[:, k] = X[:, j] + np.sqrt(2 * delta) * rng.standard_normal(n)
    if rng.random() < 0.5:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 6)
    return dict(X=X, y=_target(rng, X), note=f"corr 1-{delta:.1e}")


def _integer_design(rng, n, p):
    return rng.integers(-8, 9, (n, p)).astype(np.float64) * 2.0 ** rng.integers(-4, 5, p)


def ols_rank_deficient(rng):
    """Exact dependencies in float64: duplicates, combinations, constants, shifts."""
    n, p = _shape(rng, p_max=8)
    p = max(p, 2)
    X = _integer_design(rng, n, p)
    kind = rng.choice(["duplicate", "combination", "constant", "shifted_duplicate"])
    j, k = rng.choice(p, 2, replace=False)
    if kind == "duplicate":
        X[:, k] = X[:, j]
    elif kind == "combination":  # exact in float64: small dyadic integers
        X[:, k] = X[:, j] * 2.0 - X[:, (j + 1) % p if (j + 1) % p != k else (j + 2) % p]
    elif kind == "constant":
        X[:, k] = float(rng.integers(-1000, 1000))
    else:  # r6: x_k - x_j is a constant, with a large common offset
        X[:, k] = X[:, j] + 3.0
    if rng.random() < 0.5:
        X += float(rng.integers(1, 2**20)) * 2.0 ** rng.integers(0, 10)
    X *= 2.0 ** rng.integers(-30, 31, p)  # exact column scalings
    return dict(X=X, y=_target(rng, X), note=kind)


def ols_wide(rng):
    """p > n, n = p and n = p + 1."""
    n = int(rng.integers(1, 40))
    p = int(rng.choice([n - 1, n, n + 1, n + int(rng.integers(1, 30))]))
    p = max(p, 1)
    X = rng.standard_normal((n, p))
    if rng.random() < 0.4:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 6)
    if rng.random() < 0.3:
        X *= 10.0 ** rng.uniform(-20, 20, p)
    return dict(X=X, y=rng.standard_normal(n), params={"fit_intercept": bool(rng.random() < 0.8)})


def _weights(rng, n):
    kind = rng.choice(["spread", "zeros", "heavy", "tiny", "common"])
    w = 10.0 ** rng.uniform(-2, 2, n)
    if kind == "spread":
        w = 10.0 ** rng.uniform(-30, 30, n)
    elif kind == "zeros":
        w[rng.random(n) < 0.3] = 0.0
    elif kind == "heavy":
        w[rng.integers(n)] = 10.0 ** rng.uniform(8, 20)
    elif kind == "tiny":
        w[rng.random(n) < 0.3] = 10.0 ** rng.uniform(-300, -100)
    else:
        w = np.full(n, 10.0 ** rng.uniform(-150, 150))
    return w, str(kind)


def ols_weights(rng):
    """Weights spread, with zeros, one heavy row, tiny values, or one common value."""
    n, p = _shape(rng, p_max=8)
    n = max(n, 4 * p + 8)
    X = rng.standard_normal((n, p))
    if p >= 2 and rng.random() < 0.3:  # r8: weighted and ill-conditioned
        X[:, 1] = X[:, 0] + 10.0 ** -rng.uniform(3, 7) * rng.standard_normal(n)
    if rng.random() < 0.5:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 6)
    w, kind = _weights(rng, n)
    fi = bool(rng.random() < 0.85)
    return dict(X=X, y=_target(rng, X), w=w, params={"fit_intercept": fi}, note=f"weights {kind}")


def ols_float32(rng):
    """float32 X (and sometimes y), computed exactly as given."""
    n, p = _shape(rng)
    X = (rng.standard_normal((n, p)) + rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 4)).astype(
        np.float32
    )
    y = _target(rng, X.astype(np.float64))
    if rng.random() < 0.5:
        y = y.astype(np.float32)
    return dict(X=X, y=y)


def ols_integer(rng):
    """int64 data up to 2^40 with offsets up to 2^30."""
    n, p = _shape(rng)
    hi = int(2 ** rng.integers(1, 40))
    X = rng.integers(-hi, hi + 1, (n, p)) + int(rng.integers(0, 2**30))
    y = rng.integers(-(2**20), 2**20, n)
    return dict(X=X, y=y, note=f"integers up to {hi}")


def ols_exact_fit(rng):
    """y = 0, a constant y, or an exact integer combination of the columns."""
    n, p = _shape(rng, p_max=6)
    X = _integer_design(rng, n, p)
    kind = rng.choice(["zero_y", "constant_y", "exact_integer_fit"])
    if kind == "zero_y":
        y = np.zeros(n)
    elif kind == "constant_y":
        y = np.full(n, float(rng.integers(-100, 100)) * 2.0 ** rng.integers(-40, 40))
    else:
        y = X @ rng.integers(-5, 6, p).astype(np.float64) + float(rng.integers(-50, 50))
    if rng.random() < 0.5:
        X += float(rng.integers(1, 2**24))
    return dict(X=X, y=y, note=str(kind))


def ols_multitarget(rng):
    """2-5 targets of very different scales, sometimes a zero target."""
    n, p = _shape(rng, p_max=8)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 5)
    k = int(rng.integers(2, 6))
    Y = np.column_stack([_target(rng, X) * 10.0 ** rng.uniform(-100, 100) for _ in range(k)])
    if rng.random() < 0.3:
        Y[:, rng.integers(k)] = 0.0
    w = _weights(rng, n)[0] if rng.random() < 0.3 else None
    return dict(X=X, y=Y, w=w, note=f"{k} targets")


# ------------------------------------------------------------------ ridge
def ridge_alpha(rng):
    """Ridge with alpha 1e-12..1e12 (one per target sometimes)."""
    n, p = _shape(rng, p_max=10)
    X = rng.standard_normal((n, p))
    if rng.random() < 0.5:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 6)
    if rng.random() < 0.3:
        X *= 10.0 ** rng.uniform(-100, 100, p)
    y = _target(rng, X)
    w = _weights(rng, n)[0] if rng.random() < 0.3 else None
    alpha = 10.0 ** rng.uniform(-12, 12)
    if rng.random() < 0.2:  # several targets, one alpha each
        k = int(rng.integers(2, 4))
        y = np.column_stack([y] + [_target(rng, X) for _ in range(k - 1)])
        alpha = 10.0 ** rng.uniform(-12, 12, k)
    note = f"alpha {np.array2string(np.atleast_1d(alpha), precision=1)}"
    return dict(X=X, y=y, w=w, estimator="Ridge", params={"alpha": alpha}, note=note)


def ridge_wide(rng):
    """Ridge with p >= n and alpha down to 1e-16."""
    n = int(rng.integers(2, 60))
    p = n + int(rng.integers(0, 80))
    X = rng.standard_normal((n, p))
    alpha = 10.0 ** rng.uniform(-16, 2)
    return dict(
        X=X,
        y=rng.standard_normal(n),
        estimator="Ridge",
        params={"alpha": alpha, "fit_intercept": bool(rng.random() < 0.5)},
        note=f"alpha {alpha:.1e}",
    )


def ridgecv_refit(rng):
    """RidgeCV: the final fit must be the exact ridge solution at the chosen alpha_."""
    case = ridge_alpha(rng)
    alphas = tuple(sorted(10.0 ** rng.uniform(-10, 6, int(rng.integers(2, 6)))))
    case["estimator"] = "RidgeCV"
    case["params"] = {"alphas": alphas}
    if rng.random() < 0.3:
        case["params"]["cv"] = 3
    case["y"] = np.asarray(case["y"])[:, 0] if np.ndim(case["y"]) == 2 else case["y"]
    case["note"] = f"alphas {np.array2string(np.array(alphas), precision=1)}"
    return case


# ------------------------------------------------------------------ solver paths
_HARD = (ols_offsets, ols_collinear, ols_scales, ols_rank_deficient, ols_weights)


def large_path(rng):
    """A hard OLS case on the large-problem path of solver='auto'."""
    case = _HARD[int(rng.integers(len(_HARD)))](rng)
    case["extra"] = {"force_large": True}
    return case


def explicit_solvers(rng):
    """A hard OLS case with an explicit solver."""
    case = _HARD[int(rng.integers(len(_HARD)))](rng)
    solver = str(rng.choice(["cholesky", "qr", "svd", "eigh", "extended"]))
    case.setdefault("params", {})["solver"] = solver
    case["note"] = f"solver={solver} {case.get('note', '')}"
    return case


# ------------------------------------------------------------------ inference
def _inference_design(rng, n_max=120):
    p = int(rng.integers(1, 6))
    n = int(rng.integers(p + 4, n_max))
    X = rng.standard_normal((n, p))
    if rng.random() < 0.5:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 8)
    if rng.random() < 0.3:
        X *= 10.0 ** rng.uniform(-200, 200, p)
    if p >= 2 and rng.random() < 0.4:
        X[:, 1] = X[:, 0] * (1 + 10.0 ** -rng.uniform(1, 5)) + 10.0 ** -rng.uniform(2, 8) * np.abs(
            X[:, 0]
        ).mean() * rng.standard_normal(n)
    return X


def summary_se(rng):
    """Nonrobust standard errors (const included)."""
    X = _inference_design(rng)
    w = 10.0 ** rng.uniform(-3, 3, X.shape[0]) if rng.random() < 0.3 else None
    return dict(
        X=X,
        y=_target(rng, X, noise=10.0 ** rng.uniform(-3, 0)),
        w=w,
        check="summary",
        extra={"cov_type": "nonrobust", "force_large": bool(rng.random() < 0.3)},
    )


def summary_hc(rng):
    """HC0-HC3 standard errors."""
    X = _inference_design(rng, n_max=80)
    cov_type = str(rng.choice(["HC0", "HC1", "HC2", "HC3"]))
    w = 10.0 ** rng.uniform(-3, 3, X.shape[0]) if rng.random() < 0.3 else None
    return dict(
        X=X,
        y=_target(rng, X, noise=10.0 ** rng.uniform(-3, 0)),
        w=w,
        check="summary",
        extra={"cov_type": cov_type, "force_large": bool(rng.random() < 0.3)},
        note=cov_type,
    )


def _groups(rng, n):
    """Cluster labels: 2..n/2 groups of unequal sizes, singletons sometimes, as ints or
    strings, in row order or shuffled."""
    G = int(rng.integers(2, max(3, n // 2)))
    labels = rng.integers(0, G, n)
    labels[: min(G, n)] = np.arange(min(G, n))  # every label used at least once
    labels = rng.permutation(labels)
    if rng.random() < 0.3:
        return np.array([f"g{v}" for v in labels])
    return labels


def summary_cluster(rng):
    """Cluster-robust standard errors, one- or two-way, CR1 or uncorrected."""
    X = _inference_design(rng, n_max=70)
    n = X.shape[0]
    groups = _groups(rng, n)
    if rng.random() < 0.3:
        groups = np.column_stack([np.asarray(groups).astype(str), _groups(rng, n).astype(str)])
    w = 10.0 ** rng.uniform(-3, 3, n) if rng.random() < 0.3 else None
    kwds = {"groups": groups, "use_correction": bool(rng.random() < 0.8)}
    return dict(
        X=X,
        y=_target(rng, X, noise=10.0 ** rng.uniform(-3, 0)),
        w=w,
        check="summary",
        extra={"cov_type": "cluster", "cov_kwds": kwds, "force_large": bool(rng.random() < 0.3)},
        note=f"cluster {'two' if np.ndim(groups) == 2 else 'one'}-way",
    )


def summary_hac(rng):
    """HAC (Newey-West) standard errors, bartlett or uniform kernel, rows in order."""
    X = _inference_design(rng, n_max=70)
    n = X.shape[0]
    kwds = {
        "maxlags": int(rng.integers(0, min(8, n - 1))),
        "kernel": str(rng.choice(["bartlett", "uniform"])),
        "use_correction": bool(rng.random() < 0.5),
    }
    w = 10.0 ** rng.uniform(-3, 3, n) if rng.random() < 0.3 else None
    return dict(
        X=X,
        y=_target(rng, X, noise=10.0 ** rng.uniform(-3, 0)),
        w=w,
        check="summary",
        extra={"cov_type": "HAC", "cov_kwds": kwds, "force_large": bool(rng.random() < 0.3)},
        note=f"HAC {kwds['kernel']} L={kwds['maxlags']}",
    )


def intervals(rng):
    """Confidence and prediction intervals at large offsets."""
    p = int(rng.integers(1, 5))
    n = int(rng.integers(p + 4, 100))
    offset = 10.0 ** rng.uniform(0, 8)
    X = rng.standard_normal((n, p)) + offset * rng.uniform(0.5, 1, p)
    X0 = rng.standard_normal((5, p)) * 2 + X.mean(0)
    kind = str(rng.choice(["confidence", "prediction"]))
    return dict(
        X=X,
        y=_target(rng, X, noise=10.0 ** rng.uniform(-3, 0)),
        check="interval",
        extra={"X0": X0, "interval": kind, "level": 0.95, "force_large": rng.random() < 0.3},
        note=f"{kind} offset {offset:.0e}",
    )


# ------------------------------------------------------------------ penalized
def _penalized(rng, l1_ratio):
    n, p = _shape(rng, n_max=150, p_max=10, big=0.0)
    X = rng.standard_normal((n, p))
    if rng.random() < 0.4:
        X += rng.uniform(-1, 1, p) * 10.0 ** rng.uniform(0, 4)
    if rng.random() < 0.2:
        X *= 10.0 ** rng.uniform(-50, 50, p)
    y = _target(rng, X, noise=10.0 ** rng.uniform(-3, 0))
    w, kind = _weights(rng, n) if rng.random() < 0.6 else (None, "none")
    wv = np.ones(n) if w is None else w
    xm, ym = wv @ X / wv.sum(), wv @ y / wv.sum()
    if l1_ratio > 0:  # a fraction of the smallest alpha giving the zero solution
        alpha_max = np.abs((X - xm).T @ (wv * (y - ym))).max() / wv.sum() / l1_ratio
        alpha = float(alpha_max * 10.0 ** rng.uniform(-3, 0.3))
    else:  # ridge limit: relative to the mean squared (centred, weighted) column norm
        alpha = float(np.mean(wv @ (X - xm) ** 2) / wv.sum() * 10.0 ** rng.uniform(-4, 2))
    est = "Lasso" if l1_ratio == 1.0 else "ElasticNet"
    params = {"alpha": alpha} if est == "Lasso" else {"alpha": alpha, "l1_ratio": l1_ratio}
    return dict(
        X=X,
        y=y,
        w=w,
        estimator=est,
        params=params,
        check="kkt",
        extra={"l1_ratio": l1_ratio},
        note=f"weights {kind}, alpha {alpha:.2e}",
    )


def lasso_kkt(rng):
    """Lasso optimality at the returned coefficients."""
    return _penalized(rng, 1.0)


def enet_kkt(rng):
    """ElasticNet optimality (l1_ratio 0, 0.1, 0.5, 0.9)."""
    return _penalized(rng, float(rng.choice([0.0, 0.1, 0.5, 0.9])))


def positive_kkt(rng):
    """Lasso/ElasticNet with ``positive=True``: the constrained problem's KKT conditions
    (one-sided on the zero coefficients), dense or sparse X."""
    case = _penalized(rng, float(rng.choice([1.0, 1.0, 0.5, 0.1])))
    case["params"]["positive"] = True
    case["extra"]["positive"] = True
    if rng.random() < 0.3:
        case["extra"]["sparse"] = str(rng.choice(["csr", "csc"]))
    return case


def sparse_kkt(rng):
    """Lasso/ElasticNet on scipy.sparse X (zeros in random places), with or without
    ``positive``: the sparse coordinate-descent kernel's KKT conditions."""
    case = _penalized(rng, float(rng.choice([1.0, 0.5, 0.1])))
    if rng.random() < 0.3:
        case["params"]["positive"] = True
        case["extra"]["positive"] = True
    X = np.array(case["X"])
    X[rng.random(X.shape) < rng.uniform(0.3, 0.95)] = 0.0
    case["X"] = X
    case["extra"]["sparse"] = str(rng.choice(["csr", "csc", "coo"]))
    return case


# ------------------------------------------------------------------ invariances
def lassocv_kkt(rng):
    """LassoCV/ElasticNetCV: the final fit must satisfy the KKT conditions at alpha_."""
    l1_ratio = float(rng.choice([1.0, 0.5]))
    case = _penalized(rng, l1_ratio)
    case["estimator"] = "LassoCV" if l1_ratio == 1.0 else "ElasticNetCV"
    case["params"] = {"cv": 3, "alphas": int(rng.integers(5, 20))}
    if l1_ratio != 1.0:
        case["params"]["l1_ratio"] = l1_ratio
    return case


def invariances(rng):
    base = [ols_offsets, ols_collinear, ols_weights, ols_scales][int(rng.integers(4))](rng)
    transform = str(rng.choice(["permute_rows", "duplicate_rows_vs_weights", "scale_columns"]))
    base["check"] = "invariance"
    base["extra"] = {"transform": transform}
    base["note"] = f"{transform} {base.get('note', '')}"
    return base


# ------------------------------------------------------------------ trainers and sources
#: The iterative trainers' solvers, and the optimizers drawn for solver="torch".
TRAINER_SOLVERS = ("gd", "autograd", "torch")
TORCH_OPTIMIZERS = ("sgd", "momentum", "nesterov", "lbfgs")


def trainers(rng):
    """gd / autograd / torch on small, badly scaled problems: the certified bound must hold.

    Offsets up to 1e6, scales 1e-3..1e3, sometimes two correlated columns and weights;
    ``tol=1e-10`` and a bounded ``max_iter`` (an IterationLimitWarning is then due).
    """
    p = int(rng.integers(1, 7))
    n = int(rng.integers(p + 3, 201))
    X = rng.standard_normal((n, p))
    if p >= 2 and rng.random() < 0.3:  # correlation 1 - 1e-1 .. 1 - 1e-4
        X[:, 1] = X[:, 0] + 10.0 ** -rng.uniform(0.5, 2) * rng.standard_normal(n)
    if rng.random() < 0.6:
        X += rng.choice([-1, 1], p) * 10.0 ** rng.uniform(0, 6, p)
    X *= 10.0 ** rng.uniform(-3, 3, p)
    y = _target(rng, X, noise=10.0 ** rng.uniform(-6, 0))
    w = None
    if rng.random() < 0.4:
        w = 10.0 ** rng.uniform(-2, 2, n) if rng.random() < 0.7 else _weights(rng, n)[0]
    solver = str(rng.choice(TRAINER_SOLVERS))
    params = {"solver": solver, "tol": 1e-10, "max_iter": int(rng.choice([300, 600]))}
    params["fit_intercept"] = bool(rng.random() < 0.85)
    if solver == "torch":
        params["optimizer"] = str(rng.choice(TORCH_OPTIMIZERS))
        params["random_state"] = int(rng.integers(1000))
    est = "Ridge" if rng.random() < 0.4 else "LinearRegression"
    if est == "Ridge":
        params["alpha"] = float(10.0 ** rng.uniform(-3, 2))
    opt = params.get("optimizer", "")
    note = f"{est} solver={solver}{'/' + opt if opt else ''} weights={w is not None}"
    return dict(X=X, y=y, w=w, estimator=est, params=params, note=note)


#: Rows per batch of the streamed family (small: many batches, a ragged last one).
STREAM_BATCH = 37


def streamed(rng):
    """The hard OLS data (and some summaries) fitted from a Parquet file or Dask arrays.

    The data are written to a temporary Parquet file and fitted with
    ``linreg.scan(path, target="y", weights="w", batch_size=37)`` (or 7 or 1000 rows),
    or, 30% of the time, given as dask.arrays of NumPy chunks of that many rows (the
    default threaded scheduler), on the Moments-only path of solver="auto";
    ``summary().bse`` makes a second pass over the source.
    """
    if rng.random() < 0.25:
        case = summary_se(rng)
        case["extra"] = {"cov_type": "nonrobust"}
    else:
        case = _HARD[int(rng.integers(len(_HARD)))](rng)
    source = "dask" if rng.random() < 0.3 else "parquet"
    case.setdefault("extra", {})["source"] = source
    case["extra"]["batch_size"] = int(rng.choice([STREAM_BATCH, STREAM_BATCH, 7, 1000]))
    case["note"] = f"{source} batch {case['extra']['batch_size']} {case.get('note', '')}".strip()
    return case


# ------------------------------------------------------------------ issue 14 routes
def _sparsify(rng, case):
    """Zero a random share of X's entries (the exact reference sees the same zeros) and
    ask the runner to pass X as a scipy.sparse matrix or array of a random format."""
    X = np.array(case["X"], dtype=np.float64)
    X[rng.random(X.shape) < rng.uniform(0.3, 0.97)] = 0.0
    case["X"] = X
    case.setdefault("extra", {})
    case["extra"]["sparse"] = str(rng.choice(["csr", "csc", "coo", "csr_array", "csc_array"]))
    case["note"] = f"{case['extra']['sparse']} {case.get('note', '')}".strip()
    return case


def sparse_fits(rng):
    """LinearRegression/Ridge on scipy.sparse X: offsets, weights, scales, wide shapes,
    several targets, tiny and huge alphas (the exact sparse-Moments and CG/LSQR routes)."""
    bases = [
        ols_offsets,
        ols_weights,
        ols_scales,
        ols_wide,
        ols_multitarget,
        ridge_alpha,
        ridge_wide,
    ]
    return _sparsify(rng, bases[int(rng.integers(len(bases)))](rng))


def ridge_named_solvers(rng):
    """Ridge with scikit-learn's solver names (lsqr, sparse_cg, sag, saga), which run that
    method stopped by a certified bound; dense or sparse X."""
    case = ridge_alpha(rng) if rng.random() < 0.7 else ridge_wide(rng)
    case["params"]["solver"] = str(rng.choice(["lsqr", "sparse_cg", "sag", "saga"]))
    case["params"]["random_state"] = int(rng.integers(1000))
    case["note"] = f"solver {case['params']['solver']} {case.get('note', '')}"
    return _sparsify(rng, case) if rng.random() < 0.3 else case


# ------------------------------------------------------------------ issue 16: absorbed effects
def _factor_codes(rng, n):
    """(n, Q) level codes of 1-3 factors: unbalanced, singletons and singleton chains,
    disconnected components (two factors), a factor nested in another."""
    Q = int(rng.choice([1, 2, 2, 3]))
    G = rng.integers(2, max(3, min(41, n // 3)), Q)  # most rows survive the singletons
    cols = []
    for g in G:
        share = rng.dirichlet(np.full(int(g), 10.0 ** rng.uniform(-1, 1)))
        col = rng.choice(int(g), n, p=share)
        col[: min(int(g), n)] = rng.permutation(int(g))[: min(int(g), n)]  # levels met
        cols.append(col)
    codes = np.column_stack(cols)
    kinds = []
    if Q >= 2 and rng.random() < 0.25:  # two disconnected blocks of levels
        half = rng.random(n) < 0.5
        codes[:, 1] = np.where(half, codes[:, 1] % 2, 2 + codes[:, 1] % 3)
        codes[:, 0] = np.where(half, 2 * (codes[:, 0] // 2), 2 * (codes[:, 0] // 2) + 1)
        kinds.append("components")
    if Q >= 2 and rng.random() < 0.25:  # factor 1 nested in factor 0, or the reverse
        a, b = (0, 1) if rng.random() < 0.5 else (1, 0)
        codes[:, b] = codes[:, a] // int(rng.integers(2, 5))
        kinds.append(f"f{a} nested in f{b}")
    if rng.random() < 0.5:  # singletons, and a chain: removing one frees the next
        k = int(rng.integers(1, 6))
        rows = rng.choice(n, min(k, n), replace=False)
        chain = Q >= 2 and len(rows) >= 2
        alone = np.delete(rows, 1) if chain else rows
        codes[alone, 0] = codes[:, 0].max() + 1 + np.arange(len(alone))
        if chain:  # rows[1] shares a new level of f1 with the singleton rows[0] only
            codes[rows[:2], 1] = codes[:, 1].max() + 1
        kinds.append(f"{len(rows)} singletons")
    return codes, kinds


def _near_absorbed(rng, codes, n):
    """A column equal to a level constant (sometimes of two factors, dyadic integers so
    the sum is exact) plus noise of relative size 1e-3..1e-12, or exactly (delta 0)."""
    q = int(rng.integers(codes.shape[1]))
    const = rng.standard_normal(codes[:, q].max() + 1)[codes[:, q]]
    if codes.shape[1] >= 2 and rng.random() < 0.3:
        const = rng.integers(-50, 51, codes[:, 0].max() + 1)[codes[:, 0]] + rng.integers(
            -50, 51, codes[:, 1].max() + 1
        )[codes[:, 1]] * 0.5
    delta = 0.0 if rng.random() < 0.35 else 10.0 ** -rng.uniform(3, 12)
    return const + delta * np.std(const) * rng.standard_normal(n), delta


def absorbed(rng):
    """Absorbed fixed effects (``fit(X, y, absorb=codes)``): 1-3 factors of 2..40 levels
    (unbalanced, singletons, chains, disconnected, nested), offsets, scales, weights,
    near-absorbed or exactly level-constant regressors, two targets; 20% streamed."""
    n = int(rng.integers(1000, 1501)) if rng.random() < 0.03 else int(rng.integers(12, 301))
    p = int(rng.integers(1, 7))
    codes, kinds = _factor_codes(rng, n)
    X = rng.standard_normal((n, p))
    if rng.random() < 0.4:
        j = int(rng.integers(p))
        X[:, j], delta = _near_absorbed(rng, codes, n)
        kinds.append(f"x{j} level-constant + {delta:.0e}")
    if rng.random() < 0.4:
        X += rng.choice([-1, 1], p) * 10.0 ** rng.uniform(0, 8, p) * np.std(X, 0)
    if rng.random() < 0.25:
        X *= 10.0 ** rng.uniform(-100, 100, p)
    effects = sum(rng.standard_normal(codes[:, q].max() + 1)[codes[:, q]]
                  for q in range(codes.shape[1]))  # fmt: skip
    y = _target(rng, X) + effects * 10.0 ** rng.uniform(-2, 2)
    if rng.random() < 0.3:
        y = y + rng.choice([-1, 1]) * 10.0 ** rng.uniform(0, 8) * np.std(y)
    if rng.random() < 0.2:
        y = y * 10.0 ** rng.uniform(-100, 100)
    w = None
    if rng.random() < 0.4:
        spread = 8 if rng.random() < 0.3 else 1  # 1e-8..1e8 (slow to demean), or mild
        w = 10.0 ** rng.uniform(-spread, spread, n)
        if rng.random() < 0.4:
            w[rng.random(n) < 0.2] = 0.0
            kinds.append("zero weights")
    extra = {"codes": codes, "labels": "frame" if rng.random() < 0.2 else "codes"}
    if rng.random() < 0.2:
        extra["source"] = "parquet"
        extra["batch_size"] = int(rng.choice([7, 37, 37, 1000]))
        extra.pop("labels")
    elif rng.random() < 0.2:
        y = np.column_stack([y, _target(rng, X) * 10.0 ** rng.uniform(-50, 50)])
        kinds.append("two targets")
    if np.ndim(y) == 1 and rng.random() < 0.5:
        extra["cov_type"] = str(rng.choice(["nonrobust", "cluster"]))
    Q = codes.shape[1]
    note = f"Q={Q} G={[int(codes[:, q].max()) + 1 for q in range(Q)]} " + ", ".join(kinds)
    if extra.get("source"):
        note = f"parquet batch {extra['batch_size']} " + note
    if extra.get("cov_type"):
        note += f" bse {extra['cov_type']}"
    return dict(X=X, y=y, w=w, check="absorbed", extra=extra, note=note.strip())


FAMILIES = {
    f.__name__: f
    for f in (
        ols_offsets,
        ols_scales,
        ols_collinear,
        ols_rank_deficient,
        ols_wide,
        ols_weights,
        ols_float32,
        ols_integer,
        ols_exact_fit,
        ols_multitarget,
        ridge_alpha,
        ridge_wide,
        ridgecv_refit,
        large_path,
        explicit_solvers,
        summary_se,
        summary_hc,
        summary_cluster,
        summary_hac,
        intervals,
        lasso_kkt,
        enet_kkt,
        lassocv_kkt,
        positive_kkt,
        sparse_kkt,
        sparse_fits,
        ridge_named_solvers,
        invariances,
        trainers,
        streamed,
        absorbed,
    )
}


def make_case(family: str, seed: int) -> Case:
    """The deterministic case ``(family, seed)``."""
    spec = FAMILIES[family](_rng(family, seed))
    return Case(family=family, seed=seed, **spec)
