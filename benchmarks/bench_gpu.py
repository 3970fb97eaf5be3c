"""Benchmark the exact least-squares fit of torch tensors on a GPU against one ``X.T @ X``.

Issue 7's target: Gram-based OLS on a 10,000,000 x 128 float64 tensor on a CUDA
device within 2x of one ``X.T @ X`` on that device.

Usage::

    .venv/bin/python benchmarks/bench_gpu.py [--rows N] [--cols P] [--repeat R]
    .venv/bin/python benchmarks/bench_gpu.py --cpu      # the same on CPU tensors,
                                                        # 1,000,000 x 128 by default

Without ``--cpu`` the script needs CUDA and says so (exit status 0) when there is none.

Data
----
``X`` is an ``N x P`` float64 tensor of standard normal draws made on the device
(``torch.Generator`` seeded 0), ``y = X @ beta + 3 + noise``.  Every fit has an
intercept.

What is measured
----------------
time
    Median of ``R`` (default 5) wall-clock times of one call, each followed by
    ``torch.cuda.synchronize()`` on CUDA; one untimed call before.
time / X.T@X
    Relative to torch's ``X.T @ X`` on the same tensor (a cuBLAS / CPU BLAS GEMM).
peak extra memory
    On CUDA: ``torch.cuda.max_memory_allocated()`` during the call minus the memory
    allocated before it.  On the CPU: the growth of the process's peak resident set
    (``VmHWM``, reset before the call through ``/proc/self/clear_refs``).
max |coef diff|
    Against an independent solve: torch's ``X.T @ X`` and ``X.T @ y`` centred with
    the means and solved with ``torch.linalg.solve`` (accurate here: the columns have
    no offset), so the rows compare equal answers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def peak_tracker(device):
    """(reset, read) functions giving the peak extra memory of the next call, in bytes."""
    import torch

    if device.type == "cuda":

        def reset():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            return torch.cuda.memory_allocated()

        def read(base):
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated() - base

        return reset, read

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        return 0

    def reset_cpu():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
        except OSError:
            pass
        return status("VmRSS:")

    def read_cpu(base):
        return status("VmHWM:") - base

    return reset_cpu, read_cpu


def timed(func, device, repeat):
    import torch

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    func()
    sync()
    times = []
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        out = func()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true", help="CPU tensors (tests the script)")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--cols", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import torch

    import linreg
    from linreg.sources.device_moments import moments_on_device

    if args.cpu:
        device = torch.device("cpu")
        rows = args.rows or 1_000_000
        name = f"CPU ({torch.get_num_threads()} torch threads)"
    else:
        if not torch.cuda.is_available():
            print(
                f"bench_gpu: CUDA is not available to torch {torch.__version__}; nothing "
                "measured (run with --cpu to exercise the same path on CPU tensors)"
            )
            return 0
        device = torch.device("cuda")
        rows = args.rows or 10_000_000
        name = torch.cuda.get_device_name()
    p = args.cols
    gen = torch.Generator(device=device).manual_seed(0)
    f64 = dict(dtype=torch.float64, device=device)
    X = torch.randn((rows, p), generator=gen, **f64)
    beta = torch.randn(p, generator=gen, **f64)
    y = X @ beta + 3.0 + torch.randn(rows, generator=gen, **f64)

    # Independent reference: torch's own Gram, centred, solved by torch.
    with torch.no_grad():
        mx, my = X.mean(0), y.mean()
        G = X.T @ X - rows * torch.outer(mx, mx)
        b = X.T @ y - rows * mx * my
        ref = torch.linalg.solve(G, b).cpu().numpy()
    del G, b

    def gram():
        return X.T @ X

    def moments():
        return moments_on_device(X, y)

    def fit():
        return linreg.LinearRegression().fit(X, y)

    def fit_ridge():
        return linreg.Ridge(alpha=1.0).fit(X, y)

    methods = [
        ("torch X.T @ X (baseline)", gram, "one GEMM, no solve"),
        ("linreg moments_on_device", moments, "Moments only (device pass + transfer)"),
        ("linreg LinearRegression.fit", fit, "end to end"),
        ("linreg Ridge(alpha=1).fit", fit_ridge, "end to end; coef differ by the penalty"),
    ]
    if device.type == "cpu":  # the host path on the same values, for comparison
        X_np, y_np = X.numpy(), y.numpy()
        methods.append(
            (
                "linreg LinearRegression.fit (NumPy)",
                lambda: linreg.LinearRegression().fit(X_np, y_np),
                "the NumPy path on the same memory",
            )
        )
    rows_out = []
    reset, read = peak_tracker(device)
    for label, func, note in methods:
        seconds, out = timed(func, device, args.repeat)
        base = reset()
        out = func()
        peak = read(base)
        diff = ""
        if hasattr(out, "coef_"):
            diff = f"{np.max(np.abs(out.coef_ - ref)):.1e}"
            note += f"; solver_={out.solver_}"
        rows_out.append((label, seconds, peak, diff, note))
        del out

    base_time = rows_out[0][1]
    gb = X.numel() * 8 / 1e9
    print(f"device: {name}; torch {torch.__version__}; linreg {linreg.__version__}")
    print(f"X: {rows:,} x {p} float64 on {device} ({gb:.2f} GB); median of {args.repeat}")
    print()
    print("| method | time (s) | time / X.T@X | peak extra memory | max abs coef diff | note |")
    print("|---|---:|---:|---:|---:|---|")
    for label, seconds, peak, diff, note in rows_out:
        print(
            f"| {label} | {seconds:.4f} | {seconds / base_time:.2f} | "
            f"{peak / 1e6:.0f} MB ({100 * peak / (X.numel() * 8):.1f}% of X) | {diff} | {note} |"
        )
    # The verdict pairs the two calls back to back (a shared machine drifts between rows).
    ratios = []
    for _ in range(args.repeat):
        ratios.append(timed(fit, device, 1)[0] / timed(gram, device, 1)[0])
    ratio = statistics.median(ratios)
    target = 2.0
    verdict = "MET" if ratio <= target else "NOT MET"
    print()
    print(
        f"verdict: LinearRegression.fit / X.T@X = {ratio:.2f} (median of {args.repeat} "
        f"back-to-back pairs; target <= {target}): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
