"""The command line, run as a user would (subprocess), on built-in datasets exported
by ``linreg datasets`` to CSV and Parquet; results checked against statsmodels,
scikit-learn and in-process fits of the same data."""

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import linreg
from linreg.datasets import load

TARGET = "disease progression"


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "linreg.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def ok(*args, cwd=None):
    out = run(*args, cwd=cwd)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """diabetes and seed003 exported by the command, in both formats."""
    folder = tmp_path_factory.mktemp("data")
    paths = {}
    for name in ("diabetes", "seed003"):
        for suffix in ("csv", "parquet"):
            path = folder / f"{name}.{suffix}"
            ok("datasets", name, "-o", path)
            paths[name, suffix] = path
    return paths


def read(path):
    return pacsv.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)


def test_datasets_lists_and_exports_exactly(files):
    listing = ok("datasets").stdout
    for name in linreg.datasets.builtin_names():
        assert name in listing
    d = load("diabetes")
    for suffix in ("csv", "parquet"):
        table = read(files["diabetes", suffix])
        assert table.column_names == [*d.feature_names, *d.target_names]
        X = np.column_stack([table.column(c).to_numpy() for c in d.feature_names])
        np.testing.assert_array_equal(X, d.X)  # CSV keeps every digit (shortest repr)
        np.testing.assert_array_equal(table.column(TARGET).to_numpy(), d.y)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_fit_matches_statsmodels_and_saved_predictions_match_in_process(files, suffix, tmp_path):
    sm = pytest.importorskip("statsmodels.api")
    d = load("diabetes")
    model_path = tmp_path / "model.json"
    out = ok(
        "fit", files["diabetes", suffix], "--target", TARGET, "--test-size", 0,
        "--cov-type", "HC3", "--save", model_path, "--format", "json",
    )  # fmt: skip
    doc = json.loads(out.stdout)
    ref = sm.OLS(d.y, sm.add_constant(d.X)).fit(cov_type="HC3")
    names = ["const", *d.feature_names]
    params = np.array([doc["summary"]["params"][n] for n in names])
    bse = np.array([doc["summary"]["bse"][n] for n in names])
    np.testing.assert_allclose(params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(bse, ref.bse, rtol=1e-8)
    assert doc["summary"]["rsquared"] == pytest.approx(ref.rsquared, rel=1e-10)
    assert doc["metrics"]["train"]["r2"] == pytest.approx(ref.rsquared, rel=1e-10)

    # predict from the file, with and without intervals, equals the in-process model
    pred_path = tmp_path / "pred.csv"
    ok("predict", model_path, files["diabetes", suffix], "-o", pred_path)
    pred = pacsv.read_csv(pred_path)
    assert pred.column_names == ["prediction"]
    in_process = linreg.LinearRegression().fit(d.X, d.y)
    np.testing.assert_allclose(pred.column(0).to_numpy(), in_process.predict(d.X), rtol=1e-13)
    np.testing.assert_array_equal(pred.column(0).to_numpy(), linreg.load(model_path).predict(d.X))
    out = ok("predict", model_path, files["diabetes", suffix], "--interval", "prediction")
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "prediction,lower,upper" and len(lines) == 443
    got = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_allclose(got, in_process.predict(d.X, interval="prediction"), rtol=1e-10)
    # Prediction intervals use the nonrobust covariance (predict's default cov_type).
    ols = sm.OLS(d.y, sm.add_constant(d.X)).fit()
    frame = ols.get_prediction(sm.add_constant(d.X)).summary_frame(alpha=0.05)
    np.testing.assert_allclose(got[:, 1], frame["obs_ci_lower"], rtol=1e-9)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_summary_of_a_saved_model(files, suffix, tmp_path):
    model_path = tmp_path / "m.json"
    ok("fit", files["diabetes", suffix], "-t", TARGET, "--save", model_path, "--cov-type", "HC1")
    text = ok("summary", model_path).stdout
    for word in ("LinearRegression", "const", "bmi", "R-squared", "test", "train"):
        assert word in text
    doc = json.loads(ok("summary", model_path, "--cov-type", "HC1", "--format", "json").stdout)
    m = linreg.load(model_path)
    np.testing.assert_allclose(
        [doc["summary"]["bse"][n] for n in ("const", "bmi")],
        m.summary(cov_type="HC1").bse[[0, 3]],
        rtol=1e-15,
    )
    bad = run("summary", model_path, "--cov-type", "HC2")
    assert bad.returncode == 2 and "holds the HC1, nonrobust summaries" in bad.stderr


def test_held_out_metrics_follow_the_seeded_split(files):
    """Each row is held out when its row-keyed uniform (linreg.split.holdout_labels, the
    rule shared with compare) is below --test-size; the test R^2 equals scikit-learn's
    r2_score of a fit on the other rows."""
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    from linreg.split import TEST, holdout_labels

    d = load("diabetes")
    doc = json.loads(
        ok("fit", files["diabetes", "csv"], "-t", TARGET, "--test-size", 0.25,
           "--random-state", 3, "--format", "json").stdout
    )  # fmt: skip
    test = holdout_labels(d.n_samples, 0.25, 0.0, 3) == TEST
    ref = LinearRegression().fit(d.X[~test], d.y[~test])
    assert doc["metrics"]["test"]["n"] == test.sum()
    assert doc["metrics"]["train"]["n"] == (~test).sum()
    assert doc["metrics"]["test"]["r2"] == pytest.approx(
        r2_score(d.y[test], ref.predict(d.X[test])), rel=1e-10
    )


def test_holdout_draws_do_not_depend_on_batches():
    from linreg.cli.holdout import HoldOut

    whole = HoldOut(0.2, 0.1, seed=7).labels(1000)
    split = HoldOut(0.2, 0.1, seed=7)
    pieces = np.concatenate([split.labels(n) for n in (1, 333, 0, 666)])
    np.testing.assert_array_equal(whole, pieces)
    assert 150 < (whole == 2).sum() < 250 and 50 < (whole == 1).sum() < 150


def test_ridge_weights_and_features(files, tmp_path):
    from sklearn.linear_model import Ridge

    d = load("diabetes")
    table = read(files["diabetes", "csv"])
    w = np.random.default_rng(0).uniform(0.5, 2.0, d.n_samples)
    pacsv.write_csv(table.append_column("w", pa.array(w)), tmp_path / "w.csv")
    doc = json.loads(
        ok("fit", tmp_path / "w.csv", "-t", TARGET, "--features", "bmi,bp,s5", "--alpha", 0.5,
           "--weights", "w", "--test-size", 0, "--format", "json").stdout
    )  # fmt: skip
    assert doc["model"] == "Ridge" and doc["features"] == ["bmi", "bp", "s5"]
    ref = Ridge(alpha=0.5).fit(d.X[:, [2, 3, 8]], d.y, sample_weight=w)
    got = [doc["summary"]["params"][n] for n in ("bmi", "bp", "s5")]
    np.testing.assert_allclose(got, ref.coef_, rtol=1e-10)


def test_formula_fit_and_predict(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.uniform(1, 5, n), "g": rng.choice(["u", "v", "w"], n)}
    )
    df["y"] = 1 + 2 * df.a + 3 * np.log(df.b) + 1.5 * (df.g == "v") + rng.normal(size=n) / 10
    df.to_csv(tmp_path / "f.csv", index=False)
    formula = "y ~ a + np.log(b) + C(g) + center(b)"
    ok("fit", tmp_path / "f.csv", "--formula", formula, "--test-size", 0,
       "--save", tmp_path / "f.json")  # fmt: skip
    new = df.sample(10, random_state=1).drop(columns="y")
    new.to_parquet(tmp_path / "new.parquet")
    out = ok("predict", tmp_path / "f.json", tmp_path / "new.parquet")
    got = np.array([float(v) for v in out.stdout.split()[1:]])
    reference = linreg.ols(formula, df).predict(new)
    np.testing.assert_allclose(got, reference, rtol=1e-10)
    # a category never seen in training is an error, not a silent NaN
    new.iloc[0, new.columns.get_loc("g")] = "zebra"
    new.to_csv(tmp_path / "zebra.csv", index=False)
    bad = run("predict", tmp_path / "f.json", tmp_path / "zebra.csv")
    assert bad.returncode == 1 and "zebra" in bad.stderr and "Traceback" not in bad.stderr


def test_iterative_solver_plots_and_loss_curve(files, tmp_path):
    out = ok(
        "fit", files["seed003", "parquet"], "-t", "y", "--solver", "gd", "--val-size", 0.2,
        "--test-size", 0.2, "--plots", tmp_path / "plots", "--format", "json",
    )  # fmt: skip
    doc = json.loads(out.stdout)
    assert doc["solver_"] == "gd" and doc["n_iter_"] > 1
    assert set(doc["metrics"]) == {"train", "validation", "test"}
    for name in ("loss_curve", "coefficients", "residuals_vs_fitted", "qq_plot"):
        assert (tmp_path / "plots" / f"{name}.png").stat().st_size > 5_000


def test_compare_every_solver_agrees(files):
    out = ok("compare", files["seed003", "csv"], "-t", "y", "--format", "json")
    rows = {r["solver"]: r for r in json.loads(out.stdout)["rows"]}
    assert {"cholesky", "qr", "extended", "svd", "gd"} <= set(rows)
    for name, row in rows.items():
        assert row["max_rel_dev"] < 1e-5, name
    text = ok("compare", files["seed003", "parquet"], "-t", "y").stdout
    assert "max rel dev" in text and "gd" in text


def test_drop_missing_reports_and_fits_the_complete_rows(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, -2.0] + 3 + rng.normal(size=50) / 10
    a = X[:, 0].copy()
    a[[4, 9, 30]] = np.nan
    pacsv.write_csv(pa.table({"a": a, "b": X[:, 1], "y": y}), tmp_path / "m.csv")
    bad = run("fit", tmp_path / "m.csv", "-t", "y")
    assert bad.returncode == 1
    assert "missing value in column 'a' at line 6" in bad.stderr  # row 4 + header + 1
    assert "3 rows" in bad.stderr
    out = ok("fit", tmp_path / "m.csv", "-t", "y", "--drop-missing", "--test-size", 0,
             "--format", "json")  # fmt: skip
    assert "Dropped 3 of 50 rows" in out.stderr
    keep = ~np.isnan(a)
    ref = linreg.LinearRegression().fit(X[keep], y[keep])
    doc = json.loads(out.stdout)
    np.testing.assert_allclose([doc["summary"]["params"][n] for n in "ab"], ref.coef_, 1e-12)


def test_demo_fits_the_builtin_datasets(tmp_path):
    out = ok("demo", "--output", tmp_path)
    for word in ("diabetes", "bmi", "Filip", "Wampler5", "solver_", "R-squared", "Plots written"):
        assert word in out.stdout
    for word in ("gd", "torch/adam", "max rel dev"):
        assert word in out.stdout
    for name in ("coefficients", "fitted_line", "predicted_vs_actual", "qq_plot", "loss_curve"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    assert out.stdout.rstrip().splitlines()[-1].strip().endswith(".png")


# ------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "text.csv").write_text("a,b,y\n1,2,3\n2,3,4\n3,4,oops\n")
    (folder / "nan.csv").write_text("a,b,y\n1,2,3\n2,,4\n3,4,5\n")
    (folder / "empty.csv").write_text("")
    (folder / "header.csv").write_text("a,b,y\n")
    (folder / "garbage.parquet").write_bytes(b"not parquet at all")
    (folder / "notmodel.json").write_text('{"coef": [1, 2]}')
    (folder / "corrupt.json").write_text('{"format": "linreg-model", "sch')
    model = folder / "model.json"
    ok("fit", files["seed003", "csv"], "-t", "y", "--save", model)
    doc = json.loads(model.read_text())
    (folder / "future.json").write_text(json.dumps({**doc, "schema_version": 99}))
    (folder / "typed.json").write_text(json.dumps({**doc, "coef": ["1.0"]}))
    (folder / "evil.json").write_text(
        json.dumps({**doc, "estimator": {"class": "os.system", "params": {}}})
    )
    return folder


BAD_INPUTS = [
    # (arguments, exit code, words the one-line message must contain)
    (["fit", "missing.csv", "-t", "y"], 1, ["missing.csv", "no such file"]),
    (["fit", "{seed}", "-t", "nope"], 1, ["no column named 'nope'", "'x', 'y'"]),
    (["fit", "text.csv", "-t", "y"], 1, ["column 'y' is not numeric", "'oops' at line 4"]),
    (["fit", "nan.csv", "-t", "y"], 1, ["missing value in column 'b' at line 3", "--drop-missing"]),
    (["fit", "empty.csv", "-t", "y"], 1, ["empty.csv", "empty"]),
    (["fit", "header.csv", "-t", "y"], 1, ["no data rows"]),
    (["fit", "garbage.parquet", "-t", "y"], 1, ["cannot be read as Parquet"]),
    (["fit", "{seed}", "-t", "y", "--cov-type", "HC9"], 2, ["invalid choice: 'HC9'"]),
    (["fit", "{seed}", "-t", "y", "--solver", "magic"], 2, ["--solver", "'magic'", "cholesky"]),
    (["fit", "{seed}"], 2, ["--target"]),
    (["fit", "{seed}", "-t", "y", "--l1-ratio", "0.5", "--model", "ridge"], 2, ["--l1-ratio"]),
    (["fit", "{seed}", "-t", "y", "--test-size", "1.5"], 2, ["--test-size", "in [0, 1)"]),
    (["fit", "data.txt", "-t", "y"], 2, ["unknown file type"]),
    (["predict", "missing.json", "{seed}"], 1, ["no such model file"]),
    (["predict", "notmodel.json", "{seed}"], 1, ["not a linreg model file"]),
    (["predict", "corrupt.json", "{seed}"], 1, ["corrupted or not JSON", "line 1"]),
    (["predict", "future.json", "{seed}"], 1, ["schema version 99 is not supported"]),
    (["predict", "typed.json", "{seed}"], 1, ["'coef' must hold numbers"]),
    (["predict", "evil.json", "{seed}"], 1, ["unknown estimator class 'os.system'"]),
    (["predict", "model.json", "{seed}", "--interval", "sideways"], 2, ["invalid choice"]),
    (["datasets", "nope"], 2, ["unknown dataset 'nope'"]),
    (["frobnicate"], 2, ["invalid choice"]),
]


@pytest.mark.parametrize("args, code, words", BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_input_is_one_clear_line(bad_files, files, args, code, words):
    args = [a.replace("{seed}", str(files["seed003", "csv"])) for a in args]
    out = run(*args, cwd=bad_files)
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("linreg"), out.stderr
    for word in words:
        assert word in last, out.stderr
    if code == 1:  # our own errors are exactly one line
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_debug_shows_the_traceback(bad_files):
    out = run("--debug", "fit", "nan.csv", "-t", "y", cwd=bad_files)
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_help_imports_nothing_heavy():
    """``linreg --help`` must answer at once: the parser loads no numpy or scikit-learn
    (the timing itself is in benchmarks/bench_cli.py)."""
    code = (
        "import sys; from linreg.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('numpy', 'sklearn', 'scipy', 'pyarrow', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
    assert "fit" in ok("--help").stdout
    for command in ("fit", "predict", "summary", "compare", "datasets", "demo"):
        assert ok(command, "--help").stdout.startswith("usage: linreg " + command)


@pytest.mark.parametrize("model, extra", [("lasso", []), ("elasticnet", ["--l1-ratio", "0.3"])])
def test_l1_models_match_scikit_learn_and_round_trip(files, tmp_path, model, extra):
    from sklearn import linear_model

    d = load("diabetes")
    path = tmp_path / "l1.json"
    out = ok("fit", files["diabetes", "parquet"], "-t", TARGET, "--model", model, "--alpha",
             0.05, *extra, "--test-size", 0, "--save", path, "--format", "json")  # fmt: skip
    doc = json.loads(out.stdout)
    ref = (
        linear_model.Lasso(alpha=0.05, tol=1e-12, max_iter=100_000)
        if model == "lasso"
        else linear_model.ElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-12, max_iter=100_000)
    ).fit(d.X, d.y)
    np.testing.assert_allclose(list(doc["coef"].values()), ref.coef_, rtol=1e-6, atol=1e-6)
    assert doc["intercept"] == pytest.approx(ref.intercept_, rel=1e-8)
    pred = ok("predict", path, files["diabetes", "csv"]).stdout.split()[1:]
    np.testing.assert_allclose(np.array(pred, dtype=float), ref.predict(d.X), rtol=1e-7)
    assert "coefficients are nonzero" in ok("summary", path).stdout


@pytest.fixture(scope="module")
def offset_files(tmp_path_factory):
    """30,000 x 6 with offsets and weights, as CSV, Parquet and a folder of 3 parts."""
    folder = tmp_path_factory.mktemp("stream")
    rng = np.random.default_rng(5)
    n = 30_000
    X = rng.normal(size=(n, 6)) * [1, 2, 3, 1, 0.5, 4] + [1e3, -50, 7, 0, 2e4, 3]
    y = X @ [1.5, -2.0, 0.3, 4.0, 0.01, -1.0] + 10 + rng.standard_t(5, n)
    w = rng.uniform(0.5, 2.0, n)
    table = pa.table({**{f"x{j}": X[:, j] for j in range(6)}, "y": y, "w": w})
    pacsv.write_csv(table, folder / "all.csv")
    pq.write_table(table, folder / "all.parquet")
    (folder / "parts").mkdir()
    for i, start in enumerate(range(0, n, 10_000)):
        pq.write_table(table.slice(start, 10_000), folder / "parts" / f"part-{i}.parquet")
    return folder


@pytest.mark.parametrize("data", ["all.csv", "all.parquet", "parts", "parts/part-*.parquet"])
def test_streaming_fit_equals_the_in_memory_fit(offset_files, data):
    """--stream reads record batches (folders and globs always do): same held-out rows,
    coefficients, robust summary and metrics as reading the whole file."""
    common = ["-t", "y", "--weights", "w", "--cov-type", "HC3", "--test-size", "0.25",
              "--val-size", "0.1", "--format", "json"]  # fmt: skip
    stream = json.loads(ok("fit", offset_files / data, "--stream", *common).stdout)
    memory = json.loads(ok("fit", offset_files / "all.parquet", *common).stdout)
    for key in ("params", "bse", "pvalues"):
        got = np.array(list(stream["summary"][key].values()))
        want = np.array(list(memory["summary"][key].values()))
        np.testing.assert_allclose(got, want, rtol=1e-10, err_msg=key)
    for part in ("train", "validation", "test"):
        assert stream["metrics"][part]["n"] == memory["metrics"][part]["n"]
        for k in ("r2", "rmse", "mae"):
            assert stream["metrics"][part][k] == pytest.approx(memory["metrics"][part][k], 1e-10)


def test_streaming_refuses_what_needs_the_data_in_memory(offset_files):
    cases = ((["--drop-missing"], "--drop-missing"), (["--formula", "y ~ x0"], "formula"))
    for extra, word in cases:
        out = run("fit", offset_files / "parts", "-t", "y", *extra)
        assert out.returncode == 2 and word in out.stderr and "Traceback" not in out.stderr


def test_fit_on_a_dask_cluster(offset_files):
    """--scheduler: the workers read the folder of Parquet parts; the summary and the
    training metrics equal the in-memory fit of the same rows."""
    distributed = pytest.importorskip("distributed")
    common = ["-t", "y", "--weights", "w", "--cov-type", "HC1", "--format", "json"]
    memory = json.loads(ok("fit", offset_files / "all.parquet", "--test-size", 0, *common).stdout)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = ok("fit", offset_files / "parts", "--scheduler", cluster.scheduler_address, *common)
        held = ok("fit", offset_files / "parts", "--scheduler", cluster.scheduler_address,
                  *common, "--test-size", 0.2)  # fmt: skip
    memory_held = json.loads(
        ok("fit", offset_files / "all.parquet", "--test-size", 0.2, *common).stdout
    )
    cluster_fit = json.loads(out.stdout)
    for key in ("params", "bse"):
        got = np.array(list(cluster_fit["summary"][key].values()))
        want = np.array(list(memory["summary"][key].values()))
        np.testing.assert_allclose(got, want, rtol=1e-10, err_msg=key)
    for k in ("n", "r2", "rmse", "mae"):
        assert cluster_fit["metrics"]["train"][k] == pytest.approx(memory["metrics"]["train"][k])
    # --test-size on the cluster holds out the rows memory holds out (row-keyed rule),
    # across the several Parquet parts and partitions.
    cluster_held = json.loads(held.stdout)
    for part in ("train", "test"):
        for k in ("n", "r2", "rmse", "mae"):
            assert cluster_held["metrics"][part][k] == pytest.approx(
                memory_held["metrics"][part][k], rel=1e-9
            )


def test_streaming_lasso_equals_in_memory(offset_files):
    common = ["-t", "y", "--weights", "w", "--model", "lasso", "--alpha", "0.01",
              "--test-size", "0.2", "--format", "json"]  # fmt: skip
    stream = json.loads(ok("fit", offset_files / "parts", *common).stdout)
    memory = json.loads(ok("fit", offset_files / "all.parquet", *common).stdout)
    np.testing.assert_allclose(
        list(stream["coef"].values()), list(memory["coef"].values()), rtol=1e-9, atol=1e-12
    )
    for part in ("train", "test"):
        assert stream["metrics"][part]["r2"] == pytest.approx(memory["metrics"][part]["r2"], 1e-10)
