"""Fit the same data with every solver and tabulate how far each lands from the exact one.

:func:`compare` runs the exact solvers and the iterative trainers (those registered in
:data:`linreg.training.TRAINERS` when it is called) on one train / validation / test
split (``linreg fit``'s row-keyed rule, :func:`linreg.split.holdout_labels`) and returns
a :class:`Comparison`: rows of coefficients, errors, epochs, time, and the largest
relative deviation from the reference fit (``solver="auto"``), which prints as a
plain-text table and renders as a rich table.

It finishes in seconds on small data and keeps to a time budget: a first-order trainer
that its problem's conditioning says cannot reach its tolerance within the estimators'
epoch cap (or that can never certify, on a singular problem) runs a short course with a
note instead of the full cap (:func:`epochs_needed`); under ``max_seconds`` each
iterative solver's cap is lowered to its share of the time left at its measured epoch
cost, and solvers reached after the budget is spent are skipped.  Rows say which
(``status``) and why (``note``).

This module imports neither torch nor matplotlib; the torch trainers import torch
when they run.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .models.linear_regression import LinearRegression
from .models.ridge import Ridge
from .solvers import SOLVERS
from .split import TEST, TRAIN, VALIDATION, _check_fraction, holdout_labels, take_rows

#: Exact solvers compared by default.
EXACT_SOLVERS = ("cholesky", "qr", "extended", "svd")
#: Iterative solvers compared by default: a name, or (solver, optimizer) for "torch".
ITERATIVE_SOLVERS = ("gd", "autograd", ("torch", "sgd"), ("torch", "adam"), ("torch", "lbfgs"))

#: Columns of :meth:`Comparison.to_frame`, in order.
COLUMNS = (
    "solver",
    "kind",
    "coef",
    "intercept",
    "train_mse",
    "val_mse",
    "test_mse",
    "n_iter",
    "seconds",
    "max_rel_dev",
    "status",
    "note",
)

#: Parameters whose reference value is below this fraction of the largest one are
#: compared relative to that fraction (so that a zero parameter cannot divide by 0).
REL_DEV_FLOOR = 1e-12
#: Coefficients shown in the text table before "...".
MAX_SHOWN = 4


def _trainers() -> dict:
    from .training import TRAINERS

    return TRAINERS


def default_solvers() -> list:
    """The exact solvers, then the iterative ones registered in ``TRAINERS`` now."""
    trainers = _trainers()
    iterative = [s for s in ITERATIVE_SOLVERS if _parse(s)[0] in trainers]
    return [*EXACT_SOLVERS, *iterative]


def _parse(spec) -> tuple[str, str | None]:
    """``"qr"`` -> ("qr", None); ``("torch", "adam")`` -> ("torch", "adam")."""
    if isinstance(spec, str):
        return spec, None
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and all(isinstance(s, str) for s in spec):
        return spec[0], spec[1]
    raise ValueError(f"a solver is a name or a (solver, optimizer) pair, got {spec!r}")


def _label(solver: str, optimizer: str | None) -> str:
    return solver if optimizer is None else f"{solver}/{optimizer}"


def _parameters(model, fit_intercept: bool) -> np.ndarray:
    """(intercept, coef) flattened, the intercept left out without one."""
    coef = np.ravel(np.asarray(model.coef_, dtype=np.float64))
    if not fit_intercept:
        return coef
    return np.concatenate([np.ravel(np.asarray(model.intercept_, dtype=np.float64)), coef])


def max_relative_deviation(params, reference) -> float:
    """Largest ``|params_i - reference_i| / |reference_i|`` over the parameters.

    Parameters whose reference is (near) zero are measured relative to
    ``REL_DEV_FLOOR`` times the largest reference parameter instead.
    """
    params = np.asarray(params, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if params.size == 0:
        return 0.0
    largest = float(np.max(np.abs(reference)))
    floor = REL_DEV_FLOOR * largest if largest > 0 else np.finfo(np.float64).tiny
    return float(np.max(np.abs(params - reference) / np.maximum(np.abs(reference), floor)))


def _mse(model, X, y, w) -> float:
    if len(y) == 0:
        return math.nan
    resid = np.asarray(y, dtype=np.float64).reshape(len(y), -1) - np.asarray(
        model.predict(X), dtype=np.float64
    ).reshape(len(y), -1)
    return float(np.mean(np.average(resid**2, axis=0, weights=w)))


def _note(caught, error: BaseException | None = None) -> str:
    """One line per distinct warning (category: message), then the error if any."""
    lines = []
    for item in caught:
        line = f"{item.category.__name__}: {item.message}"
        if line not in lines:
            lines.append(line)
    if error is not None:
        lines.append(f"error: {type(error).__name__}: {error}")
    return " | ".join(" ".join(line.split()) for line in lines)


@dataclass
class Comparison:
    """What :func:`compare` returns.

    Attributes
    ----------
    rows : list of dict
        One per solver, with the keys of :data:`COLUMNS`: ``solver`` (label),
        ``kind`` ("exact" or "iterative"), ``coef`` (ndarray), ``intercept``,
        ``train_mse``, ``val_mse``, ``test_mse`` (NaN without that split), ``n_iter``
        (refinement steps or epochs), ``seconds`` (wall time of the fit),
        ``max_rel_dev`` (see :func:`max_relative_deviation`, against ``reference``),
        ``status`` ("ok"; "cut short": fewer epochs than asked, by the time budget or
        the epoch plan; "skipped": not run, the budget spent; "failed") and ``note``
        (why it was cut short or skipped, the warnings the fit raised, or the error
        that stopped it).
    reference : dict
        The reference fit (``solver="auto"`` on the training split) as a row; its
        ``solver`` records the path "auto" took.
    estimators : dict
        Label -> fitted estimator (the reference under "reference").
    model : str
        "LinearRegression" or "Ridge(alpha=...)".
    n_train, n_val, n_test : int
        Sizes of the split.
    max_seconds : float or None
        The time budget it ran under.
    """

    rows: list
    reference: dict
    estimators: dict = field(default_factory=dict, repr=False)
    model: str = "LinearRegression"
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0
    max_seconds: float | None = None

    def to_frame(self):
        """The rows as a pandas DataFrame indexed by solver label."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS)).set_index("solver")

    # ---------------------------------------------------------------- display --
    def _columns(self) -> list[tuple[str, str, bool]]:
        """(row key, header, right-aligned) of the columns worth showing."""
        cols = [
            ("solver", "solver", False),
            ("intercept", "intercept", True),
            ("coef", "coef", False),
            ("train_mse", "train MSE", True),
        ]
        for key, header in (("val_mse", "val MSE"), ("test_mse", "test MSE")):
            if any(not math.isnan(r[key]) for r in self.rows):
                cols.append((key, header, True))
        cols += [
            ("n_iter", "n_iter", True),
            ("seconds", "seconds", True),
            ("max_rel_dev", "max rel dev", True),
        ]
        if any(r["note"] for r in self.rows):
            cols.append(("note", "note", False))
        return cols

    def _notes(self) -> list[str]:
        """The distinct notes, numbered in the order of the rows."""
        notes = []
        for row in self.rows:
            if row["note"] and row["note"] not in notes:
                notes.append(row["note"])
        return notes

    def _cells(self) -> tuple[list, list[list[str]], list[str]]:
        """Columns, formatted rows (notes as footnote marks) and the footnotes."""
        cols = self._columns()
        notes = self._notes()
        body = []
        for row in self.rows:
            cells = []
            for key, _, _ in cols:
                if key == "note":
                    cells.append(f"[{notes.index(row['note']) + 1}]" if row["note"] else "")
                else:
                    cells.append(_format_cell(key, row[key]))
            body.append(cells)
        footnotes = [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
        return cols, body, footnotes

    def _title(self) -> str:
        split = f"{self.n_train} train"
        if self.n_val:
            split += f" / {self.n_val} val"
        if self.n_test:
            split += f" / {self.n_test} test"
        return f"{self.model}, {split} samples; reference: {self.reference['solver']}"

    def outcome(self) -> str:
        """One line naming the solvers skipped, cut short or failed ("" when none)."""
        parts = []
        for status in (SKIPPED, CUT_SHORT, FAILED):
            labels = [r["solver"] for r in self.rows if r.get("status") == status]
            if labels:
                parts.append(f"{status}: {', '.join(labels)}")
        if not parts:
            return ""
        return f"{len(self.rows)} solvers; " + "; ".join(parts) + " (why: see the notes)."

    def __str__(self) -> str:
        cols, body, footnotes = self._cells()
        header = [h for _, h, _ in cols]
        widths = [max(len(h), *(len(r[j]) for r in body)) for j, h in enumerate(header)]

        def line(cells):
            out = [
                c.rjust(w) if right else c.ljust(w)
                for c, w, (_, _, right) in zip(cells, widths, cols)
            ]
            return "  ".join(out).rstrip()

        rule = "  ".join("-" * w for w in widths)
        lines = [self._title(), line(header), rule, *(line(r) for r in body)]
        outcome = [self.outcome()] if self.outcome() else []
        return "\n".join(lines + footnotes + outcome)

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.rows)} solvers: {self._title()}>"

    def to_rich(self):
        """A ``rich.table.Table`` of the comparison (notes in its caption)."""
        from rich import box
        from rich.table import Table

        cols, body, footnotes = self._cells()
        table = Table(
            title=self._title(),
            title_justify="left",
            caption="\n".join([*footnotes, self.outcome()]).strip() or None,
            caption_justify="left",
            box=box.SIMPLE_HEAD,
        )
        for key, header, right in cols:
            table.add_column(
                header,
                justify="right" if right else "left",
                no_wrap=key != "coef",  # only the coefficients wrap
                min_width=12 if key == "coef" else None,
            )
        for row, cells in zip(self.rows, body):
            table.add_row(*cells, style="red" if "error:" in row["note"] else None)
        return table

    def __rich__(self):
        return self.to_rich()


def _format_number(value, spec: str = ".6g") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(float(value), spec)


def _format_vector(values) -> str:
    """``[a, b, c]``; more than ``MAX_SHOWN`` values: the first three and "..."."""
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim > 1:
        return "; ".join(_format_vector(v) for v in values)
    if len(values) > MAX_SHOWN:
        shown = [_format_number(v) for v in values[: MAX_SHOWN - 1]] + ["..."]
    else:
        shown = [_format_number(v) for v in values]
    return "[" + ", ".join(shown) + "]"


def _format_cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "coef":
        return _format_vector(value)
    if key == "intercept":
        return _format_number(value) if np.ndim(value) == 0 else _format_vector(value)
    if key in ("train_mse", "val_mse", "test_mse"):
        return _format_number(value)
    if key == "seconds":
        return _format_number(value, ".3g")
    if key == "max_rel_dev":
        return _format_number(value, ".1e")
    return str(value)


# ------------------------------------------------------------------ the fits --
#: The estimators' default epoch cap and tolerance (see :class:`linreg.LinearRegression`).
DEFAULT_MAX_ITER = 100_000
DEFAULT_TOL = 1e-9
#: Epochs a first-order trainer runs by default when it cannot reach ``tol`` within
#: ``DEFAULT_MAX_ITER`` epochs (see :func:`_epoch_plan`): enough to show where it heads.
SHORT_RUN = 500
#: Epochs of the timed run that measures an epoch's cost under a time budget.
CALIBRATION_EPOCHS = 8
#: Fraction of its share of the budget an iterative solver plans to use.
SAFETY = 0.5
#: Row statuses: fitted to the end, stopped early by :func:`compare`, not run, failed.
OK, CUT_SHORT, SKIPPED, FAILED = "ok", "cut short", "skipped", "failed"

#: The clock of the time budget and of the ``seconds`` column (tests replace it).
_clock = time.perf_counter


class ReferenceFitError(ValueError):
    """The reference fit (``solver="auto"``) failed; ``__cause__`` is its error."""


class SplitError(ValueError):
    """The hold-out left no rows to train on."""

    def __init__(self, n: int, val_size: float, test_size: float):
        self.n, self.val_size, self.test_size = n, val_size, test_size
        super().__init__(
            f"with {n} samples, val_size={val_size:g} and test_size={test_size:g} held out "
            "every row, leaving none to train on (each row is held out with probability "
            "val_size + test_size); lower them"
        )


def _estimator(alpha: float, fit_intercept: bool, **params):
    if alpha == 0:
        return LinearRegression(fit_intercept=fit_intercept, **params)
    return Ridge(alpha, fit_intercept=fit_intercept, **params)


def holdout_parts(n: int, val_size=0.0, test_size=0.0, random_state=0) -> list[np.ndarray]:
    """Row indices of the training, validation and test parts.

    The rule of ``linreg fit``: :func:`linreg.split.holdout_labels` decides each row's
    part from (``random_state``, row index) alone, so ``linreg fit`` and ``linreg
    compare`` with the same seed and sizes hold out the same rows.

    Raises
    ------
    ValueError
        For sizes outside [0, 1) or summing to 1 or more, a negative seed, and
        :class:`SplitError` when no row is left to train on.
    """
    val_size = _check_fraction(val_size, "val_size")
    test_size = _check_fraction(test_size, "test_size")
    if val_size + test_size >= 1.0:
        raise ValueError(
            f"val_size + test_size must be below 1 (some data must be left to train on), "
            f"got {val_size} + {test_size}"
        )
    if random_state is None:
        random_state = int(np.random.SeedSequence().entropy % 2**32)
    labels = holdout_labels(n, test_size, val_size, random_state)
    parts = [np.flatnonzero(labels == part) for part in (TRAIN, VALIDATION, TEST)]
    if n and not len(parts[0]):
        raise SplitError(n, val_size, test_size)
    return parts


class _Data:
    """The split data and the model options every solver of one comparison shares."""

    def __init__(self, X, y, sample_weight, parts, alpha, fit_intercept):
        self.X = [take_rows(X, p) for p in parts]
        self.y = [take_rows(y, p) for p in parts]
        w = sample_weight
        self.w = [None if w is None else take_rows(w, p) for p in parts]
        self.alpha, self.fit_intercept = float(alpha), fit_intercept
        self.validation = (self.X[1], self.y[1]) if len(parts[1]) else None
        self.last_error = None  # the exception of the last fit, if it failed

    def estimator(self, **params):
        return _estimator(self.alpha, self.fit_intercept, **params)

    def timed_run(self, params, epochs: int) -> float:
        """Seconds of a throw-away fit of ``epochs`` epochs (warnings and errors ignored)."""
        model = self.estimator(**{**params, "max_iter": epochs})
        start = _clock()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model.fit(self.X[0], self.y[0], sample_weight=self.w[0])
            except Exception:  # the real fit reports any failure
                pass
        return _clock() - start

    def fit(self, label: str, kind: str, params: dict) -> tuple:
        """Fit one solver on the training part: (estimator or None, row)."""
        model = self.estimator(**params)
        kwargs = {"sample_weight": self.w[0]}
        if kind == "iterative" and self.validation is not None:
            kwargs["validation_data"] = self.validation
        error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = _clock()
            try:
                model.fit(self.X[0], self.y[0], **kwargs)
            except Exception as exc:  # a failing solver becomes a row with a note
                error = exc
            seconds = _clock() - start
        self.last_error = error
        row = _empty_row(label, kind, _note(caught, error), FAILED if error else OK)
        row["seconds"] = seconds
        if error is not None:
            return None, row
        row.update(
            coef=np.asarray(model.coef_, dtype=np.float64).copy(),
            intercept=model.intercept_,
            n_iter=_n_iter(model),
            **{key: _mse(model, self.X[i], self.y[i], self.w[i]) for i, key in _MSE_KEYS},
        )
        return model, row

    def conditioning(self) -> tuple[float, float]:
        """(L, mu): the largest and smallest eigenvalue of the trainers' standardized
        Hessian on the training part (mu is 0 when it is singular)."""
        from .moments import Moments
        from .training import standardize

        X = np.asarray(self.X[0], dtype=np.float64)
        Y = np.asarray(self.y[0], dtype=np.float64).reshape(len(X), -1)
        w = None if self.w[0] is None else np.asarray(self.w[0], dtype=np.float64)
        problem = standardize(X, Y, w, self.fit_intercept, self.alpha, Moments.from_arrays(X, Y, w))
        return problem.lipschitz, problem.strong_convexity


_MSE_KEYS = ((0, "train_mse"), (1, "val_mse"), (2, "test_mse"))


def _empty_row(label: str, kind: str, note: str, status: str) -> dict:
    row = dict.fromkeys(COLUMNS, math.nan)
    row.update(solver=label, kind=kind, note=note, status=status)
    row.update(coef=None, intercept=None, n_iter=None)
    return row


def _join(*notes: str) -> str:
    return " | ".join(n for n in notes if n)


# ------------------------------------------------------------- the epoch plan --
@dataclass
class _Plan:
    """How many epochs an iterative solver gets, and why fewer than asked (``note``)."""

    max_iter: int
    note: str = ""


def epochs_needed(optimizer: str | None, lipschitz: float, mu: float, tol: float) -> float:
    """About how many epochs a first-order trainer needs to reach ``tol``.

    With the step 1/L, gradient descent shrinks the distance to the optimum by
    ``1 - mu/L`` per epoch, so reaching a relative bound ``tol`` from zero takes at
    least ``log(1/tol) / -log(1 - mu/L)`` (about ``(L/mu) log(1/tol)``) epochs;
    heavy-ball momentum about ``sqrt(L/mu) log(1/tol)``.  Adam has no such rate; it is
    given gradient descent's.  L-BFGS: 0 (no estimate: it converges superlinearly).
    Infinite when ``mu`` is 0, for every optimizer (no trainer can certify then).
    """
    if not mu > 0:
        return math.inf
    if optimizer == "lbfgs":
        return 0.0
    ratio = min(mu / lipschitz, 0.5)
    if optimizer in ("momentum", "nesterov"):
        ratio = min(math.sqrt(ratio), 0.5)
    return math.log(1.0 / tol) / -math.log1p(-ratio)


def _epoch_plan(optimizer, max_iter, tol, conditioning) -> _Plan:
    """The epoch cap of one iterative solver, scaled to the problem.

    ``conditioning()`` returns (L, mu) of the standardized problem (see
    :meth:`_Data.conditioning`); it is called only when ``max_iter`` is None.

    An explicit ``max_iter`` is kept.  Without one, a trainer that would need more than
    ``DEFAULT_MAX_ITER`` epochs (see :func:`epochs_needed`), or can never certify (a
    singular Hessian: fewer training rows than parameters, or collinear columns), runs
    only ``SHORT_RUN`` epochs, with a note saying why: it would otherwise spend the
    full cap and still stop short of ``tol``.
    """
    if max_iter is not None:
        return _Plan(int(max_iter))
    lipschitz, mu = conditioning()
    needed = epochs_needed(optimizer, lipschitz, mu, DEFAULT_TOL if tol is None else tol)
    if needed <= DEFAULT_MAX_ITER:
        return _Plan(DEFAULT_MAX_ITER)
    if math.isinf(needed):
        why = (
            "the training objective is not strongly convex (fewer training rows than "
            "parameters, or collinear columns), so no trainer can certify its solution"
        )
    else:
        why = (
            f"at condition number {math.sqrt(lipschitz / mu):.3g} of the standardized "
            f"design it needs about {needed:.2g} epochs, over the default cap of "
            f"{DEFAULT_MAX_ITER}"
        )
    advice = "raise the cap (max_iter, --max-iter) to run longer"
    return _Plan(SHORT_RUN, f"run for {SHORT_RUN} epochs only: {why}; {advice}")


# ------------------------------------------------------------ the time budget --
@dataclass
class _Budget:
    """Seconds left of ``max_seconds`` (None: no budget) since ``start``."""

    max_seconds: float | None
    start: float

    def remaining(self) -> float:
        if self.max_seconds is None:
            return math.inf
        return self.max_seconds - (_clock() - self.start)

    def spent_note(self) -> str:
        return f"skipped: the time budget (max_seconds={self.max_seconds:g}) was spent"


def affordable_epochs(share: float, per_epoch: float, planned: int) -> int:
    """Epochs that fit in ``share`` seconds at ``per_epoch`` seconds each, at most ``planned``."""
    if not per_epoch > 0:
        return planned
    return int(min(planned, math.floor(share / per_epoch)))


def _epoch_cost(data: _Data, params: dict, share: float) -> float:
    """Seconds per epoch, measured (one-off costs such as importing torch excluded)."""
    data.timed_run(params, 1)  # absorbs the one-off costs
    first = data.timed_run(params, 1)
    if first * 8 * CALIBRATION_EPOCHS > share:  # too slow to measure more: an upper bound
        return first
    # The marginal cost of an epoch: the difference of two runs leaves out each fit's
    # fixed costs (validation, set-up, the final certificate), which would otherwise
    # make short runs look slow per epoch and cut long runs needlessly short.
    short = data.timed_run(params, CALIBRATION_EPOCHS)
    long = data.timed_run(params, 4 * CALIBRATION_EPOCHS)
    marginal = (long - short) / (3 * CALIBRATION_EPOCHS)
    return marginal if marginal > 0 else long / (4 * CALIBRATION_EPOCHS)


def _run_iterative(data: _Data, label: str, params: dict, plan: _Plan, budget, n_left: int):
    """Fit one iterative solver within its share of the budget: (estimator, row)."""
    if budget.remaining() <= 0:
        return None, _empty_row(label, "iterative", budget.spent_note(), SKIPPED)
    if budget.max_seconds is None:
        data.timed_run(params, 1)  # untimed warm-up: the timing leaves out one-off costs
        max_iter, cut = plan.max_iter, ""
    else:
        share = budget.remaining() / n_left
        per_epoch = _epoch_cost(data, params, share)
        # Half the share: an epoch's cost varies (machine load, line searches).
        max_iter = affordable_epochs(SAFETY * share, per_epoch, plan.max_iter)
        if max_iter < 1:
            note = (
                f"skipped: an epoch takes about {per_epoch:.2g} s, more than its share "
                f"({share:.2g} s) of the time budget (max_seconds={budget.max_seconds:g})"
            )
            return None, _empty_row(label, "iterative", note, SKIPPED)
        cut = ""
        if max_iter < plan.max_iter:
            cut = (
                f"cut short by the time budget: {max_iter} of {plan.max_iter} epochs, its "
                f"share ({share:.2g} s) of max_seconds={budget.max_seconds:g}"
            )
    model, row = data.fit(label, "iterative", {**params, "max_iter": max_iter})
    if row["status"] == OK and row["n_iter"] >= max_iter and (plan.note or cut):
        # It stopped at the lowered cap: say why the cap was lowered.
        row["status"] = CUT_SHORT
        row["note"] = _join(plan.note, cut, row["note"])
    return model, row


# ---------------------------------------------------------------- compare() --
def _specs(solvers) -> list[tuple[str, str | None]]:
    """The (solver, optimizer) pairs to run, checked against the registries."""
    trainers = _trainers()
    specs = [_parse(s) for s in (default_solvers() if solvers is None else solvers)]
    for solver, optimizer in specs:
        if solver not in SOLVERS and solver not in trainers:
            known = sorted(SOLVERS) + sorted(trainers)
            raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(known)}")
        if optimizer is not None and solver != "torch":
            raise ValueError(f"an optimizer applies to solver='torch' only, not {solver!r}")
    return specs


def _reference(data: _Data, fit_intercept: bool):
    """The reference fit (``solver="auto"``): (estimator, row, parameters)."""
    model, row = data.fit("reference", "exact", {"solver": "auto"})
    if model is None:
        raise ReferenceFitError(
            f"the reference fit (solver='auto') failed: {row['note']}"
        ) from data.last_error
    row["solver"] = f"auto ({model.solver_})"
    row["max_rel_dev"] = 0.0
    return model, row, _parameters(model, fit_intercept)


def _model_name(alpha) -> str:
    return "LinearRegression" if alpha == 0 else f"Ridge(alpha={alpha:g})"


def compare(
    X,
    y,
    *,
    fit_intercept=True,
    alpha=0.0,
    val_size=0.0,
    test_size=0.0,
    random_state=0,
    solvers=None,
    sample_weight=None,
    max_iter=None,
    tol=None,
    max_seconds=None,
    progress=None,
) -> Comparison:
    """Fit X, y with every solver, exact and iterative, and compare the results.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    fit_intercept : bool, default True
    alpha : float, default 0.0
        0 fits :class:`linreg.LinearRegression`; above 0, :class:`linreg.Ridge`.
    val_size, test_size : float, default 0.0
        Probabilities with which a row is held out for validation / testing, decided
        from (``random_state``, row index) by :func:`linreg.split.holdout_labels`:
        the same rows ``linreg fit`` holds out with the same seed.  Every solver fits
        the training part; the iterative ones also get the validation part as
        ``validation_data`` (a ``val_loss`` history; no early stopping).
    random_state : int or None, default 0
        Non-negative seed of the split and of the iterative solvers (None: drawn).
    solvers : list or None
        Names (``"cholesky"``, ``"gd"``, ...) or ``(solver, optimizer)`` pairs such as
        ``("torch", "adam")``.  None: :func:`default_solvers`, the exact solvers
        "cholesky", "qr", "extended", "svd", then those of "gd", "autograd",
        torch with "sgd", "adam" and "lbfgs" whose trainer is registered.
    sample_weight : array-like of shape (n_samples,), optional
        Split with the data; the MSEs are then weighted means.
    max_iter : int or None
        Epoch cap of the iterative solvers.  None: scaled to the problem, see
        :func:`_epoch_plan` (the estimators' 100,000, or ``SHORT_RUN`` = 500 with a note for a
        trainer that could not reach ``tol`` in 100,000 epochs).
    tol : float or None
        Passed to the iterative solvers (None: the estimators' default).
    max_seconds : float or None
        Time budget of the whole comparison (None: none).  The reference and the exact
        solvers run while it lasts; each iterative solver gets an equal share of what
        is left, its epoch cap lowered to what its measured epoch time allows.  Solvers
        started after it is spent are skipped.  Rows record it in ``status`` ("cut
        short", "skipped") and ``note``.  It is approximate: one fit may overrun it.
    progress : callable or None
        Called as ``progress(row, done, total)`` after each solver.

    Returns
    -------
    Comparison
        ``str()`` of it is a plain-text table, ``rich.print`` renders it.

    Raises
    ------
    ValueError
        For an unknown solver name, or an iterative one whose trainer is not
        registered, bad split sizes (:class:`SplitError` when no row is left to train
        on), and :class:`ReferenceFitError` when the reference fit fails.  A solver
        that fails while fitting does not raise: its row has NaNs and the error in
        ``note``.
    """
    if max_seconds is not None and not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive (or None), got {max_seconds!r}")
    budget = _Budget(max_seconds, _clock())
    specs = _specs(solvers)
    parts = holdout_parts(len(X), val_size, test_size, random_state)
    if random_state is None:  # the trainers get the seed too
        random_state = int(np.random.SeedSequence().entropy % 2**32)
    data = _Data(X, y, sample_weight, parts, alpha, fit_intercept)
    reference_model, reference, ref_params = _reference(data, fit_intercept)
    estimators = {"reference": reference_model}
    run = _Runner(data, specs, max_iter, tol, random_state, budget)
    rows = []
    for spec in specs:
        model, row = run.next(spec)
        if model is not None:
            estimators[row["solver"]] = model
            row["max_rel_dev"] = max_relative_deviation(
                _parameters(model, fit_intercept), ref_params
            )
        rows.append(row)
        if progress is not None:
            progress(row, len(rows), len(specs))
    return Comparison(
        rows=rows,
        reference=reference,
        estimators=estimators,
        model=_model_name(alpha),
        n_train=len(parts[0]),
        n_val=len(parts[1]),
        n_test=len(parts[2]),
        max_seconds=max_seconds,
    )


class _Runner:
    """Runs the solvers of one comparison in order, keeping to the budget."""

    def __init__(self, data, specs, max_iter, tol, random_state, budget):
        self.data, self.max_iter, self.tol = data, max_iter, tol
        self.random_state, self.budget = random_state, budget
        self.iterative_left = sum(s in _trainers() for s, _ in specs)
        self._conditioning = None

    def conditioning(self) -> tuple[float, float]:
        if self._conditioning is None:
            self._conditioning = self.data.conditioning()
        return self._conditioning

    def next(self, spec) -> tuple:
        """Fit one (solver, optimizer): (estimator or None, row)."""
        solver, optimizer = spec
        label = _label(solver, optimizer)
        if solver not in _trainers():
            if self.budget.remaining() <= 0:
                return None, _empty_row(label, "exact", self.budget.spent_note(), SKIPPED)
            return self.data.fit(label, "exact", {"solver": solver})
        params = {"solver": solver, "tol": self.tol, "progress": False}
        params["random_state"] = self.random_state
        if optimizer is not None:
            params["optimizer"] = optimizer
        # Trainers without an optimizer (gd, autograd) take plain gradient steps.
        plan = _epoch_plan(optimizer, self.max_iter, self.tol, self.conditioning)
        n_left, self.iterative_left = self.iterative_left, self.iterative_left - 1
        return _run_iterative(self.data, label, params, plan, self.budget, n_left)


def _n_iter(model) -> int:
    """Iterations of a fit: ``n_iter_``, or for a direct solve (Ridge's ``n_iter_`` is
    None, as scikit-learn's) its solution's refinement steps, at least 1."""
    if model.n_iter_ is None:
        return max(1, int(model.solution_.n_iter))
    return int(model.n_iter_)
