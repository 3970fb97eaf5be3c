"""How fast the ``linreg`` command answers: ``--help`` must take under 0.5 s, and
``linreg compare`` on a 16-row file under 10 s.

Times each command line as a subprocess (wall clock, median of several runs) next to
a bare ``python -c pass`` (the interpreter's own start-up, the floor for any Python
command) and ``python -c "import sklearn"`` (what an eager import would cost).

Then ``linreg compare`` (every registered solver, default options: a 60 s budget) on
longley.csv (16 rows: its standardized design has condition number ~1e2, so the
first-order trainers cannot reach their tolerance and run a short 500-epoch course),
one_row.csv (one row: no trainer can certify) and a synthetic 100,000 x 10 file
(well conditioned: every trainer converges).  It prints the wall and CPU seconds of
each, and the machine (CPUs, load average): wall time on a shared, loaded machine
overstates the work, the CPU seconds do not.

Run: ``python benchmarks/bench_cli.py [--repeat N] [--compare-repeat M]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The DEFECTS files (longley.csv, one_row.csv); written here when absent.
REPROS = Path("/work/shared/repros/cli/files")


def wall(cmd: list[str], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def wall_and_cpu(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds of one run and the CPU seconds (user + system) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def machine() -> str:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load}; Python {platform.python_version()}"
    )


def compare_files(folder: Path) -> list[tuple[str, Path, str]]:
    """(label, file, target) of the compare benchmarks, written into ``folder``."""
    import numpy as np
    import pandas as pd

    longley, one_row = REPROS / "longley.csv", REPROS / "one_row.csv"
    if not longley.exists():
        from linreg.datasets import load

        d = load("longley")
        longley = folder / "longley.csv"
        frame = pd.DataFrame(d.X, columns=list(d.feature_names))
        frame.insert(0, "TOTEMP", d.y)
        frame.to_csv(longley, index=False)
    if not one_row.exists():
        one_row = folder / "one_row.csv"
        one_row.write_text("x1,x2,y\n10.691,2.118,21.259\n")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100_000, 10))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(10)])
    frame["y"] = X @ np.arange(1.0, 11.0) + rng.normal(size=len(X))
    big = folder / "synthetic_100000x10.csv"
    frame.to_csv(big, index=False)
    return [
        ("compare longley.csv (16 rows)", longley, "TOTEMP"),
        ("compare one_row.csv (1 row)", one_row, "y"),
        ("compare 100,000 x 10 synthetic", big, "y"),
    ]


def bench_compare(exe: str, repeat: int) -> None:
    print(f"\n{'linreg compare':<34}{'median s':>10}{'max s':>10}{'CPU s':>10}   (n={repeat})")
    with tempfile.TemporaryDirectory() as tmp:
        for label, path, target in compare_files(Path(tmp)):
            runs = [wall_and_cpu([exe, "compare", str(path), "-t", target]) for _ in range(repeat)]
            walls = [w for w, _ in runs]
            median = statistics.median(walls)
            cpu = statistics.median(c for _, c in runs)
            verdict = ""
            if "16 rows" in label:
                verdict = "  ok (< 10 s)" if median < 10 else "  SLOW (>= 10 s)"
            print(f"{label:<34}{median:>10.2f}{max(walls):>10.2f}{cpu:>10.2f}{verdict}")
    print(f"machine: {machine()}")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            "note: the machine is loaded (load average above its CPU count): the wall "
            "seconds overstate the work; the CPU seconds are what compare costs on an "
            "idle machine, less the wait"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--compare-repeat", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("linreg") or str(Path(sys.executable).with_name("linreg"))
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("linreg --help", [exe, "--help"]),
        ("linreg fit --help", [exe, "fit", "--help"]),
        ("linreg --version", [exe, "--version"]),
        ("python -c 'import sklearn'", [sys.executable, "-c", "import sklearn"]),
    ]
    print(f"{'command':<30}{'median s':>10}{'max s':>10}   (n={args.repeat})")
    for label, cmd in rows:
        median, worst = wall(cmd, args.repeat)
        verdict = ""
        if label.startswith("linreg"):
            verdict = "  ok (< 0.5 s)" if median < 0.5 else "  SLOW (>= 0.5 s)"
        print(f"{label:<30}{median:>10.3f}{worst:>10.3f}{verdict}")
    bench_compare(exe, args.compare_repeat)


if __name__ == "__main__":
    main()
