"""``linreg fit DATA --formula "y ~ x | firm + year"``: absorbed fixed effects.

The printed (JSON) coefficients and standard errors equal pyfixest's ``feols`` on the
same file; the streamed fit of the Parquet file equals the in-memory fit; options a fit
with effects does not take, and bad formulas, end in one line with the command's exit
codes (2: the command line, 1: the data).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from linreg.cli import main

pd = pytest.importorskip("pandas")
pytest.importorskip("formulaic")

FORMULA = "y ~ x1 + x2 | firm + year"


def _panel(seed=0):
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(25), 6)
    year = np.tile(np.arange(6), 25)
    keep = rng.random(firm.size) > 0.2
    firm = np.concatenate([firm[keep], [90, 91]])  # two singletons
    year = np.concatenate([year[keep], [0, 3]])
    n = firm.size
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = x1 - 2 * x2 + rng.normal(size=92)[firm] + rng.normal(size=6)[year] + rng.normal(size=n)
    return pd.DataFrame(
        {"y": y, "x1": x1, "x2": x2, "firm": [f"f{i}" for i in firm], "year": year,
         "w": rng.uniform(0.5, 2.0, n)}
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    frame = _panel()
    folder = tmp_path_factory.mktemp("fe")
    frame.to_csv(folder / "panel.csv", index=False)
    frame.to_parquet(folder / "panel.parquet")
    holed = frame.copy()
    holed.loc[4, "firm"] = None
    holed.to_csv(folder / "holed.csv", index=False)
    bad = frame.assign(neg=frame["w"], inf=frame["w"])
    bad.loc[3, "neg"] = -1.0
    bad.loc[7, "inf"] = np.inf
    bad.to_csv(folder / "bad_weights.csv", index=False)
    return {"frame": frame, "csv": folder / "panel.csv", "parquet": folder / "panel.parquet",
            "holed": folder / "holed.csv", "bad_weights": folder / "bad_weights.csv"}


def _run(capsys, *argv):
    code = main(["fit", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, *argv):
    code, out, err = _run(capsys, *argv, "--format", "json", "--cv", "0")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    return np.array(list(summary["params"].values())), np.array(list(summary["bse"].values()))


def _feols(frame, vcov, weights=None):
    pf = pytest.importorskip("pyfixest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest's note on the singletons it drops
        fit = pf.feols(FORMULA, frame, vcov=vcov, weights=weights, fixef_tol=1e-14)
    return fit.coef().to_numpy(), fit.se().to_numpy()


@pytest.mark.parametrize(
    ("options", "vcov"),
    [
        ((), {"CRV1": "firm"}),  # fixest's default: clustered by the first effect
        (("--cov-type", "cluster", "--groups", "year"), {"CRV1": "year"}),
        (("--cov-type", "cluster", "--groups", "firm,year"), {"CRV1": "firm + year"}),
        (("--cov-type", "HC1"), "hetero"),
        (("--cov-type", "nonrobust"), "iid"),
    ],
)
def test_fit_equals_feols(capsys, files, options, vcov):
    coef, se = _json(capsys, files["csv"], "--formula", FORMULA, *options)
    ref_coef, ref_se = _feols(files["frame"], vcov)
    np.testing.assert_allclose(coef, ref_coef, rtol=1e-8)
    np.testing.assert_allclose(se, ref_se, rtol=1e-8)


def test_hac_equals_statsmodels_with_dummy_columns(capsys, files):
    smf = pytest.importorskip("statsmodels.formula.api")
    _, se = _json(capsys, files["csv"], "--formula", FORMULA, "--cov-type", "HAC",
                  "--maxlags", "2")
    frame = files["frame"]
    kept = frame[frame.groupby("firm")["firm"].transform("size") > 1]  # fixest's singletons
    reference = smf.ols("y ~ x1 + x2 + C(firm) + C(year)", kept).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": False}
    )
    np.testing.assert_allclose(se, reference.bse[["x1", "x2"]], rtol=1e-9)


def test_weighted_fit_equals_feols(capsys, files):
    coef, se = _json(capsys, files["csv"], "--formula", FORMULA, "--weights", "w")
    ref_coef, ref_se = _feols(files["frame"], {"CRV1": "firm"}, weights="w")
    np.testing.assert_allclose(coef, ref_coef, rtol=1e-8)
    np.testing.assert_allclose(se, ref_se, rtol=1e-8)


@pytest.mark.parametrize("options", [(), ("--cov-type", "cluster", "--groups", "firm,year")])
def test_streamed_equals_in_memory(capsys, files, options):
    memory = _json(capsys, files["csv"], "--formula", FORMULA, *options)
    streamed = _json(capsys, files["parquet"], "--formula", FORMULA, "--stream", *options)
    np.testing.assert_allclose(streamed[0], memory[0], rtol=1e-10)
    np.testing.assert_allclose(streamed[1], memory[1], rtol=1e-10)


def test_table_lists_the_effects(capsys, files):
    code, out, err = _run(capsys, files["csv"], "--formula", FORMULA)
    assert code == 0, err
    assert "firm (25 levels), year (6 levels)" in out
    assert "2 singleton rows" in out
    assert "Cross-validation is not computed" in err


def test_missing_label_names_the_line_or_is_dropped(capsys, files):
    code, _, err = _run(capsys, files["holed"], "--formula", FORMULA)
    assert code == 1
    assert "'firm'" in err and "line 6" in err and len(err.strip().splitlines()) == 1
    code, out, err = _run(capsys, files["holed"], "--formula", FORMULA, "--drop-missing")
    assert code == 0, err
    assert "Dropped 1 of" in err


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (("--formula", "y ~ x1 | firm", "--save", "m.json"), 2,
         "saving a model with absorbed effects is not supported"),
        (("--formula", "y ~ x1 | firm", "--model", "ridge"), 2, "fitted by OLS"),
        (("--formula", "y ~ x1 | firm", "--alpha", "1"), 2, "fitted by OLS"),
        (("--formula", "y ~ x1 | firm", "--test-size", "0.2"), 2, "--test-size"),
        (("--formula", "y ~ x1 | firm", "--diagnostics"), 2, "--diagnostics"),
        (("--formula", "y ~ x1 | np.log(firm)"), 2, "'np.log' at position 10"),
        (("--formula", "y ~ x1 | firm | z ~ w"), 2, "second '|'"),
        (("--formula", "y ~ x1 | __import__"), 2, "'__import__'"),
        (("--formula", "y ~ 1 | firm"), 2, "need a regressor"),
        (("--formula", "y ~ x1 | nope"), 1, "no column named 'nope'"),
        (("--formula", "y ~ x1 | firm", "--groups", "firm"), 2, "--groups applies"),
        (("--formula", "y ~ x1 | firm", "--cov-type", "HC3"), 2, "not defined"),
    ],
)
def test_refusals_are_one_line(capsys, files, options, code, message):
    got, _, err = _run(capsys, files["csv"], *options)
    assert got == code
    line = err.strip().splitlines()[-1]
    assert line.startswith("linreg fit: error:") and message in line


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ x1 + np.log(x2 + 10) | firm", "'np.log(x2 + 10)'"),
        ("y ~ x1 | firm^year", "'f1^f2'"),
    ],
)
def test_stream_refuses_what_it_cannot_read(capsys, files, formula, message):
    got, _, err = _run(capsys, files["parquet"], "--formula", formula, "--stream")
    assert got == 2
    assert message in err.strip().splitlines()[-1]


def test_plots_draw_the_coefficients(capsys, files, tmp_path):
    code, out, err = _run(capsys, files["csv"], "--formula", FORMULA, "--plots", tmp_path)
    assert code == 0, err
    assert (tmp_path / "coefficients.png").is_file()
    assert "only the coefficient plot" in err


def test_a_large_file_streams_when_it_can(capsys, files, monkeypatch):
    import linreg.cli.stream

    monkeypatch.setattr(linreg.cli.stream, "STREAM_BYTES", 0)  # every file is "large"
    code, _, err = _run(capsys, files["parquet"], "--formula", FORMULA, "--cv", "0")
    assert code == 0, err
    assert "Streamed fit" in err
    transformed = "y ~ x1 + np.log(x2 + 10) | firm + year"
    code, out, err = _run(capsys, files["parquet"], "--formula", transformed, "--cv", "0")
    assert code == 0, err  # read into memory: a streamed fit reads columns only
    assert "Streamed fit" not in err and "np.log(x2 + 10)" in out


@pytest.mark.parametrize("formula", ["y ~ x1", FORMULA])
@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("neg", "negative weight in column 'neg' at line 5"),
        ("inf", "infinite weight in column 'inf' at line 9"),
        ("firm", "column 'firm' (--weights) is not numeric"),
    ],
)
def test_bad_weights_are_a_data_error(capsys, files, formula, weights, message):
    code, _, err = _run(capsys, files["bad_weights"], "--formula", formula, "--weights", weights)
    assert code == 1
    assert err.strip().splitlines()[-1].endswith(message)
