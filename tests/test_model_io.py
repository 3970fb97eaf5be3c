"""Model files from the Python API: round trips, strict JSON, validation, no pickle."""

import json

import numpy as np
import pytest

import linreg
from linreg.datasets import load
from linreg.model_io import ModelFileError


def fitted(kind):
    d = load("multi_output") if kind == "multi" else load("diabetes")
    rng = np.random.default_rng(0)
    if kind == "ols":
        return linreg.LinearRegression().fit(d.X, d.y), d, None
    if kind == "ridge-weighted":
        w = rng.uniform(0.5, 2, d.n_samples)
        return linreg.Ridge(alpha=3.0).fit(d.X, d.y, sample_weight=w), d, w
    if kind == "multi":
        return linreg.Ridge(alpha=[0.5, 2.0]).fit(d.X, d.y), d, None
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["ols", "ridge-weighted", "multi"])
def test_round_trip_predicts_and_summarizes_identically(kind, tmp_path):
    model, d, w = fitted(kind)
    path = model.save(tmp_path / "m.json", cov_types=("nonrobust", "HC2"))
    again = linreg.load(path)
    assert type(again) is type(model)
    assert again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.predict(d.X), model.predict(d.X))
    n_targets = np.atleast_2d(model.coef_).shape[0]
    for t in range(n_targets):
        for cov_type in ("nonrobust", "HC2"):
            a, b = model.summary(cov_type=cov_type, target=t), again.summary(cov_type, target=t)
            np.testing.assert_array_equal(a.params, b.params)
            np.testing.assert_array_equal(a.cov_params(), b.cov_params())
            assert (a.rsquared, a.llf, a.fvalue) == (b.rsquared, b.llf, b.fvalue)
            assert str(a) == str(b)
    if n_targets == 1:
        np.testing.assert_array_equal(
            again.predict(d.X, interval="confidence"), model.predict(d.X, interval="confidence")
        )
    # a cov type that was not stored needs the data, and says so
    with pytest.raises(ValueError, match="holding the HC2, nonrobust summaries"):
        again.summary(cov_type="HC0")
    s = again.summary(cov_type="HC0", X=d.X, y=d.y, sample_weight=w)
    np.testing.assert_allclose(s.bse, model.summary(cov_type="HC0").bse, rtol=1e-12)


def test_file_is_strict_json_with_the_documented_fields(tmp_path):
    X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 0.0], [3.0, 3.0]])
    y = np.array([1.0, 2.0, 3.0, 5.0])
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # aliased: NaN standard errors
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = linreg.LinearRegression().fit(X, y)
    path = linreg.save(model, tmp_path / "m.json", metrics={"test": {"r2": 0.5}})

    def strict(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    doc = json.loads(path.read_text(), parse_constant=strict)
    for key in (
        "format",
        "schema_version",
        "linreg_version",
        "estimator",
        "coef",
        "intercept",
        "feature_names",
        "standardization",
        "solution",
        "summaries",
        "metrics",
    ):
        assert key in doc
    assert doc["format"] == "linreg-model" and doc["linreg_version"] == linreg.__version__
    assert doc["estimator"]["class"] == "LinearRegression"
    np.testing.assert_allclose(doc["standardization"]["mean"], X.mean(axis=0))
    np.testing.assert_allclose(doc["standardization"]["scale"], X.std(axis=0))
    assert "NaN" in doc["summaries"]["nonrobust"][0]["cov_bse"]
    assert doc["metrics"] == {"test": {"r2": 0.5}}
    assert b"pickle" not in path.read_bytes() and b"\x80" not in path.read_bytes()
    again = linreg.load(path)
    assert again.solution_.aliased == model.solution_.aliased
    np.testing.assert_array_equal(again.summary().bse, model.summary().bse)


def _saved(tmp_path):
    d = load("seed003")
    return linreg.LinearRegression().fit(d.X, d.y).save(tmp_path / "m.json")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.pop("format"), "not a linreg model file"),
        (lambda d: d.update(schema_version=2), "schema version 2 is not supported"),
        (lambda d: d.update(coef=[[1.0, 2.0]]), "'coef' has shape"),
        (lambda d: d.update(coef="1.0"), "field 'coef' must be list"),
        (lambda d: d.update(coef=[["x"]]), "'coef' must hold numbers"),
        (lambda d: d.update(intercept="zero"), "'intercept' must be a number"),
        (lambda d: d.update(feature_names=[1]), "'feature_names' must be a list of strings"),
        (lambda d: d["estimator"].update({"class": "subprocess.Popen"}), "unknown estimator"),
        (lambda d: d["estimator"]["params"].update(evil=1), "has no parameter(s) evil"),
        (lambda d: d["fitted"].update({"__class__": 1}), "invalid attribute name"),
        (lambda d: d.pop("estimator"), "the field 'estimator' is missing"),
        (lambda d: d["summaries"]["nonrobust"][0].pop("ssr"), "incomplete or malformed"),
        (lambda d: d.update(schema_version="1"), "schema_version must be the integer 1, got '1'"),
        (lambda d: d.update(schema_version=True), "schema_version must be the integer 1"),
        (lambda d: d.update(evil="x"), "unknown field 'evil'"),
        (lambda d: d["estimator"].update(code="x"), "unknown field 'estimator.code'"),
        (lambda d: d["solution"].update(run="x"), "unknown field 'solution.run'"),
        (lambda d: d["standardization"].update(mean=["x", 1.0]), "'standardization.mean'"),
        (lambda d: d["fitted"].update(solver_="os.system('id')"), "'fitted.solver_' is not a"),
        (lambda d: d["estimator"]["params"].update(solver="a b"), "'estimator.params.solver'"),
        (lambda d: d.update(n_features_in=2, coef=[1.0, 2.0], feature_names=["a", "a"]), "twice"),
        (lambda d: d["extra"].update(data="a\x1b[31mb"), "'extra.data' holds control characters"),
        (lambda d: d.update(created="yesterday"), "'created' is not an ISO date"),
        (lambda d: d.update(linreg_version="$(id)"), "'linreg_version' is not a version"),
        (
            lambda d: d["summaries"].update(HC9=d["summaries"]["nonrobust"]),
            "unknown covariance type 'HC9'",
        ),
        (
            lambda d: d["summaries"]["nonrobust"][0].update(cov_type="HC3"),
            r"'summaries.nonrobust\[0\].cov_type' must be 'nonrobust'",
        ),
        (lambda d: d.update(formula={"rhs": "x0 + {x1}"}), "unknown field|missing field"),
    ],
)
def test_tampered_files_are_rejected_with_the_field_named(tmp_path, edit, message):
    path = _saved(tmp_path)
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        linreg.load(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"{not json", "corrupted or not JSON"),
        (b"\x80\x04\x95pickle", "not UTF-8"),
        (b"[1, 2, 3]", "not a linreg model file"),
        (b'{"format": "linreg-model", "schema_version": 1, "x": NaN}', "non-standard JSON"),
    ],
)
def test_corrupted_files(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        linreg.load(path)
    with pytest.raises(ModelFileError, match="no such model file"):
        linreg.load(tmp_path / "absent.json")


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            '"intercept": ',
            '"intercept": 1e400, "x": ',
            "'intercept': the number 1e400 is not finite",
        ),
        ('"coef": [', '"coef": [-1e999, ', "'coef[0]': the number -1e999 is not finite"),
        ('"coef": [', '"coef": [NaN, ', "'coef[0]': holds the non-standard JSON constant NaN"),
        ('"estimator": {', '"estimator": {"class": "Ridge", ', "'estimator': holds the key"),
    ],
)
def test_strict_json_names_the_field(tmp_path, old, new, message):
    path = _saved(tmp_path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ModelFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        linreg.load(path)


def test_nesting_is_refused_before_parsing(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "linreg-model", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ModelFileError, match="nested deeper than 16 levels"):
        linreg.load(path)
