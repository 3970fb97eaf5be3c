"""The tutorials' trainers on data larger than memory: minibatch Adam and gradient
descent streamed from a Parquet file and on Dask, with a certified finish.

Usage::

    .venv/bin/python benchmarks/bench_stream_train.py [--rows N] [--cols P] [--dir DIR]
        [--tol T] [--batch B] [--max-iter E] [--quick] [--only NAME,...]

Data (``benchmarks/stream_train_data.py``, ``numpy.random.default_rng(0)``): ``N`` rows
(default 2,000,000) of ``P`` (100) float64 features, a well-conditioned correlated design
``X = (N(0, 1) @ (I + 0.3 N(0, 1) / sqrt(P))) * scales + offsets`` (scales in [0.5, 20],
offsets in [-10, 10]) and ``y = X @ beta + 1 + noise`` (population R^2 0.9), written
once as ``X.npy``, ``y.npy`` and ``data.parquet`` (row groups of 65,536 rows) in a
temporary folder (removed at the end) or ``--dir`` (kept; data of the same sizes reused).
``--quick``: 200,000 rows.

Runs (each in its own child process, one timed call; seconds are the call's wall clock,
imports and data loading excluded)
----------------------------------------------------------------------------------
exact
    ``linreg.LinearRegression().fit(linreg.scan(parquet, "y"))``: the reference solution.
sklearn
    scikit-learn's ``LinearRegression().fit(X, y)`` in memory: an independent reference
    (it must agree with ``exact`` to 1e-10).  It also saves the columns' means and
    standard deviations (NumPy), which define the standardized coordinates below.
stream_adam, stream_gd
    ``LinearRegression(solver="torch", optimizer="adam" | solver="gd", batch_size=B,
    random_state=0, tol=T, max_iter=E).fit(linreg.scan(parquet, "y"))``.
memory_adam, memory_gd
    The same estimators on ``X, y`` in memory (the same seed).
dask_adam, dask_gd
    The same estimators on ``dd.read_parquet(parquet)`` (``fit(ddf[features],
    ddf["y"])``) on a ``LocalCluster(n_workers=2, threads_per_worker=1,
    processes=True)`` started before the timing.
predict_scan, predict_out, predict_memory
    ``model.predict(linreg.scan(parquet, None, features=...))`` to an array,
    ``predict(scan, out="pred.parquet")`` to a file, and ``model.predict(X)`` in memory
    (the reference), ``model`` the ``exact`` fit (pickled).
torch_tutorial
    The PyTorch tutorial loop in memory: standardized float32 X and y (NumPy mean and
    standard deviation) in a ``TensorDataset``, the rows put in a new random order each
    epoch (seeded) and read by a ``DataLoader`` in slices of B rows (what
    ``DataLoader(shuffle=True)`` hands out), ``nn.Linear`` + ``Adam(lr=1e-3)`` +
    ``MSELoss``, for as many epochs as ``stream_adam`` took; its error after each epoch.
sgd_regressor
    scikit-learn's ``make_pipeline(StandardScaler(), SGDRegressor(max_iter=epochs,
    tol=None, random_state=0))`` in memory, otherwise its defaults: as many epochs as
    ``stream_adam`` took.
floor
    What ``stream_adam``'s process holds before it reads a row: ``import linreg``, a
    scan opened (pyarrow, and scikit-learn with what it imports: pandas, scipy), ``import
    torch`` and one step of ``torch.optim.Adam`` on ``nn.Linear`` (its first step
    imports ``torch._dynamo`` and sympy).  ``stream_adam``'s peak less this is what its
    data path (reading, shuffle buffer, minibatches, Moments) adds.

Figures
-------
``peak RSS``: the child's whole peak resident set (VmHWM: imports, data and call); for
Dask the client's plus the two workers' peaks during the call.  ``rel. error`` is the
distance to the ``exact`` solution relative to its norm in the standardized
coordinates the certificate is stated in (``coef_j * sd_j / sd_y`` and the intercept of
the centred problem): the certified bound (``history_["error_bound"][-1]``, also
``solution_.error_estimate``) must be at least this.  ``user-units``: ``||coef -
coef_exact||_2 / ||coef_exact||_2``.  ``vs stream``: the same distance between the
in-memory and the streamed fit.  Prediction: ``max |p - p_memory| / |p_memory|`` over
the rows.  Nothing is asserted; verdicts against the issue's bars are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
import warnings

import numpy as np

import stream_train_data as data
from child_process import (
    cpu_seconds,
    hwm_mb,
    machine,
    reset_peak,
    rss_mb,
    run_in_data_folder,
    versions,
)

RSS_BAR_MB = 500.0
PREDICT_RTOL = 1e-12
SAME_RTOL = 1e-10
NAMES = {
    "exact": "linreg exact, fit(scan)",
    "sklearn": "scikit-learn LinearRegression (memory)",
    "stream_adam": "torch adam, fit(scan)",
    "stream_gd": "gd, fit(scan)",
    "memory_adam": "torch adam, fit(X, y) in memory",
    "memory_gd": "gd, fit(X, y) in memory",
    "dask_adam": "torch adam, Dask (2 processes)",
    "dask_gd": "gd, Dask (2 processes)",
    "predict_scan": "predict(scan) -> array",
    "predict_out": "predict(scan, out=.parquet)",
    "predict_memory": "predict(X) in memory",
    "torch_tutorial": "PyTorch tutorial loop (memory, float32)",
    "sgd_regressor": "scikit-learn SGDRegressor (memory)",
    "floor": "no data: linreg, a scan, torch and one torch.optim.Adam step",
}
#: The pickled exact fit the prediction runs use.
MODEL = "exact_model.pkl"
TRAINERS = {"adam": {"solver": "torch", "optimizer": "adam"}, "gd": {"solver": "gd"}}


# ---------------------------------------------------------------------- child: fits


def parquet(args):
    return os.path.join(args.dir, "data.parquet")


def trainer(kind, args):
    import linreg

    return linreg.LinearRegression(
        batch_size=args.batch, random_state=0, tol=args.tol, max_iter=args.max_iter,
        **TRAINERS[kind],
    )  # fmt: skip


def fitted(model, caught):
    """What a fitted model reports: epochs, bound, status, messages and warnings."""
    out = {"coef": np.ravel(model.coef_), "intercept": float(np.ravel(model.intercept_)[0])}
    solution = getattr(model, "solution_", None)
    if solution is not None:
        out["status"] = str(solution.status)
        out["estimate"] = float(solution.error_estimate)
        out["message"] = str(getattr(solution, "message", "") or "")
    if getattr(model, "n_iter_", None) is not None:
        out["epochs"] = int(np.max(model.n_iter_))
    history = getattr(model, "history_", None) or {}
    if history.get("error_bound"):
        out["bounds"] = [float(b) for b in history["error_bound"]]
    out["warnings"] = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})
    return out


#: RSS (MB) of the child just before its timed call (imports done, data loaded).
READY_MB = [0.0]


def timed(call):
    """``(result, seconds, CPU seconds, warnings)`` of ``call()``; the RSS before it in
    :data:`READY_MB`."""
    READY_MB[0] = rss_mb()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0, c0 = time.perf_counter(), cpu_seconds()
        result = call()
        return result, time.perf_counter() - t0, cpu_seconds() - c0, caught


def fit_child(name, args):
    """exact / stream_* / memory_* / sklearn: one timed fit."""
    import linreg

    if name.startswith("memory") or name == "sklearn":
        X, y = data.load(args.dir)
        if name == "sklearn":
            return sklearn_fit(X, y)
        source = (X, y)
    else:
        source = (linreg.scan(parquet(args), "y"),)
    if name == "exact":
        model = linreg.LinearRegression()
    else:
        if name.endswith("adam"):
            import torch  # noqa: F401 -- imported before the timing
        model = trainer(name.split("_")[1], args)
    model, seconds, cpu, caught = timed(lambda: model.fit(*source))
    if name == "exact":
        with open(os.path.join(args.dir, MODEL), "wb") as f:
            pickle.dump(model, f)
    return {**fitted(model, caught), "seconds": seconds, "cpu": cpu}


def sklearn_fit(X, y):
    from sklearn.linear_model import LinearRegression

    model, seconds, cpu, caught = timed(lambda: LinearRegression().fit(X, y))
    stats = {"x_mean": X.mean(axis=0), "x_sd": X.std(axis=0)}
    stats.update(y_mean=float(y.mean()), y_sd=float(y.std()))
    return {**fitted(model, caught), "seconds": seconds, "cpu": cpu, "stats": stats}


# ----------------------------------------------------------------------- child: Dask


def process_state(reset=False):
    """(RSS, peak RSS, CPU s) of this process, the peak reset first when asked (also run
    on the Dask workers)."""
    if reset:
        reset_peak()
    return rss_mb(), hwm_mb(), cpu_seconds()


def dask_child(name, args):
    """One trainer on ``dd.read_parquet`` over a 2-process LocalCluster; the client's
    and the workers' peak RSS and CPU during the call."""
    import dask.dataframe as dd
    import distributed

    if name.endswith("adam"):
        import torch  # noqa: F401 -- imported before the timing

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None, worker_dashboard_address=None,
    )  # fmt: skip
    client = distributed.Client(cluster)
    try:
        ddf = dd.read_parquet(parquet(args))
        names = data.features(args.cols)
        model = trainer(name.split("_")[1], args)
        reset_peak()
        before = client.run(process_state, True)
        model, seconds, cpu, caught = timed(lambda: model.fit(ddf[names], ddf["y"]))
        after = client.run(process_state)
        workers = [after[k][1] for k in sorted(after)]
        cpu += sum(after[k][2] - before[k][2] for k in after)
        out = fitted(model, caught)
        out.update(seconds=seconds, cpu=cpu, partitions=int(ddf.npartitions))
        out.update(client_mb=hwm_mb(), workers_mb=workers, dask_peak_mb=hwm_mb() + sum(workers))
        return out
    finally:
        client.close()
        cluster.close()


def floor_child(args):
    """The ``floor`` run (see the module): no data read."""
    import torch

    import linreg

    linreg.scan(parquet(args), "y")

    def step():
        net = torch.nn.Linear(args.cols, 1, dtype=torch.float64)
        opt = torch.optim.Adam(net.parameters())
        net(torch.zeros(1, args.cols, dtype=torch.float64)).sum().backward()
        opt.step()

    _, seconds, cpu, _ = timed(step)
    return {"seconds": seconds, "cpu": cpu}


# -------------------------------------------------------------------- child: predict


def predict_child(name, args):
    """predict_scan / predict_out / predict_memory with the pickled exact fit."""
    import linreg

    with open(os.path.join(args.dir, MODEL), "rb") as f:
        model = pickle.load(f)
    names = data.features(args.cols)
    out_path = os.path.join(args.dir, "pred.parquet")
    if name == "predict_memory":
        X, _ = data.load(args.dir)
        pred, seconds, cpu, _ = timed(lambda: model.predict(X))
    elif name == "predict_scan":
        scan = linreg.scan(parquet(args), None, features=names)
        pred, seconds, cpu, _ = timed(lambda: model.predict(scan))
    else:
        scan = linreg.scan(parquet(args), None, features=names)
        _, seconds, cpu, _ = timed(lambda: model.predict(scan, out=out_path))
        import pyarrow.parquet as pq

        pred = pq.read_table(out_path).column(0).to_numpy()
    return {"pred": np.asarray(pred, dtype=np.float64).ravel(), "seconds": seconds, "cpu": cpu}


# ----------------------------------------------------------------- child: references


def standardized(X, y):
    """Standardized float32 copies of X, y and the float64 statistics used."""
    xm, xs = X.mean(axis=0), X.std(axis=0)
    ym, ys = float(y.mean()), float(y.std())
    Z = np.empty(X.shape, dtype=np.float32)
    for start in range(0, X.shape[0], data.GROUP_ROWS):
        rows = slice(start, start + data.GROUP_ROWS)
        Z[rows] = (X[rows] - xm) / xs
    return Z, ((y - ym) / ys).astype(np.float32), (xm, xs, ym, ys)


def tutorial_child(args, epochs):
    """nn.Linear + Adam(lr=1e-3), shuffled minibatches of ``args.batch`` rows, ``epochs``
    epochs; the coefficients (user units) after every epoch."""
    import torch

    X, y = data.load(args.dir)
    Z, t, (xm, xs, ym, ys) = standardized(X, y)
    del X, y
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    # each epoch the rows in a new random order (NumPy's take into one buffer: torch's
    # row gather of 4096 random rows costs ~10x the step here), read in slices of
    # ``batch`` rows by a DataLoader, as DataLoader(shuffle=True) hands them out
    Zp, tp = np.empty_like(Z), np.empty((t.shape[0], 1), dtype=np.float32)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(Zp), torch.from_numpy(tp))
    slices = [slice(i, i + args.batch) for i in range(0, Z.shape[0], args.batch)]
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, sampler=slices)
    net = torch.nn.Linear(Z.shape[1], 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    path = []

    def train():
        for _ in range(epochs):
            order = rng.permutation(Z.shape[0])
            np.take(Z, order, axis=0, out=Zp)
            np.take(t, order, out=tp[:, 0])
            for zb, tb in loader:
                opt.zero_grad()
                loss_fn(net(zb), tb).backward()
                opt.step()
            w = net.weight.detach().double().numpy().ravel()
            b = float(net.bias.detach().double())
            coef = w * ys / xs
            path.append((coef, ym + b * ys - float(xm @ coef)))

    _, seconds, cpu, _ = timed(train)
    return {"path": path, "seconds": seconds, "cpu": cpu, "epochs": epochs}


def sgd_child(args, epochs):
    from sklearn.linear_model import SGDRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data.load(args.dir)
    pipe = make_pipeline(StandardScaler(), SGDRegressor(max_iter=epochs, tol=None, random_state=0))
    pipe, seconds, cpu, caught = timed(lambda: pipe.fit(X, y))
    scaler, sgd = pipe[0], pipe[1]
    coef = sgd.coef_ / scaler.scale_
    intercept = float(sgd.intercept_[0] - scaler.mean_ @ coef)
    out = {"coef": coef, "intercept": intercept, "seconds": seconds, "cpu": cpu}
    out.update(epochs=int(sgd.n_iter_), warnings=sorted({str(w.message)[:200] for w in caught}))
    return out


# ------------------------------------------------------------------------ child main


def child(name, args):
    """Run ``name``; save its arrays in ``<dir>/<name>.pkl`` and print its figures."""
    warnings.simplefilter("ignore")
    import linreg  # noqa: F401

    import_mb, load = rss_mb(), os.getloadavg()[0]
    try:
        if name.startswith("dask"):
            result = dask_child(name, args)
        elif name.startswith("predict"):
            result = predict_child(name, args)
        elif name == "torch_tutorial":
            result = tutorial_child(args, args.epochs)
        elif name == "sgd_regressor":
            result = sgd_child(args, args.epochs)
        elif name == "floor":
            result = floor_child(args)
        else:
            result = fit_child(name, args)
    except Exception as err:  # noqa: BLE001 -- reported as the run's figure
        print("RESULT " + json.dumps({"name": name, "error": _failed(err)}))
        return
    result.update(name=name, import_mb=import_mb, ready_mb=READY_MB[0], peak_mb=hwm_mb())
    result.update(load=load)
    with open(os.path.join(args.dir, f"{name}.pkl"), "wb") as f:
        pickle.dump(result, f)
    print("RESULT " + json.dumps({"name": name, "saved": True}))


def _failed(err):
    return f"failed ({type(err).__name__}: {str(err).splitlines()[0][:200]})"


# ---------------------------------------------------------------------------- parent


PACKAGES = ("linreg", "numpy", "scipy", "scikit-learn", "torch", "pyarrow", "dask", "distributed")


def run_child(name, args, epochs=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--dir", args.dir]
    cmd += ["--rows", str(args.rows), "--cols", str(args.cols), "--tol", str(args.tol)]
    cmd += ["--batch", str(args.batch), "--max-iter", str(args.max_iter)]
    cmd += ["--epochs", str(epochs or 1)]
    load = os.getloadavg()[0]
    out = subprocess.run(cmd, capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            head = json.loads(line[7:])
            if "error" in head:
                return head
            with open(os.path.join(args.dir, f"{name}.pkl"), "rb") as f:
                return {"load": load, **pickle.load(f)}
    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
    return {"name": name, "error": f"failed: {tail[:200]}"}


def saved(args, name):
    """The result of run ``name`` saved in ``args.dir`` by an earlier invocation, or None."""
    path = os.path.join(args.dir, f"{name}.pkl")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return pickle.load(f)


class Distance:
    """Relative distances in the certificate's standardized coordinates (from the
    columns' means and standard deviations computed by NumPy)."""

    def __init__(self, stats):
        self.xm, self.xs = stats["x_mean"], stats["x_sd"]
        self.ys = stats["y_sd"]

    def __call__(self, coef, intercept, ref_coef, ref_intercept):
        dc = np.asarray(coef) - ref_coef
        d = np.append(dc * self.xs, intercept - ref_intercept + self.xm @ dc) / self.ys
        return float(np.linalg.norm(d) / np.linalg.norm(ref_coef * self.xs / self.ys))


def user_units(coef, ref_coef):
    return float(np.linalg.norm(np.asarray(coef) - ref_coef) / np.linalg.norm(ref_coef))


def fmt(x, spec=".1e"):
    return "-" if x is None else format(x, spec)


def trainer_rows(by, dist, ref):
    """Table rows of the trainers: name, epochs, s, bound, status, errors, RSS."""
    rows = []
    for name in ("stream_adam", "stream_gd", "memory_adam", "memory_gd", "dask_adam", "dask_gd"):
        r = by.get(name)
        if r is None:
            continue
        if "error" in r:
            rows.append(f"| {NAMES[name]} | {r['error']} | | | | | | | |")
            continue
        err = dist(r["coef"], r["intercept"], *ref) if ref else None
        uu = user_units(r["coef"], ref[0]) if ref else None
        same = None
        twin = by.get("stream_" + name.split("_")[1])
        if not name.startswith("stream") and twin and "error" not in twin:
            same = dist(r["coef"], r["intercept"], twin["coef"], twin["intercept"])
        peak = r.get("dask_peak_mb", r["peak_mb"])
        rows.append(
            f"| {NAMES[name]} | {r.get('epochs', '-')} | {r['seconds']:.1f} | "
            f"{fmt(r['bounds'][-1] if r.get('bounds') else r.get('estimate'))} | "
            f"{r.get('status', '-')} | {fmt(err)} | {fmt(uu)} | {fmt(same)} | {peak:.0f} |"
        )
    return rows


def reference_rows(by, dist, ref):
    rows = []
    for name in ("exact", "sklearn", "torch_tutorial", "sgd_regressor"):
        r = by.get(name)
        if r is None:
            continue
        if "error" in r:
            rows.append(f"| {NAMES[name]} | {r['error']} | | | | | | | |")
            continue
        coef, intercept = r["path"][-1] if "path" in r else (r["coef"], r["intercept"])
        err = dist(coef, intercept, *ref) if ref else None
        uu = user_units(coef, ref[0]) if ref else None
        rows.append(
            f"| {NAMES[name]} | {r.get('epochs', '-')} | {r['seconds']:.1f} | "
            f"{fmt(r.get('estimate'))} | {r.get('status', '-')} | {fmt(err)} | {fmt(uu)} | - | "
            f"{r['peak_mb']:.0f} |"
        )
    return rows


def predict_rows(by):
    ref = by.get("predict_memory")
    rows = []
    for name in ("predict_scan", "predict_out", "predict_memory"):
        r = by.get(name)
        if r is None:
            continue
        if "error" in r:
            rows.append(f"| {NAMES[name]} | {r['error']} | | | |")
            continue
        diff = None
        if ref and "error" not in ref and r["pred"].shape == ref["pred"].shape:
            diff = float(np.max(np.abs(r["pred"] - ref["pred"]) / np.abs(ref["pred"])))
            r["diff"] = diff
        rows.append(f"| {NAMES[name]} | {r['seconds']:.1f} | {fmt(diff)} | {r['peak_mb']:.0f} |")
    return rows


def print_tables(by, dist, ref):
    print(
        "| run | epochs | seconds | certified bound | status | rel. error vs exact "
        "(std. coords) | user-units rel. error | vs stream (std. coords) | peak RSS (MB) |"
    )
    print("|:---|---:|---:|---:|:---|---:|---:|---:|---:|")
    for row in trainer_rows(by, dist, ref) + reference_rows(by, dist, ref):
        print(row)
    rows = predict_rows(by)
    if rows:
        print("\n| prediction | seconds | max rel. diff vs memory | peak RSS (MB) |")
        print("|:---|---:|---:|---:|")
        for row in rows:
            print(row)


def print_notes(by, dist, ref, args):
    for name, r in by.items():
        if "error" in r:
            continue
        bits = [
            f"RSS after import linreg {r['import_mb']:.0f} MB, before the call "
            f"{r['ready_mb']:.0f} MB",
            f"CPU {r['cpu']:.1f} s",
        ]
        bits.append(f"load average at start {fmt(r.get('load'), '.1f')}")
        if "partitions" in r:
            workers = ", ".join(f"{w:.0f}" for w in r["workers_mb"])
            bits.append(
                f"{r['partitions']} partitions; peak RSS client {r['client_mb']:.0f} MB, "
                f"workers {workers} MB"
            )
        if r.get("bounds"):
            bits.append("bound per epoch " + " ".join(f"{b:.1e}" for b in r["bounds"]))
        if r.get("message"):
            bits.append(f"solution_.message: {r['message']}")
        bits += [f"warning: {w}" for w in r.get("warnings", [])]
        if "path" in r and ref:
            errs = [dist(c, i, *ref) for c, i in r["path"]]
            bits.append("rel. error per epoch " + " ".join(f"{e:.1e}" for e in errs))
        print(f"- {NAMES[name]}: " + "; ".join(bits))


def _verdict(ok):
    return "PASS" if ok else "FAIL"


def trainer_verdicts(by, dist, ref, tol):
    out = []
    for kind in ("adam", "gd"):
        s, m, d = (by.get(f"{w}_{kind}") for w in ("stream", "memory", "dask"))
        if s and "error" not in s:
            bound = s["bounds"][-1] if s.get("bounds") else float("inf")
            err = dist(s["coef"], s["intercept"], *ref) if ref else None
            out.append(
                f"{kind} streamed: certified {bound:.1e} <= {tol:g}: {_verdict(bound <= tol)} "
                f"(actual {fmt(err)}, status {s.get('status')}, {s.get('epochs')} epochs, "
                f"{s['seconds']:.0f} s)"
            )
            out.append(
                f"{kind} streamed peak RSS {s['peak_mb']:.0f} MB < {RSS_BAR_MB:.0f}: "
                + _verdict(s["peak_mb"] < RSS_BAR_MB)
            )
            floor = by.get("floor")
            if kind == "adam" and floor and "error" not in floor:
                out.append(
                    f"adam streamed: {floor['peak_mb']:.0f} MB held with no data (floor run: "
                    f"imports and one torch.optim step), {s['peak_mb'] - floor['peak_mb']:.0f} "
                    "MB added by the data path"
                )
            if m and "error" not in m:
                agree = dist(m["coef"], m["intercept"], s["coef"], s["intercept"])
                out.append(
                    f"{kind} in memory = streamed to {tol:g}: {_verdict(agree <= tol)} "
                    f"({agree:.1e})"
                )
        if d and "error" not in d:
            bound = d["bounds"][-1] if d.get("bounds") else float("inf")
            out.append(
                f"{kind} Dask reached {tol:g}: {_verdict(bound <= tol)} ({bound:.1e}, status "
                f"{d.get('status')}, {d.get('epochs')} epochs, {d['seconds']:.0f} s, "
                f"client + workers {d['dask_peak_mb']:.0f} MB)"
            )
    return out


def verdicts(by, dist, ref, tol):
    out = []
    e, k = by.get("exact"), by.get("sklearn")
    if e and k and "error" not in e and "error" not in k:
        d = float(np.max(np.abs(e["coef"] - k["coef"]) / np.abs(k["coef"])))
        out.append(f"exact = scikit-learn to {SAME_RTOL:g}: {_verdict(d <= SAME_RTOL)} ({d:.1e})")
    out += trainer_verdicts(by, dist, ref, tol)
    for name in ("predict_scan", "predict_out"):
        r = by.get(name)
        if r and "diff" in r:
            out.append(
                f"{name} = in memory to {PREDICT_RTOL:g}: {_verdict(r['diff'] <= PREDICT_RTOL)} "
                f"({r['diff']:.1e}); peak RSS {r['peak_mb']:.0f} MB < {RSS_BAR_MB:.0f}: "
                + _verdict(r["peak_mb"] < RSS_BAR_MB)
            )
    print("verdicts:\n- " + "\n- ".join(out) if out else "verdicts: none")


def run(args):
    written = data.ensure_data(args.rows, args.cols, args.dir)
    x_mb = args.rows * args.cols * 8 / 1e6
    pq_mb = os.path.getsize(parquet(args)) / 1e6
    print(
        f"# streamed trainers: X {args.rows:,} x {args.cols} float64 ({x_mb:,.0f} MB), "
        f"Parquet {pq_mb:,.0f} MB (row groups {data.GROUP_ROWS:,})"
        + (f", written in {written:.0f} s" if written else " (reused)")
        + f"; batch {args.batch}, tol {args.tol:g}, max_iter {args.max_iter}"
    )
    print(f"# machine: {machine()}, load average {os.getloadavg()[0]:.1f}; {versions(PACKAGES)}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    by = {}
    for name in args.only:
        epochs = None
        if name in ("torch_tutorial", "sgd_regressor"):
            adam = by.get("stream_adam") or saved(args, "stream_adam") or {}
            epochs = adam.get("epochs") or args.max_iter
        by[name] = run_child(name, args, epochs)
        status = by[name].get("error", f"{by[name].get('seconds', 0):.1f} s")
        print(f"# {name}: {status}", flush=True)
    if args.with_saved:
        found = {n: saved(args, n) for n in NAMES if n not in by}
        by.update({n: r for n, r in found.items() if r is not None})
        by = {n: by[n] for n in NAMES if n in by}
    stats = by.get("sklearn", {}).get("stats")
    ref = (by["exact"]["coef"], by["exact"]["intercept"]) if "coef" in by.get("exact", {}) else None
    dist = Distance(stats) if stats is not None else None
    if dist is None:
        ref = None
    print(f"\nload average now {os.getloadavg()[0]:.1f}\n")
    print_tables(by, dist, ref)
    print()
    print_notes(by, dist, ref, args)
    verdicts(by, dist, ref, args.tol)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--max-iter", type=int, default=200, help="epochs at most per trainer")
    ap.add_argument("--dir", default=None, help="folder for the data files (kept)")
    ap.add_argument("--quick", action="store_true", help="200,000 rows")
    ap.add_argument("--only", default=",".join(NAMES), help="comma-separated runs")
    ap.add_argument(
        "--with-saved",
        action="store_true",
        help="report also the runs not in --only saved in --dir by an earlier invocation "
        "(--only= --with-saved: the report of the saved runs)",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--epochs", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.rows = 200_000
    args.only = [n for n in args.only.split(",") if n]
    unknown = set(args.only) - set(NAMES)
    if unknown:
        ap.error(f"--only: unknown runs {sorted(unknown)}; choose from {list(NAMES)}")
    return args


def main(argv=None):
    args = parse(argv)
    if args.child:
        child(args.child, args)
        return
    run_in_data_folder(args, run, "linreg-bench-stream-train-")


if __name__ == "__main__":
    main()
