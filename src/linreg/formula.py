"""Formula interface: ``linreg.ols("y ~ x1 + np.log(x2) + C(group)", data=df)``.

Built on `formulaic <https://matthewwardrop.github.io/formulaic/>`_ (the ``formula``
extra), imported only when a formula is first used.  The model matrix becomes the
DataFrame passed to :class:`linreg.LinearRegression` or :class:`linreg.Ridge`, so its
column names (``"np.log(x2)"``, ``"C(group)[T.b]"``) are the estimator's
``feature_names_in_`` and the term names of its summary.  formulaic's
``"Intercept"`` column is not passed: it becomes ``fit_intercept=True`` (and a
formula with ``- 1`` or ``+ 0`` fits without an intercept).  The stored model spec
transforms new data as the training data was (categorical levels, stateful
transforms such as ``center(x)``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .io.formula import model_matrices, parse
from .models.linear_regression import LinearRegression
from .models.ridge import Ridge

__all__ = ["FormulaModel", "ols", "ridge"]

INTERCEPT = "Intercept"


def ols(formula, data, *, weights=None, solver="auto", drop_missing=False):
    """Least squares from a formula.

    Objective (as :class:`linreg.LinearRegression`)::

        minimize over (coef, intercept)   sum_i w_i (y_i - intercept - x_i' coef)^2

    where ``x_i`` is row i of the formula's model matrix and ``w_i = 1`` unless
    ``weights`` is given (weighted least squares, statsmodels' WLS).

    Parameters
    ----------
    formula : str
        Wilkinson formula, for example ``"y ~ x1 + np.log(x2) + C(group)"``; ``- 1`` or
        ``+ 0`` drops the intercept.  It must fit linreg's closed grammar
        (:mod:`linreg.io.formula`: column names, arithmetic, ``I()``, ``C()``,
        ``center``/``scale``/``poly`` and a fixed list of numpy functions); anything
        else raises a ValueError naming the token, before anything is evaluated.
    data : pandas.DataFrame
    weights : str or array-like of shape (n_samples,), optional
        A column of ``data`` or an array of non-negative weights, one per row of
        ``data``.
    solver : str, default "auto"
        See :class:`linreg.LinearRegression`.
    drop_missing : bool, default False
        Rows holding missing values in the variables the formula uses (or in the
        weights) raise a ValueError naming the columns unless this is True; then
        they are dropped (also rows whose transformed values are missing, such as
        ``np.log`` of a negative number) and counted in ``n_dropped``.

    Returns
    -------
    FormulaModel
    """
    _formulaic("ols")
    return _fit(LinearRegression(solver=solver), formula, data, weights, drop_missing)


def ridge(formula, data, *, alpha=1.0, weights=None, solver="auto", drop_missing=False):
    """Ridge regression from a formula.

    Objective (as :class:`linreg.Ridge`, scikit-learn's)::

        minimize over (coef, intercept)
            sum_i w_i (y_i - intercept - x_i' coef)^2 + alpha * ||coef||_2^2

    on the formula's model matrix; the intercept is not penalized.  The columns are
    penalized as the formula builds them (not standardized).

    Parameters
    ----------
    formula, data, weights, solver, drop_missing
        As in :func:`ols`.
    alpha : float or array-like of shape (n_targets,), default 1.0
        Non-negative penalty strength.

    Returns
    -------
    FormulaModel
    """
    _formulaic("ridge")
    return _fit(Ridge(alpha=alpha, solver=solver), formula, data, weights, drop_missing)


class FormulaModel:
    """A LinearRegression or Ridge fitted on the model matrix of a formula.

    Create it with :func:`linreg.ols` or :func:`linreg.ridge`.

    Attributes
    ----------
    formula : str
        The formula as given.
    model : LinearRegression or Ridge
        The fitted estimator.
    model_spec : formulaic.ModelSpecs
        Specs of the response (``.lhs``) and the model matrix (``.rhs``).
    feature_names : list of str
        Columns of the model matrix passed to the estimator (without the intercept).
    response_names : list of str
        Columns of the response.
    n_dropped : int
        Rows dropped for missing values (``drop_missing=True``).
    """

    def __init__(self, formula, model, model_spec, feature_names, response_names, n_dropped=0):
        self.formula = formula
        self.model = model
        self.model_spec = model_spec
        self.feature_names = list(feature_names)
        self.response_names = list(response_names)
        self.n_dropped = int(n_dropped)

    @property
    def coef_(self):
        return self.model.coef_

    @property
    def intercept_(self):
        return self.model.intercept_

    @property
    def params(self):
        """Intercept (``"const"``, when fitted) and coefficients, indexed by term name.

        A Series for one response, a DataFrame (one column per response) for several.
        """
        import pandas as pd

        from .inference.summary import parameter_names  # "const" unless a term has that name

        names = parameter_names(self.feature_names, int(self.model.fit_intercept))
        coef = np.atleast_2d(self.model.coef_)
        if self.model.fit_intercept:
            coef = np.column_stack([np.atleast_1d(self.model.intercept_), coef])
        if np.ndim(self.model.coef_) == 1:
            return pd.Series(coef[0], index=names, name=self.response_names[0])
        return pd.DataFrame(coef.T, index=names, columns=self.response_names)

    def model_matrix(self, data):
        """The model matrix of ``data`` (without the intercept column) as fitted.

        The response need not be present.  Raises ValueError for missing values in
        the variables used, or for categories not seen in training.
        """
        return self._model_matrix(data)

    def predict(self, data, interval=None, level=0.95):
        """Predictions for new data, optionally with intervals.

        Parameters
        ----------
        data : pandas.DataFrame
            Holds the variables of the formula's right-hand side.
        interval : {None, "confidence", "prediction"}
        level : float, default 0.95

        Returns
        -------
        ndarray, as :meth:`linreg.LinearRegression.predict`.
        """
        X = self._model_matrix(data)
        return self.model.predict(X, interval=interval, level=level)

    def summary(self, cov_type="nonrobust", *args, **kwargs):
        """Inference with the formula's term names (see :meth:`LinearRegression.summary`).

        With ``cov_type="cluster"``, ``groups`` may name one column of the data (or a
        list of two, two-way clustering): its values on the rows the model was fitted
        on (after missing-value dropping) are the cluster labels.
        """
        cov_kwds = dict(kwargs.pop("cov_kwds", None) or {})
        groups = kwargs.pop("groups", cov_kwds.pop("groups", None))
        names = _group_names(groups)
        if names is not None and str(cov_type).lower() == "cluster":
            groups = self._group_labels(names)
        if groups is not None:
            kwargs["groups"] = groups
        s = self.model.summary(cov_type, *args, cov_kwds=cov_kwds, **kwargs)
        if names is not None and str(cov_type).lower() == "cluster":
            s.cov_kwds["groups"] = names[0] if len(names) == 1 else list(names)
        return s

    def _group_labels(self, names):
        """The columns ``names`` of the training data on the rows fitted."""
        data = getattr(self, "_data", None)
        if data is None:
            raise ValueError(
                "groups names a column of the training data, which this model no longer "
                "holds (it is not pickled); pass the labels as an array"
            )
        frame, rows = data
        absent = [c for c in names if c not in frame.columns]
        if absent:
            raise ValueError(
                f"groups: no column named {absent[0]!r} in the data; available columns: "
                f"{', '.join(map(repr, map(str, frame.columns)))}"
            )
        labels = [frame[c].to_numpy()[rows] for c in names]
        return labels[0] if len(labels) == 1 else labels

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_data", None)
        return state

    def get_prediction(self, data, cov_type="nonrobust", target=0, *, weights=None, **kwds):
        """Predicted means with standard errors and intervals for new data (statsmodels'
        ``get_prediction``): ``data`` is transformed by the model spec as in
        :meth:`predict`; ``.summary_frame(alpha)`` is indexed as ``data``.  ``weights``
        (an array, or a column of ``data``) are the new rows' WLS weights; ``cov_type``
        and ``kwds`` are :meth:`summary`'s (``groups`` may name a column of the training
        data; see :func:`linreg.inference.prediction.get_prediction`)."""
        from .inference.prediction import get_prediction

        if isinstance(weights, str):
            weights = _as_frame(data)[weights].to_numpy(dtype=np.float64)
        X = self._model_matrix(data)
        summary = self.summary(cov_type, target=target, **kwds)  # groups= by column name
        return get_prediction(summary, X, model=self.model, weights=weights)

    def __repr__(self) -> str:
        return f"FormulaModel({self.formula!r}, model={self.model!r})"

    def _model_matrix(self, data):
        formulaic = _formulaic("FormulaModel")
        data = _as_frame(data)
        spec = self.model_spec.rhs
        needed = list(parse(self.formula).rhs_columns)
        absent = [c for c in needed if c not in data.columns]
        if absent:
            raise ValueError(f"no column named {', '.join(map(repr, absent))} in the data")
        missing = _missing_counts(data, needed)
        if missing:
            raise ValueError(f"{_describe(missing)}; predictions need complete rows")
        with warnings.catch_warnings():
            warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
            try:
                X = spec.get_model_matrix(data[needed], na_action="raise")
            except formulaic.errors.DataMismatchWarning as err:
                raise ValueError(f"data do not match the training data: {err}") from err
        return X[self.feature_names]


def _fit(estimator, formula, data, weights, drop_missing):
    parsed = parse(formula, response=True)  # the closed grammar: nothing evaluated yet
    data = _as_frame(data).reset_index(drop=True)  # rows are positions from here on
    w = _weights(weights, data)
    variables = set(parsed.columns)
    if isinstance(weights, str):
        variables.add(weights)
    missing = _missing_counts(data, variables)
    if w is not None and not isinstance(weights, str) and np.isnan(w).any():
        missing["weights"] = int(np.isnan(w).sum())
    if missing and not drop_missing:
        raise ValueError(f"{_describe(missing)}; pass drop_missing=True to drop those rows")
    frame = data if w is None else data[~np.isnan(w)]
    matrices = model_matrices(parsed, frame, na_action="drop" if drop_missing else "raise")
    X, Y = matrices.rhs, matrices.lhs
    fit_intercept = INTERCEPT in X.columns
    if fit_intercept:
        X = X.drop(columns=INTERCEPT)
    y = Y.to_numpy(dtype=np.float64)
    estimator.set_params(fit_intercept=fit_intercept)
    estimator.fit(
        X,
        y[:, 0] if y.shape[1] == 1 else y,
        sample_weight=None if w is None else w[X.index.to_numpy()],
    )
    fitted = FormulaModel(
        formula,
        estimator,
        matrices.model_spec,
        feature_names=[str(c) for c in X.columns],
        response_names=[str(c) for c in Y.columns],
        n_dropped=len(data) - len(X),
    )
    fitted._data = (data, X.index.to_numpy())  # for summary(groups="column")
    return fitted


def _group_names(groups):
    """``groups`` as a list of column names, or None when it is labels."""
    if isinstance(groups, str):
        return [groups]
    if isinstance(groups, (list, tuple)) and 1 <= len(groups) <= 2:
        if all(isinstance(g, str) for g in groups):
            return list(groups)
    return None


def _formulaic(caller):
    try:
        import formulaic
        import formulaic.errors
        import formulaic.utils.context
    except ImportError as err:
        raise ImportError(
            f"linreg.{caller} needs the 'formula' extra: pip install 'linreg[formula]'"
        ) from err
    return formulaic


def _as_frame(data):
    import pandas as pd

    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)


def _weights(weights, data):
    if weights is None:
        return None
    w = data[weights] if isinstance(weights, str) else weights
    w = np.asarray(w, dtype=np.float64).ravel()
    if w.shape[0] != len(data):
        raise ValueError(f"weights has {w.shape[0]} values but data has {len(data)} rows")
    return w


def _missing_counts(data, variables):
    """``{column: rows missing}`` for the columns of ``data`` among ``variables``."""
    names = {str(v) for v in variables}
    counts = {c: int(data[c].isna().sum()) for c in data.columns if str(c) in names}
    return {c: n for c, n in counts.items() if n}


def _describe(missing):
    items = [f"{str(c)!r} ({n} row{'s' if n != 1 else ''})" for c, n in missing.items()]
    return f"missing values in column(s) {', '.join(items)}"
