"""How fast the ``linreg`` command answers: ``--help`` must take under 0.5 s.

Times each command line as a subprocess (wall clock, median of several runs) next to
a bare ``python -c pass`` (the interpreter's own start-up, the floor for any Python
command) and ``python -c "import sklearn"`` (what an eager import would cost).

Run: ``python benchmarks/bench_cli.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(cmd: list[str], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
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


if __name__ == "__main__":
    main()
