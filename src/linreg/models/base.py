"""The one estimator base, :class:`LinearModel`, and the exact least-squares family on it.

:class:`LinearModel` writes, once for every estimator of :mod:`linreg.models`:

- ``fit``, a template: scikit-learn's parameter validation (each class's complete
  ``_parameter_constraints``) -> the combinations it refuses (``_check_params``) ->
  the data: a chunked source (``_make_source``: file scan, Dask, a tensor's device),
  fitted from its Moments (``_fit_source``), or arrays validated in memory
  (``_fit_arrays``) -> the problem -> ``_solve`` -> ``_set_solution``, which writes the
  fitted attributes through :mod:`linreg.fitted_state` (scikit-learn's shape and dtype
  rules);
- ``predict`` (``X @ coef_.T + intercept_`` in float64, returned in scikit-learn's dtype;
  dense, scipy.sparse or a torch tensor);
- the tags, the refusal of inference where it is not defined, ``summary()`` (where the
  family offers it) and the warnings about a solution (``_warn_about``).

Warnings point at the user's call (:func:`linreg._warnings.external_stacklevel`), however
deep in the template they are raised.

:class:`ExactLinearModel` is the family solved exactly from Moments
(:class:`~linreg.models.linear_regression.LinearRegression`,
:class:`~linreg.models.ridge.Ridge`): its input kinds (scipy.sparse, chunked sources,
arrays) and solver families (exact, the iterative trainers) are routes of the template.
"""

from __future__ import annotations

import warnings
from collections.abc import Set
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse as is_sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._validation import assert_finite, assert_no_overflow, validate_training_data, validate_X
from .._warnings import external_stacklevel
from ..fitted_state import predict_dtype, result_dtype, write_fitted_state
from ..solution import AccuracyWarning, IterationLimitWarning, RankDeficientWarning
from ..solvers import LeastSquaresProblem, solve
from ..solvers.certify import checked
from ..training import TRAINERS, TrainingConfig, solve_iterative, standardize
from ..training.problem import track_intercept


class RegistryNames(Set):
    """The names in registries (:data:`linreg.solvers.SOLVERS`, :data:`linreg.training.
    TRAINERS`) plus ``extra``, read when a value is checked: for ``StrOptions``, so that a
    solver registered after import is a valid ``solver``."""

    def __init__(self, *registries, extra=()):
        self._registries = registries
        self._extra = tuple(extra)

    def _names(self) -> list:
        names = list(self._extra)
        for registry in self._registries:
            names += [name for name in registry if name not in names]
        return names

    def __contains__(self, name) -> bool:
        return name in self._extra or any(name in r for r in self._registries)

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


#: The default epoch cap of minibatch training on a chunked source (each epoch is a
#: pass over the files or partitions; in memory and full batch it is 100,000).
STREAMED_MAX_EPOCHS = 1_000

#: The iterative trainers' options (linreg's own parameters), in scikit-learn's
#: constraint objects; which values combine with which trainer is the trainer's check.
TRAINER_CONSTRAINTS = {
    "lr": [Interval(Real, 0, None, closed="neither"), None],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "optimizer": [StrOptions({"sgd", "gd", "momentum", "nesterov", "adam", "adamw", "lbfgs"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "lr_scheduler": [StrOptions({"plateau", "cosine", "step"}), None],
    "device": [str],  # "auto", "cpu", "cuda" or "cuda:N" (checked where a device is used)
    "random_state": ["random_state"],
    "early_stopping": ["boolean"],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "progress": [StrOptions({"auto"}), "boolean"],
    "shuffle": ["boolean"],
    "variance_reduction": ["boolean"],
}


def _is_source(X) -> bool:
    """Whether ``X`` is a :func:`linreg.scan` source or a Dask collection."""
    from ..sources.dispatch import is_dask_collection
    from ..sources.scan import Scan

    return isinstance(X, Scan) or is_dask_collection(X)


def _solves_from_moments(estimator) -> bool:
    """Whether ``estimator.solver`` runs on the Moments alone (``partial_fit`` exists
    only then); AttributeError saying why not otherwise."""
    from ..solvers import SOLVERS

    if estimator.solver in TRAINERS:  # one epoch over each batch (linreg.training.partial)
        return True
    # The exact solver that fit runs for this name (Ridge maps scikit-learn's names).
    name = getattr(estimator, "_exact_solver", lambda: estimator.solver)()
    module = SOLVERS.get(name)
    if module is None or module.NEEDS_DATA:
        usable = ", ".join(repr(s) for s, m in SOLVERS.items() if not m.NEEDS_DATA)
        raise AttributeError(
            "partial_fit solves from the Moments of the rows seen, not the rows: "
            f"solver={estimator.solver!r} cannot run on them; use one of {usable}, or "
            "fit(X, y) on all the rows"
        )
    return True


class LinearModel(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Base of linreg's estimators: ``fit`` as a template, ``predict``, tags, inference.

    A subclass supplies its complete ``_parameter_constraints`` (scikit-learn's
    constraint objects, checked by ``_validate_params``) and the hooks of the template:
    ``_check_params`` (combinations), ``_make_source`` (None: arrays in memory),
    ``_fit_source``, ``_fit_arrays``, ``_solve`` and, where it writes more than the
    coefficients, ``_set_solution``.
    """

    #: scikit-learn's constraints of every parameter (each subclass lists all of its own).
    _parameter_constraints: dict = {}
    #: scikit-learn's shape rule: the Ridge family gives ``coef_`` (n_features,) for a y
    #: of shape (n, 1); LinearRegression keeps (1, n_features).
    _ravel_single_target = True
    #: Whether ``rank_`` and ``condition_number_`` are meaningful (least squares).
    _solver_attributes = False
    #: Solvers that need dense X (the tags say no sparse input with them).
    _dense_only_solvers: tuple = ()
    #: Private per-fit state that a new fit starts without.
    _per_fit_state: tuple = ()

    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Fit the model: check the parameters, read the data, solve, store the solution.

        Parameters
        ----------
        X : array-like, DataFrame, scipy.sparse matrix or chunked source
            Of shape (n_samples, n_features) (see the subclass for the kinds it takes).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Not given with a :func:`linreg.scan` source (its target column is y).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows in the objective.
        **fit_params
            The subclass's own fit options.

        Returns
        -------
        self
        """
        self._validate_params()  # scikit-learn's validation: InvalidParameterError
        self._check_params()
        for attr in self._per_fit_state:
            self.__dict__.pop(attr, None)
        dtype = result_dtype(X)  # scikit-learn's rule, from the input as given
        source = self._make_source(X, y, sample_weight)
        if source is not None:
            return self._fit_source(source, dtype, **fit_params)
        return self._fit_arrays(X, y, sample_weight, dtype, **fit_params)

    # ------------------------------------------------------------ the hooks
    def _check_params(self) -> None:
        """The parameter combinations that the estimator refuses (ValueError)."""

    def _make_source(self, X, y, sample_weight):
        """The chunked source of the input (file scan, Dask, a tensor's device), or None
        to fit the arrays in memory (the default: no streaming)."""
        return None

    def _fit_source(self, source, dtype, **fit_params):
        """Fit from a chunked source's Moments (the subclasses that stream)."""
        raise ValueError(f"{type(self).__name__} does not fit a {type(source).__name__}")

    def _fit_arrays(self, X, y, sample_weight, dtype, **fit_params):
        """Validate the arrays, form the problem, solve it and store the solution."""
        raise NotImplementedError

    def _set_solution(self, solution, y_was_1d, dtype=np.float64, history=None):
        """Write the fitted attributes from ``solution`` (through :mod:`linreg.fitted_state`)."""
        write_fitted_state(
            self,
            solution,
            y_was_1d=y_was_1d,
            dtype=dtype,
            ravel_single_target=self._ravel_single_target,
            history=history,
            solver_attributes=self._solver_attributes,
        )

    def _positive(self) -> bool:
        """Whether the coefficients are constrained non-negative (``positive=True``)."""
        return bool(getattr(self, "positive", False))

    def _fits_intercept(self) -> bool:
        """Whether the problem has an intercept column: ``fit_intercept``, except with
        absorbed effects (they hold the constant)."""
        return bool(self.fit_intercept) and getattr(self, "absorbed_", None) is None

    # -------------------------------------------------------------- predict
    def predict(self, X, out=None):
        """Predicted values ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like, DataFrame, scipy.sparse matrix, torch tensor, linreg.scan or Dask
            Of shape (n_samples, n_features).  Computed in float64 (extended precision
            for ``numpy.longdouble`` X); a tensor is multiplied on its device.  A
            :func:`linreg.scan` source or a Dask collection is predicted batch by batch
            (:mod:`linreg.sources.predict`).
        out : str or path, optional
            With a scan or Dask input: write the predictions to this ``.parquet`` or
            ``.csv`` file as they are computed (bounded memory) and return its path.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            float32 when X and ``coef_`` are float32 (scikit-learn's rule), else float64.
        """
        check_is_fitted(self)
        from ..sources.device_moments import is_tensor

        if out is not None or _is_source(X):
            from ..sources.predict import predict_source

            return predict_source(self, X, out=out)

        if is_tensor(X):  # computed on the tensor's device; a NumPy result as always
            from ..sources.tensor import predict_on_device

            return predict_on_device(self, X)
        X = validate_X(self, X, reset=False, accept_sparse=True)
        if is_sparse(X):
            from ..sources.sparse import predict_sparse

            return predict_sparse(self, X)
        assert_finite(X, "X", getattr(self, "feature_names_in_", None))
        work = np.longdouble if X.dtype == np.longdouble else np.float64
        coef = np.asarray(self.coef_)
        out = np.asarray(X, dtype=work) @ coef.astype(work).T
        out += np.asarray(self.intercept_, dtype=work)
        return out.astype(predict_dtype(X.dtype, coef))

    # ------------------------------------------------------------ inference
    def _inference_refusal(self) -> str | None:
        """Why ``summary()`` and prediction intervals are not defined for this fit, or
        None when they are."""
        return (
            f"summary() and prediction intervals are least-squares inference: "
            f"{type(self).__name__} does not offer them"
        )

    def _refuse_inference(self) -> None:
        """ValueError saying why, where inference is not defined for this fit."""
        reason = self._inference_refusal()
        if reason is not None:
            raise ValueError(reason)

    def _warn_about(self, solution, names, n_samples, stacklevel=None) -> None:
        """Warn about aliased columns and about digits the solver cannot vouch for
        (pointing at the user's call; ``stacklevel`` is not needed and ignored)."""
        unresolved = solution.diagnostics.get("unresolved")
        level = external_stacklevel()
        if self._positive():
            from ..solvers.nnls import warn_basic_solution

            warn_basic_solution(solution, names, level + 1)
        elif unresolved:
            _warn_unresolved(solution, names, unresolved, level + 1)
        elif solution.aliased and n_samples > solution.rank + int(self.fit_intercept):
            _warn_aliased(solution, names, level + 1)
        if solution.status == "inaccurate":
            stopped = solution.diagnostics.get("stopped") == "max_iter"
            category = IterationLimitWarning if stopped else AccuracyWarning
            warnings.warn(solution.message, category, stacklevel=level)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = getattr(self, "solver", "auto") not in self._dense_only_solvers
        return tags


class ExactLinearModel(LinearModel):
    """Base of the estimators solved exactly from Moments (see :mod:`linreg.solvers`).

    Routes of the template: scipy.sparse X (:mod:`linreg.sources.sparse`), a chunked
    source (its Moments, one pass), arrays in memory with an exact solver or with one of
    the iterative trainers (``solver`` in :data:`linreg.training.TRAINERS`).
    """

    _ravel_single_target = False
    _solver_attributes = True
    _dense_only_solvers = tuple(TRAINERS)
    _per_fit_state = ("_sparse_fit", "absorbed_")

    def _penalty(self, n_targets: int) -> np.ndarray:
        """The L2 penalty per target (none: ordinary least squares)."""
        return np.zeros(n_targets)

    def _exact_solver(self) -> str:
        """The name of the exact solver (:mod:`linreg.solvers`) that runs for ``solver``."""
        return self.solver

    def _solve(self, problem):
        """The exact solve of ``problem``; ``positive=True`` routes it to the
        non-negative solver (:mod:`linreg.solvers.nnls`), which takes the penalty too."""
        if self._positive():  # non-negative least squares from the Moments
            from ..solvers import nnls

            return nnls.solve(problem, self._exact_solver())
        return solve(problem, self._exact_solver())

    def fit(self, X, y=None, sample_weight=None, validation_data=None, absorb=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like, DataFrame, :func:`linreg.scan` source, Dask collection or torch tensor
            Of shape (n_samples, n_features).  float32 is computed in float64 and,
            as in scikit-learn, gives float32 ``coef_``, ``intercept_`` and predictions
            (``solution_`` keeps the float64 digits); ``numpy.longdouble`` is computed
            in extended precision (float64 ``coef_``).  A scan (files read in
            batches; y and weights come from its columns) and a Dask array or
            DataFrame (per-partition Moments, merged) are fitted in one pass from
            their Moments, without holding the rows in memory.  A torch tensor (and
            NumPy input with ``device="cuda"``) has its Moments computed on its
            device in float64 (:mod:`linreg.sources.tensor`); the exact solve runs on
            the host from them.  scipy.sparse X (any format, matrix or array class)
            is fitted exactly from its sparse Moments when the dense Gram matrix is
            affordable, else by certified sparse CG/LSQR (:mod:`linreg.sources.sparse`).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            A Dask array or Series when X is a Dask collection; not given with a scan.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; the weighted objective multiplies each squared
            residual by its weight.
        validation_data : tuple (X_val, y_val), optional
            Iterative solvers only: validation loss per epoch in ``history_`` and, with
            ``early_stopping=True``, stopping on it.
        absorb : DataFrame, array-like of shape (n_samples,) or (n_samples, n_factors), optional
            Categorical factors whose fixed effects are absorbed (fixest's ``| firm +
            year``): one label per row in each column (any labels).  The coefficients
            are those of the model with a dummy column per level of every factor,
            found without forming them (:mod:`linreg.fixed_effects`); there is no
            separate intercept (``intercept_`` is 0, the effects hold it).  Singletons
            (levels met once) are removed as fixest does; ``absorbed_`` reports the
            factors, their levels, the removed rows and the certified accuracy;
            ``fixef()`` gives the effects, ``predict(X, absorb=...)`` uses them.  For a
            :func:`linreg.scan` source, the names of its absorbed columns.

        Returns
        -------
        self
        """
        kwargs = {} if absorb is None else {"absorb": absorb}
        return super().fit(X, y, sample_weight, validation_data=validation_data, **kwargs)

    def _fit_arrays(self, X, y, sample_weight, dtype, validation_data=None, absorb=None):
        """scipy.sparse X (exact or certified iterative by cost), else the validated
        arrays' problem solved exactly or by a trainer; absorbed effects by
        :mod:`linreg.fixed_effects`."""
        if absorb is not None:
            from ..fixed_effects.estimator import fit_absorbed_arrays

            return fit_absorbed_arrays(self, X, y, sample_weight, dtype, absorb, validation_data)
        if is_sparse(X):
            from ..sources.sparse import fit_sparse

            return fit_sparse(self, X, y, sample_weight, dtype)
        if self.solver in TRAINERS:  # the trainers move host arrays to their device
            from ..sources.tensor import tensors_to_numpy

            X, y, sample_weight = tensors_to_numpy(X, y, sample_weight)
        X, Y, w, y_was_1d = validate_training_data(self, X, y, sample_weight)
        # Rows of positive weight (summary's nobs, R's convention), kept when pickled.
        self._positive_weights = None if w is None else int(np.count_nonzero(w > 0))
        problem = self._in_memory_problem(X, Y, w)
        if self.solver in TRAINERS:
            return self._fit_iterative(problem, y_was_1d, validation_data, dtype)
        solution = self._solve(problem)
        self._warn_about(solution, getattr(self, "feature_names_in_", None), X.shape[0])
        self.moments_ = problem.get_moments()
        # A reference (not a copy) for the second passes of summary(); not pickled.
        self._training = (X, Y, w)
        self._set_solution(solution, y_was_1d, dtype)
        return self

    @available_if(_solves_from_moments)
    def partial_fit(self, X, y, sample_weight=None):
        """Add rows to the fit: exact incremental least squares.

        Minimizes the same objective as :meth:`fit` over all the rows seen so far: the
        Moments of ``(X, y, sample_weight)`` are merged into ``moments_`` (an exact,
        pairwise update whose rounding does not depend on the order or the sizes of the
        chunks) and the model is solved again from them, as ``fit`` solves from a
        Moments source (:class:`linreg.cross_validation.MomentsSource`).  After any
        number of calls the model equals ``fit`` on all the rows seen, fitted from
        their Moments.  With an iterative solver (``"gd"``, ``"autograd"``,
        ``"torch"``) each call instead runs ONE epoch of the trainer over the given
        rows, keeping its parameters and optimizer state between calls (as
        scikit-learn's ``SGDRegressor.partial_fit``), and ``solution_.error_estimate``
        certifies their distance to the least-squares solution of all the rows seen,
        from ``moments_`` (:mod:`linreg.training.partial`).

        Parameters
        ----------
        X : array-like, DataFrame or scipy.sparse matrix of shape (n_samples, n_features)
            The first call (on an unfitted model) sets ``n_features_in_`` and
            ``feature_names_in_``; later calls must match them (ValueError naming the
            mismatch, as scikit-learn's ``partial_fit``).  float32 gives float32
            ``coef_`` as in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Every call gives the same number of targets; ``coef_`` takes the shape
            ``fit`` gives for this call's y.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of these rows (calls with and without weights mix:
            rows without weights weigh 1).

        Returns
        -------
        self

        Notes
        -----
        The model keeps the Moments (``moments_``: memory of order
        ``(n_features + n_targets)^2``), never the rows; a call after ``fit`` adds rows
        to those ``fit`` saw, and ``fit`` starts over.  Each call solves again
        (``solver="auto"``, ``"cholesky"`` or ``"eigh"``: the solvers that run on the
        Moments alone), with the accuracy of a fit from Moments: ill-conditioned data
        warns that X in memory would be needed for more digits.  ``summary()`` and
        prediction intervals need a second pass over the rows: pass ``X=``, ``y=``
        (and ``sample_weight=``) of all the rows seen to ``summary()``.  With a solver
        that needs X in memory the method is not available (AttributeError saying so).
        """
        from ..cross_validation import MomentsSource
        from ..moments import Moments

        if self.solver in TRAINERS:  # the iterative trainers: one epoch over the batch
            from ..training.partial import partial_fit_iterative

            return partial_fit_iterative(self, X, y, sample_weight)
        if getattr(self, "absorbed_", None) is not None:
            raise ValueError(
                "partial_fit cannot add rows to a fit with absorbed effects (new rows change "
                "every level's effect and the singletons): fit again on all the rows"
            )
        first = not hasattr(self, "moments_")
        dtype = result_dtype(X)  # scikit-learn's rule, from the input as given
        if first:
            X, Y, w, y_was_1d = validate_training_data(self, X, y, sample_weight, sparse_ok=True)
        else:
            X = validate_X(self, X, reset=False, accept_sparse=True)
            clone = self.__class__(**self.get_params())
            X, Y, w, y_was_1d = validate_training_data(clone, X, y, sample_weight, sparse_ok=True)
        if is_sparse(X):  # the sparse Moments (linreg.sources.sparse)
            from ..sources.sparse import chunk_moments

            chunk = chunk_moments(X, Y, w)
        else:
            chunk = Moments.from_arrays(X, Y, w)
        if not np.isfinite(chunk.cross).all():
            names = getattr(self, "feature_names_in_", None)
            assert_finite(X, "X", names)
            assert_no_overflow(X, names, Y, w)
        if not first and chunk.n_targets != self.moments_.n_targets:
            raise ValueError(
                f"y has {chunk.n_targets} target(s) but the model was fitted on "
                f"{self.moments_.n_targets}: every partial_fit call gives the same targets"
            )
        moments = chunk if first else self.moments_.merge(chunk)
        from ..training.partial import RowsNotKept

        rows = RowsNotKept(getattr(self, "feature_names_in_", None), y_was_1d)
        return self._fit_source(MomentsSource(moments, rows), dtype)

    def _set_solution(self, solution, y_was_1d, dtype=np.float64, history=None):
        """The base's fitted state, with ``history_`` (``{}`` for an exact solve)."""
        super()._set_solution(solution, y_was_1d, dtype, {} if history is None else history)

    def _make_source(self, X, y, sample_weight):
        """The chunked source of the input (file scan, Dask, a tensor's device), or None
        to fit in memory (scipy.sparse X, arrays; the trainers take tensors' arrays)."""
        from ..sources import as_source
        from ..sources.tensor import device_source, tensors_to_numpy

        if is_sparse(X):  # fitted in memory by linreg.sources.sparse
            return None
        if self.solver in TRAINERS:  # the trainers move host arrays to their device
            return as_source(*tensors_to_numpy(X, y, sample_weight))
        source = as_source(X, y, sample_weight)
        if source is None:
            source = device_source(self, X, y, sample_weight)
        return source

    def _in_memory_problem(self, X, Y, w, moments=None):
        """The least-squares problem of validated arrays; checks what the Moments reveal
        (``moments``: those of the arrays, when already computed)."""
        names = getattr(self, "feature_names_in_", None)
        intercept = self._fits_intercept()
        problem = LeastSquaresProblem(
            X, Y, w, intercept, self._penalty(Y.shape[1]), moments=moments
        )
        moments = problem.get_moments()
        if not np.isfinite(moments.cross).all():
            assert_finite(X, "X", names)
            assert_no_overflow(X, names, Y, w)
        n_effective = X.shape[0] - int(intercept)
        if n_effective < X.shape[1] and not problem.penalized and not self._positive():
            warnings.warn(
                f"n_samples ({X.shape[0]}) {'- 1 (intercept) ' if intercept else ''}"
                f"< n_features ({X.shape[1]}): the problem is underdetermined; "
                "returning the minimum-norm solution (the least-squares coef_ of smallest "
                "Euclidean norm in the units of X; the intercept is not penalized)",
                RankDeficientWarning,
                stacklevel=external_stacklevel(),
            )
        return problem

    def _fit_source(self, source, dtype=np.float64, validation_data=None, absorb=None):
        """Fit from a chunked source (file scan, Dask): one pass for the Moments, then
        the solve on them; the source is kept for the second passes of summary()."""
        from ..sources import SourceProblem

        if absorb is not None:
            from ..fixed_effects.estimator import fit_absorbed_source

            return fit_absorbed_source(self, source, dtype, absorb, validation_data)

        if self.solver in TRAINERS:
            return self._fit_streamed(source, dtype, validation_data)
        if validation_data is not None:
            raise ValueError("validation_data applies to the iterative solvers only")
        moments = self._source_moments(source)
        alpha = self._penalty(moments.n_targets)
        intercept = self._fits_intercept()
        problem = SourceProblem(None, None, None, intercept, alpha, moments, source=source)
        underdetermined = moments.n_samples - int(intercept) < moments.n_features
        if underdetermined and alpha.max() == 0 and not self._positive():
            warnings.warn(
                f"n_samples ({moments.n_samples}) < n_features ({moments.n_features}) "
                "(plus the intercept): the problem is underdetermined; returning the "
                "minimum-norm solution (the least-squares coef_ of smallest Euclidean norm "
                "in the units of X; the intercept is not penalized)",
                RankDeficientWarning,
                stacklevel=external_stacklevel(),
            )
        solution = self._solve(problem)
        names = getattr(self, "feature_names_in_", None)
        self._warn_about(solution, names, moments.n_samples)
        self.moments_ = moments
        self._source = source  # a reference for summary(); not pickled
        self._set_solution(solution, source.y_was_1d, dtype)
        return self

    def _source_moments(self, source):
        """The Moments of a chunked source (one pass), after dropping the previous fit's
        per-source state; sets ``n_features_in_`` and ``feature_names_in_``."""
        for attr in (
            "feature_names_in_", "_training", "_source", "_stored_summaries", "_sparse_fit"
        ):
            self.__dict__.pop(attr, None)
        moments = source.moments()
        self.n_features_in_ = moments.n_features
        if source.feature_names is not None:
            self.feature_names_in_ = np.asarray(source.feature_names, dtype=object)
        return moments

    def _fit_streamed(self, source, dtype, validation_data):
        """Train an iterative solver on a chunked source (:mod:`linreg.training.streamed`):
        one pass for the Moments, then the epochs (passes of minibatches, or steps on
        the Moments' gradient when full batch), certified from the Moments."""
        from ..sources import SourceProblem
        from ..training.streamed import fit_streamed

        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be positive (or None for automatic), got {self.lr!r}")
        moments = self._source_moments(source)
        alpha = self._penalty(moments.n_targets)
        intercept = self._fits_intercept()
        validation = self._validation_moments(validation_data, moments)
        config = self._training_config(np.float64)
        if self.max_iter is None and config.batch_size is not None:  # each epoch a pass
            config = replace(config, max_iter=STREAMED_MAX_EPOCHS)
        solution = fit_streamed(self.solver, source, moments, intercept, alpha, config,
                                validation)  # fmt: skip
        problem = SourceProblem(None, None, None, intercept, alpha, moments, source=source)
        solution = checked(problem, solution)
        self._warn_about(solution, getattr(self, "feature_names_in_", None), moments.n_samples)
        self.moments_ = moments
        self._source = source  # a reference for summary(); not pickled
        self._set_solution(solution, source.y_was_1d, dtype, solution.diagnostics["history"])
        return self

    def _validation_moments(self, validation_data, moments):
        """The Moments of ``validation_data`` for a streamed trainer: a
        :func:`linreg.scan` source or Dask collection (one pass), or ``(X_val, y_val)``."""
        if validation_data is None:
            return None
        from ..moments import Moments
        from ..sources import as_source

        source = validation_data if _is_source(validation_data) else None
        if source is None and isinstance(validation_data, tuple) and len(validation_data) == 2:
            source = as_source(*validation_data)
            if source is None:
                X_val, y_val = validation_data
                try:
                    X_val = validate_X(self, X_val, reset=False)
                except ValueError as err:
                    raise ValueError(f"validation_data: {err}") from None
                y_val = np.asarray(y_val, dtype=np.float64).reshape(X_val.shape[0], -1)
                val = Moments.from_arrays(np.asarray(X_val, dtype=np.float64), y_val)
                source = False
        elif source is not None:
            source = as_source(source)
        if source is None:
            raise ValueError(
                "validation_data must be (X_val, y_val), a linreg.scan source or a Dask "
                f"collection pair; got {type(validation_data).__name__}"
            )
        if source is not False:
            val = source.moments()
        if val.n_features != moments.n_features or val.n_targets != moments.n_targets:
            raise ValueError(
                f"validation_data has {val.n_features} features and {val.n_targets} "
                f"target(s); the training data {moments.n_features} and {moments.n_targets}"
            )
        return val

    def _training_config(self, dtype) -> TrainingConfig:
        tol = 1e-9 if self.tol is None else float(self.tol)
        if self.tol is None and dtype == np.float32:
            tol = 1e-5  # float32 gradients cannot certify more
        return TrainingConfig(
            lr=self.lr,
            max_iter=100_000 if self.max_iter is None else int(self.max_iter),
            tol=tol,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            lr_scheduler=self.lr_scheduler,
            device=self.device,
            random_state=self.random_state,
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            progress=self.progress,
            shuffle=self.shuffle,
            variance_reduction=self.variance_reduction,
        )

    def _fit_iterative(self, problem, y_was_1d, validation_data, dtype=np.float64):
        """Fit with one of the iterative trainers (``solver`` in ``TRAINERS``)."""
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be positive (or None for automatic), got {self.lr!r}")
        if not problem.single_alpha:
            raise ValueError(
                f"solver={self.solver!r} takes one alpha for all targets; fit each target "
                "separately or use an exact solver for per-target alphas"
            )
        X, Y, w = problem.X, problem.Y, problem.weights
        work = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        config = self._training_config(work)
        moments = problem.get_moments()
        sp = track_intercept(standardize(X, Y, w, self.fit_intercept, problem.alpha, moments,
                                         work), moments)  # fmt: skip
        validation = self._standardized_validation(validation_data, sp)
        solution = solve_iterative(self.solver, sp, config, validation)
        # The trainers certify the slopes; the intercept, recovered from them, carries
        # their error times the offset: checked like the exact solvers' (AccuracyWarning
        # with the figure when it misses the documented accuracy).
        solution = checked(problem, solution)
        self._warn_about(solution, getattr(self, "feature_names_in_", None), X.shape[0])
        self.moments_ = moments
        self._training = (X, Y, w)
        self._set_solution(solution, y_was_1d, dtype, solution.diagnostics["history"])
        return self

    def _standardized_validation(self, validation_data, sp):
        """``validation_data=(X_val, y_val)`` in the trainers' standardized coordinates."""
        if validation_data is None:
            return None
        X_val, y_val = validation_data
        X_val = validate_X(self, X_val, reset=False)
        y_val = np.asarray(y_val, dtype=np.float64).reshape(X_val.shape[0], -1)
        return (
            (np.asarray(X_val, dtype=np.float64) - sp.x_shift) / sp.x_scale,
            (y_val - sp.y_shift) / sp.y_scale,
        )

    def predict(self, X, interval=None, level=0.95, cov_type="nonrobust", absorb=None, out=None):
        """Predicted values ``X @ coef_.T + intercept_``, optionally with intervals.

        Parameters
        ----------
        X : array-like, DataFrame, scipy.sparse matrix or torch tensor
            Of shape (n_samples, n_features).  A tensor is multiplied on its device
            (float64); the result comes back as a NumPy array.
        interval : {None, "confidence", "prediction"}
            ``"confidence"``: for the mean response; ``"prediction"``: for a new
            observation (adds the residual variance), as statsmodels'
            ``get_prediction().summary_frame()`` computes them.
        level : float, default 0.95
        cov_type : str, default "nonrobust"
            Covariance of the coefficients used for the intervals (see ``summary``).
        absorb : DataFrame or array-like, optional
            For a model fitted with absorbed effects (required then): the rows' levels
            of each absorbed factor; the prediction adds their estimated effects
            (``fixef()``).  A level not seen in training gives NaN (with a warning).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets) without ``interval``;
        with it, (n_samples, 3) columns fit, lower, upper (for several targets
        (n_samples, n_targets, 3)).
        out : str or path, optional
            With a :func:`linreg.scan` or Dask input: write the predictions to this
            ``.parquet`` or ``.csv`` file batch by batch and return its path (see
            :meth:`LinearModel.predict`).
        """
        if out is not None or _is_source(X):
            if interval is not None or absorb is not None:
                raise ValueError(
                    "predict on a linreg.scan or Dask input (or with out=) gives point "
                    "predictions only: interval= and absorb= need the rows in memory"
                )
            return super().predict(X, out=out)
        if getattr(self, "absorbed_", None) is not None or absorb is not None:
            from ..fixed_effects.estimator import predict_absorbed

            return predict_absorbed(self, X, absorb, interval)
        if interval is None:
            return super().predict(X)
        check_is_fitted(self)
        self._refuse_inference()
        from ..sources.tensor import tensors_to_numpy

        (X,) = tensors_to_numpy(X)
        X = validate_X(self, X, reset=False)
        assert_finite(X, "X", getattr(self, "feature_names_in_", None))
        from ..inference.intervals import prediction_intervals

        return prediction_intervals(self, X, interval, level, cov_type)

    def summary(
        self,
        cov_type="nonrobust",
        alpha=0.05,
        target=0,
        *,
        use_t=None,
        X=None,
        y=None,
        sample_weight=None,
        cov_kwds=None,
        **kwds,
    ):
        """Statistical inference with statsmodels' names (see :class:`linreg.Summary`).

        Parameters
        ----------
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster", "HAC"}
            Robust (HC) covariances take a second pass over the training data, which
            the fitted model references (it is not copied or pickled); after
            unpickling, pass ``X, y`` (and ``sample_weight``) again.  "cluster" takes
            ``groups=`` and "HAC" ``maxlags=`` (statsmodels' ``cov_kwds``, given either
            as ``cov_kwds={...}`` or as keywords).
        alpha : float, default 0.05
            ``conf_int`` and the printed table use level ``1 - alpha``.
        target : int, default 0
            Which column of a 2-D ``y``.
        use_t : bool or None
            t (True) or normal (False) reference distribution for tests and intervals;
            None follows statsmodels: t for "nonrobust", normal for the HC types.
        """
        from ..inference.summary import summarize

        check_is_fitted(self)
        self._refuse_inference()
        stored = getattr(self, "_stored_summaries", None)
        if stored is not None and X is None:
            return _stored_summary(stored, cov_type, target, alpha, use_t)
        cov_kwds = {**(cov_kwds or {}), **kwds}
        absorbed = getattr(self, "absorbed_", None)
        if absorbed is not None:
            from ..fixed_effects.inference import absorbed_cov_kwds

            if X is not None:
                raise ValueError(
                    "summary(X=...) is not available with absorbed effects: the demeaned "
                    "training data is referenced by the model"
                )
            cov_type, cov_kwds, use_t = absorbed_cov_kwds(self, cov_type, cov_kwds, use_t)
        from ..inference.chunks import threads_limited

        problem = self._inference_problem(X, y, sample_weight)
        if absorbed is not None:  # the model holds a demeaned copy: free pages first
            from .._memory import release_freed_memory

            release_freed_memory()
        # with absorbed effects the model holds a demeaned copy: passes on one thread
        with threads_limited(1 if absorbed is not None else None):
            summary = summarize(
                self, problem, target, cov_type, alpha, use_t, cov_kwds=cov_kwds
            )
        if absorbed is not None:
            summary.absorbed = absorbed.describe()
            # no residual footer (fixest prints none)
            summary._residual_rows = None
        return summary

    def get_prediction(self, X, cov_type="nonrobust", target=0, *, weights=None, **kwds):
        """Predicted means with standard errors and intervals at the rows of X
        (statsmodels' ``get_prediction``): ``.summary_frame(alpha)`` has the columns
        ``mean, mean_se, mean_ci_lower, mean_ci_upper, obs_ci_lower, obs_ci_upper``.
        ``weights``: WLS weights of the new rows (residual variance ``scale / weights``);
        ``cov_type`` and ``kwds`` are :meth:`summary`'s."""
        from ..inference.prediction import get_prediction

        _refuse_with_absorbed(self, "get_prediction()")

        summary = self.summary(cov_type, target=target, **kwds)
        return get_prediction(summary, X, model=self, weights=weights)

    def score(self, X, y, sample_weight=None, absorb=None):
        """R^2 of ``predict(X)`` against ``y`` (scikit-learn's ``score``); a model with
        absorbed effects takes the rows' levels as ``absorb`` (``predict``'s)."""
        if absorb is None and getattr(self, "absorbed_", None) is None:
            return super().score(X, y, sample_weight=sample_weight)
        from sklearn.metrics import r2_score

        predicted = self.predict(X, absorb=absorb)
        return r2_score(y, predicted, sample_weight=sample_weight)

    def fixef(self):
        """The estimated fixed effects of a fit with absorbed factors (fixest's
        ``fixef()``): a dict from factor name to a pandas Series (one value per level;
        a DataFrame with a column per target for several targets).  Normalization as
        fixest: every factor but the first has its first level at 0 (only contrasts
        within a factor, and predictions, are identified)."""
        from ..fixed_effects.estimator import fixef

        check_is_fitted(self)
        return fixef(self)

    def get_influence(self, X=None, y=None, sample_weight=None, *, out=None):
        """Influence measures per observation with statsmodels' ``OLSInfluence`` names
        (see :mod:`linreg.inference.influence`); for a model fitted on a scan, ``out``
        names the file the per-row results are written to."""
        from ..inference.influence import get_influence

        _refuse_with_absorbed(self, "get_influence()")

        check_is_fitted(self)
        self._refuse_inference()
        return get_influence(self, self._inference_problem(X, y, sample_weight), out=out)

    def save(self, path, *, cov_types=("nonrobust",), metrics=None):
        """Write the fitted model to a JSON model file (see :func:`linreg.save`)."""
        from ..model_io import save

        return save(self, path, cov_types=cov_types, metrics=metrics)

    def _inference_problem(self, X=None, y=None, sample_weight=None):
        """The fitted problem again: Moments plus the training data when available."""
        if X is not None:
            X, Y, w, _ = validate_training_data(
                self.__class__(**self.get_params()), X, y, sample_weight
            )
        else:
            X, Y, w = getattr(self, "_training", (None, None, None))
        n_targets = self.moments_.n_targets
        if X is None and getattr(self, "_source", None) is not None:
            from ..sources import SourceProblem

            alpha = self._penalty(n_targets)
            source = self._source
            return SourceProblem(
                None, None, None, self._fits_intercept(), alpha, self.moments_, source=source
            )
        return LeastSquaresProblem(
            X, Y, w, self._fits_intercept(), self._penalty(n_targets), self.moments_
        )

    def _inference_refusal(self) -> str | None:
        """summary() and intervals are least-squares inference: refused for a
        ``positive=True`` fit (its ``solver_`` reads ``"nnls+..."``), Ridge's as
        LinearRegression's; and for an iterative fit on scipy.sparse X (no Moments)."""
        if getattr(self, "_sparse_fit", False):
            return (
                "summary() and prediction intervals are not available for this fit on "
                "scipy.sparse X: the iterative sparse route (sparse_cg/lsqr) does not form "
                "the Moments they are computed from; fit on X.toarray(), or with "
                "n_features small enough for the exact sparse route"
            )
        if str(getattr(self, "solver_", "")).startswith("nnls"):
            return (
                "summary() and prediction intervals are not available for positive=True: "
                "the non-negative estimator's standard errors are not those of least "
                "squares (coefficients at the bound have no t-statistic); refit with "
                "positive=False for inference"
            )
        return None

    def _feature_labels(self):
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def __getstate__(self):
        # a copy: on Python 3.11+ the base returns the live __dict__, and popping from it
        # would delete the training data of the model being pickled
        state = dict(super().__getstate__())
        state.pop("_training", None)
        state.pop("_source", None)
        return state



def _refuse_with_absorbed(model, what: str) -> None:
    """Measures whose meaning with absorbed effects differs from the demeaned fit's
    (leverage and prediction variance include the effects' estimation): refused."""
    absorbed = getattr(model, "absorbed_", None)
    if absorbed is not None:
        raise ValueError(
            f"{what} is not available for a model with absorbed effects "
            f"({', '.join(absorbed.names)}): the effects' own estimation error is not in "
            "the demeaned fit it would be computed from"
        )


def _warn_aliased(solution, names, stacklevel) -> None:
    """X is rank deficient: name the aliased columns (the minimum-norm solution returned)."""
    labels = [repr(names[j]) if names is not None else f"x{j}" for j in solution.aliased]
    warnings.warn(
        f"X is rank deficient (rank {solution.rank} of {len(solution.coef[0])} "
        f"columns): {', '.join(labels)} "
        f"{'is a linear combination' if len(labels) == 1 else 'are linear combinations'}"
        " of earlier columns to within the rounding of the data (aliased; the "
        "rule is in the README's accuracy contract); returning the minimum-norm "
        "solution (the "
        "least-squares coef_ of smallest Euclidean norm in the units of X; the "
        "intercept is not penalized)",
        RankDeficientWarning,
        stacklevel=stacklevel,
    )


def _warn_unresolved(solution, names, unresolved, stacklevel) -> None:
    """The eigh solver left columns out that the Gram matrix could not resolve."""
    labels = [repr(names[j]) if names is not None else f"x{j}" for j in unresolved]
    warnings.warn(
        f"solver={solution.solver!r} (the Moments alone) cannot resolve {', '.join(labels)} "
        "from the earlier columns: their distance to them is below what a Gram matrix "
        "resolves (about sqrt(eps) relative), and the minimum-norm answer fits the data "
        "worse than leaving them out; returning the least-squares fit without them "
        f"(their coefficients 0, rank {solution.rank} of {len(solution.coef[0])}), not the "
        "fit of all columns: fit with X in memory (solver='qr', 'svd' or 'auto') for that",
        RankDeficientWarning,
        stacklevel=stacklevel,
    )


def _stored_summary(stored: dict, cov_type, target, alpha, use_t):
    """The summary a model file holds for ``(cov_type, target)``, at level ``1 - alpha``."""
    import copy

    if (cov_type, target) not in stored:
        kinds = sorted({k for k, _ in stored})
        raise ValueError(
            f"this model was loaded from a file holding the {', '.join(kinds) or 'no'} "
            f"summaries; cov_type={cov_type!r} (target {target}) needs the training data: "
            "pass X= and y= to summary()"
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    s = copy.copy(stored[(cov_type, target)])
    s.alpha = alpha
    if use_t is not None:
        s.use_t = bool(use_t)
    return s
