"""Fit the same data with every solver and tabulate how far each lands from the exact one.

:func:`compare` runs the exact solvers and the iterative trainers (those registered in
:data:`linreg.training.TRAINERS` when it is called) on one train / validation / test
split and returns a :class:`Comparison`: rows of coefficients, errors, epochs, time,
and the largest relative deviation from the reference fit (``solver="auto"``), which
prints as a plain-text table and renders as a rich table.

This module imports neither torch nor matplotlib; the torch trainers import torch
when they run.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .linear_regression import LinearRegression
from .ridge import Ridge
from .solvers import SOLVERS
from .split import take_rows, train_val_test_split

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
        ``max_rel_dev`` (see :func:`max_relative_deviation`, against ``reference``) and
        ``note`` (the warnings the fit raised, or the error that stopped it).
    reference : dict
        The reference fit (``solver="auto"`` on the training split) as a row; its
        ``solver`` records the path "auto" took.
    estimators : dict
        Label -> fitted estimator (the reference under "reference").
    model : str
        "LinearRegression" or "Ridge(alpha=...)".
    n_train, n_val, n_test : int
        Sizes of the split.
    """

    rows: list
    reference: dict
    estimators: dict = field(default_factory=dict, repr=False)
    model: str = "LinearRegression"
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0

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
        return "\n".join(lines + footnotes)

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
            caption="\n".join(footnotes) or None,
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


def _estimator(alpha: float, fit_intercept: bool, **params):
    if alpha == 0:
        return LinearRegression(fit_intercept=fit_intercept, **params)
    return Ridge(alpha, fit_intercept=fit_intercept, **params)


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
        Fractions held out (see :func:`linreg.split.train_val_test_split`); every
        solver fits the training part.  The iterative solvers also get the validation
        part as ``validation_data`` (a ``val_loss`` history; no early stopping).
    random_state : int or None, default 0
        Seed of the split and of the iterative solvers.
    solvers : list or None
        Names (``"cholesky"``, ``"gd"``, ...) or ``(solver, optimizer)`` pairs such as
        ``("torch", "adam")``.  None: :func:`default_solvers`, the exact solvers
        "cholesky", "qr", "extended", "svd", then those of "gd", "autograd",
        torch with "sgd", "adam" and "lbfgs" whose trainer is registered.
    sample_weight : array-like of shape (n_samples,), optional
        Split with the data; the MSEs are then weighted means.
    max_iter, tol : int, float or None
        Passed to the iterative solvers (None: the estimators' defaults).

    Returns
    -------
    Comparison
        ``str()`` of it is a plain-text table, ``rich.print`` renders it.

    Raises
    ------
    ValueError
        For an unknown solver name, or an iterative one whose trainer is not
        registered.  A solver that fails while fitting does not raise: its row has
        NaNs and the error in ``note``.
    """
    trainers = _trainers()
    specs = [_parse(s) for s in (default_solvers() if solvers is None else solvers)]
    for solver, optimizer in specs:
        if solver not in SOLVERS and solver not in trainers:
            known = sorted(SOLVERS) + sorted(trainers)
            raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(known)}")
        if optimizer is not None and solver != "torch":
            raise ValueError(f"an optimizer applies to solver='torch' only, not {solver!r}")

    n = len(X)
    index = np.arange(n)
    parts = train_val_test_split(
        index,
        index,
        val_size=val_size,
        test_size=test_size,
        random_state=random_state,
    )[:3]
    Xs = [take_rows(X, p) for p in parts]
    ys = [take_rows(y, p) for p in parts]
    ws = [None] * 3 if sample_weight is None else [take_rows(sample_weight, p) for p in parts]
    validation = (Xs[1], ys[1]) if len(parts[1]) else None

    def run(label, kind, **params):
        model = _estimator(float(alpha), fit_intercept, **params)
        kwargs = {"sample_weight": ws[0]}
        if kind == "iterative" and validation is not None:
            kwargs["validation_data"] = validation
        if kind == "iterative":
            # One untimed epoch first, so that the timing leaves out one-off costs
            # (importing torch, first calls); the real fit reports any failure.
            warm = _estimator(float(alpha), fit_intercept, **{**params, "max_iter": 1})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    warm.fit(Xs[0], ys[0], sample_weight=ws[0])
                except Exception:
                    pass
        error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            try:
                model.fit(Xs[0], ys[0], **kwargs)
            except Exception as exc:  # a failing solver becomes a row with a note
                error = exc
            seconds = time.perf_counter() - start
        row = dict.fromkeys(COLUMNS, math.nan)
        row.update(solver=label, kind=kind, seconds=seconds, note=_note(caught, error))
        row.update(coef=None, intercept=None, n_iter=None)
        if error is None:
            row.update(
                coef=np.asarray(model.coef_, dtype=np.float64).copy(),
                intercept=model.intercept_,
                n_iter=int(model.n_iter_),
                train_mse=_mse(model, Xs[0], ys[0], ws[0]),
                val_mse=_mse(model, Xs[1], ys[1], ws[1]),
                test_mse=_mse(model, Xs[2], ys[2], ws[2]),
            )
        return model if error is None else None, row

    reference_model, reference = run("reference", "exact", solver="auto")
    if reference_model is None:
        raise ValueError(f"the reference fit (solver='auto') failed: {reference['note']}")
    reference["solver"] = f"auto ({reference_model.solver_})"
    reference["max_rel_dev"] = 0.0
    ref_params = _parameters(reference_model, fit_intercept)
    estimators = {"reference": reference_model}

    rows = []
    for solver, optimizer in specs:
        label = _label(solver, optimizer)
        if solver in trainers:
            params = {"solver": solver, "max_iter": max_iter, "tol": tol, "progress": False}
            params["random_state"] = random_state
            if optimizer is not None:
                params["optimizer"] = optimizer
            model, row = run(label, "iterative", **params)
        else:
            model, row = run(label, "exact", solver=solver)
        if model is not None:
            estimators[label] = model
            row["max_rel_dev"] = max_relative_deviation(
                _parameters(model, fit_intercept), ref_params
            )
        rows.append(row)

    if alpha == 0:
        name = "LinearRegression"
    else:
        name = f"Ridge(alpha={alpha:g})"
    return Comparison(
        rows=rows,
        reference=reference,
        estimators=estimators,
        model=name,
        n_train=len(parts[0]),
        n_val=len(parts[1]),
        n_test=len(parts[2]),
    )
