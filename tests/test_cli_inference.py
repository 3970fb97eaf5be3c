"""The command line's inference (issue 15, item 5): ``linreg fit --cov-type cluster
--groups COL`` and ``--cov-type HAC --maxlags L`` (in memory, ``--stream``, Dask),
``linreg fit --diagnostics``, ``linreg test MODEL.json "x1 = x2"``, and the model
files that hold what the tests need.

References are independent of linreg: statsmodels' ``OLS(...).fit(cov_type=...,
cov_kwds=...)``, its ``t_test``/``f_test`` and its diagnostics on the same CSV, read by
pandas.  Every run is in-process (``linreg.cli.main``) on a 90-row file.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from linreg import cli

sm = pytest.importorskip("statsmodels.api")

FEATURES = ["x1", "x2", "x3"]
NAMES = ["const", *FEATURES]


# ---------------------------------------------------------------- data and references
@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    """90 rows: errors correlated within firms and over time, heteroscedastic; firm
    labels are text (read as labels, never as a feature), years integers."""
    rng = np.random.default_rng(15)
    n = 90
    firm = rng.integers(0, 12, n)
    year = rng.integers(0, 6, n)
    X = rng.normal(size=(n, 3)) + 0.3 * firm[:, None] / 12
    shock = rng.normal(size=12)[firm] + 0.5 * rng.normal(size=6)[year]
    noise = np.cumsum(rng.normal(size=n)) * 0.3
    y = 1.0 + X @ [0.5, -0.2, 0.8] + shock + noise * (1 + np.abs(X[:, 0]))
    frame = pd.DataFrame(X, columns=FEATURES)
    frame.insert(0, "y", y)
    frame["firm"] = [f"firm {f:02d}" for f in firm]
    frame["year"] = 2000 + year
    path = tmp_path_factory.mktemp("inference") / "panel.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    return path


@pytest.fixture(scope="module")
def frame(data_csv):
    return pd.read_csv(data_csv)


def _statsmodels(frame, cov_type="nonrobust", **cov_kwds):
    exog = sm.add_constant(frame[FEATURES].to_numpy())
    model = sm.OLS(frame["y"].to_numpy(), exog)
    if cov_type == "nonrobust":
        return model.fit()
    return model.fit(cov_type=cov_type, cov_kwds=cov_kwds)


def _codes(frame, *columns):
    codes = [pd.factorize(frame[c])[0] for c in columns]
    return codes[0] if len(codes) == 1 else np.column_stack(codes)


def _main(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as stop:  # argparse's refusals
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


def _fit_json(capsys, path, *options) -> dict:
    code, out, err = _main(capsys, "fit", path, "--target", "y", "--cv", "0", *options,
                           "--format", "json")  # fmt: skip
    assert code == 0, err
    return json.loads(out)


def _printed_bse(text: str) -> np.ndarray:
    """The std err column of the printed coefficient table."""
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.split()}
    return np.array([float(rows[name][2]) for name in NAMES])


def _check_summary(doc, reference):
    assert doc["features"] == FEATURES  # the groups columns are not features
    summary = doc["summary"]
    np.testing.assert_allclose([summary["params"][n] for n in NAMES], reference.params,
                               rtol=1e-10)  # fmt: skip
    np.testing.assert_allclose([summary["bse"][n] for n in NAMES], reference.bse, rtol=1e-8)
    np.testing.assert_allclose([summary["pvalues"][n] for n in NAMES], reference.pvalues,
                               rtol=1e-8)  # fmt: skip


# ---------------------------------------------------------------- fit --cov-type
STREAM = pytest.mark.parametrize("stream", [(), ("--stream",)], ids=["memory", "stream"])


@STREAM
@pytest.mark.parametrize("groups", [["firm"], ["firm", "year"]], ids=["one-way", "two-way"])
def test_fit_cluster_matches_statsmodels(capsys, data_csv, frame, stream, groups):
    reference = _statsmodels(frame, "cluster", groups=_codes(frame, *groups))
    options = ("--cov-type", "cluster", "--groups", ",".join(groups), *stream)
    if len(groups) == 1:  # year is numeric: a feature unless named by --groups
        options += ("--features", ",".join(FEATURES))
    _check_summary(_fit_json(capsys, data_csv, *options), reference)
    code, out, err = _main(capsys, "fit", data_csv, "--target", "y", "--cv", "0", *options)
    assert code == 0, err
    np.testing.assert_allclose(_printed_bse(out), reference.bse, rtol=5e-4)  # 4 digits


def test_fit_cluster_with_a_formula(capsys, data_csv, frame):
    """--formula: the groups column is read for the rows the formula keeps."""
    smf = pytest.importorskip("statsmodels.formula.api")
    reference = smf.ols("y ~ x1 + np.log(x2 ** 2)", frame).fit(
        cov_type="cluster", cov_kwds={"groups": _codes(frame, "firm")}
    )
    doc = _fit_json(capsys, data_csv, "--formula", "y ~ x1 + np.log(x2 ** 2)",
                    "--cov-type", "cluster", "--groups", "firm")  # fmt: skip
    bse = list(doc["summary"]["bse"].values())
    np.testing.assert_allclose(bse, reference.bse.to_numpy(), rtol=1e-8)


@STREAM
@pytest.mark.parametrize("cov", [("cluster", "--groups", "firm,year"), ("HAC", "--maxlags", "2")])
def test_weighted_fit_matches_statsmodels_wls(capsys, tmp_path, frame, stream, cov):
    weighted = frame.copy()
    weighted["w"] = 0.5 + np.abs(np.sin(np.arange(len(frame))))
    path = tmp_path / "weighted.csv"
    weighted.to_csv(path, index=False, float_format="%.17g")
    exog = sm.add_constant(frame[FEATURES].to_numpy())
    kwds = {"groups": _codes(frame, "firm", "year")} if cov[0] == "cluster" else {"maxlags": 2}
    reference = sm.WLS(frame["y"].to_numpy(), exog, weights=weighted["w"].to_numpy()).fit(
        cov_type=cov[0], cov_kwds=kwds
    )
    doc = _fit_json(capsys, path, "--weights", "w", "--features", ",".join(FEATURES),
                    "--cov-type", *cov, *stream)  # fmt: skip
    _check_summary(doc, reference)


@STREAM
@pytest.mark.parametrize("kernel", ["bartlett", "uniform"])
def test_fit_hac_matches_statsmodels(capsys, data_csv, frame, stream, kernel):
    reference = _statsmodels(frame, "HAC", maxlags=3, kernel=kernel)
    options = ("--cov-type", "HAC", "--maxlags", "3", "--kernel", kernel, *stream)
    # firm and year are text and labels: HAC's features are chosen explicitly.
    doc = _fit_json(capsys, data_csv, "--features", ",".join(FEATURES), *options)
    _check_summary(doc, reference)
    code, out, err = _main(capsys, "fit", data_csv, "--target", "y", "--cv", "0",
                           "--features", ",".join(FEATURES), *options)  # fmt: skip
    assert code == 0, err
    np.testing.assert_allclose(_printed_bse(out), reference.bse, rtol=5e-4)


@STREAM
@pytest.mark.parametrize(
    "cov", [("cluster", "--groups", "firm,year"), ("HAC", "--maxlags", "2")], ids=["cl", "hac"]
)
def test_held_out_fit_matches_statsmodels_on_the_training_rows(capsys, data_csv, frame, stream,
                                                               cov):  # fmt: skip
    """--test-size with a clustered or HAC summary, in memory and streamed: statsmodels
    on the training rows (chosen by linreg.split.holdout_labels, the command's rule),
    in their order."""
    from linreg.split import TRAIN, holdout_labels

    train = frame[holdout_labels(len(frame), 0.25, 0.0, 0, 0) == TRAIN]
    kwds = {"groups": _codes(train, "firm", "year")} if cov[0] == "cluster" else {"maxlags": 2}
    reference = _statsmodels(train, cov[0], **kwds)
    doc = _fit_json(capsys, data_csv, "--features", ",".join(FEATURES), "--test-size", "0.25",
                    "--random-state", "0", "--cov-type", *cov, *stream)  # fmt: skip
    _check_summary(doc, reference)


def test_fit_on_dask_equals_memory(capsys, data_csv, frame, tmp_path):
    """--scheduler: two-way cluster and HAC summaries, and the diagnostics, computed on
    the workers equal the in-memory ones; a missing label is one line, exit 1."""
    distributed = pytest.importorskip("distributed")
    runs = [
        ("--cov-type", "cluster", "--groups", "firm,year", "--diagnostics"),
        ("--cov-type", "HAC", "--maxlags", "3", "--features", ",".join(FEATURES)),
    ]
    memory = [_fit_json(capsys, data_csv, *options) for options in runs]
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        dask = [_fit_json(capsys, data_csv, *o, "--scheduler", address) for o in runs]
        gap = frame.copy()
        gap.loc[5, "firm"] = None
        gap.to_csv(tmp_path / "gap.csv", index=False)
        argv = ("fit", tmp_path / "gap.csv", "--target", "y", "--cv", "0", "--scheduler",
                address, "--cov-type", "cluster", "--groups", "firm,year")  # fmt: skip
        _one_line_error(capsys, argv, 1, "'firm'", "missing value")
    for here, there in zip(memory, dask):
        for key in ("params", "bse"):
            np.testing.assert_allclose([there["summary"][key][n] for n in NAMES],
                                       [here["summary"][key][n] for n in NAMES],
                                       rtol=1e-10)  # fmt: skip
    bp = [doc["diagnostics"]["breusch_pagan"]["lm"] for doc in (memory[0], dask[0])]
    np.testing.assert_allclose(bp[1], bp[0], rtol=1e-10)


def test_predict_intervals_under_a_stored_cluster_covariance(capsys, saved, data_csv, frame):
    """linreg predict --cov-type cluster: statsmodels' get_prediction under the same
    covariance (normal reference, as statsmodels' robust default)."""
    reference = _reference_fit(frame, "cluster")
    exog = sm.add_constant(frame[FEATURES].to_numpy())
    table = reference.get_prediction(exog).summary_frame(0.05)
    for kind, prefix in (("confidence", "mean_ci"), ("prediction", "obs_ci")):
        code, out, err = _main(capsys, "predict", saved["cluster"], data_csv, "--interval", kind,
                               "--cov-type", "cluster")  # fmt: skip
        assert code == 0, err
        got = pd.read_csv(io.StringIO(out))
        np.testing.assert_allclose(got["prediction"], table["mean"], rtol=1e-10)
        np.testing.assert_allclose(got["lower"], table[f"{prefix}_lower"], rtol=1e-8)
        np.testing.assert_allclose(got["upper"], table[f"{prefix}_upper"], rtol=1e-8)


# ---------------------------------------------------------------- usage errors
def _one_line_error(capsys, argv, code, *words):
    got, out, err = _main(capsys, *argv)
    assert got == code, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "options, code, words",
    [
        (("--groups", "firm"), 2, ("--groups", "cluster")),
        (("--cov-type", "HC1", "--groups", "firm"), 2, ("--groups", "HC1")),
        (("--cov-type", "cluster"), 2, ("--groups",)),
        (("--cov-type", "HAC"), 2, ("--maxlags",)),
        (("--cov-type", "HC0", "--maxlags", "2"), 2, ("--maxlags", "HAC")),
        (("--cov-type", "cluster", "--kernel", "uniform", "--groups", "firm"), 2, ("--kernel",)),
        (("--cov-type", "cluster", "--groups", "a,b,c"), 2, ("--groups",)),
        (("--cov-type", "cluster", "--groups", "nope"), 1, ("'nope'",)),
        (("--cov-type", "cluster", "--groups", "nope", "--stream"), 1, ("'nope'",)),
        (("--cov-type", "cluster", "--groups", "y"), 2, ("'y'",)),
        (("--cov-type", "HAC", "--maxlags", "-1"), 2, ("--maxlags",)),
    ],
)
def test_fit_usage_errors_are_one_line(capsys, data_csv, options, code, words):
    argv = ("fit", data_csv, "--target", "y", "--cv", "0", *options)
    _one_line_error(capsys, argv, code, *words)


@STREAM
def test_missing_cluster_label_is_a_data_error(capsys, tmp_path, frame, stream):
    broken = frame.copy()
    broken.loc[5, "firm"] = None
    path = tmp_path / "gaps.csv"
    broken.to_csv(path, index=False)
    argv = ("fit", path, "--target", "y", "--cv", "0", "--cov-type", "cluster", "--groups",
            "firm", "--features", ",".join(FEATURES), *stream)  # fmt: skip
    _one_line_error(capsys, argv, 1, "'firm'", "line 7")


def test_missing_cluster_label_dropped_with_the_row(capsys, tmp_path, frame):
    broken = frame.copy()
    broken.loc[5, "firm"] = None
    path = tmp_path / "gaps.csv"
    broken.to_csv(path, index=False, float_format="%.17g")
    kept = broken.drop(index=5).reset_index(drop=True)
    reference = _statsmodels(kept, "cluster", groups=_codes(kept, "firm", "year"))
    doc = _fit_json(capsys, path, "--cov-type", "cluster", "--groups", "firm,year",
                    "--drop-missing")  # fmt: skip
    _check_summary(doc, reference)


# ---------------------------------------------------------------- linreg test
@pytest.fixture(scope="module")
def saved(data_csv, tmp_path_factory):
    """Model files written by ``linreg fit --save`` under each covariance."""
    folder = tmp_path_factory.mktemp("models")
    files = {}
    runs = {
        "nonrobust": ("--features", ",".join(FEATURES)),
        "HC1": ("--features", ",".join(FEATURES), "--cov-type", "HC1"),
    }
    runs["cluster"] = ("--cov-type", "cluster", "--groups", "firm", "--features", "x1,x2,x3")
    runs["HAC"] = ("--features", ",".join(FEATURES), "--cov-type", "HAC", "--maxlags", "2")
    for name, options in runs.items():
        path = folder / f"{name}.json"
        argv = ["fit", str(data_csv), "--target", "y", "--cv", "0", *options, "--save", str(path)]
        assert cli.main(argv) == 0
        files[name] = path
    lasso = folder / "lasso.json"
    argv = ["fit", str(data_csv), "--target", "y", "--cv", "0", "--features", ",".join(FEATURES),
            "--model", "lasso", "--alpha", "0.1", "--save", str(lasso)]  # fmt: skip
    assert cli.main(argv) == 0
    files["lasso"] = lasso
    return files


def _reference_fit(frame, cov_type):
    if cov_type == "cluster":
        return _statsmodels(frame, "cluster", groups=_codes(frame, "firm"))
    if cov_type == "HAC":
        return _statsmodels(frame, "HAC", maxlags=2)
    return _statsmodels(frame, cov_type)


RESTRICTIONS = ("x1 = x2", "x1 + 2*x3 = 1, x2 = 0")


@pytest.mark.parametrize(
    "cov_type",
    [
        "nonrobust",
        "HC1",
        "cluster",
        "HAC",
    ],
)
def test_linreg_test_matches_statsmodels(capsys, saved, frame, cov_type):
    code, out, err = _main(capsys, "test", saved[cov_type], *RESTRICTIONS, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["cov_type"] == cov_type  # the file's own (robust) covariance by default
    reference = _reference_fit(frame, cov_type)
    names = ["x1 = x2", "x1 + 2*x3 = 1", "x2 = 0"]
    text = ", ".join(names).replace("x1", "x1").replace("const", "const")
    # statsmodels names the terms x1.. of an unnamed exog; ours are the same names.
    t = reference.t_test(text)
    f = reference.f_test(text)
    rows = doc["t_test"]
    assert [r["restriction"] for r in rows] == names
    for key, ref in (("effect", t.effect), ("sd", t.sd), ("tvalue", t.tvalue),
                     ("pvalue", t.pvalue)):  # fmt: skip
        np.testing.assert_allclose([r[key] for r in rows], np.ravel(ref), rtol=1e-8)
    np.testing.assert_allclose([r["conf_int"] for r in rows], t.conf_int(), rtol=1e-8)
    np.testing.assert_allclose(doc["f_test"]["fvalue"], np.squeeze(f.fvalue), rtol=1e-8)
    np.testing.assert_allclose(doc["f_test"]["pvalue"], f.pvalue, rtol=1e-8)
    assert doc["f_test"]["df_num"] == f.df_num and doc["f_test"]["df_denom"] == f.df_denom
    # The table prints the same numbers (6 significant digits).
    code, out, err = _main(capsys, "test", saved[cov_type], *RESTRICTIONS)
    assert code == 0, err
    printed = [line.split()[-6:] for line in out.splitlines()[2:5]]
    np.testing.assert_allclose(np.array(printed, dtype=float)[:, 1], np.ravel(t.sd), rtol=1e-5)


def test_linreg_test_under_a_stored_cov_type(capsys, saved, frame):
    code, out, err = _main(capsys, "test", saved["HC1"], "x3 = 0", "--json",
                           "--cov-type", "nonrobust", "--level", "0.9")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    t = _statsmodels(frame).t_test("x3 = 0")
    assert doc["cov_type"] == "nonrobust" and doc["distribution"] == "t"
    np.testing.assert_allclose(doc["t_test"][0]["pvalue"], t.pvalue, rtol=1e-8)
    np.testing.assert_allclose(doc["t_test"][0]["conf_int"], t.conf_int(alpha=0.1)[0],
                               rtol=1e-8)  # fmt: skip


def test_linreg_test_on_a_formula_model(capsys, data_csv, frame, tmp_path):
    """Terms of a formula model (functions, categories) by their names, as statsmodels'
    formula API names them."""
    smf = pytest.importorskip("statsmodels.formula.api")
    formula = "y ~ x1 + np.log(x2 ** 2) + C(year)"
    path = tmp_path / "formula.json"
    code, _, err = _main(capsys, "fit", data_csv, "--formula", formula, "--cv", "0",
                         "--cov-type", "cluster", "--groups", "firm", "--save", path)  # fmt: skip
    assert code == 0, err
    restrictions = ["np.log(x2 ** 2) = 0", "C(year)[T.2001] = C(year)[T.2002]"]
    code, out, err = _main(capsys, "test", path, *restrictions, "--json")
    assert code == 0, err
    reference = smf.ols(formula, frame, eval_env=1).fit(
        cov_type="cluster", cov_kwds={"groups": _codes(frame, "firm")}
    )
    t = reference.t_test(", ".join(restrictions))
    doc = json.loads(out)
    np.testing.assert_allclose([r["sd"] for r in doc["t_test"]], np.ravel(t.sd), rtol=1e-8)
    np.testing.assert_allclose([r["pvalue"] for r in doc["t_test"]], t.pvalue, rtol=1e-8)


@pytest.mark.parametrize(
    "file, argv, code, words",
    [
        ("lasso", ("x1 = 0",), 1, ("no summary",)),
        ("HC1", ("x1 = 0", "--cov-type", "HC3"), 2, ("HC3", "HC1")),
        ("HC1", ("x1 = 0", "--target", "z"), 2, ("'z'",)),
        ("HC1", ("zz = 0",), 2, ("zz",)),
        ("HC1", ("__import__('os').system('echo owned')",), 2, ("__import__",)),
        ("HC1", ("x1 = (lambda: 1)()",), 2, ()),
    ],
)
def test_linreg_test_errors_are_one_line(capsys, saved, file, argv, code, words):
    _one_line_error(capsys, ("test", saved[file], *argv), code, *words)


def test_linreg_test_refuses_a_missing_or_foreign_file(capsys, tmp_path):
    _one_line_error(capsys, ("test", tmp_path / "none.json", "x1 = 0"), 1, "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "pickle"}')
    _one_line_error(capsys, ("test", bad, "x1 = 0"), 1, "not a linreg model file")


# ---------------------------------------------------------------- model files
def _tampered(path, tmp_path, change) -> str:
    doc = json.loads(path.read_text())
    change(doc)
    out = tmp_path / "tampered.json"
    out.write_text(json.dumps(doc))
    return out


def _first_summary(doc, cov_type=None):
    kind = cov_type or next(iter(doc["summaries"]))
    return doc["summaries"][kind][0]


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda s: s.update(cov_kwds={"evil": 1}), ("cov_kwds.evil",)),
        (lambda s: s.update(cov_kwds={"__class__": "os.system"}), ("cov_kwds.__class__",)),
        (lambda s: s.update(n_groups="12"), ("n_groups",)),
        (lambda s: s.update(n_groups=[1, 2, 3]), ("n_groups",)),
        (lambda s: s.update(df_resid_inference="__import__('os')"), ("df_resid_inference",)),
        (lambda s: s.update(df_resid_inference=-3), ("df_resid_inference",)),
    ],
)
def test_model_file_refuses_tampered_inference_fields(capsys, saved, tmp_path, change, words):
    from linreg.io.model_file import ModelFileError, load

    path = _tampered(saved["HC1"], tmp_path, lambda d: change(_first_summary(d, "HC1")))
    with pytest.raises(ModelFileError) as err:
        load(path)
    for word in words:
        assert word in str(err.value)
    _one_line_error(capsys, ("test", path, "x1 = 0"), 1, *words)


@pytest.mark.parametrize(
    "cov_type, kwds, words",
    [
        ("cluster", {"kernel": "os.system"}, ("kernel",)),
        ("HAC", {"maxlags": "2"}, ("maxlags",)),
        ("HAC", {"maxlags": True}, ("maxlags",)),
        ("cluster", {"groups": {"eval": "x"}}, ("groups",)),
        ("cluster", {"use_correction": "yes"}, ("use_correction",)),
    ],
)
def test_model_file_cov_kwds_values_are_typed(saved, tmp_path, cov_type, kwds, words):
    from linreg.io.model_file import ModelFileError, load

    def change(doc):
        summary = doc["summaries"].pop("HC1")
        for s in summary:
            s["cov_type"] = cov_type
            s["cov_kwds"] = kwds
        doc["summaries"][cov_type] = summary

    with pytest.raises(ModelFileError) as err:
        load(_tampered(saved["HC1"], tmp_path, change))
    for word in words:
        assert word in str(err.value)


def test_model_file_refuses_an_unknown_cov_type(saved, tmp_path):
    from linreg.io.model_file import ModelFileError, load

    def change(doc):
        doc["summaries"]["cluster; import os"] = doc["summaries"].pop("HC1")

    with pytest.raises(ModelFileError, match="unknown covariance type"):
        load(_tampered(saved["HC1"], tmp_path, change))


def test_old_model_files_still_load(saved, tmp_path):
    """A summary without the inference fields (files written before them) loads."""
    import linreg

    def change(doc):
        for per_target in doc["summaries"].values():
            for s in per_target:
                for key in ("cov_kwds", "n_groups", "df_resid_inference"):
                    s.pop(key, None)

    model = linreg.load(_tampered(saved["HC1"], tmp_path, change))
    assert model.summary(cov_type="HC1").cov_type == "HC1"


def test_cluster_model_file_round_trips(saved, frame):
    import linreg

    summary = linreg.load(saved["cluster"]).summary(cov_type="cluster")
    reference = _reference_fit(frame, "cluster")
    np.testing.assert_allclose(summary.bse, reference.bse, rtol=1e-8)
    assert summary.n_groups == 12
    assert summary.df_resid_inference == 11  # statsmodels: n_groups - 1
    doc = json.loads(saved["cluster"].read_text())
    assert set(doc["summaries"]) == {"nonrobust", "cluster"}


# ---------------------------------------------------------------- diagnostics
@STREAM
def test_fit_diagnostics_match_statsmodels(capsys, data_csv, frame, stream):
    from statsmodels.stats.diagnostic import het_breuschpagan
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    options = ("--features", ",".join(FEATURES), "--diagnostics", *stream)
    doc = _fit_json(capsys, data_csv, *options)
    reference = _statsmodels(frame)
    lm, lm_p, f, f_p = het_breuschpagan(reference.resid, reference.model.exog)
    bp = doc["diagnostics"]["breusch_pagan"]
    np.testing.assert_allclose([bp["lm"], bp["lm_pvalue"], bp["fvalue"], bp["f_pvalue"]],
                               [lm, lm_p, f, f_p], rtol=1e-8)  # fmt: skip
    exog = reference.model.exog
    vif = [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])]
    np.testing.assert_allclose([doc["diagnostics"]["vif"][n] for n in FEATURES], vif, rtol=1e-8)
    code, out, err = _main(capsys, "fit", data_csv, "--target", "y", "--cv", "0", *options)
    assert code == 0, err
    assert "Breusch-Pagan" in out and "VIF" in out


def test_cov_types_of_the_command_are_the_library_s():
    from linreg.cli import covariance
    from linreg.inference.summary import COV_TYPES

    assert covariance.COV_TYPES == COV_TYPES
