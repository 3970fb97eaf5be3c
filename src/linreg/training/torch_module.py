"""``nn.Linear`` trained with ``torch.optim``: the tutorials' model, verified.

Minimizes the standardized objective of :mod:`.problem`::

    J(c, W) = 1/(2n) sum_i w_i (t_i - c - W z_i)^2 + 1/2 sum_j penalty_j W_j^2

(weights normalized to mean 1, so their sum is n) with ``nn.Linear(p, k)`` holding
``W`` (k, p) and the bias ``c`` (only with an intercept), the loss
``nn.MSELoss(reduction="none")`` weighted by ``w`` and halved, plus the L2 penalty.

Choices and their automatic settings (``lr=None``, L the largest eigenvalue of J's
Hessian, known in closed form):

- ``"sgd"``: step ``1/L``, the safe step of gradient descent (with variance-reduced
  minibatches of m rows ``1 / (L (1 + sqrt(p / m))^2)``, see :func:`automatic_lr`);
- ``"momentum"``, ``"nesterov"``: SGD with momentum 0.9 (Nesterov's variant for the
  latter) and step ``1/L`` (variance-reduced minibatches: the sgd step times 0.1); heavy ball on
  a quadratic is stable for steps below ``2 (1 + 0.9) / L``, and on ill-conditioned
  problems about ten times faster than plain descent (on well-conditioned ones slower:
  the fixed momentum oscillates);
- ``"lbfgs"``: ``lr=1`` with a strong-Wolfe line search, one ``optimizer.step`` of at
  most 20 iterations per epoch; its closure returns J relative to the epoch's start,
  computed from the parameter change, so that the line search still resolves the
  decrease of J when it is far below J's own rounding (float64 J alone stalls the
  parameters near ``sqrt(eps)``);
- ``"adam"``, ``"adamw"``: with a constant step Adam can end up oscillating at a floor
  of the order of the step, so without ``lr`` and ``lr_scheduler`` it starts at
  ``ADAM_LR = 0.1`` (coefficients are of order one in standardized units; divided by
  the square root of the steps per epoch with variance-reduced minibatches) and
  halves the step whenever the exact gradient norm has not reached a new minimum for
  ``ADAM_PATIENCE = 100`` epochs (``ReduceLROnPlateau`` on the gradient norm, no
  lower limit), which drives it to the optimum to full accuracy.  (A shorter
  patience halves the step faster than Adam's second-moment average, with its
  memory of ~1000 steps, adapts, and stalls it.)  AdamW's decoupled weight decay is
  0: the L2 penalty is part of J.

``lr_scheduler``: ``"plateau"`` halves the step when the epoch's training loss has
not improved for 10 epochs; ``"cosine"`` anneals it to 0 over ``max_iter`` epochs;
``"step"`` halves it every ``max_iter // 10`` epochs.

``batch_size`` rows per minibatch, reshuffled each epoch by a ``torch.Generator``
seeded with ``random_state`` (None, or at least n: full batch; ``shuffle=False``: in row
order).  With ``variance_reduction`` (the default) each minibatch gradient is corrected
by :func:`control_variate`, ``grad J(theta0) - grad J_b(theta0)`` at the epoch's
starting parameters (SVRG): the optimizer then sees unbiased gradients whose noise
vanishes at the optimum, so minibatch training certifies ``tol`` instead of stalling at
a noise floor; ``variance_reduction=False`` is the tutorials' plain loop.  Adam's
automatic halving counts its patience of ``ADAM_PATIENCE`` in optimizer steps (whole
epochs of minibatches).  The weights start at
zero (deterministic, the same start as the other trainers; ``random_state`` only
seeds the shuffling).  After each epoch the loss and the norm of the exact
full-batch gradient of J are computed analytically (no minibatch estimate), in the
dtype of the data, for the certified stopping rule; plain full-batch SGD reuses the
ones autograd computed at the start of the epoch instead.  Parameters are returned
as float64 NumPy arrays on the CPU.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .loop import TrainingConfig
from .problem import StandardizedProblem

NAME = "torch"

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "lbfgs")
SCHEDULERS = (None, "plateau", "cosine", "step")
DEVICES = ("auto", "cpu", "cuda")

#: Adam's automatic initial step (standardized units) and its halving patience.
ADAM_LR = 0.1
ADAM_PATIENCE = 100
#: Momentum of "momentum" and "nesterov".
MOMENTUM = 0.9
#: L-BFGS iterations per epoch (one ``optimizer.step``).
LBFGS_MAX_ITER = 20


def check_config(config: TrainingConfig, n_rows: int):
    """The minibatch size torch trains with on ``n_rows`` rows (None: full batch), after
    checking the optimizer, the scheduler and their combination (ValueError)."""
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {OPTIMIZERS} for solver='torch', got {config.optimizer!r}"
        )
    if config.lr_scheduler not in SCHEDULERS:
        raise ValueError(f"lr_scheduler must be one of {SCHEDULERS}, got {config.lr_scheduler!r}")
    batch = config.batch_size
    if batch is not None and (isinstance(batch, bool) or int(batch) != batch or batch < 1):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch!r}")
    batch = None if batch is None or batch >= n_rows else int(batch)
    if batch is not None and config.optimizer == "lbfgs":
        raise ValueError(
            "optimizer='lbfgs' is a full-batch method (its line search needs the "
            "same function at every evaluation); use batch_size=None"
        )
    return batch


def resolve_device(name) -> torch.device:
    """``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``."""
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str) or not (name in DEVICES or name.startswith("cuda:")):
        raise ValueError(f"device must be one of {DEVICES} (or 'cuda:N'), got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={name!r} was requested but CUDA is not available to torch "
            f"{torch.__version__} (torch.cuda.is_available() is False); use device='cpu' "
            "or 'auto'"
        )
    return torch.device(name)


def torch_dtype(array) -> torch.dtype:
    """float32 data trains in float32, everything else in float64."""
    return torch.float32 if np.asarray(array).dtype == np.float32 else torch.float64


class LinearModel(nn.Module):
    """``nn.Linear(p, k)`` with zero initial weights (and bias, with an intercept)."""

    def __init__(self, n_features, n_targets, bias, dtype, device):
        super().__init__()
        self.linear = nn.Linear(n_features, n_targets, bias=bias, dtype=dtype, device=device)
        nn.init.zeros_(self.linear.weight)
        if bias:
            nn.init.zeros_(self.linear.bias)

    def forward(self, z):
        return self.linear(z)


class PenalizedWeightedMSE(nn.Module):
    """J on a batch: ``sum_i w_i ||pred_i - t_i||^2 / (2 m) + 1/2 sum_j penalty_j W_j^2``.

    Returns the loss and the weighted MSE per target (detached).  Unit weights and a
    zero penalty skip their terms (fewer operations per step on small problems).
    """

    def __init__(self, penalty):
        super().__init__()
        self.mse = nn.MSELoss(reduction="none")
        self.register_buffer("penalty", penalty)
        self.penalized = bool((penalty != 0).any())

    def forward(self, pred, target, w, weight):
        squared = self.mse(pred, target)
        if w is not None:
            squared = w[:, None] * squared
        mse = squared.sum(dim=0) / pred.shape[0]
        loss = 0.5 * mse.sum()
        if self.penalized:
            loss = loss + 0.5 * (self.penalty * weight**2).sum()
        return loss, mse.detach()


class TorchTrainer:
    """``nn.Linear`` + ``torch.optim`` on the standardized problem (see the module).

    Parameters
    ----------
    problem : StandardizedProblem
        The standardized data and the curvature of J.
    config : TrainingConfig
        ``lr``, ``optimizer``, ``batch_size``, ``lr_scheduler``, ``device``,
        ``random_state`` and ``max_iter`` are used.
    """

    def __init__(self, problem: StandardizedProblem, config: TrainingConfig):
        self.batch_size = check_config(config, problem.n_samples)
        self.problem = problem
        self.config = config
        self.device = resolve_device(config.device)
        dtype = torch_dtype(problem.Z)
        as_tensor = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype, device=self.device)  # noqa: E731
        self.Z = as_tensor(problem.Z)
        self.T = as_tensor(problem.T)
        unit = bool(np.all(np.asarray(problem.w) == 1))
        self.w = None if unit else as_tensor(problem.w)
        self.n = problem.n_samples
        p, k = problem.Z.shape[1], problem.T.shape[1]
        self.model = LinearModel(p, k, problem.fit_intercept, dtype, self.device)
        self.objective = PenalizedWeightedMSE(as_tensor(problem.penalty))
        self.generator = None
        if self.batch_size is not None:
            self.generator = torch.Generator()
            if config.random_state is None:
                self.generator.seed()
            else:
                self.generator.manual_seed(int(config.random_state))
        self.optimizer = self._make_optimizer(config)
        self.scheduler, self.schedule_on = self._make_scheduler(config)
        # Plain full-batch SGD can report the start-of-epoch gradient (like gd); the
        # others' steps are not a multiple of that gradient, so they report the exact
        # gradient at the parameters they end on.
        self._reuse_start = config.optimizer == "sgd" and self.batch_size is None
        self._end_stats = None  # full_gradient() at the current parameters, if known

    # -- setup ---------------------------------------------------------------------

    def _make_optimizer(self, config):
        batch = self.batch_size if config.variance_reduction else None  # plain loop: 1/L
        step = automatic_lr(self.problem.lipschitz, self.problem.Z.shape[1], config.optimizer,
                            batch, self.n)  # fmt: skip
        return make_optimizer(list(self.model.parameters()), config, step)

    def _make_scheduler(self, config):
        steps = 1 if self.batch_size is None else -(-self.n // self.batch_size)
        return make_scheduler(self.optimizer, config, steps)

    # -- the trainer protocol ------------------------------------------------------

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _batch_loss(self, Z, T, w):
        return self.objective(self.model(Z), T, w, self.model.linear.weight)

    def _stats(self, mse, grad_parts):
        """(mse per target as float64 NumPy, ||grad|| in float64) with one transfer."""
        flat = torch.cat([g.reshape(-1) for g in grad_parts])
        norm = torch.linalg.vector_norm(flat, dtype=torch.float64)
        both = torch.cat([mse.double(), norm.reshape(1)]).cpu().numpy()
        return both[:-1], float(both[-1])

    def _gradient(self):
        """``(mse per target, [d weight, d bias])``: J's exact full-batch gradient at the
        current parameters, analytically (tensors)."""
        with torch.no_grad():
            lin = self.model.linear
            residual = self.T - self.model(self.Z)
            wr = residual if self.w is None else self.w[:, None] * residual
            mse = (wr * residual).sum(dim=0) / self.n
            grad_w = (wr.T @ self.Z).div_(-self.n)
            if self.objective.penalized:
                grad_w += self.objective.penalty * lin.weight
            parts = [grad_w] if lin.bias is None else [grad_w, -wr.sum(dim=0) / self.n]
            return mse, parts

    def full_gradient(self):
        """Exact full-batch weighted MSE per target and ``||grad J||``, analytically."""
        if self._end_stats is not None:  # computed by run_epoch at these parameters
            stats, self._end_stats = self._end_stats, None
            return stats
        return self._stats(*self._gradient())

    def run_epoch(self):
        self._end_stats = None
        if self.config.optimizer == "lbfgs":
            stats = self._lbfgs_epoch()
        elif self.batch_size is None:
            self.optimizer.zero_grad()
            loss, mse = self._batch_loss(self.Z, self.T, self.w)
            loss.backward()
            stats = self._stats(mse, [p.grad for p in self.model.parameters()])
            self.optimizer.step()
        else:
            self._minibatch_epoch()
            stats = None
        if not self._reuse_start:
            # The exact full-batch loss and gradient at the parameters the epoch ended
            # on (for the scheduler, and handed to the loop's full_gradient() call).
            stats = self.full_gradient()
        step_scheduler(self.scheduler, self.schedule_on, stats)
        if self._reuse_start:
            return stats  # at the parameters the epoch started from
        self._end_stats = stats
        return None

    def _minibatch_epoch(self):
        """One pass of minibatches (a seeded permutation, or in order without
        ``shuffle``); with ``variance_reduction`` each minibatch gradient is corrected
        by :func:`control_variate` at the epoch's starting parameters."""
        if self.config.shuffle:
            order = torch.randperm(self.n, generator=self.generator).to(self.device)
        else:
            order = torch.arange(self.n, device=self.device)
        lin = self.model.linear
        reduce = self.config.variance_reduction
        if reduce:
            full = self._gradient()[1]
            weight0 = lin.weight.detach().clone()
            bias0 = None if lin.bias is None else lin.bias.detach().clone()
            penalty = self.objective.penalty if self.objective.penalized else None
        for start in range(0, self.n, self.batch_size):
            idx = order[start : start + self.batch_size]
            self.optimizer.zero_grad()
            Zb, Tb = self.Z[idx], self.T[idx]
            w = None if self.w is None else self.w[idx]
            loss, _ = self._batch_loss(Zb, Tb, w)
            loss.backward()
            if reduce:
                add_control_variate(lin, Zb, Tb, w, weight0, bias0, full, penalty)
            if reduce and len(idx) < self.batch_size:  # short last batch: its rows' share
                # (the plain loop steps as the tutorials' DataLoader loop does)
                for param in self.model.parameters():
                    param.grad *= len(idx) / self.batch_size
            self.optimizer.step()

    def _lbfgs_epoch(self):
        # The line search compares losses, and near the optimum J changes by less than
        # float64 resolves of J itself (parameters stall near sqrt(eps)).  So the
        # closure returns J(theta) - J(theta_0), theta_0 the epoch's start, written as
        # a sum of terms that are small with theta - theta_0: for a residual
        # r = r_0 - d with d = Z (W - W_0)' + (b - b_0),
        # w r^2 - w r_0^2 = w d (d - 2 r_0), and likewise for the penalty.
        lin = self.model.linear
        with torch.no_grad():
            W0 = lin.weight.detach().clone()
            b0 = None if lin.bias is None else lin.bias.detach().clone()
            r0 = self.T - self.model(self.Z)
        penalty = self.objective.penalty

        def closure():
            self.optimizer.zero_grad()
            dW = lin.weight - W0
            d = self.Z @ dW.T
            if b0 is not None:
                d = d + (lin.bias - b0)
            change = d * (d - 2 * r0)
            if self.w is not None:
                change = self.w[:, None] * change
            data = change.sum() / (2 * self.n)
            loss = data + 0.5 * (penalty * dW * (2 * W0 + dW)).sum()
            loss.backward()
            return loss

        self.optimizer.step(closure)
        return None

    def parameters(self):
        lin = self.model.linear
        coef = lin.weight.detach().double().cpu().numpy().copy()
        if lin.bias is None:
            intercept = np.zeros(coef.shape[0])
        else:
            intercept = lin.bias.detach().double().cpu().numpy().copy()
        return coef, intercept

    def set_parameters(self, coef, intercept):
        self._end_stats = None
        lin = self.model.linear
        with torch.no_grad():
            lin.weight.copy_(torch.as_tensor(np.asarray(coef, dtype=np.float64)))
            if lin.bias is not None:
                lin.bias.copy_(torch.as_tensor(np.asarray(intercept, dtype=np.float64)))


def automatic_lr(lipschitz: float, n_features: int, optimizer: str, batch_size=None,
                 n_rows: int = 1) -> float:  # fmt: skip
    """The automatic step (``batch_size``: of variance-reduced minibatches, else None).

    "sgd", "momentum", "nesterov": ``1/L`` full batch; with minibatches of m rows
    ``1 / (L (1 + sqrt(p / m))^2)`` (a minibatch Hessian's largest eigenvalue exceeds L
    by about that factor), times ``1 - MOMENTUM`` with momentum (measured: at the plain
    minibatch step heavy ball diverged on batches of 8 and 40 rows of a 4-feature
    problem; at this one it converged for 1 to 200 rows).  "adam", "adamw":
    ``ADAM_LR``, divided by the square root of the steps per epoch with minibatches
    (Adam moves every coordinate by about its step at every step; measured on 2,000,000
    x 100 in batches of 4096, 489 steps an epoch: 0.1 had not certified 1e-6 after 60
    epochs, 0.003 did in 7; on 200,000 rows, 49 steps, 0.01 in 8)."""
    steps = 1 if batch_size is None else -(-int(n_rows) // int(batch_size))
    if optimizer in ("adam", "adamw"):
        return ADAM_LR / np.sqrt(max(1, steps))
    if batch_size is None:
        return 1.0 / lipschitz
    from .gd import minibatch_lr

    step = minibatch_lr(lipschitz, n_features, batch_size)
    return step * (1.0 - MOMENTUM) if optimizer in ("momentum", "nesterov") else step


def make_optimizer(params, config: TrainingConfig, auto_lr: float):
    """The ``torch.optim`` optimizer of ``config.optimizer`` with the automatic step
    ``auto_lr`` (:func:`automatic_lr`) unless ``config.lr`` is given."""
    name, lr = config.optimizer, config.lr
    if name == "sgd":
        return torch.optim.SGD(params, lr=auto_lr if lr is None else lr)
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(
            params,
            lr=auto_lr if lr is None else lr,
            momentum=MOMENTUM,
            nesterov=name == "nesterov",
        )
    if name == "adam":
        return torch.optim.Adam(params, lr=auto_lr if lr is None else lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=auto_lr if lr is None else lr, weight_decay=0.0)
    return torch.optim.LBFGS(
        params,
        lr=1.0 if lr is None else lr,
        max_iter=LBFGS_MAX_ITER,
        tolerance_grad=0.0,
        tolerance_change=0.0,
        line_search_fn="strong_wolfe",
    )


def make_scheduler(opt, config: TrainingConfig, steps_per_epoch: int = 1):
    """(scheduler, what it steps on: "loss", "grad" or None) for ``config``.  Adam's
    automatic halving waits ``ADAM_PATIENCE`` optimizer steps without a new minimum of
    the exact gradient norm, counted in whole epochs of ``steps_per_epoch`` steps."""
    name = config.lr_scheduler
    if name is None:
        if config.optimizer in ("adam", "adamw") and config.lr is None:
            patience = max(1, -(-ADAM_PATIENCE // max(1, int(steps_per_epoch))))
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
                opt, factor=0.5, patience=patience, threshold=0.0, eps=0.0
            )
            return plateau, "grad"
        return None, None
    if name == "plateau":
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, factor=0.5, patience=10, threshold=0.0, eps=0.0
        )
        return plateau, "loss"
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.max_iter), None
    step = max(1, config.max_iter // 10)
    return torch.optim.lr_scheduler.StepLR(opt, step_size=step, gamma=0.5), None


def step_scheduler(scheduler, schedule_on, stats) -> None:
    """Step ``scheduler`` (None: nothing) on what it watches: the epoch's training loss
    (``"loss"``), J's exact gradient norm (``"grad"``), or the epoch count (None);
    ``stats = (mse per target, ||grad J||)`` at the epoch's end."""
    if scheduler is None:
        return
    if schedule_on == "loss":
        scheduler.step(float(np.mean(stats[0])))
    elif schedule_on == "grad":
        scheduler.step(stats[1])
    else:
        scheduler.step()


def control_variate(Zb, Tb, wb, weight0, bias0, full, penalty):
    """SVRG's correction of a minibatch gradient: ``grad J(theta0) - grad J_b(theta0)``
    as ``(d weight (k, p), d bias (k,))`` tensors, from the minibatch ``(Zb, Tb, wb)``
    (``wb`` None: unit weights), the epoch's starting parameters ``(weight0, bias0)``
    (bias0 None without an intercept), J's exact gradient ``full`` there and the
    per-coordinate ``penalty`` (None when zero).  Added to the minibatch gradient at the
    current parameters it gives an unbiased estimate of J's gradient whose variance
    vanishes as the parameters approach ``theta0``, so the steps converge to the
    optimum instead of a noise floor."""
    with torch.no_grad():
        pred = Zb @ weight0.T
        if bias0 is not None:
            pred = pred + bias0
        wr = Tb - pred
        if wb is not None:
            wr = wb[:, None] * wr
        m = Zb.shape[0]
        grad_w = (wr.T @ Zb).div_(-m)
        if penalty is not None:
            grad_w += penalty * weight0
        d_weight = full[0] - grad_w
        d_bias = None if bias0 is None else full[1] + wr.sum(dim=0) / m
        return d_weight, d_bias


def add_control_variate(linear, Zb, Tb, wb, weight0, bias0, full, penalty) -> None:
    """Add :func:`control_variate` to the gradients of ``linear`` (an ``nn.Linear``
    whose minibatch loss has just been back-propagated)."""
    d_weight, d_bias = control_variate(Zb, Tb, wb, weight0, bias0, full, penalty)
    linear.weight.grad += d_weight
    if d_bias is not None:
        linear.bias.grad += d_bias
