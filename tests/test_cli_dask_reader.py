"""``linreg fit --scheduler`` reads CSV values by the same rule as the in-memory and
streamed readers (booleans, integers beyond 2^53, a late float, missing markers), so the
three paths give the same coefficients; text is one error naming the column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from linreg import cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as c:
        yield c.scheduler_address


def _awkward_csv(path, n=60):
    rng = np.random.default_rng(3)
    x1 = rng.integers(0, 50, n)
    flag = rng.integers(0, 2, n).astype(bool)
    y = 2.0 * x1 - 3.0 * flag + rng.normal(size=n)
    lines = ["x1,flag,big,y"]
    for i in range(n):
        x = f"{x1[i]}.5" if i == n - 1 else str(x1[i])  # a float after integers
        big = str(2**53 + 1 + 2 * i)  # beyond 2^53: read as the nearest double
        lines.append(f"{x},{'true' if flag[i] else 'FALSE'},{big},{float(y[i])!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _coef(capsys, *args):
    assert cli.main(["fit", *args, "--format", "json", "--cv", "0"]) == 0
    doc = json.loads(capsys.readouterr().out)
    return np.array(list(doc["coef"].values())), doc["intercept"]


def test_dask_reads_like_memory_and_stream(tmp_path, scheduler, capsys):
    path = str(_awkward_csv(tmp_path / "awkward.csv"))
    common = ("--target", "y", "--weights", "big")  # weights beyond 2^53
    memory = _coef(capsys, path, *common)
    streamed = _coef(capsys, path, *common, "--stream")
    dask = _coef(capsys, path, *common, "--scheduler", scheduler)
    # The reference: pandas' reading of the same file, as float64.
    frame = pd.read_csv(path, true_values=["true"], false_values=["FALSE"]).astype(float)
    Z, yy, w = frame[["x1", "flag"]].to_numpy(), frame["y"].to_numpy(), frame["big"].to_numpy()
    Zc = Z - np.average(Z, axis=0, weights=w)
    yc = yy - np.average(yy, weights=w)
    b = np.linalg.lstsq(Zc * np.sqrt(w)[:, None], yc * np.sqrt(w), rcond=None)[0]
    for coef, intercept in (memory, streamed, dask):
        np.testing.assert_allclose(coef, b, rtol=1e-6)
    np.testing.assert_allclose(dask[0], memory[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(streamed[0], memory[0], rtol=1e-9, atol=1e-12)


def test_dask_text_value_is_one_error_naming_the_column(tmp_path, scheduler, capsys):
    path = tmp_path / "text.csv"
    path.write_text("x,y\n1,2\n2,3\noops,4\n3,5\n")
    code = cli.main(["fit", str(path), "--target", "y", "--cv", "0", "--scheduler", scheduler])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "'x'" in err[0] and "oops" in err[0]


def test_dask_test_size_holds_out_the_rows_memory_holds_out(tmp_path, scheduler, capsys):
    """--test-size on a cluster: the same held-out rows (by row number and seed), so the
    same coefficients, part metrics and CV figures as in memory and streamed."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.normal(size=(150, 3)), columns=["a", "b", "c"])
    frame["y"] = frame @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=150)
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    docs = []
    for mode in ([], ["--stream"], ["--scheduler", scheduler]):
        args = ["fit", str(path), "--target", "y", "--test-size", "0.3", "--random-state", "4"]
        assert cli.main([*args, "--format", "json", *mode]) == 0
        docs.append(json.loads(capsys.readouterr().out))
    # The reference: the training rows of the shared rule, fitted by lstsq.
    from linreg.split import TRAIN, holdout_labels

    train = holdout_labels(150, 0.3, 0.0, 4) == TRAIN
    Z = np.column_stack([np.ones(train.sum()), frame[["a", "b", "c"]].to_numpy()[train]])
    b = np.linalg.lstsq(Z, frame["y"].to_numpy()[train], rcond=None)[0]
    for doc in docs:
        np.testing.assert_allclose(list(doc["coef"].values()), b[1:], rtol=1e-10)
        assert doc["metrics"]["train"]["n"] == train.sum()
        assert doc["metrics"]["test"]["n"] == (~train).sum()
        for part in ("train", "test"):
            for m in ("r2", "rmse", "mae"):
                assert doc["metrics"][part][m] == pytest.approx(
                    docs[0]["metrics"][part][m], rel=1e-10
                )
        assert json.dumps(doc["cv"]) is not None
    cv = [d["cv"] for d in docs]
    assert cv[0] is not None
    for other in cv[1:]:
        for m in ("r2", "rmse", "mae"):
            a, b_ = _cv_mean(cv[0], m), _cv_mean(other, m)
            assert a == pytest.approx(b_, rel=1e-10)


def _cv_mean(cv: dict, metric: str) -> float:
    targets = cv["targets"]
    (figures,) = targets.values()
    return figures[metric]["mean"]
