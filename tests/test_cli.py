"""The command line, run as a user would (subprocess)."""

import subprocess
import sys


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "linreg.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_demo_fits_the_builtin_datasets(tmp_path):
    out = run("demo", "--output", str(tmp_path))
    assert out.returncode == 0, out.stderr
    for word in ("diabetes", "bmi", "Filip", "Wampler5", "solver_", "R-squared", "Plots written"):
        assert word in out.stdout
    for name in ("coefficients", "fitted_line", "predicted_vs_actual", "qq_plot"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_help_and_unknown_command():
    assert run("--help").returncode == 0
    bad = run("frobnicate")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
