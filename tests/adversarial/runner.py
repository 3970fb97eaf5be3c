"""Run one adversarial case against its exact reference and classify the outcome.

Classes (a case fails if its error exceeds ``max(1e-6, 100 * stated bound)``):

``ok``             within tolerance, and any warning was true
``refused``        a documented ``ValueError`` with a message (fine)
``silent_wrong``   out of tolerance with no AccuracyWarning/RankDeficientWarning/
                   ConvergenceWarning
``crash``          any other exception (or a ValueError without a message)
``promise_broken`` out of tolerance on an exactly rank-deficient OLS design whose only
                   warning is the RankDeficientWarning, which promises the
                   minimum-norm solution (the answer is neither accurate nor the one
                   the warning names: a silent wrong answer under a warning)
``false_rank``     out of tolerance under a RankDeficientWarning alone, on a design that
                   is exactly full rank with an equilibrated condition number below
                   ``FALSE_RANK_KAPPA`` (the warning names a cause that is not there)
``warned_wrong``   out of tolerance, with a warning (allowed)
``warned_fine``    a warning on an answer within 1e-6 (a false alarm); a
                   RankDeficientWarning on an exactly rank-deficient OLS design is true
``ref_error``      the reference itself failed (a defect of this suite, never of linreg)

``bound_missed`` is recorded alongside: within 1e-6, silent, but the error exceeds
100 times the ``error_estimate`` linreg states.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import absorbed, exact, inference
from .families import Case, make_case

TOL = 1e-6
BOUND_FACTOR = 100.0
#: A RankDeficientWarning on an exactly full-rank design whose equilibrated (centred,
#: weighted) condition number is below this is untrue: linreg's extended path solves
#: such problems exactly (documented up to ~1e14).
FALSE_RANK_KAPPA = 1e12
#: ...checked up to this many features (mpmath eigenvalues).
FALSE_RANK_MAX_FEATURES = 30
#: Documented optimality tolerance of Lasso/ElasticNet (relative to alpha).
KKT_BOUND = 1e-8


@dataclass
class Result:
    family: str
    seed: int
    cls: str
    err: float = 0.0
    bound: float = float("nan")
    warnings: list = field(default_factory=list)
    message: str = ""
    note: str = ""
    fits: int = 1
    bound_missed: bool = False
    #: silent and ``err > 1e-6``, but within 100 x a stated bound that exceeds 1e-8
    loose_bound: bool = False

    def repro(self) -> str:
        return (
            f"python -m tests.adversarial.fuzz --repro {self.family} {self.seed}  # {self.cls}: "
            f"err {self.err:.2e} vs bound {self.bound:.1e}; {self.note}; "
            f"warnings={self.warnings} {self.message}"
        ).strip()


def _warning_classes():
    from sklearn.exceptions import ConvergenceWarning

    import linreg

    return (linreg.AccuracyWarning, linreg.RankDeficientWarning, ConvergenceWarning)


@contextlib.contextmanager
def forced_large_path(active: bool):
    """Make every in-memory problem take the large-problem path of solver="auto"."""
    from linreg.solvers import auto

    name = "EXTENDED_MAX_ENTRIES"
    old = getattr(auto, name, None)
    if active and old is not None:
        setattr(auto, name, 0)
    try:
        yield
    finally:
        if active and old is not None:
            setattr(auto, name, old)


def _estimator(case: Case):
    import linreg

    return getattr(linreg, case.estimator)(**case.params)


def _fit(case: Case, X=None, y=None, w=None, folder=None):
    X = case.X if X is None else X
    y = case.y if y is None else y
    w = case.w if w is None else w
    if folder is not None:  # the streamed family: the same rows from a Parquet file
        return _estimator(case).fit(_parquet_source(case, folder))
    if case.extra.get("source") == "dask":  # or from Dask arrays (threaded scheduler)
        X, y, w = _dask_arrays(case)
    if case.extra.get("sparse"):  # the same rows as a scipy.sparse matrix / array
        X = _sparse(case.extra["sparse"], X)
    return _estimator(case).fit(X, y, sample_weight=w)


def _sparse(fmt: str, X):
    """``X`` in the scipy.sparse format ``fmt`` ("csr", "csc", "coo", "csr_array", ...)."""
    from scipy import sparse

    kind = fmt if fmt.endswith("_array") else f"{fmt}_matrix"
    return getattr(sparse, kind)(X)


def _dask_arrays(case: Case):
    """The case's X, y, w as dask.arrays from NumPy, ``batch_size`` rows per chunk."""
    import dask.array as da

    rows = case.extra["batch_size"]
    X = da.from_array(np.asarray(case.X, dtype=np.float64), chunks=(rows, case.X.shape[1]))
    y = da.from_array(np.asarray(case.y, dtype=np.float64), chunks=rows)
    w = None if case.w is None else da.from_array(np.asarray(case.w), chunks=rows)
    return X, y, w


def _parquet_source(case: Case, folder: str):
    """Write the case's X, y (and w) to ``folder/data.parquet``; ``linreg.scan`` of it."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    import linreg

    X = np.asarray(case.X, dtype=np.float64)  # float64 holds every value of X exactly
    cols = {f"x{j}": X[:, j] for j in range(X.shape[1])}
    cols["y"] = np.asarray(case.y, dtype=np.float64)
    if case.w is not None:
        cols["w"] = np.asarray(case.w, dtype=np.float64)
    path = os.path.join(folder, "data.parquet")
    pq.write_table(pa.table(cols), path)
    weights = "w" if case.w is not None else None
    return linreg.scan(path, target="y", weights=weights, batch_size=case.extra["batch_size"])


@contextlib.contextmanager
def _folder(case: Case):
    """A temporary folder for a case read from a file (None for in-memory cases)."""
    import tempfile

    if case.extra.get("source") != "parquet":
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="linreg-adv-") as folder:
        yield folder


# ------------------------------------------------------------------ linreg side
def _run_linreg(case: Case) -> dict:
    """Everything linreg returns for the case (the only code whose exceptions count)."""
    check = case.check
    if check == "absorbed":  # fixed effects: fit(absorb=...) or a scan of a Parquet file
        return absorbed.run_linreg(case)
    out = {}
    with forced_large_path(case.extra.get("force_large", False)), _folder(case) as folder:
        if check == "invariance":
            a_case, b_data, back = _transformed(case)
            out["a"] = _fit(a_case)
            out["b"] = _fit(case, *b_data)
            out["back"] = back
            out["a_case"] = a_case
            return out
        model = _fit(case, folder=folder)
        out["model"] = model
        if check == "summary":
            kwds = case.extra.get("cov_kwds", {})
            out["bse"] = model.summary(cov_type=case.extra["cov_type"], **kwds).bse
        elif check == "interval":
            out["pred"] = model.predict(
                case.extra["X0"], interval=case.extra["interval"], level=case.extra["level"]
            )
    return out


def _transformed(case: Case):
    """``(case A, data B, map of B's coefficients back)`` with the same exact answer."""
    rng = np.random.default_rng(case.seed)
    n, p = case.X.shape
    t = case.extra["transform"]
    w = case.w
    if t == "permute_rows":
        perm = rng.permutation(n)
        wb = None if w is None else w[perm]
        return case, (case.X[perm], case.y[perm], wb), lambda c: c
    if t == "duplicate_rows_vs_weights":
        m = rng.integers(1, 4, n)
        base = np.ones(n) if w is None else w
        a_case = Case(**{**case.__dict__, "w": base * m})
        return (
            a_case,
            (np.repeat(case.X, m, 0), np.repeat(case.y, m, 0), np.repeat(base, m)),
            (lambda c: c),
        )
    s = 2.0 ** rng.integers(-40, 41, p)  # exact power-of-two column scalings
    return case, (case.X * s, case.y, w), lambda c: np.asarray(c) * s


# ------------------------------------------------------------------ reference side
def _fit_error(case: Case, model, X, y, w, back=lambda c: c):
    """(error, coefficient error, stated bound, exactly rank deficient) of one fit."""
    fi = model.fit_intercept
    alpha = {"Ridge": "alpha", "RidgeCV": "alpha_"}.get(case.estimator)
    alpha = None if alpha is None else getattr(model, alpha)
    ref = exact.solve_exact(X, y, w, fi, alpha)
    intercept = model.intercept_ if fi else np.zeros(len(ref.coef))
    err_c, err_b = exact.coef_error(ref, back(model.coef_), intercept)
    sol = getattr(model, "solution_", None)
    bound = float(getattr(sol, "error_estimate", float("nan")))
    # a float32 result (scikit-learn's dtype rule) cannot be closer than its rounding
    if np.isfinite(bound):
        bound = max(bound, float(np.finfo(np.asarray(model.coef_).dtype).eps))
    deficient = ref.rank_deficient and case.estimator == "LinearRegression"
    return max(err_c, err_b), err_c, bound, deficient


def _measure(case: Case, out: dict):
    """``(error, stated bound, whether a RankDeficientWarning is true, bound missed)``."""
    check = case.check
    if check == "invariance":
        a_case = out["a_case"]
        ea, ca, ba, da = _fit_error(a_case, out["a"], a_case.X, a_case.y, a_case.w)
        eb, cb, bb, db = _fit_error(a_case, out["b"], a_case.X, a_case.y, a_case.w, out["back"])
        missed = _missed(ca, ba) or _missed(cb, bb)
        return max(ea, eb), np.nanmax([ba, bb]), da, missed
    if check == "absorbed":
        return absorbed.measure(case, out)
    model = out["model"]
    if check == "coef":
        err, err_c, bound, deficient = _fit_error(case, model, case.X, case.y, case.w)
        return err, bound, deficient, _missed(err_c, bound)
    fi = model.fit_intercept
    if check == "kkt":
        viol, berr = inference.kkt_violation(
            case.X,
            case.y,
            case.w,
            model.coef_,
            model.intercept_,
            getattr(model, "alpha_", None) or case.params["alpha"],
            getattr(model, "l1_ratio_", None) or case.extra["l1_ratio"],
            fi,
            positive=case.extra.get("positive", False),
        )
        return max(viol, berr), KKT_BOUND, False, False
    ref = inference.exact_wls(case.X, case.y, case.w, fi)
    if check == "summary":
        cov = _exact_covariance(ref, case)
        return (
            exact.rel_error_vec(out["bse"], inference.standard_errors(cov)),
            math.nan,
            False,
            False,
        )
    fits, halves, floors = inference.interval_reference(
        ref, case.extra["X0"], fi, case.extra["interval"], case.extra["level"]
    )
    return _interval_error(out["pred"], fits, halves, floors), math.nan, False, False


def _exact_covariance(ref, case: Case):
    """The exact ``cov_params()`` of the case's covariance type."""
    kind, kwds = case.extra["cov_type"], case.extra.get("cov_kwds", {})
    if kind == "cluster":
        return inference.cluster_covariance(ref, kwds["groups"], kwds.get("use_correction", True))
    if kind == "HAC":
        return inference.hac_covariance(
            ref, kwds["maxlags"], kwds.get("kernel", "bartlett"), kwds.get("use_correction", False)
        )
    return inference.covariance(ref, kind)


def _interval_error(pred, fits, halves, floors) -> float:
    """Largest error of fit, lower and upper beyond the float64 rounding floor of the
    prediction, relative to the exact half width."""
    import mpmath

    pred = np.asarray(pred, dtype=np.float64)
    if not np.isfinite(pred).all():
        return float("inf")
    worst = 0.0
    for row, f, h, floor in zip(pred, fits, halves, floors):
        for got, want in zip(row, (f, f - h, f + h)):
            excess = max(abs(mpmath.mpf(float(got)) - want) - floor, 0)
            worst = max(worst, float(excess / h) if h else (math.inf if excess else 0.0))
    return worst


def _missed(err_c: float, bound: float) -> bool:
    return bool(np.isfinite(bound) and err_c > BOUND_FACTOR * bound and err_c <= TOL)


# ------------------------------------------------------------------ classification
def classify(err, bound, warned, deficient, only_rank_warnings) -> str:
    threshold = max(TOL, BOUND_FACTOR * bound) if np.isfinite(bound) else TOL
    if not err <= threshold:  # NaN counts as wrong
        if warned and deficient and only_rank_warnings:
            return "promise_broken"
        return "warned_wrong" if warned else "silent_wrong"
    if warned and err > TOL:  # within a stated bound that is itself out of tolerance
        return "warned_wrong"
    if warned and not (deficient and only_rank_warnings):
        return "warned_fine"
    return "ok"


def _raised_in(exc: BaseException) -> str:
    """The file (relative to site-packages or src) of the frame that raised ``exc``."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_filename if tb is not None else "?"
    for marker in ("site-packages/", "src/"):
        if marker in name:
            return name.split(marker, 1)[1]
    return name


def _documented(origin: str) -> bool:
    """A ValueError raised by linreg's own checks or scikit-learn's input validation
    (not one leaking out of numpy.linalg, scipy.linalg or LAPACK)."""
    return origin.startswith("linreg/") or origin.startswith("sklearn/utils/validation")


def run_case(case: Case) -> Result:
    """Fit, compare with the exact reference, classify."""
    kinds = _warning_classes()
    res = Result(case.family, case.seed, "ok", note=case.note)
    res.fits = 2 if case.check == "invariance" else 1
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            out = _run_linreg(case)
        except ValueError as exc:
            origin = _raised_in(exc)
            res.cls = "refused" if str(exc) and _documented(origin) else "crash"
            res.message = f"ValueError ({origin}): {str(exc)[:160]}"
            return res
        except Exception as exc:  # noqa: BLE001 - anything else is a crash
            res.cls, res.message = "crash", f"{type(exc).__name__}: {str(exc)[:160]}"
            return res
    ours = [r for r in rec if issubclass(r.category, kinds)]
    res.warnings = sorted({r.category.__name__ for r in ours})
    try:
        err, bound, deficient, missed = _measure(case, out)
    except Exception as exc:  # noqa: BLE001 - the suite's own defect, reported apart
        res.cls, res.message = "ref_error", f"{type(exc).__name__}: {str(exc)[:160]}"
        return res
    res.err, res.bound = float(err), float(bound)
    only_rank = all(r.category.__name__ == "RankDeficientWarning" for r in ours)
    res.cls = classify(res.err, res.bound, bool(ours), deficient, only_rank)
    if res.cls == "warned_fine" and all(_is_iteration_limit(r.category) for r in ours):
        res.cls = "ok"  # a stop at max_iter before tol is a fact, not a false alarm
    res.bound_missed = missed and res.cls == "ok" and not ours
    res.loose_bound = res.cls == "ok" and not ours and res.err > TOL
    if ours and res.cls != "ok":
        res.message = str(ours[0].message)[:120]
    plain = case.estimator == "LinearRegression" and case.check != "absorbed"
    if res.cls == "warned_wrong" and only_rank and plain:
        _check_rank_warning(case, res)
    return res


def _is_iteration_limit(category) -> bool:
    """An IterationLimitWarning: a trainer stopped at ``max_iter`` before ``tol`` (true
    by construction; its accuracy claim is judged by the error against the bound)."""
    return category.__name__ == "IterationLimitWarning"


def _check_rank_warning(case: Case, res: Result) -> None:
    """Reclassify a wrong answer under a RankDeficientWarning as ``false_rank`` when the
    design as given is full rank and well within float64's reach."""
    fi = case.params.get("fit_intercept", True)
    ref = exact.solve_exact(case.X, case.y, case.w, fi)
    if ref.rank_deficient or ref.gram.rows > FALSE_RANK_MAX_FEATURES:
        return
    kappa = exact.equilibrated_condition(ref)
    if kappa >= FALSE_RANK_KAPPA:
        return
    score = documented_rank_score(case)
    if score >= RANK_RULE_SLACK:
        # The documented rule (README "Accuracy contract") calls a column aliased when
        # its distance to the earlier columns is within the rounding of its values:
        # the warning is true to that rule, so the answer is warned-and-wrong.
        res.message = f"exact kappa {kappa:.1e}, within the documented rank rule; " + res.message
        return
    res.cls = "false_rank"
    res.message = f"exact kappa {kappa:.1e}; " + res.message


#: A rank warning counts as true to the documented rule when some column's score
#: reaches this fraction of the rule's threshold (1): slack for the rounding of the
#: exactly centred design computed here in float64.
RANK_RULE_SLACK = 0.1

GRAM_SOLVERS = ("eigh", "cholesky")
#: Chunked sources: the fit sees the merged Moments alone.
SOURCES = ("parquet", "dask")


def documented_rank_score(case: Case) -> float:
    """The largest ``sum_k u_k |(R^-1)_kj|`` over columns j: the README's rank rule
    (aliased when it reaches 1), evaluated independently of linreg on the design
    centred with an exactly summed weighted mean.

    ``u_j = max(n, p) eps + 2 eps r_j / ||x_j - xbar_j||_w`` with
    ``r_j = min(||x_j||_w, max_i |x_ij| sqrt(W - w_max))``; Gram-based solvers raise it
    to ``sqrt(16 q eps)``.
    """
    eps = np.finfo(float).eps
    X = np.asarray(case.X, dtype=np.float64)
    n, p = X.shape
    w = np.ones(n) if case.w is None else np.asarray(case.w, dtype=np.float64)
    keep = w > 0
    X, w = X[keep], w[keep]
    W = math.fsum(w)
    if case.params.get("fit_intercept", True):
        mean = np.array([math.fsum(w * X[:, j]) / W for j in range(p)])
        centred = X - mean
        centred -= np.array([math.fsum(w * centred[:, j]) / W for j in range(p)])
    else:
        centred = X.copy()
    A = centred * np.sqrt(w)[:, None]
    norms = np.linalg.norm(A, axis=0)
    if not np.all(norms > 0):
        return np.inf
    raw = np.linalg.norm(X * np.sqrt(w)[:, None], axis=0)
    spread = np.max(np.abs(X), axis=0) * math.sqrt(max(W - w.max(), 0.0))
    r = np.minimum(raw, spread)
    u = max(n, p) * eps + 2 * eps * r / norms
    if case.params.get("solver") in GRAM_SOLVERS or case.extra.get("source") in SOURCES:
        # a streamed fit sees the Moments alone: the Gram view of the rule
        u = np.maximum(u, math.sqrt(16 * p * eps))
    R = np.linalg.qr(A / norms, mode="r")
    try:
        Rinv = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        return np.inf
    return float(np.max(u @ np.abs(Rinv)))


def run(family: str, seed: int) -> Result:
    return run_case(make_case(family, seed))
