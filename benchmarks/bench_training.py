"""Seed 001's problem: linreg's iterative solvers against the tutorial's own loops.

The tutorial (``shared/seeds/001``) fits ``y = X @ [10, 20]`` with
``X = [[1, 2], [3, 4], [5, 6]]`` and no intercept three ways, each for 1,000,000
epochs at ``learning_rate = 0.0001``: a NumPy loop with the analytic gradient, a loop
on torch tensors with ``backward()`` and ``w.grad.zero_()``, and ``nn.Linear`` with
``nn.MSELoss`` and ``torch.optim.SGD``.  This script runs those loops, written as in
the tutorial, for a fixed number of epochs (``--epochs``, default 20,000) and times
them per epoch; then it fits the same data with linreg's iterative solvers (gd,
autograd, torch with sgd / adam / lbfgs, whichever are registered) until their
certified relative error bound is below ``--tol`` (default 1e-6), and with the exact
default solver for reference.

Usage::

    .venv/bin/python benchmarks/bench_training.py [--epochs N] [--tol T] [--markdown PATH]
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import time
import warnings

import numpy as np

import linreg
from linreg.training import TRAINERS

W_TRUE = np.array([10.0, 20.0])
TUTORIAL_EPOCHS = 1_000_000


# ------------------------------------------------------- the tutorial's loops --
def tutorial_numpy(nepochs: int) -> np.ndarray:
    """The generalized NumPy loop of the tutorial (integer data, as written there)."""
    w_true = np.array([[10], [20]])
    X = np.array([[1, 2], [3, 4], [5, 6]])

    def f(X, w):
        return np.sum(np.dot(X, w), 1)

    y_true = f(X, w_true)
    learning_rate = 0.0001
    w = np.array([[0.1], [0.1]])
    for _ in range(nepochs):
        df = (-2 * np.dot(X.T, (y_true - f(X, w)))) / len(X)
        w -= learning_rate * df.reshape(w.shape)
    return w.ravel()


def tutorial_torch_tensors(nepochs: int) -> np.ndarray:
    """The tutorial's loop on torch tensors: ``backward()``, then ``w.grad.zero_()``."""
    import torch as T

    w_true = np.array([[10.0], [20.0]])
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    X = T.from_numpy(X).float()
    w_true = T.from_numpy(w_true).float()

    def f(X, w):
        return T.matmul(X, w)

    def mse(y_true, y_pred):
        return T.sum((y_true - y_pred) ** 2) / len(y_true)

    y_true = f(X, w_true)
    learning_rate = 0.0001
    w = T.tensor([[0.0], [0.0]], requires_grad=True)
    for _ in range(nepochs):
        y_pred = f(X, w)
        mse(y_true, y_pred).backward()
        with T.no_grad():
            w -= w.grad * learning_rate
            w.grad.zero_()
    return w.detach().numpy().ravel().astype(np.float64)


def tutorial_nn_linear(nepochs: int) -> np.ndarray:
    """The tutorial's ``nn.Linear`` + ``nn.MSELoss`` + ``torch.optim.SGD`` loop.

    The tutorial leaves ``nn.Linear``'s random initialization unseeded; it is seeded
    with 0 here so that runs repeat.
    """
    import torch as T

    T.manual_seed(0)
    X = T.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).float()
    y_true = T.matmul(X, T.tensor([[10.0], [20.0]]))
    learning_rate = 0.0001
    mse = T.nn.MSELoss()
    model = T.nn.Linear(2, 1, bias=False)
    optimizer = T.optim.SGD(model.parameters(), lr=learning_rate)
    for _ in range(nepochs):
        y_pred = model(X.float())
        mse(y_pred.float(), y_true.reshape(-1, 1).float()).backward()
        optimizer.step()
        optimizer.zero_grad()
    return model.weight.detach().numpy().ravel().astype(np.float64)


TUTORIAL_LOOPS = {
    "tutorial: NumPy loop": tutorial_numpy,
    "tutorial: torch tensors + backward": tutorial_torch_tensors,
    "tutorial: nn.Linear + MSELoss + SGD": tutorial_nn_linear,
}

#: linreg's iterative solvers (label, estimator parameters), run when registered.
LINREG_SOLVERS = [
    ("linreg gd", {"solver": "gd"}),
    ("linreg autograd", {"solver": "autograd"}),
    ("linreg torch sgd", {"solver": "torch", "optimizer": "sgd"}),
    ("linreg torch adam", {"solver": "torch", "optimizer": "adam"}),
    ("linreg torch lbfgs", {"solver": "torch", "optimizer": "lbfgs"}),
]


# ---------------------------------------------------------------- measuring --
def relative_error(coef) -> float:
    return float(np.linalg.norm(np.asarray(coef) - W_TRUE) / np.linalg.norm(W_TRUE))


def numpy_loop_epochs_to(target: float) -> int:
    """Epochs the tutorial's NumPy loop needs to reach ``relative_error <= target``.

    The loop is ``w <- w - lr * H (w - w_true)`` with ``H = 2 X'X / n``: the error
    after k epochs is ``(I - lr H)^k (w0 - w_true)``, decreasing in k, so a bisection
    on matrix powers finds k without running the loop.  (It reproduces the tutorial's
    printed ``[10.00000008, 19.99999994]`` after 1,000,000 epochs.)
    """
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    M = np.eye(2) - 0.0001 * 2 * X.T @ X / len(X)
    e0 = np.array([0.1, 0.1]) - W_TRUE

    def error(k):
        return np.linalg.norm(np.linalg.matrix_power(M, k) @ e0) / np.linalg.norm(W_TRUE)

    lo, hi = 0, 10**9
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if error(mid) <= target else (mid + 1, hi)
    return lo


def run(epochs: int, tol: float) -> list[dict]:
    rows = []
    for label, loop in TUTORIAL_LOOPS.items():
        loop(10)  # warm-up (imports, first-call allocations)
        start = time.perf_counter()
        coef = loop(epochs)
        seconds = time.perf_counter() - start
        if loop is tutorial_numpy:
            needed = numpy_loop_epochs_to(tol)
            note = f"{needed:,} epochs to {tol:g} computed from the iteration matrix"
        else:
            needed = None
            note = "float32: the tutorial's 1,000,000 epochs end at rel. error 2.4e-3"
        rows.append(
            {
                "method": label,
                "epochs": epochs,
                "seconds": seconds,
                "coef": coef,
                "needed": needed,
                "note": note,
            }
        )
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = X @ W_TRUE
    candidates = [("linreg exact (auto)", {})]
    candidates += [(lab, p) for lab, p in LINREG_SOLVERS if p["solver"] in TRAINERS]
    for label, params in candidates:
        if params:
            params = {**params, "tol": tol, "progress": False}
        make = functools.partial(linreg.LinearRegression, fit_intercept=False, **params)
        make().fit(X, y)  # warm-up
        model = make()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
        if params:
            note = f"stops at certified bound {tol:g}, automatic lr"
        else:
            note = f"exact, solver_={model.solver_!r}"
        if caught:
            note += "; " + caught[0].category.__name__
        epochs = int(model.n_iter_) if params else None
        rows.append(
            {
                "method": label,
                "epochs": epochs,
                "seconds": seconds,
                "coef": np.asarray(model.coef_, dtype=np.float64),
                "needed": epochs if params else 0,
                "note": note,
            }
        )
    return rows


def header(tol: float) -> list[str]:
    return [
        "method",
        "epochs run",
        "per epoch (us)",
        "total (s)",
        "final coef",
        "rel. error vs [10, 20]",
        f"epochs to {tol:g}",
        f"time to {tol:g} (s)",
        "note",
    ]


#: Right-aligned columns of the table.
RIGHT = {1, 2, 3, 5, 6, 7}


def format_rows(rows: list[dict]) -> list[list[str]]:
    out = []
    for r in rows:
        per_epoch = r["seconds"] / r["epochs"] if r["epochs"] else None
        if r["needed"] is None:
            needed, to_tol = f"> {TUTORIAL_EPOCHS:,}", "-"
        elif r["epochs"] is None:  # exact
            needed, to_tol = "-", f"{r['seconds']:.3g}"
        elif r["needed"] == r["epochs"]:  # linreg: ran until certified
            needed, to_tol = f"{r['needed']:,}", f"{r['seconds']:.3g}"
        else:  # the NumPy loop: extrapolated from its time per epoch
            needed, to_tol = f"{r['needed']:,}", f"~{per_epoch * r['needed']:.3g}"
        out.append(
            [
                r["method"],
                "-" if r["epochs"] is None else f"{r['epochs']:,}",
                "-" if per_epoch is None else f"{per_epoch * 1e6:.1f}",
                f"{r['seconds']:.3g}",
                "[" + ", ".join(f"{c:.10g}" for c in r["coef"]) + "]",
                f"{relative_error(r['coef']):.1e}",
                needed,
                to_tol,
                r["note"],
            ]
        )
    return out


def machine() -> list[str]:
    import torch

    return [
        f"platform: {platform.platform()} ({platform.machine()})",
        f"processor: {platform.processor() or 'unknown'}, os.cpu_count() = {os.cpu_count()}",
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"linreg {linreg.__version__}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20_000, help="epochs of the tutorial loops")
    parser.add_argument("--tol", type=float, default=1e-6, help="tol of linreg's solvers")
    parser.add_argument("--markdown", help="also write the table as Markdown to this path")
    args = parser.parse_args()
    info = machine()
    head = header(args.tol)
    rows = format_rows(run(args.epochs, args.tol))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells):
        return "  ".join(
            c.rjust(w) if i in RIGHT else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    intro = (
        f"Seed 001: X = [[1, 2], [3, 4], [5, 6]], y = X @ [10, 20], no intercept. The "
        f"tutorial runs {TUTORIAL_EPOCHS:,} epochs of each loop (lr = 1e-4); here they "
        f"run {args.epochs:,}. linreg's 'epochs to {args.tol:g}' is n_iter_ with "
        f"tol={args.tol:g} (a certified bound on the standardized coefficients)."
    )
    print("\n".join(info) + "\n\n" + intro + "\n")
    print(line(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    if args.markdown:
        align = ["---:" if i in RIGHT else ":---" for i in range(len(head))]
        lines = [f"- {item}" for item in info] + ["", intro, ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        with open(args.markdown, "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
