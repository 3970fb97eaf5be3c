"""The command line, run as a user would (subprocess)."""

import subprocess
import sys


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "linreg.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_demo_fits_the_builtin_datasets():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    for word in ("diabetes", "bmi", "Filip", "Wampler5", "solver_"):
        assert word in out.stdout


def test_help_and_unknown_command():
    assert run("--help").returncode == 0
    bad = run("frobnicate")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
