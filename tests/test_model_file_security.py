"""Model files are data, never code (issue 13, deliver 5).

For saved OLS, formula and Lasso models, a code payload is put in every string field in
turn (formula terms, transforms and their state, names, class, solver, cov types, target,
data, ...).  A field that reaches an evaluator or a lookup is checked against the grammar
or a closed list, so ``linreg.load`` refuses the file naming the field and ``linreg
predict`` exits 1 with one line.  A field that is only shown or compared with data (the
data path, the target's name, the solver's message, a category, the feature names of a
model without summary) may keep any text: it is never evaluated, and the test checks
that predict then fails cleanly or predicts as before.  In every case the payload's file
is never written.  Valid model files predict the values of an independent fit.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linreg
from linreg.cli import main
from linreg.model_io import ModelFileError

pytest.importorskip("formulaic")

FILES = Path(__file__).resolve().parent / "data" / "cli_repros" / "files"  # shared/repros copy
pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason="shared repro files absent")

#: (name, data file, fit options): the model kinds the command saves.
MODELS = {
    "ols": ("base.csv", ["--target", "y"]),
    "formula": ("base.csv", ["--formula", "y ~ x1 + np.log(x2 + 10)"]),
    "stateful": ("singleton_level.csv", ["--formula", "y ~ center(x1) + scale(x2) + C(g)"]),
    "lasso": ("base.csv", ["--target", "y", "--model", "lasso", "--alpha", "0.1"]),
}
#: Fields only shown or compared with the data, never evaluated or looked up in code.
FREE_TEXT = ("extra.data", "extra.target", "solution.message", "categories", "metrics")


def payloads(folder: Path) -> list[tuple[str, Path | None]]:
    """(payload text, the file it would write if anything evaluated it)."""
    npy, touched, saved = folder / "p1.npy", folder / "p2", folder / "p3.npy"
    return [
        (f'1 + np.log(x1) + {{x1 + 0*np.size(np.save("{npy}", x1))}}', npy),
        (f"__import__('os').system('touch {touched}')", touched),
        (f"np.save('{saved}', x1)", saved),
        ("x1.__class__.__init__.__globals__", None),
        ("x1 + {__import__('os')}", None),
    ]


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{kind: (model path, data path, predictions printed before any edit)}."""
    folder = tmp_path_factory.mktemp("models")
    out = {}
    for kind, (data, options) in MODELS.items():
        path = folder / f"{kind}.json"
        code = main(["fit", str(FILES / data), *options, "--save", str(path)])
        assert code == 0 and path.exists()
        out[kind] = (path, FILES / data)
    return out


def string_fields(doc, where=()):
    """Paths to every string value, and to the keys of the formula's encoders/transforms
    (factor expressions), and to the numbers of the transform state."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = (*where, key)
            if where[-1:] in (("encoders",), ("transforms",)):
                yield ("key", path)
            if where[-2:-1] == ("transforms",):  # a transform's state: numbers too
                yield ("value", path)
                continue
            yield from string_fields(value, path)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from string_fields(value, (*where, i))
    elif isinstance(doc, str):
        yield ("value", where)


def edited(doc: dict, kind: str, path: tuple, payload: str) -> dict:
    doc = json.loads(json.dumps(doc))
    *parents, last = path
    container = doc
    for key in parents:
        container = container[key]
    if kind == "key":
        container[payload] = container.pop(last)
    else:
        container[last] = payload
    return doc


def field_name(path: tuple) -> str:
    """How a message names the field: dotted keys, list indices dropped, and formula
    encoders/transforms named by their mapping (their keys are expressions)."""
    parts = []
    for key in path:
        if isinstance(key, int):
            break
        parts.append(key)
        if parts[-2:] in (["formula", "encoders"], ["formula", "transforms"]):
            break
    name = ".".join(parts)
    return {"estimator.params.solver": "estimator.params.solver"}.get(name, name)


def free_text(path: tuple, doc: dict) -> bool:
    name = ".".join(str(p) for p in path)
    if any(part in name for part in FREE_TEXT):
        return True
    # Feature names are column names: without summaries or formula they are only
    # looked up in the data (any text is a valid column name).
    return path[0] == "feature_names" and not doc["summaries"] and doc["formula"] is None


def assert_refused_or_inert(tmp_path, capsys, model, data, kind, path, payload, target):
    doc = json.loads(model.read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(edited(doc, kind, path, payload)))
    try:
        linreg.load(bad)
        refused = False
    except ModelFileError as err:
        refused = True
        assert field_name(path) in str(err), (path, str(err))
    if not refused:
        assert free_text(path, doc), f"{path} accepted {payload!r}"
    code, out, err = run(capsys, "predict", bad, data)
    assert "Traceback" not in err and "\x1b" not in err
    if refused:
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and err.startswith("linreg predict: error: ")
    elif code != 0:
        assert code == 1 and err.count("\n") == 1
    if target is not None:
        assert not target.exists(), f"{path}: the payload ran"


@pytest.mark.parametrize("kind", list(MODELS))
def test_code_in_any_string_field_is_never_evaluated(saved, tmp_path, capsys, kind):
    model, data = saved[kind]
    doc = json.loads(model.read_text())
    fields = list(string_fields(doc))
    assert len(fields) > 10
    if kind == "formula":
        assert ("value", ("formula", "rhs")) in fields
    if kind == "stateful":
        assert any(p[:2] == ("formula", "transforms") for _, p in fields)
    for which, path in fields:
        for payload, target in payloads(tmp_path):
            assert_refused_or_inert(tmp_path, capsys, model, data, which, path, payload, target)


@pytest.mark.parametrize("kind", ["ols", "stateful"])
def test_cov_type_keys_are_a_closed_list(saved, tmp_path, kind):
    model, _ = saved[kind]
    doc = json.loads(model.read_text())
    doc["summaries"]["__import__('os').system('id')"] = doc["summaries"].pop("nonrobust")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="'summaries' has an unknown covariance type"):
        linreg.load(bad)


def test_rhs_payload_from_the_issue_is_refused_naming_the_field(saved, tmp_path, capsys):
    model, data = saved["formula"]
    doc = json.loads(model.read_text())
    out = tmp_path / "out.npy"
    doc["formula"]["rhs"] = f'1 + np.log(x1) + {{x1 + 0*np.size(np.save("{out}", x1))}}'
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=r"'formula.rhs': unexpected character '\{'"):
        linreg.load(bad)
    code, stdout, err = run(capsys, "predict", bad, data)
    assert code == 1 and stdout == "" and "'formula.rhs'" in err and err.count("\n") == 1
    assert not out.exists()


def predictions(capsys, model, data) -> np.ndarray:
    code, out, err = run(capsys, "predict", model, data)
    assert code == 0, err
    return np.array([float(v) for v in out.splitlines()[1:]])


def test_valid_files_predict_as_an_independent_fit(saved, capsys):
    df = pd.read_csv(FILES / "base.csv")
    # OLS on all rows against numpy's least squares.
    X = np.column_stack([np.ones(len(df)), df.x1, df.x2])
    beta = np.linalg.lstsq(X, df.y.to_numpy(), rcond=None)[0]
    model, data = saved["ols"]
    np.testing.assert_allclose(predictions(capsys, model, data), X @ beta, rtol=1e-10)
    # The formula model: the design built by hand.
    X = np.column_stack([np.ones(len(df)), df.x1, np.log(df.x2 + 10)])
    beta = np.linalg.lstsq(X, df.y.to_numpy(), rcond=None)[0]
    model, data = saved["formula"]
    np.testing.assert_allclose(predictions(capsys, model, data), X @ beta, rtol=1e-10)
    assert linreg.load(model).feature_names_in_.tolist() == ["x1", "np.log(x2 + 10)"]
    # Stateful transforms keep the training state: predicting on a part of the rows
    # gives the rows' predictions on the whole (center/scale not recomputed).
    df = pd.read_csv(FILES / "singleton_level.csv")
    dummies = [(df.g == level).to_numpy(float) for level in sorted(df.g.unique())[1:]]
    x2 = (df.x2 - df.x2.mean()) / df.x2.std(ddof=1)
    X = np.column_stack([np.ones(len(df)), df.x1 - df.x1.mean(), x2, *dummies])
    beta = np.linalg.lstsq(X, df.y.to_numpy(), rcond=None)[0]
    model, data = saved["stateful"]
    full = predictions(capsys, model, data)
    np.testing.assert_allclose(full, X @ beta, rtol=1e-9)


def test_stateful_state_is_reused_on_new_rows(saved, tmp_path, capsys):
    model, data = saved["stateful"]
    df = pd.read_csv(data)
    part = tmp_path / "part.csv"
    df.iloc[[0, 1, 2]].to_csv(part, index=False)  # levels and means differ from training
    full = predictions(capsys, model, data)
    np.testing.assert_allclose(predictions(capsys, model, part), full[:3], rtol=1e-12)


def test_lasso_file_round_trip(tmp_path):
    df = pd.read_csv(FILES / "base.csv")
    fitted = linreg.Lasso(alpha=0.1).fit(df[["x1", "x2"]], df.y)
    path = linreg.save(fitted, tmp_path / "lasso.json")
    again = linreg.load(path)
    np.testing.assert_array_equal(again.predict(df[["x1", "x2"]]), fitted.predict(df[["x1", "x2"]]))
