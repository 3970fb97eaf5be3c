"""Model files: a fitted estimator as a versioned JSON document, never a pickle.

A model file holds what is needed to predict, to print the summary and to know where
the model came from: the estimator's class and parameters, the coefficients and
intercepts (with their dtype: a model fitted on float32 X loads with float32 ``coef_``;
loading writes them through :mod:`linreg.fitted_state`, scikit-learn's shape rules),
the feature names, the standardization (feature means and standard
deviations), the solver path taken, the summaries computed at fit time, metrics the
caller measured (held-out R^2, ...), the training Moments when they are small, and the
linreg version that wrote it.  Loading validates the structure and every type, and only
builds estimators from a fixed list of linreg classes: nothing in a file is executed.

Non-finite numbers (a NaN standard error of an aliased term) are written as the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so the file stays strict JSON.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import numbers
import re
from pathlib import Path

import numpy as np

from ..fitted_state import ravels_single_target, write_coefficients

__all__ = ["ModelFileError", "save", "load", "read", "ModelFile", "FORMAT", "SCHEMA_VERSION"]

FORMAT = "linreg-model"
SCHEMA_VERSION = 1

#: Estimator classes a model file may name (resolved lazily from the ``linreg`` namespace).
ESTIMATOR_CLASSES = (
    "LinearRegression",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "RidgeCV",
    "LassoCV",
    "ElasticNetCV",
)

#: Covariance types a stored summary may have (closed: a file naming any other is refused).
STORED_COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster", "HAC")
#: HAC kernels a stored summary may name (statsmodels' names).
STORED_KERNELS = ("bartlett", "uniform")
#: The keys a stored summary's ``cov_kwds`` may hold (statsmodels' names; plain values).
COV_KWDS_KEYS = ("groups", "maxlags", "kernel", "use_correction", "df_correction")

#: Moments are stored when their cross-product matrix has at most this many entries.
MAX_STORED_MOMENT_ENTRIES = 250_000

#: Fitted attributes that are stored elsewhere in the document or not at all.
_NOT_STORED = {"coef_", "intercept_", "n_features_in_", "feature_names_in_", "moments_"}
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

#: Files larger than this are refused before reading; JSON nested deeper is refused unparsed.
MAX_FILE_BYTES = 1 << 28
MAX_DEPTH = 16
_TOP_LEVEL = (
    "format",
    "schema_version",
    "linreg_version",
    "created",
    "estimator",
    "n_features_in",
    "feature_names",
    "coef",
    "dtype",
    "intercept",
    "fitted",
    "solution",
    "standardization",
    "moments",
    "summaries",
    "metrics",
    "formula",
    "extra",
)
#: Objects of the document with a closed set of keys.
_CLOSED_OBJECTS = {
    "solution": {
        "solver",
        "rank",
        "aliased",
        "condition_number",
        "error_estimate",
        "n_iter",
        "status",
        "message",
    },
    "standardization": {"mean", "scale"},
    "moments": {"n_samples", "weight_sum", "n_features", "mean", "cross"},
}
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline allowed
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}\Z")
_VERSION = re.compile(r"[0-9][0-9A-Za-z.+_-]{0,63}\Z")


class ModelFileError(ValueError):
    """A model file is missing, corrupted, not a linreg model, or of an unknown schema."""


# ---------------------------------------------------------------- writing
def _plain(value):
    """``value`` as JSON-ready Python values (non-finite floats as strings), or raise
    TypeError for anything that is not numbers, strings, booleans, None or containers."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return [_plain(v) for v in value.tolist()]
        return _plain(
            value.astype(np.float64).tolist() if value.dtype.kind == "f" else value.tolist()
        )
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not storable in a model file")


def _fitted_attributes(model) -> dict:
    """Scalar and array fitted attributes (``alpha_``, ``solver_``, ``mse_path_``, ...)."""
    out = {}
    for name, value in vars(model).items():
        if not name.endswith("_") or name.startswith("_") or name in _NOT_STORED:
            continue
        if isinstance(value, np.ndarray) and value.size > 1_000_000:
            continue
        try:
            out[name] = _plain(value)
        except TypeError:
            continue  # objects (solution_, ...) are rebuilt or not needed for prediction
    return out


def _parameters(model) -> tuple[dict, dict]:
    """Constructor parameters that are plain values, and the repr of the others."""
    plain, other = {}, {}
    for name, value in model.get_params(deep=False).items():
        try:
            plain[name] = _plain(value)
        except TypeError:
            other[name] = repr(value)
    return plain, other


def _moments(model) -> dict | None:
    m = getattr(model, "moments_", None)
    if m is None or m.cross.size > MAX_STORED_MOMENT_ENTRIES:
        return None
    return {
        "n_samples": int(m.n_samples),
        "weight_sum": float(m.weight_sum),
        "n_features": int(m.n_features),
        "mean": _plain(m.mean),
        "cross": _plain(m.cross),
    }


def _solution(model) -> dict | None:
    """The solver's report (path, rank, aliased columns, error estimate), without arrays."""
    sol = getattr(model, "solution_", None)
    if sol is None or not hasattr(sol, "aliased"):
        return None
    keys = ("solver", "rank", "aliased", "condition_number", "error_estimate", "n_iter")
    out = {k: _plain(getattr(sol, k)) for k in keys}
    out.update(status=str(sol.status), message=str(sol.message))
    return out


def _standardization(model) -> dict | None:
    m = getattr(model, "moments_", None)
    if m is None:
        return None
    var = np.diag(m.cross)[: m.n_features] / m.weight_sum
    return {"mean": _plain(m.x_mean), "scale": _plain(np.sqrt(np.maximum(var, 0.0)))}


def _summaries(model, cov_types, computed=None) -> dict:
    """The stored summaries: those of ``cov_types`` computed now, and the ``computed``
    ones (``{cov_type: [Summary per target]}``, e.g. a cluster-robust summary, whose
    groups only the caller holds)."""
    out = {}
    if not hasattr(model, "summary") or not hasattr(model, "moments_"):
        return out
    if getattr(model, "positive", False):
        # A non-negative fit has no least-squares inference (summary() refuses it):
        # the file holds the coefficients, and predict() needs nothing more.
        return out
    n_targets = np.atleast_2d(model.coef_).shape[0]
    computed = dict(computed or {})
    for cov_type, per_target in computed.items():
        if cov_type not in STORED_COV_TYPES or len(per_target) != n_targets:
            raise ValueError(
                f"summaries[{cov_type!r}] must be one {cov_type} Summary per target "
                f"({n_targets})"
            )
        out[cov_type] = [s.to_dict() for s in per_target]
    for cov_type in cov_types:
        if cov_type not in out:
            out[cov_type] = [
                model.summary(cov_type=cov_type, target=t).to_dict() for t in range(n_targets)
            ]
    return {k: _plain(v) for k, v in out.items()}


def to_document(
    model, *, cov_types=("nonrobust",), metrics=None, formula=None, extra=None, summaries=None
) -> dict:
    """The JSON document describing a fitted ``model`` (see the module docstring)."""
    from sklearn.utils.validation import check_is_fitted

    from .. import __version__

    check_is_fitted(model)
    absorbed = getattr(model, "absorbed_", None)
    if absorbed is not None:
        raise ValueError(
            f"saving a model with absorbed effects ({', '.join(absorbed.names)}) is not "
            "supported: a model file holds coefficients only, and its predictions would "
            "leave out the effects; pickle the model, or refit"
        )
    if formula is not None:
        from .formula import validate_stored

        formula = validate_stored(formula)  # a file written is a file that loads
    cls = type(model).__name__
    if cls not in ESTIMATOR_CLASSES:
        raise TypeError(f"cannot store a {cls}; model files hold {', '.join(ESTIMATOR_CLASSES)}")
    params, unrestorable = _parameters(model)
    names = getattr(model, "feature_names_in_", None)
    doc = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "linreg_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "estimator": {"class": cls, "params": params, "unrestorable_params": unrestorable},
        "n_features_in": int(model.n_features_in_),
        "feature_names": None if names is None else [str(n) for n in names],
        "coef": _plain(np.asarray(model.coef_, dtype=np.float64)),
        "dtype": np.asarray(model.coef_).dtype.name,
        "intercept": _plain(model.intercept_),
        "fitted": _fitted_attributes(model),
        "solution": _solution(model),
        "standardization": _standardization(model),
        "moments": _moments(model),
        "summaries": _summaries(model, cov_types, summaries),
        "metrics": _plain(metrics or {}),
        "formula": formula,
        "extra": _plain(extra or {}),
    }
    return doc


def save(
    model,
    path,
    *,
    cov_types=("nonrobust",),
    metrics=None,
    formula=None,
    extra=None,
    summaries=None,
) -> Path:
    """Write a fitted estimator to ``path`` as a JSON model file.

    Parameters
    ----------
    model : fitted linreg estimator
    path : str or Path
    cov_types : sequence of str, default ("nonrobust",)
        Summaries to compute now and store (robust ones take a pass over the training
        data, which only the fitted model still references).
    metrics : dict, optional
        Measurements to keep with the model, e.g. ``{"test": {"r2": 0.48}}``.
    formula : dict, optional
        The formula spec that built the design (:func:`linreg.io.formula.store_spec`),
        recorded for ``linreg predict``; checked by the grammar before it is written.
    summaries : dict, optional
        Summaries already computed, ``{cov_type: [Summary of each target]}``, stored as
        they are (a "cluster" or "HAC" summary needs the groups or the row order, which
        only the caller still has); ``cov_types`` already among them are not recomputed.

    Returns
    -------
    Path of the written file.
    """
    doc = to_document(
        model,
        cov_types=cov_types,
        metrics=metrics,
        formula=formula,
        extra=extra,
        summaries=summaries,
    )
    path = Path(path)
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading
def _fail(path, what: str):
    raise ModelFileError(f"{path}: {what}")


def _numbers(value, path, where: str, shape_ndim: int | None = None) -> np.ndarray:
    """A float array from JSON numbers (and the non-finite strings), or a clear error."""

    def convert(v):
        if isinstance(v, list):
            return [convert(x) for x in v]
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            _fail(path, f"'{where}' must hold numbers, found {type(v).__name__}")
        if isinstance(v, str):
            if v not in _NON_FINITE:
                _fail(path, f"'{where}' must hold numbers, found the string {_shown(v)}")
            return _NON_FINITE[v]
        return float(v)

    converted = convert(value)
    try:
        array = np.asarray(converted, dtype=np.float64)
    except ValueError:
        _fail(path, f"'{where}' is a ragged array")
    if shape_ndim is not None and array.ndim != shape_ndim:
        _fail(path, f"'{where}' must be {shape_ndim}-dimensional, found {array.ndim}")
    return array


def _restore_plain(value):
    """Non-finite strings back to floats inside stored fitted attributes."""
    if isinstance(value, list):
        try:
            return np.asarray(
                [_restore_plain(v) for v in value],
                dtype=np.float64 if _all_numeric(value) else object,
            )
        except ValueError:
            return [_restore_plain(v) for v in value]
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    return value


def _restore_list(value):
    """A stored parameter list as a list again, non-finite strings back to floats."""
    if isinstance(value, list):
        return [_restore_list(v) for v in value]
    return _NON_FINITE.get(value, value) if isinstance(value, str) else value


def _all_numeric(value) -> bool:
    if isinstance(value, list):
        return all(_all_numeric(v) for v in value)
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or value in _NON_FINITE


def _require(doc, key, types, path):
    if key not in doc:
        _fail(path, f"not a valid linreg model file: the field '{key}' is missing")
    if not isinstance(doc[key], types) or (types is not bool and isinstance(doc[key], bool)):
        names = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        _fail(path, f"field '{key}' must be {names}, found {type(doc[key]).__name__}")
    return doc[key]


# ---------------------------------------------------------------- strict JSON
class _Bad:
    """A JSON value a model file may not hold (reported with its field by :func:`_walk`)."""

    def __init__(self, what: str):
        self.what = what


def _pairs(pairs):
    """An object from its key/value pairs; a repeated key makes it a :class:`_Bad`."""
    out = {}
    for key, value in pairs:
        if key in out:
            return _Bad(f"holds the key {_shown(key)} twice")
        out[key] = value
    return out


def _float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _Bad(f"the number {text} is not finite")


def _int(text: str):
    return int(text) if len(text) <= 40 else _Bad(f"the integer {text[:20]}... is too large")


def _nesting_depth(text: str) -> int:
    """How deeply the JSON in ``text`` nests arrays and objects (strings skipped)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
        elif c in "]}":
            depth -= 1
    return deepest


def _decode(text: str, path):
    """The document in ``text``: strict JSON, no deeper than MAX_DEPTH, nothing non-finite,
    no repeated keys, no control characters in strings (each named by its field)."""
    if _nesting_depth(text) > MAX_DEPTH:
        _fail(path, f"not a linreg model file (JSON nested deeper than {MAX_DEPTH} levels)")
    try:
        doc = json.loads(
            text,
            parse_float=_float,
            parse_int=_int,
            parse_constant=lambda c: _Bad(f"holds the non-standard JSON constant {c}"),
            object_pairs_hook=_pairs,
        )
    except json.JSONDecodeError as err:
        _fail(path, f"corrupted or not JSON (line {err.lineno}, column {err.colno}: {err.msg})")
    _walk(doc, path, "")
    return doc


def _walk(value, path, where: str) -> None:
    """Refuse the :class:`_Bad` values and control characters anywhere in the document."""
    if isinstance(value, _Bad):
        _fail(path, f"'{where or 'the document'}': {value.what}")
    if isinstance(value, str) and _CONTROL.search(value):
        _fail(path, f"'{where}' holds control characters")
    if isinstance(value, dict):
        for key, item in value.items():
            if _CONTROL.search(key):
                _fail(path, f"'{where}' has a key with control characters")
            _walk(item, path, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, path, f"{where}[{i}]")


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------- closed structure
def _check_document(doc: dict, path) -> None:
    """Every field known, every string that reaches a lookup from a closed list."""
    unknown = sorted(set(doc) - set(_TOP_LEVEL))
    if unknown:
        _fail(path, f"unknown field '{unknown[0]}' (a model file holds {', '.join(_TOP_LEVEL)})")
    estimator = _require(doc, "estimator", dict, path)
    unknown = sorted(set(estimator) - {"class", "params", "unrestorable_params"})
    if unknown:
        _fail(path, f"unknown field 'estimator.{unknown[0]}'")
    _word_values(estimator.get("params") or {}, path, "estimator.params")
    for key, value in (estimator.get("unrestorable_params") or {}).items():
        if not isinstance(value, str):
            _fail(path, f"'estimator.unrestorable_params.{key}' must be a string")
    version = doc.get("linreg_version")
    if version is not None and not (isinstance(version, str) and _VERSION.match(version)):
        _fail(path, f"'linreg_version' is not a version number: {_shown(version)}")
    for field, keys in _CLOSED_OBJECTS.items():
        value = doc.get(field)
        if value is not None and not isinstance(value, dict):
            _fail(path, f"'{field}' must be an object or null")
        unknown = sorted(set(value or {}) - keys)
        if unknown:
            _fail(path, f"unknown field '{field}.{unknown[0]}'")
    standardization = doc.get("standardization")
    for key in ("mean", "scale"):
        if standardization is not None:
            _numbers(standardization.get(key, []), path, f"standardization.{key}", 1)
    _check_created(doc.get("created"), path)
    _check_extra(doc.get("extra"), path)
    if not isinstance(doc.get("metrics") or {}, dict):
        _fail(path, "'metrics' must be an object")


def _check_created(created, path) -> None:
    if created is None:
        return
    try:
        _dt.datetime.fromisoformat(created)
    except (TypeError, ValueError):
        _fail(path, f"'created' is not an ISO date and time: {_shown(created)}")


def _check_extra(extra, path) -> None:
    if extra is None:
        return
    if not isinstance(extra, dict):
        _fail(path, "'extra' must be an object")
    target = extra.get("target")
    targets = target if isinstance(target, list) else [target]
    if target is not None and not all(isinstance(t, str) for t in targets):
        _fail(path, "'extra.target' must be a column name or a list of them")
    if not isinstance(extra.get("data", ""), str):
        _fail(path, "'extra.data' must be a string")


def _word_values(value, path, where: str) -> None:
    """String values (solver names, devices, ...) must be plain words, never expressions."""
    if isinstance(value, dict):
        for key, item in value.items():
            _word_values(item, path, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _word_values(item, path, f"{where}[{i}]")
    elif isinstance(value, str) and not (_WORD.match(value) and "__" not in value):
        _fail(path, f"'{where}' is not a valid value: {_shown(value)}")


def _check_names(names, path, n_features: int) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        _fail(path, "'feature_names' must be a list of strings")
    if len(names) != n_features:
        _fail(path, f"'feature_names' has {len(names)} names for {n_features} features")
    seen = set()
    for name in names:
        if name in seen:
            _fail(path, f"'feature_names' holds {_shown(name)} twice")
        seen.add(name)


def _check_formula(doc: dict, path):
    """The stored formula, validated by the grammar (naming the field), or None."""
    from .formula import FormulaError, validate_stored

    stored = doc.get("formula")
    if stored is None:
        return None
    try:
        stored = validate_stored(stored)
    except FormulaError as err:
        _fail(path, f"'{err.field or 'formula'}': {err}")
    if stored["columns"] != doc.get("feature_names"):
        _fail(path, "'formula.columns' differ from 'feature_names'")
    return stored


class ModelFile:
    """A validated model file: the document and the estimator it describes.

    Attributes
    ----------
    document : dict
        The parsed JSON.
    model : estimator
        Ready to ``predict`` and ``summary(cov_type=...)`` for the stored cov types.
    metrics : dict
    formula : dict or None
        The stored formula spec, validated by :mod:`linreg.io.formula`.
    """

    def __init__(self, document: dict, model, path, formula=None):
        self.document = document
        self.model = model
        self.path = Path(path)
        self.metrics = document.get("metrics") or {}
        self.formula = formula


def read(path) -> ModelFile:
    """Read and validate a model file (see :func:`load`)."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a model file")
    if path.stat().st_size > MAX_FILE_BYTES:
        _fail(path, f"larger than {MAX_FILE_BYTES // 2**20} MiB: not a linreg model file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(path, "not a linreg model file (not UTF-8 text)")
    if not text.strip():
        _fail(path, "the model file is empty")
    doc = _decode(text, path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        _fail(path, f'not a linreg model file (no "format": "{FORMAT}" field)')
    _check_version(doc, path)
    _check_document(doc, path)
    model = _build_model(doc, path)
    return ModelFile(doc, model, path, formula=_check_formula(doc, path))


def _check_version(doc: dict, path) -> None:
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        _fail(path, f"schema_version must be the integer {SCHEMA_VERSION}, got {version!r}")
    if version != SCHEMA_VERSION:
        from .. import __version__

        _fail(
            path,
            f"model file schema version {version!r} is not supported by linreg {__version__} "
            f"(it reads version {SCHEMA_VERSION}); use the linreg version that wrote it "
            f"({_shown(doc.get('linreg_version', 'unknown'))})",
        )


def load(path):
    """Load a fitted estimator from a JSON model file written by :func:`save`.

    The file is validated (structure, types, shapes) and only linreg's own estimator
    classes can be built from it; no code in the file is ever executed.  The model
    predicts, and ``summary(cov_type=...)`` returns the summaries stored at save time.

    Raises
    ------
    ModelFileError
        Missing, empty or corrupted file, not a linreg model file, unknown schema version,
        or a field of the wrong type or shape (the message names it).
    """
    return read(path).model


def _build_model(doc: dict, path):
    import linreg

    estimator = _require(doc, "estimator", dict, path)
    cls_name = _require(estimator, "class", str, path)
    if cls_name not in ESTIMATOR_CLASSES:
        _fail(
            path,
            f"'estimator.class': unknown estimator class {_shown(cls_name)} "
            f"(known: {', '.join(ESTIMATOR_CLASSES)})",
        )
    try:
        cls = getattr(linreg, cls_name)
    except AttributeError:
        _fail(path, f"this linreg version has no {cls_name}")
    params = _require(estimator, "params", dict, path)
    valid = set(cls().get_params(deep=False))
    unknown = sorted(set(params) - valid)
    if unknown:
        _fail(path, f"{cls_name} has no parameter(s) {', '.join(unknown)}")
    model = cls(**{k: _restore_list(v) if isinstance(v, list) else v for k, v in params.items()})

    n_features = _require(doc, "n_features_in", int, path)
    coef = _numbers(_require(doc, "coef", list, path), path, "coef")
    if coef.ndim not in (1, 2) or coef.shape[-1] != n_features:
        _fail(
            path,
            f"'coef' has shape {coef.shape}, expected (n_targets, {n_features}) or ({n_features},)",
        )
    if not np.isfinite(coef).all():
        _fail(path, "'coef' holds non-finite values")
    # A number with a 1-D coef: a 1-D y (or no intercept); a list: a 2-D y.
    y_was_1d = coef.ndim == 1 and not isinstance(doc.get("intercept"), list)
    intercept = _intercepts(doc.get("intercept"), path, np.atleast_2d(coef).shape[0], y_was_1d)
    names = doc.get("feature_names")
    if names is not None:
        _check_names(names, path, n_features)
        model.feature_names_in_ = np.asarray(names, dtype=object)
    model.n_features_in_ = n_features
    write_coefficients(
        model,
        np.atleast_2d(coef),
        intercept,
        y_was_1d=y_was_1d,
        dtype=_dtype(doc, path),
        ravel_single_target=ravels_single_target(model),
    )

    fitted = doc.get("fitted") or {}
    if not isinstance(fitted, dict):
        _fail(path, "'fitted' must be an object")
    _word_values(fitted, path, "fitted")
    for name, value in fitted.items():
        if not (
            isinstance(name, str)
            and name.isidentifier()
            and name.endswith("_")
            and not name.startswith("_")
            and not hasattr(type(model), name)  # never shadow a method or property
            and name not in _NOT_STORED  # coef_, intercept_, ...: written above, checked
        ):
            _fail(path, f"'fitted' has an invalid attribute name {name!r}")
        setattr(model, name, _restore_plain(value))

    solution = doc.get("solution")
    if solution is not None:
        model.solution_ = _build_solution(solution, path, coef, intercept)
    moments = doc.get("moments")
    if moments is not None:
        model.moments_ = _build_moments(moments, path, n_features)
    summaries = doc.get("summaries") or {}
    if not isinstance(summaries, dict):
        _fail(path, "'summaries' must be an object")
    model._stored_summaries = _build_summaries(summaries, path, names)
    return model


def _intercepts(value, path, n_targets: int, y_was_1d: bool) -> np.ndarray:
    """The stored intercept(s) as an array of shape (n_targets,), or a clear error."""
    if isinstance(value, list):
        intercept = _numbers(value, path, "intercept", 1)
        if intercept.shape[0] != n_targets:
            _fail(path, f"'intercept' has {intercept.shape[0]} values for {n_targets} targets")
        return intercept
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(path, "'intercept' must be a number or a list of numbers (one per target)")
    if not y_was_1d and value != 0:
        _fail(path, f"'intercept' must be a list of {n_targets} numbers for a 2-D coef")
    return np.full(n_targets, float(value))


def _dtype(doc, path):
    """The dtype of coef_ and intercept_ (files without the field: float64)."""
    name = doc.get("dtype", "float64")
    if name not in ("float64", "float32"):
        _fail(path, f"'dtype' must be 'float64' or 'float32', found {name!r}")
    return np.dtype(name).type


def _build_solution(data, path, coef, intercept):
    from ..solution import Solution

    if not isinstance(data, dict):
        _fail(path, "'solution' must be an object")
    _word_values({k: data.get(k) for k in ("solver", "status")}, path, "solution")
    try:
        return Solution(
            coef=np.atleast_2d(coef),
            intercept=np.asarray(intercept, dtype=np.float64),
            solver=str(data["solver"]),
            rank=int(data["rank"]),
            aliased=tuple(int(j) for j in data["aliased"]),
            condition_number=float(
                _numbers(data["condition_number"], path, "solution.condition_number")
            ),
            error_estimate=float(_numbers(data["error_estimate"], path, "solution.error_estimate")),
            n_iter=int(data["n_iter"]),
            status=str(data["status"]),
            message=str(data["message"]),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        _fail(path, f"'solution' is incomplete or malformed ({err})")


def _build_moments(data, path, n_features):
    from ..moments import Moments

    if not isinstance(data, dict):
        _fail(path, "'moments' must be an object")
    for key in ("n_samples", "weight_sum", "n_features", "mean", "cross"):
        if key not in data:
            _fail(path, f"'moments' lacks '{key}'")
    mean = _numbers(data["mean"], path, "moments.mean", 1)
    cross = _numbers(data["cross"], path, "moments.cross", 2)
    if cross.shape != (mean.size, mean.size) or data["n_features"] != n_features:
        _fail(path, "'moments' shapes do not match the model")
    return Moments(int(data["n_samples"]), float(data["weight_sum"]), mean, cross, n_features)


def _build_summaries(summaries: dict, path, names) -> dict:
    from ..inference.summary import Summary

    out = {}
    for cov_type, per_target in summaries.items():
        if cov_type not in STORED_COV_TYPES:
            _fail(path, f"'summaries' has an unknown covariance type {_shown(cov_type)}")
        if not isinstance(per_target, list):
            _fail(path, f"'summaries.{cov_type}' must be a list (one per target)")
        for t, data in enumerate(per_target):
            where = f"summaries.{cov_type}[{t}]"
            if not isinstance(data, dict):
                _fail(path, f"'{where}' must be an object")
            _check_summary_strings(data, cov_type, names, path, where)
            try:
                fields = dict(data)
                for key in (
                    "ssr",
                    "tss",
                    "nobs",
                    "df_model",
                    "df_resid",
                    "weight_log_sum",
                    "condition_number",
                ):
                    fields[key] = float(_numbers(fields[key], path, f"{where}.{key}"))
                if fields.get("fvalue") is not None:
                    fields["fvalue"] = float(_numbers(fields["fvalue"], path, f"{where}.fvalue"))
                fields.update(_inference_fields(fields, cov_type, path, where))
                if fields.get("diagnostics") is not None:
                    fields["diagnostics"] = _footer(fields["diagnostics"], path, where)
                fields["params"] = _numbers(fields["params"], path, f"{where}.params", 1)
                fields["cov"] = _numbers(fields["cov"], path, f"{where}.cov", 2)
                out[(cov_type, t)] = Summary.from_dict(fields)
            except (KeyError, TypeError) as err:
                _fail(path, f"'{where}' is incomplete or malformed ({err})")
    return out


def _check_summary_strings(data: dict, cov_type: str, names, path, where: str) -> None:
    """A stored summary's strings: its own cov type, and term names of the model."""
    if data.get("cov_type") != cov_type:
        _fail(path, f"'{where}.cov_type' must be {cov_type!r}")
    terms = data.get("names")
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        _fail(path, f"'{where}.names' must be a list of strings")
    if names is not None:
        from ..inference.summary import parameter_names  # the intercept's label never collides

        allowed = {"const", *parameter_names(names, 1)}
        unknown = [t for t in terms if t not in allowed]
        if unknown:
            _fail(
                path,
                f"'{where}.names' and 'feature_names' disagree: {_shown(unknown[0])} is not "
                "a feature of the model",
            )


def _inference_fields(data: dict, cov_type: str, path, where: str) -> dict:
    """The covariance's own fields of a stored summary, validated: ``cov_kwds`` (an
    object of :data:`COV_KWDS_KEYS` with plain values), ``n_groups`` (a count, or two
    for two-way clustering) and ``df_resid_inference`` (a number); absent in older
    files, which load as before."""
    out = {}
    if data.get("cov_kwds") is not None:
        out["cov_kwds"] = _cov_kwds(data["cov_kwds"], cov_type, path, f"{where}.cov_kwds")
    if data.get("n_groups") is not None:
        out["n_groups"] = _n_groups(data["n_groups"], path, f"{where}.n_groups")
    if data.get("df_resid_inference") is not None:
        value = data["df_resid_inference"]
        df = float(_numbers(value, path, f"{where}.df_resid_inference", 0))
        if not df >= 0:
            _fail(path, f"'{where}.df_resid_inference' must be a number >= 0")
        out["df_resid_inference"] = df
    return out


#: The keys of a stored summary's ``diagnostics`` (statsmodels' footer statistics).
FOOTER_KEYS = (
    "Omnibus",
    "Prob(Omnibus)",
    "Skew",
    "Kurtosis",
    "Durbin-Watson",
    "Jarque-Bera (JB)",
    "Prob(JB)",
)


def _footer(data, path, where: str) -> dict:
    """A stored summary's footer statistics: exactly :data:`FOOTER_KEYS`, numbers."""
    if not isinstance(data, dict) or set(data) != set(FOOTER_KEYS):
        _fail(path, f"'{where}.diagnostics' must be an object with the keys {list(FOOTER_KEYS)}")
    return {k: float(_numbers(data[k], path, f"{where}.diagnostics.{k}")) for k in FOOTER_KEYS}


def _cov_kwds(kwds, cov_type: str, path, where: str) -> dict:
    """A stored ``cov_kwds`` object: known keys only, each value of its one type."""
    if not isinstance(kwds, dict):
        _fail(path, f"'{where}' must be an object")
    unknown = sorted(set(kwds) - set(COV_KWDS_KEYS))
    if unknown:
        _fail(path, f"unknown field '{where}.{unknown[0][:64]}'")
    if kwds and cov_type not in ("cluster", "HAC"):
        _fail(path, f"'{where}' must be empty for cov_type {cov_type!r}")
    for key in ("use_correction", "df_correction"):
        if key in kwds and not isinstance(kwds[key], bool):
            _fail(path, f"'{where}.{key}' must be true or false")
    maxlags = kwds.get("maxlags")
    if "maxlags" in kwds and (isinstance(maxlags, bool) or not isinstance(maxlags, int)):
        _fail(path, f"'{where}.maxlags' must be an integer")
    if isinstance(maxlags, int) and maxlags < 0:
        _fail(path, f"'{where}.maxlags' must be >= 0")
    if "kernel" in kwds and kwds["kernel"] not in STORED_KERNELS:
        _fail(
            path,
            f"'{where}.kernel' must be one of {', '.join(STORED_KERNELS)}, found "
            f"{_shown(kwds['kernel'])}",
        )
    groups = kwds.get("groups")
    labels = groups if isinstance(groups, list) else [groups]
    if groups is not None and not (
        1 <= len(labels) <= 2 and all(isinstance(g, str) and len(g) <= 256 for g in labels)
    ):
        _fail(path, f"'{where}.groups' must be a column name or two (the labels are not stored)")
    return dict(kwds)


def _n_groups(value, path, where: str):
    """A stored cluster count (two for two-way clustering), as int(s) >= 1."""
    counts = value if isinstance(value, list) else [value]
    if not (
        1 <= len(counts) <= 2
        and all(isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in counts)
    ):
        _fail(path, f"'{where}' must be a positive integer, or two of them")
    return tuple(counts) if isinstance(value, list) else counts[0]
