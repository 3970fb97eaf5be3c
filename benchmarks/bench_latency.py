"""First-call latency of Lasso and ElasticNet: linreg against scikit-learn.

Usage::

    .venv/bin/python benchmarks/bench_latency.py [--repeats R] [--cold-repeats C] [--paths-only]

Every figure is measured in a new Python process (``python -c``), the median over ``R``
processes.  In each, diabetes is loaded (``sklearn.datasets.load_diabetes``, 442 x 10)
before the clock starts; then timed separately: "import", ``from <library> import
Lasso``, and "fit", the first ``Lasso(alpha=0.1).fit(X, y)`` (``ElasticNet(alpha=0.1)``
likewise); "both" is their sum (median of the sums).  Both libraries run at
their defaults (linreg's default tolerance is the tighter: duality gap 1e-13 of the
objective and a certified coefficient bound, against scikit-learn's tol=1e-4).
"process" is the whole process's wall time as the parent sees it (interpreter start,
imports, load, fit).

Cache states (linreg's numba kernels are cached on disk, in ``NUMBA_CACHE_DIR`` here):

- ``warm``: numba's cache and Python's bytecode cache (``PYTHONPYCACHEPREFIX``, for
  both libraries) filled by an earlier process: any run after the first, or after
  ``make``'s install step, which compiles the kernels once;
- ``cold``: numba's cache empty in every process (the first use after an install
  without the warm-up); bytecode warm.

Rows: linreg as shipped (small problems on the NumPy route, :mod:`linreg.penalized.small`:
no numba), linreg with the numba route forced (what every first fit cost before the
NumPy route, and what larger problems still pay once per process), and scikit-learn.
Also the bare import times of ``linreg`` and ``sklearn.linear_model``.

Then paths and CV, first call in a new process (warm caches; import + fit, median):
``LassoCV().fit``, ``lasso_path(X, y, alphas=100)`` and
``ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9]).fit``, for linreg as shipped (each path planned
up front: NumPy or numba from its expected work, ``small.plan_path``), linreg without
that plan (NumPy until the process budget, then numba: the route before the plan),
linreg with numba forced, and scikit-learn.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

TIMED = """
import sys, time
from sklearn.datasets import load_diabetes
X, y = load_diabetes(return_X_y=True)
{setup}
t0 = time.perf_counter()
from {module} import {name}
t1 = time.perf_counter()
{fit}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, 'numba' in sys.modules)
"""

IMPORT = """
import sys, time
t0 = time.perf_counter()
import {module}
print(time.perf_counter() - t0, 0.0, 'numba' in sys.modules)
"""

FORCE_NUMBA = "from linreg.penalized import small"
ALPHA = 0.1
#: The path/CV calls timed (first call in a new process), by name.
PATH_FITS = {
    "LassoCV": "LassoCV().fit(X, y)",
    "lasso_path": "lasso_path(X, y, alphas=100)",
    "ElasticNetCV": "ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9]).fit(X, y)",
}
#: linreg before paths were planned: plan_path always answers "NumPy".
NO_PLAN = "from linreg.penalized import small\nsmall.plan_path = lambda *a, **k: True"


def snippet(library: str, name: str) -> str:
    """The timed program for ``library`` ("linreg", "linreg-numba" or "sklearn")."""
    module = "sklearn.linear_model" if library == "sklearn" else "linreg"
    fit = f"{name}(alpha={ALPHA}).fit(X, y)"
    if library == "linreg-numba":
        fit = f"with small.forced('numba'):\n    {fit}"
    setup = FORCE_NUMBA if library == "linreg-numba" else ""
    return TIMED.format(setup=setup, module=module, name=name, fit=fit)


def path_snippet(library: str, name: str) -> str:
    """The timed program of a path/CV call for ``library`` ("linreg", "linreg-noplan",
    "linreg-numba" or "sklearn")."""
    module = "sklearn.linear_model" if library == "sklearn" else "linreg"
    fit, setup = PATH_FITS[name], ""
    if library == "linreg-numba":
        fit, setup = f"with small.forced('numba'):\n    {fit}", FORCE_NUMBA
    elif library == "linreg-noplan":
        setup = NO_PLAN
    return TIMED.format(setup=setup, module=module, name=name, fit=fit)


def path_rows(warm, repeats: int) -> None:
    """Print the first-call figures of the path/CV calls (see the module docstring)."""
    libraries = ("linreg", "linreg-noplan", "linreg-numba", "sklearn")
    for library in libraries:  # warm the caches of what these calls use
        for name in PATH_FITS:
            run(path_snippet(library, name), warm(0))
    print("Paths and CV, first call (warm caches), median over new processes")
    print(f"  {'':12} {'library':<13} {'import':>7} {'fit':>7} {'both':>7} {'process':>8}  numba")
    for name in PATH_FITS:
        for library in libraries:
            imp, fit, both, wall, numba = median_of(path_snippet(library, name), warm, repeats)
            print(
                f"  {name:<12} {library:<13} {imp:7.3f} {fit:7.3f} {both:7.3f} {wall:8.3f}  {numba}"
            )


def run(code: str, env: dict) -> tuple[float, float, float, bool]:
    """(import seconds, fit seconds, process wall seconds, numba imported) of one new
    process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    imported, fitted, numba = out.stdout.split()[-3:]
    return float(imported), float(fitted), wall, numba == "True"


def median_of(code: str, env_for, repeats: int) -> tuple[float, float, float, float, bool]:
    """Medians over ``repeats`` processes (``env_for(i)`` the environment of the i-th) of
    import, fit, import + fit and process wall time; whether numba was imported."""
    runs = [run(code, env_for(i)) for i in range(repeats)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        statistics.median(r[0] + r[1] for r in runs),
        statistics.median(r[2] for r in runs),
        any(r[3] for r in runs),
    )


def environments(root: str):
    """(warm, cold) environment factories under the scratch directory ``root``."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPYCACHEPREFIX"] = os.path.join(root, "pyc")
    warm = dict(base, NUMBA_CACHE_DIR=os.path.join(root, "numba-warm"))

    def cold(i):
        return dict(base, NUMBA_CACHE_DIR=os.path.join(root, f"numba-cold-{i}-{time.time_ns()}"))

    return (lambda i: warm), cold


def machine() -> str:
    import numba
    import numpy
    import sklearn

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"NumPy {numpy.__version__}, scikit-learn {sklearn.__version__}, numba {numba.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="processes per figure")
    parser.add_argument(
        "--cold-repeats", type=int, default=1, help="processes for the cold numba-route figure"
    )
    parser.add_argument(
        "--paths-only", action="store_true", help="only the path/CV figures (and their caches)"
    )
    args = parser.parse_args()
    if args.paths_only:
        with tempfile.TemporaryDirectory() as root:
            print(machine())
            path_rows(environments(root)[0], args.repeats)
        return
    print("First-call latency on diabetes (442 x 10), median over new processes")
    print(machine())
    with tempfile.TemporaryDirectory() as root:
        warm, cold = environments(root)
        # fill the warm caches: bytecode of both libraries, every kernel the fits use
        for library in ("linreg-numba", "linreg", "sklearn"):
            for name in ("Lasso", "ElasticNet"):
                run(snippet(library, name), warm(0))
        for module in ("linreg", "sklearn.linear_model"):
            s, _, _, wall, numba = median_of(IMPORT.format(module=module), warm, args.repeats)
            print(f"  import {module:<22} {s:7.3f} s   (process {wall:.3f} s, numba: {numba})")
        print(
            f"  {'':10} {'library':<13} {'cache':<5} {'import':>7} {'fit':>7} "
            f"{'both':>7} {'process':>8}  numba"
        )
        for name in ("Lasso", "ElasticNet"):
            figures = {}
            for library in ("linreg", "linreg-numba", "sklearn"):
                for state, env in (("warm", warm), ("cold", cold)):
                    if library == "sklearn" and state == "cold":
                        continue  # no on-disk kernels: the warm figure is its only one
                    cold_numba = (state, library) == ("cold", "linreg-numba")
                    repeats = args.cold_repeats if cold_numba else args.repeats
                    imp, fit, both, wall, numba = median_of(snippet(library, name), env, repeats)
                    figures[library, state] = (fit, both)
                    print(
                        f"  {name:<10} {library:<13} {state:<5} {imp:7.3f} {fit:7.3f} "
                        f"{both:7.3f} {wall:8.3f}  {numba}"
                    )
            for state in ("warm", "cold"):
                fit, both = (
                    a - b for a, b in zip(figures["linreg", state], figures["sklearn", "warm"])
                )
                print(
                    f"  {name:<10} linreg ({state}) - scikit-learn: fit {fit:+.3f} s, "
                    f"import + fit {both:+.3f} s (target: at most +0.150 s)"
                )
        path_rows(warm, args.repeats)


if __name__ == "__main__":
    main()
