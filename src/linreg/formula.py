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

Absorbed fixed effects use fixest's syntax, ``linreg.ols("y ~ x1 + x2 | firm + year",
data)`` (or ``absorb=["firm", "year"]``): the effects' labels go to
``LinearRegression.fit(X, y, absorb=...)`` (:mod:`linreg.fixed_effects`), the model
matrix holds the regressors only, and ``vcov=`` (pyfixest's names) sets the default
covariance of :meth:`FormulaModel.summary`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .io.formula import model_matrices, parse
from .models.linear_regression import LinearRegression
from .models.ridge import Ridge

__all__ = ["FormulaModel", "cluster_labels", "effects_frame", "ols", "ridge"]

INTERCEPT = "Intercept"


def ols(
    formula,
    data,
    *,
    weights=None,
    solver="auto",
    drop_missing=False,
    absorb=None,
    vcov=None,
):
    """Least squares from a formula, optionally with absorbed fixed effects.

    Objective (as :class:`linreg.LinearRegression`)::

        minimize over (coef, intercept)   sum_i w_i (y_i - intercept - x_i' coef)^2

    where ``x_i`` is row i of the formula's model matrix and ``w_i = 1`` unless
    ``weights`` is given (weighted least squares, statsmodels' WLS).  With absorbed
    effects (``"y ~ x1 + x2 | firm + year"``, or ``absorb=["firm", "year"]``; fixest's
    ``feols``) the intercept is replaced by one effect per level of each factor::

        minimize over (coef, phi_1..phi_Q)
            sum_i w_i (y_i - x_i' coef - sum_q phi_q[level of row i in factor q])^2

    Parameters
    ----------
    formula : str
        Wilkinson formula, for example ``"y ~ x1 + np.log(x2) + C(group)"``; ``- 1`` or
        ``+ 0`` drops the intercept.  It must fit linreg's closed grammar
        (:mod:`linreg.io.formula`: column names, arithmetic, ``I()``, ``C()``,
        ``center``/``scale``/``poly`` and a fixed list of numpy functions); anything
        else raises a ValueError naming the token, before anything is evaluated.
        After ``|``, the absorbed effects: column names joined by ``+``; ``f1^f2`` is
        the effect of each pair of labels of ``f1`` and ``f2``.  With effects the
        regressors have no intercept (the effects hold it; ``- 1`` changes nothing).
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
        ``np.log`` of a negative number) and counted in ``n_dropped``.  A missing label
        of an absorbed effect counts as a missing value.
    absorb : str or list of str, optional
        The absorbed effects as column names (``"f1^f2"`` for a pair), the same as
        ``| f1 + ...`` in the formula (give them in one place only).
    vcov : str or dict, optional
        The covariance :meth:`FormulaModel.summary` uses by default, in pyfixest's
        names: ``"iid"`` (``cov_type="nonrobust"``), ``"hetero"`` or ``"HC1"``,
        ``"HC2"``/``"HC3"`` (without effects), ``{"CRV1": "firm"}`` (clustered by a
        column, or by an effect ``"f1^f2"``) or ``{"CRV1": "firm + year"}`` (two-way).
        Default: ``"iid"`` without effects; with effects R fixest's default, clustered
        by the first effect (pyfixest 0.60 defaults to ``"iid"``: pass it to match).

    Returns
    -------
    FormulaModel
    """
    _formulaic("ols")
    estimator = LinearRegression(solver=solver)
    return _fit(estimator, formula, data, weights, drop_missing, absorb=absorb, vcov=vcov)


def ridge(
    formula,
    data,
    *,
    alpha=1.0,
    weights=None,
    solver="auto",
    drop_missing=False,
    absorb=None,
    vcov=None,
):
    """Ridge regression from a formula.

    Objective (as :class:`linreg.Ridge`, scikit-learn's)::

        minimize over (coef, intercept)
            sum_i w_i (y_i - intercept - x_i' coef)^2 + alpha * ||coef||_2^2

    on the formula's model matrix; the intercept is not penalized.  The columns are
    penalized as the formula builds them (not standardized).  With absorbed effects
    (``| firm + year`` or ``absorb=``) the effects replace the intercept and are not
    penalized either (the penalty applies to the slopes of the demeaned regressors).

    Parameters
    ----------
    formula, data, weights, solver, drop_missing, absorb, vcov
        As in :func:`ols`.
    alpha : float or array-like of shape (n_targets,), default 1.0
        Non-negative penalty strength.

    Returns
    -------
    FormulaModel
    """
    _formulaic("ridge")
    estimator = Ridge(alpha=alpha, solver=solver)
    return _fit(estimator, formula, data, weights, drop_missing, absorb=absorb, vcov=vcov)


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
    absorb : list of str
        The absorbed effects (``"firm"``, ``"firm^year"``); empty without them.
    vcov : str or dict or None
        The ``vcov`` given to :func:`ols` (the default of :meth:`summary`).
    """

    # class defaults: a model pickled before absorbed effects existed reads these
    absorb_terms: tuple = ()
    vcov = None
    _default_cov = ("nonrobust", None, None)

    def __init__(self, formula, model, model_spec, feature_names, response_names, n_dropped=0):
        self.formula = formula
        self.model = model
        self.model_spec = model_spec
        self.feature_names = list(feature_names)
        self.response_names = list(response_names)
        self.n_dropped = int(n_dropped)
        self.absorb_terms: tuple = ()
        self.vcov = None
        self._default_cov = ("nonrobust", None, None)  # cov_type, group names, labels

    @property
    def absorb(self) -> list:
        return ["^".join(term) for term in self.absorb_terms]

    def fixef(self):
        """The fixed-effect estimates: ``{effect: Series of level -> estimate}``
        (:meth:`linreg.LinearRegression.fixef`, fixest's normalization)."""
        if not self.absorb_terms:
            raise ValueError("this model has no absorbed effects (write them as 'y ~ x | f')")
        effects = self.model.fixef()
        for table in effects.values():  # several responses: a column each, by name
            if getattr(table, "ndim", 1) == 2 and table.shape[1] == len(self.response_names):
                table.columns = self.response_names
        return effects

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
        if self.absorb_terms:
            if interval is not None:
                raise ValueError(
                    "prediction intervals of a model with absorbed effects are not supported"
                )
            return self.model.predict(X, absorb=self._effects_of(_as_frame(data)))
        return self.model.predict(X, interval=interval, level=level)

    def _effects_of(self, data):
        """The absorbed effects' labels of every row of ``data`` (new data to predict)."""
        columns = [c for term in self.absorb_terms for c in term]
        absent = [c for c in dict.fromkeys(columns) if c not in data.columns]
        if absent:
            raise ValueError(
                f"no column named {', '.join(map(repr, absent))} in the data (an absorbed effect)"
            )
        missing = _missing_counts(data, columns)
        if missing:
            raise ValueError(f"{_describe(missing)}; predictions need complete rows")
        return effects_frame(data, self.absorb_terms, np.arange(len(data)))

    def summary(self, cov_type=None, *args, vcov=None, **kwargs):
        """Inference with the formula's term names (see :meth:`LinearRegression.summary`).

        With ``cov_type="cluster"``, ``groups`` may name one column of the data (or a
        list of two, two-way clustering; ``"f1^f2"`` the pairs of labels): its values
        on the rows the model was fitted on (after missing-value dropping) are the
        cluster labels.  ``vcov`` (pyfixest's names, as :func:`ols`) may replace
        ``cov_type`` and ``groups``.  Without either, the ``vcov`` given to :func:`ols`
        (with absorbed effects and none given: clustered by the first effect).
        """
        if vcov is not None:
            if cov_type is not None:
                raise ValueError("give cov_type or vcov, not both")
            cov_type, names = _cov_of_vcov(vcov, self.absorb_terms)
            kwargs.setdefault("groups", names)
        elif cov_type is None and kwargs.get("groups") is not None:
            cov_type = "cluster"  # groups alone: clustered by them
        elif cov_type is None:
            cov_type, names, labels = self._default_cov
            if names is not None and "groups" not in kwargs:
                return self._summary(cov_type, args, dict(kwargs, groups=labels), names)
        return self._summary(cov_type, args, kwargs, None)

    def _summary(self, cov_type, args, kwargs, shown):
        """The estimator's summary; ``groups`` naming columns become their labels."""
        cov_kwds = dict(kwargs.pop("cov_kwds", None) or {})
        groups = kwargs.pop("groups", cov_kwds.pop("groups", None))
        names = _group_names(groups) if shown is None else shown
        if shown is None and names is not None and str(cov_type).lower() == "cluster":
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
        return cluster_labels(frame, names, rows)

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

        if self.absorb_terms:
            raise ValueError(
                "get_prediction of a model with absorbed effects is not supported; "
                "predict gives the predicted values"
            )
        if isinstance(weights, str):
            weights = _as_frame(data)[weights].to_numpy(dtype=np.float64)
        X = self._model_matrix(data)
        summary = self.summary(cov_type, target=target, **kwds)  # groups= by column name
        return get_prediction(summary, X, model=self.model, weights=weights)

    def __repr__(self) -> str:
        return f"FormulaModel({self.formula!r}, model={self.model!r})"

    def _model_matrix(self, data):
        """The regressors of ``data`` (formulaic's spec as fitted; no intercept column)."""
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


def _fit(estimator, formula, data, weights, drop_missing, absorb=None, vcov=None):
    parsed = parse(formula, response=True)  # the closed grammar: nothing evaluated yet
    data = _as_frame(data).reset_index(drop=True)  # rows are positions from here on
    parsed = _with_absorb(parsed, absorb, data)
    terms = parsed.absorb_terms
    cov = _cov_of_vcov(vcov, terms)  # checked before fitting
    for name in cov[1] or ():
        _effect_columns(name, data, f"vcov={vcov!r}")
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
    if terms:  # formulaic drops rows missing in the regressors, not in the effects
        frame = frame[frame[list(parsed.absorb_columns)].notna().all(axis=1).to_numpy()]
    matrices = model_matrices(parsed, frame, na_action="drop" if drop_missing else "raise")
    X, Y = matrices.rhs, matrices.lhs
    fit_intercept = INTERCEPT in X.columns and not terms
    if INTERCEPT in X.columns:
        X = X.drop(columns=INTERCEPT)
    if terms and X.shape[1] == 0:
        raise ValueError(f"{formula!r}: a model with absorbed effects needs a regressor")
    rows = X.index.to_numpy()
    y = Y.to_numpy(dtype=np.float64)
    extra = {"absorb": effects_frame(data, terms, rows)} if terms else {}
    estimator.set_params(fit_intercept=fit_intercept)
    estimator.fit(
        X,
        y[:, 0] if y.shape[1] == 1 else y,
        sample_weight=None if w is None else w[rows],
        **extra,
    )
    fitted = FormulaModel(
        formula,
        estimator,
        matrices.model_spec,
        feature_names=[str(c) for c in X.columns],
        response_names=[str(c) for c in Y.columns],
        n_dropped=len(data) - len(X),
    )
    fitted.absorb_terms, fitted.vcov = terms, vcov
    fitted._data = (data, rows)  # for summary(groups="column")
    cov_type, names = cov
    labels = None if names is None else fitted._group_labels(names)
    fitted._default_cov = (cov_type, names, labels)
    return fitted


def _with_absorb(parsed, absorb, data):
    """``parsed`` with the effects of ``absorb=`` (column names, ``"f1^f2"``) as if
    written after ``|``; each effect's columns checked against ``data``."""
    import dataclasses

    if absorb is not None:
        if parsed.absorb_terms:
            raise ValueError(
                "absorbed effects given twice (after '|' in the formula and as absorb=); "
                "give them in one place"
            )
        names = [absorb] if isinstance(absorb, str) else list(absorb)
        if not names or not all(isinstance(a, str) for a in names):
            raise ValueError("absorb must be a column name or a list of column names")
        terms = tuple(_effect_columns(a, data, "absorb") for a in names)
        if len(set(terms)) < len(terms):
            raise ValueError(f"absorb lists an effect twice: {names}")
        both = [c for t in terms for c in t if c in parsed.lhs_columns]
        if both:
            raise ValueError(f"absorb: the response {both[0]!r} is also an absorbed effect")
        parsed = dataclasses.replace(parsed, absorb_terms=terms)
    for term in parsed.absorb_terms:
        _effect_columns("^".join(term), data, "the formula's absorbed effects", term)
    return parsed


def _effect_columns(name, data, where, term=None) -> tuple:
    """The columns of the effect ``name`` (a column of ``data``, or columns joined by
    ``^``); a ValueError naming it when ``data`` lacks one."""
    if term is None:
        term = (name,) if name in data.columns else tuple(name.split("^"))
    absent = [c for c in term if c not in data.columns]
    if absent or len(set(term)) < len(term):
        raise ValueError(
            f"{where}: {name!r} is not a column of the data (nor columns joined by '^'); "
            f"the columns are: {', '.join(map(repr, map(str, data.columns)))}"
        )
    return term


def effects_frame(data, terms, rows):
    """The absorbed effects' labels of ``rows`` of ``data``: one column per effect,
    named as the effect; ``f1^f2`` holds the pairs of labels ``(f1, f2)``."""
    import pandas as pd

    columns = {}
    for term in terms:
        values = [data[c].to_numpy()[rows] for c in term]
        if len(values) == 1:
            columns["^".join(term)] = values[0]
            continue
        pairs = np.empty(len(rows), dtype=object)
        pairs[:] = list(zip(*values))
        columns["^".join(term)] = pairs
    return pd.DataFrame(columns)


def cluster_labels(frame, names, rows):
    """Cluster labels of ``rows`` of ``frame`` for each name in ``names``: a column's
    values, or the integer code of each pair of labels for ``"f1^f2"``; for two names
    (two-way) the integer codes of both, an (n, 2) array (statsmodels' ``groups``)."""
    import pandas as pd

    labels = []
    for name in names:
        term = _effect_columns(name, frame, "groups")
        if len(term) == 1:
            labels.append(frame[term[0]].to_numpy()[rows])
        else:  # the code of each combination of labels (-1 where one is missing)
            codes = np.zeros(len(rows), dtype=np.int64)
            missing = np.zeros(len(rows), dtype=bool)
            for column in term:
                part, uniques = pd.factorize(frame[column].to_numpy()[rows])
                missing |= part < 0
                codes = codes * (len(uniques) + 1) + (part + 1)
                if codes.max(initial=0) > 2**40:  # keep the products in int64
                    codes = pd.factorize(codes)[0].astype(np.int64)
            labels.append(np.where(missing, -1, pd.factorize(codes)[0]))
    if len(labels) == 1:
        return labels[0]
    # a missing label keeps its code -1, so the summary still reports it
    return np.column_stack([pd.factorize(values)[0] for values in labels])


#: pyfixest's names of the covariance types without groups, as linreg's cov_type.
_VCOV_NAMES = {"iid": "nonrobust", "hetero": "HC1", "HC1": "HC1", "HC2": "HC2", "HC3": "HC3"}


def _cov_of_vcov(vcov, terms):
    """``(cov_type, group names or None)`` of pyfixest's ``vcov`` (see :func:`ols`)."""
    if vcov is None:
        return ("cluster", ["^".join(terms[0])]) if terms else ("nonrobust", None)
    if isinstance(vcov, str):
        cov_type = _VCOV_NAMES.get(vcov)
        if cov_type is None:
            raise ValueError(
                f"vcov={vcov!r}: expected one of {', '.join(map(repr, _VCOV_NAMES))} or "
                "{'CRV1': 'column'}"
            )
        if terms and cov_type in ("HC2", "HC3"):
            raise ValueError(f"vcov={vcov!r} is not defined with absorbed effects (as fixest)")
        return cov_type, None
    if not isinstance(vcov, dict) or len(vcov) != 1 or not isinstance(
        next(iter(vcov.values())), str
    ):
        raise ValueError(f"vcov={vcov!r}: a dict is {{'CRV1': 'column'}} or {{'CRV1': 'a + b'}}")
    kind, spec = next(iter(vcov.items()))
    if kind != "CRV1":
        raise ValueError(f"vcov={vcov!r}: only CRV1 cluster-robust covariances are available")
    names = [part.strip() for part in spec.split("+")]
    if not 1 <= len(names) <= 2 or not all(names):
        raise ValueError(f"vcov={vcov!r}: one cluster column, or two joined by '+' (two-way)")
    return "cluster", names


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
