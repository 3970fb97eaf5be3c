"""The L1 penalty through the iterative trainers: proximal gradient in NumPy and torch.

The elastic net in the data's units (scikit-learn's objective)::

    F(b0, b) = 1/(2W) sum_i w_i (y_i - b0 - x_i'b)^2 + l1 ||b||_1 + l2/2 ||b||^2,

``l1 = alpha * l1_ratio``, ``l2 = alpha * (1 - l1_ratio)``, is trained on the
standardized problem of :mod:`.problem` (``z = (x - xbar)/s``, ``t = (y - ybar)/s_y``,
``B_j = b_j s_j / s_y``), where, divided by ``s_y^2``, it reads::

    J(c, B) = 1/(2W) sum_i w_i (t_i - c - z_i'B)^2
              + 1/2 sum_j (l2 / s_j^2) B_j^2 + sum_j lam_j |B_j|,   lam_j = l1 / (s_j s_y).

The smooth part is the data term alone (the standardized problem without penalty:
``lr=None`` is ``1/L``, L the largest eigenvalue of its Hessian, from the Moments); the
whole penalty goes through its proximal map, per coordinate::

    prox(u)_j = soft(u_j, lr lam_j) / (1 + lr pen_j),   pen_j = l2 / s_j^2,

soft-thresholding (exact zeros) then shrinking.  So the minimizer is the data-units
optimum whatever the columns' scales.  (With the L2 part in the smooth gradient
instead, ``pen_j`` of a column with a small scale ``s_j`` would set L, and the step:
on a 2000 x 50 problem with scales 0.1 .. 10 and l1_ratio=0.5, 20x more epochs.)

- ``solver="gd"``: :class:`ProximalGradient`, FISTA (Beck and Teboulle 2009) with
  gradient and monotone (function-value) restarts, per target, in NumPy: two products with Z
  per epoch, as plain gradient descent.
- ``solver="torch"``: :class:`ProximalTorchTrainer`, ``nn.Linear`` + ``torch.optim.SGD``
  (the tutorials' model) with the soft-thresholding applied to the weight under
  ``torch.no_grad()`` after every ``optimizer.step()`` (a step post-hook, so it uses the
  current, possibly scheduled, learning rate): proximal gradient (ISTA) full batch,
  proximal SGD with minibatches.

Stopping (:class:`DualityGapCertificate`) is the coordinate-descent solver's rule,
with its duality gap function on the Gram matrix from the Moments: the duality gap
(plus the exact excess ``(b0 - b0*)^2 / 2`` of a not-yet-optimal intercept) at most
``tol`` times the objective, and the optimality (KKT) conditions met to ``1e-8 alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..moments import Moments
from .loop import TrainingConfig
from .problem import StandardizedProblem, standardize

#: Optimizers of the proximal trainers.  torch's momentum and Adam variants have fixed
#: points that are not the Lasso optimum with a plain ``lr * lam`` threshold.
GD_OPTIMIZERS = ("sgd", "gd")
TORCH_OPTIMIZERS = ("sgd",)
#: FISTA rejects a momentum step that raised J by more than this, relative: near the
#: optimum J's last digits are rounding noise, and restarting on noise stalls FISTA
#: (on diabetes, 7x more epochs at 0 than at 1e-14 .. 1e-12).
RESTART_SLACK = 1e-13


def penalty_weights(problem: StandardizedProblem, l1: float, l2: float):
    """``lam`` (p, k), the L1 weight of each standardized coefficient per target, and
    ``pen`` (p, 1), its L2 weight (the same for every target)."""
    lam = l1 / (problem.x_scale[:, None] * problem.y_scale[None, :])
    return lam, (l2 / problem.x_scale**2)[:, None]


def soft_threshold(u: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``sign(u) max(|u| - t, 0)``, the proximal map of ``t |.|`` (exact zeros)."""
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


class ProximalGradient:
    """FISTA with restarts on the standardized elastic net (trainer protocol).

    Per epoch, with ``x`` the iterate and ``y = x + beta (x - x_prev)`` its
    extrapolation: the gradient of the smooth part at ``y`` (one product ``Z'r``; the
    residual at ``y`` follows from those at ``x`` and ``x_prev`` by linearity),
    ``x_new = prox(y - lr grad)``, and the residual at ``x_new`` (one product ``Z B``).
    The momentum of a target restarts (beta = 0) when it points uphill,
    ``(y - x_new)'(x_new - x) > 0`` (O'Donoghue and Candes' gradient restart), and when
    it made J go up (by more than ``RESTART_SLACK`` relative), in which case ``x_new`` is
    also rejected (Beck and Teboulle's monotone FISTA): the next step is then a plain
    proximal gradient step, which cannot increase J with ``lr <= 1/L``.  So J does not
    increase beyond rounding, and convergence is linear on strongly convex problems.
    ``accelerate=False`` is plain proximal gradient (ISTA).
    """

    def __init__(
        self,
        problem: StandardizedProblem,
        config: TrainingConfig,
        l1: float,
        l2: float = 0.0,
        accelerate: bool = True,
    ):
        if config.optimizer not in GD_OPTIMIZERS:
            raise ValueError(
                f"solver='gd' with an L1 penalty is proximal gradient (FISTA); "
                f"optimizer={config.optimizer!r} is not available, use 'sgd'"
            )
        if config.batch_size is not None:
            raise ValueError("solver='gd' is full batch; batch_size needs solver='torch'")
        self.problem = problem
        self.lam, self.pen = penalty_weights(problem, l1, l2)
        self.accelerate = accelerate
        k = problem.T.shape[1]
        p = problem.Z.shape[1]
        self.lr = problem.auto_lr if config.lr is None else float(config.lr)
        self.B, self.c = np.zeros((p, k)), np.zeros(k)
        self._reset()

    def _reset(self):
        """Forget the momentum; recompute the residual at the current iterate."""
        self.B_prev, self.c_prev = self.B.copy(), self.c.copy()
        self.r = self._residual(self.B, self.c)
        self.r_prev = self.r
        self.J = self._objective(self.r, self.B)
        self.t = np.ones(self.B.shape[1])
        self.beta = np.zeros(self.B.shape[1])

    def _residual(self, B, c):
        return self.problem.T - c - self.problem.Z @ B

    def _mse(self, r):
        return np.einsum("ik,ik->k", r, self.problem.w[:, None] * r) / self.problem.n_samples

    def _objective(self, r, B):
        """J per target (standardized units)."""
        penalty = 0.5 * self.pen * B**2 + self.lam * np.abs(B)
        return 0.5 * self._mse(r) + np.sum(penalty, axis=0)

    def full_gradient(self):
        """Weighted MSE per target at the iterate (the gradient norm is not used)."""
        return self._mse(self.r), 0.0

    def run_epoch(self):
        p, beta = self.problem, self.beta
        mse = self._mse(self.r)  # at the iterate the epoch starts from
        By = self.B + beta * (self.B - self.B_prev)
        cy = self.c + beta * (self.c - self.c_prev)
        ry = self.r + beta * (self.r - self.r_prev)
        wr = p.w[:, None] * ry
        n = p.n_samples
        grad_b = -(p.Z.T @ wr) / n
        B_new = soft_threshold(By - self.lr * grad_b, self.lr * self.lam)
        B_new /= 1.0 + self.lr * self.pen
        c_new = cy + self.lr * wr.sum(axis=0) / n if p.fit_intercept else cy
        r_new = self._residual(B_new, c_new)
        J_new = self._objective(r_new, B_new)
        if self.accelerate:
            # reject momentum steps that increased J; plain steps are always kept
            slack = RESTART_SLACK * np.abs(self.J)
            reject = (J_new > self.J + slack) & (beta > 0)
            if reject.any():
                B_new[:, reject] = self.B[:, reject]
                c_new[reject] = self.c[reject]
                r_new[:, reject] = self.r[:, reject]
                J_new[reject] = self.J[reject]
            # and O'Donoghue and Candes' gradient restart: (y - x_new)'(x_new - x) > 0
            uphill = np.einsum("jk,jk->k", By - B_new, B_new - self.B) + (cy - c_new) * (
                c_new - self.c
            )
            restart = reject | (uphill > 0)
            t_new = (1.0 + np.sqrt(1.0 + 4.0 * self.t**2)) / 2.0
            self.beta = np.where(restart, 0.0, (self.t - 1.0) / t_new)
            self.t = np.where(restart, 1.0, t_new)
        self.B_prev, self.c_prev, self.r_prev = self.B, self.c, self.r
        self.B, self.c, self.r, self.J = B_new, c_new, r_new, J_new
        return mse, 0.0

    def parameters(self):
        return self.B.T.copy(), self.c.copy()

    def set_parameters(self, coef, intercept):
        self.B = np.array(coef, dtype=np.float64).T.copy()
        self.c = np.array(intercept, dtype=np.float64).copy()
        self._reset()


def proximal_torch_trainer(
    problem: StandardizedProblem, config: TrainingConfig, l1: float, l2: float = 0.0
):
    """``nn.Linear`` + ``torch.optim.SGD`` with the penalty's prox after every step."""
    import torch

    from .torch_module import TorchTrainer

    if config.optimizer not in TORCH_OPTIMIZERS:
        raise ValueError(
            f"solver='torch' with an L1 penalty supports optimizer in {TORCH_OPTIMIZERS} "
            f"(proximal SGD), got {config.optimizer!r}: the fixed points of momentum, Adam "
            "or L-BFGS followed by soft-thresholding are not the Lasso optimum"
        )
    trainer = TorchTrainer(problem, config)
    weight = trainer.model.linear.weight  # (k, p)
    lam, pen = (
        torch.as_tensor(a.T, dtype=weight.dtype, device=weight.device)
        for a in penalty_weights(problem, l1, l2)
    )
    group = trainer.optimizer.param_groups[0]

    def prox(optimizer, args, kwargs):
        with torch.no_grad():
            lr = group["lr"]
            shrunk = (weight.abs() - lr * lam).clamp_(min=0.0).div_(1.0 + lr * pen)
            weight.copy_(torch.sign(weight) * shrunk)

    trainer.optimizer.register_step_post_hook(prox)
    return trainer


class DualityGapCertificate:
    """The coordinate-descent stopping rule for the trainers' standardized parameters.

    Maps ``(coef, intercept)`` (standardized) to the data's units, computes the gradient
    ``g = q - G b`` from the (centred) Gram matrix of the Moments, the duality gap with
    :func:`linreg.penalized._kernels.duality_gap` (the profiled-intercept problem) plus
    ``delta^2 / 2`` for an intercept ``delta`` away from its optimum given ``b`` (exact:
    the data term is quadratic in the intercept with unit curvature), and the KKT
    violation (``delta`` included).  Converged, per target: ``gap <= tol * F`` (or at
    its rounding floor) and KKT violation ``<= max(1e-8 alpha, 1e3 eps max||x_j|| ||y||/W)``,
    the same rule as coordinate descent.  Returns ``(max relative gap, converged)``.
    """

    what = "relative duality gap"

    def __init__(self, problem: StandardizedProblem, moments: Moments, l1, l2, tol):
        from ..penalized import _kernels
        from ..penalized.solve import GramData

        self._kernels = _kernels
        self.problem = problem
        self.data = GramData.from_moments(moments, problem.fit_intercept)
        self.l1, self.l2, self.tol = float(l1), float(l2), float(tol)
        diag = np.diag(self.data.G)
        self.gscale = np.sqrt(max(np.max(diag, initial=0.0), 0.0) * np.maximum(self.data.c, 0.0))
        # weighted means of the standardized columns (zero up to rounding), for the
        # optimal intercept c*(B) = tbar - zbar'B
        w = problem.w
        self.zbar = w @ problem.Z / w.sum()
        self.tbar = w @ problem.T / w.sum()
        k = problem.T.shape[1]
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
            gap_t, primal, _, floor = K.duality_gap(b, g, rr, self.l1, self.l2)
            excess = 0.5 * delta[t] ** 2
            gap[t], obj[t] = gap_t + excess, primal + excess
            small = gap[t] <= self.tol * obj[t] or gap[t] <= floor
            kkt = max(K.kkt_violation(b, g, self.l1, self.l2), abs(delta[t]))
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
        from ..solution import Solution

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
) -> ProximalFit:
    """Train the elastic net with ``solver`` in ("gd", "torch") on dense float64 arrays.

    ``config.tol`` is the relative duality gap of :class:`DualityGapCertificate`.
    ``validation_data=(X_val, y_val)`` adds the validation MSE per epoch to the history
    (``validate_X`` checks X_val against the fitted estimator).  The history also holds
    ``"objective"``: F in the data's units after every epoch (mean over targets).
    """
    from .loop import train

    if config.lr is not None and not (np.isfinite(config.lr) and config.lr > 0):
        raise ValueError(f"lr must be positive (or None for automatic), got {config.lr!r}")
    l1 = alpha * l1_ratio
    l2 = alpha * (1.0 - l1_ratio)
    moments = Moments.from_arrays(X, Y, w)
    problem = standardize(X, Y, w, fit_intercept, 0.0, moments)  # the data term alone
    if solver == "gd":
        trainer = ProximalGradient(problem, config, l1, l2)
    elif solver == "torch":
        trainer = proximal_torch_trainer(problem, config, l1, l2)
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
    certificate = DualityGapCertificate(problem, moments, l1, l2, config.tol)
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
