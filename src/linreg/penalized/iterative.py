"""The elastic net by the iterative trainers, certified as coordinate descent is.

:func:`fit_enet_iterative` trains the elastic net with the proximal trainers of
:mod:`linreg.training.proximal` (``"gd"``: FISTA in NumPy, ``"torch"``: proximal SGD)
on the standardized problem (see that module for the objective in both coordinates),
and stops on :class:`DualityGapCertificate`, the coordinate-descent solver's rule with
its duality gap function on the Gram matrix from the Moments: the duality gap (plus the
exact excess ``(b0 - b0*)^2 / 2`` of a not-yet-optimal intercept) at most ``tol`` times
the objective, and the optimality (KKT) conditions met to ``1e-8 alpha``.

The dependency runs one way: this package uses :mod:`linreg.training`, which does not
import :mod:`linreg.penalized`.  The numba kernels are imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..moments import Moments
from ..solution import Solution
from ..training.loop import TrainingConfig, train
from ..training.problem import StandardizedProblem, standardize
from ..training.proximal import ProximalGradient, proximal_torch_trainer
from .solve import GramData


class DualityGapCertificate:
    """The coordinate-descent stopping rule for the trainers' standardized parameters.

    Maps ``(coef, intercept)`` (standardized) to the data's units, computes the gradient
    ``g = q - G b`` from the (centred) Gram matrix of the Moments, the duality gap with
    :func:`linreg.penalized._kernels.duality_gap` (the profiled-intercept problem) plus
    ``delta^2 / 2`` for an intercept ``delta`` away from its optimum given ``b`` (exact:
    the data term is quadratic in the intercept with unit curvature), and the KKT
    violation (``delta`` included).  Converged, per target: ``gap <= tol * F`` (or at
    its rounding floor, that of the gradient ``g`` included) and KKT violation
    ``<= max(1e-8 alpha, 1e3 eps max||x_j|| ||y||/W)``, the same rule as coordinate
    descent.  Returns ``(max relative gap, converged)``.
    """

    what = "relative duality gap"

    def __init__(
        self, problem: StandardizedProblem, moments: Moments, l1, l2, tol, positive=False
    ):
        from . import _kernels  # numba: compiled (or loaded from cache) on first use

        self._kernels = _kernels
        self.problem = problem
        self.data = GramData.from_moments(moments, problem.fit_intercept)
        self.l1, self.l2, self.tol = float(l1), float(l2), float(tol)
        self.positive = bool(positive)
        diag = np.diag(self.data.G)
        self._abs_gram = np.abs(self.data.G)
        self.gscale = np.sqrt(max(np.max(diag, initial=0.0), 0.0) * np.maximum(self.data.c, 0.0))
        # weighted means of the standardized columns (zero up to rounding), for the
        # optimal intercept c*(B) = tbar - zbar'B; exactly zero for a streamed problem,
        # whose shifts are the Moments' means (it holds no rows)
        k = moments.n_targets
        if problem.Z is None:
            self.zbar, self.tbar = np.zeros(moments.n_features), np.zeros(k)
        else:
            w = problem.w
            self.zbar = w @ problem.Z / w.sum()
            self.tbar = w @ problem.T / w.sum()
        self.gap, self.objective = np.full(k, np.inf), np.full(k, np.inf)
        self.objectives = []  # the data-units objective after every epoch (mean over targets)

    def evaluate(self, coef, intercept):
        """(gap (k,), objective (k,), converged (k,)) in the data's units."""
        p, d, K = self.problem, self.data, self._kernels
        coef = np.atleast_2d(coef)
        k = coef.shape[0]
        b_all = coef * p.y_scale[:, None] / p.x_scale[None, :]
        if p.fit_intercept:
            delta = p.y_scale * (np.asarray(intercept) - (self.tbar - coef @ self.zbar))
        else:
            delta = np.zeros(k)
        gap, obj, ok = np.empty(k), np.empty(k), np.zeros(k, dtype=bool)
        kkt_tol = K.KKT_TOL * (self.l1 + self.l2)
        for t in range(k):
            b = np.ascontiguousarray(b_all[t])
            g = d.q[:, t] - d.G @ b
            rr = d.c[t] - d.q[:, t] @ b - b @ g
            gap_t, primal, _, floor = K.duality_gap(b, g, rr, self.l1, self.l2, self.positive)
            excess = 0.5 * delta[t] ** 2
            gap[t], obj[t] = gap_t + excess, primal + excess
            # g = q - G b carries rounding of about eps (|q| + |G| |b|) per entry, which
            # w'g (so the gap) carries times |b|: large for an uncentred G (no intercept,
            # columns far from 0), where the kernel's floor, given g, does not see it
            floor += 2.0 * K.EPS * (np.abs(b) @ (np.abs(d.q[:, t]) + self._abs_gram @ np.abs(b)))
            small = gap[t] <= self.tol * obj[t] or gap[t] <= floor
            kkt = max(K.kkt_violation(b, g, self.l1, self.l2, self.positive), abs(delta[t]))
            ok[t] = small and kkt <= max(kkt_tol, 1e3 * K.EPS * self.gscale[t])
        return gap, obj, ok

    def __call__(self, coef, intercept):
        self.gap, self.objective, ok = self.evaluate(coef, intercept)
        self.objectives.append(float(np.mean(self.objective)))
        relative = self.gap / np.where(self.objective > 0, self.objective, 1.0)
        return float(np.max(relative)), bool(np.all(ok))


@dataclass
class ProximalFit:
    """The trained elastic net in the data's units.

    ``error_bound`` is a certified bound on the relative distance of the standardized
    parameters ``(c, B)`` to the optimum, from the duality gaps and the strong convexity
    ``mu`` of J: ``||theta - theta*||^2 <= 2 sum_t gap_t / s_y,t^2 / mu`` (infinite when
    J is not strongly convex: l2 = 0 and a singular design).
    """

    coef: np.ndarray  # (k, p) data units
    intercept: np.ndarray  # (k,)
    dual_gap: np.ndarray  # (k,)
    objective: np.ndarray  # (k,)
    n_iter: int
    converged: bool
    history: dict
    error_bound: float = float("nan")
    stopped: str = "tol"
    message: str = ""
    rank: int = -1  # numerical rank of the standardized design (-1: unknown)
    condition_number: float = float("nan")  # of the data term, sqrt(L / mu)

    def to_solution(self, solver: str):
        """A :class:`linreg.Solution` carrying the bound; status ``"inaccurate"`` (the
        message names the duality gap reached) when training stopped at ``max_iter``."""
        return Solution(
            coef=self.coef,
            intercept=self.intercept,
            solver=solver,
            rank=self.rank,
            condition_number=self.condition_number,
            error_estimate=self.error_bound,
            n_iter=self.n_iter,
            status="inaccurate" if self.stopped == "max_iter" else "ok",
            message=self.message,
            diagnostics={
                "history": self.history,
                "stopped": self.stopped,
                "dual_gap": self.dual_gap,
                "objective": self.objective,
            },
        )


def gap_bound(problem: StandardizedProblem, gap, coef_std, intercept_std, l2: float) -> float:
    """Certified relative distance of the standardized ``(c, B)`` to the optimum.

    F / s_y^2 is J (the module docstring), so ``gap_t / s_y,t^2`` bounds J's excess of
    target t, and J is ``mu``-strongly convex with ``mu`` at least the data term's
    smallest curvature plus the smallest L2 weight ``l2 / s_j^2`` (and at most 1, the
    unpenalized intercept's curvature); hence
    ``||theta - theta*||^2 <= 2 sum_t (gap_t / s_y,t^2) / mu``.
    """
    pen = float(np.min(l2 / problem.x_scale**2)) if problem.x_scale.size else 0.0
    # strong_convexity is min(lambda_min, 1) with an intercept (the blocks decouple on
    # centred data), lambda_min without: either way this is J's smallest curvature.
    mu = problem.strong_convexity + pen
    if problem.fit_intercept:
        mu = min(mu, 1.0)
    if not mu > 0:
        return float("inf")
    excess = np.maximum(np.asarray(gap, dtype=np.float64), 0.0) / problem.y_scale**2
    size = np.sqrt(np.sum(np.square(coef_std)) + np.sum(np.square(intercept_std)))
    return float(np.sqrt(2.0 * np.sum(excess) / mu) / max(size, 1e-300))


def fit_enet_iterative(
    X,
    Y,
    w,
    *,
    alpha: float,
    l1_ratio: float,
    fit_intercept: bool,
    solver: str,
    config: TrainingConfig,
    validation_data=None,
    validate_X=None,
    positive: bool = False,
) -> ProximalFit:
    """Train the elastic net with ``solver`` in ("gd", "torch") on dense float64 arrays.

    ``config.tol`` is the relative duality gap of :class:`DualityGapCertificate`.
    ``validation_data=(X_val, y_val)`` adds the validation MSE per epoch to the history
    (``validate_X`` checks X_val against the fitted estimator).  The history also holds
    ``"objective"``: F in the data's units after every epoch (mean over targets).
    ``positive``: subject to ``coef >= 0`` (one-sided prox; the certificate's duality gap
    and KKT conditions are the constrained problem's).
    """
    if config.lr is not None and not (np.isfinite(config.lr) and config.lr > 0):
        raise ValueError(f"lr must be positive (or None for automatic), got {config.lr!r}")
    l1 = alpha * l1_ratio
    l2 = alpha * (1.0 - l1_ratio)
    moments = Moments.from_arrays(X, Y, w)
    problem = standardize(X, Y, w, fit_intercept, 0.0, moments)  # the data term alone
    if solver == "gd":
        trainer = ProximalGradient(problem, config, l1, l2, positive=positive)
    elif solver == "torch":
        trainer = proximal_torch_trainer(problem, config, l1, l2, positive=positive)
    else:
        raise ValueError(f"iterative solver must be 'gd' or 'torch', got {solver!r}")
    validation = None
    if validation_data is not None:
        X_val, y_val = validation_data
        X_val = np.asarray(X_val if validate_X is None else validate_X(X_val), dtype=np.float64)
        y_val = np.asarray(y_val, dtype=np.float64).reshape(X_val.shape[0], -1)
        validation = (
            (X_val - problem.x_shift) / problem.x_scale,
            (y_val - problem.y_shift) / problem.y_scale,
        )
    return _train_certified(trainer, problem, moments, config, validation, solver, l1, l2,
                            positive)  # fmt: skip


def fit_enet_streamed(source, moments, *, alpha: float, l1_ratio: float, fit_intercept: bool,
                      solver: str, config: TrainingConfig, positive: bool = False):  # fmt: skip
    """The elastic net by proximal gradient (FISTA, ``solver="gd"``) on a chunked
    source known by its Moments: the data term's gradient at every step comes from the
    Moments (:class:`linreg.training.proximal.MomentsProximalGradient`), so no epoch
    reads the rows; stopped by the same duality-gap certificate."""
    from ..training.objective import MomentsObjective
    from ..training.problem import curvature
    from ..training.proximal import MomentsProximalGradient

    if solver != "gd":
        raise ValueError(
            f"solver={solver!r} with an L1 penalty trains on rows in memory only; on a "
            f"{type(source).__name__} use solver='gd' (FISTA on the Moments, no pass per "
            "epoch) or the exact coordinate descent (solver='gram' or 'auto')"
        )
    if config.lr is not None and not (np.isfinite(config.lr) and config.lr > 0):
        raise ValueError(f"lr must be positive (or None for automatic), got {config.lr!r}")
    l1 = alpha * l1_ratio
    l2 = alpha * (1.0 - l1_ratio)
    c = curvature(moments, fit_intercept, 0.0)  # the data term alone
    problem = StandardizedProblem(
        None, None, None, c.x_shift, c.x_scale, c.y_shift, c.y_scale, c.penalty,
        fit_intercept, c.lipschitz, c.strong_convexity, c.rank,
    )  # fmt: skip
    objective = MomentsObjective(moments, c, fit_intercept)
    trainer = MomentsProximalGradient(problem, objective, config, l1, l2, positive=positive)
    return _train_certified(trainer, problem, moments, config, None, solver, l1, l2, positive)


def _train_certified(trainer, problem, moments, config, validation, solver, l1, l2, positive):
    """Train to the duality-gap certificate; the :class:`ProximalFit` in data units."""
    certificate = DualityGapCertificate(problem, moments, l1, l2, config.tol, positive)
    name = f"solver={solver!r}"
    result = train(trainer, problem, config, validation, name, certificate)
    gap, objective, _ = certificate.evaluate(result.coef, result.intercept)
    coef, intercept = problem.to_user_units(result.coef, result.intercept)
    history = dict(result.history)
    history["objective"] = certificate.objectives
    bound = gap_bound(problem, gap, result.coef, result.intercept, l2)
    return ProximalFit(
        coef,
        intercept,
        gap,
        objective,
        result.n_iter,
        result.converged,
        history,
        error_bound=bound,
        stopped=result.stopped,
        message=result.message(name, config),
        rank=problem.rank,
        condition_number=problem.condition_number,
    )
