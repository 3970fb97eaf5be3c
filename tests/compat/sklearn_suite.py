"""scikit-learn's own linear_model tests, run against linreg's estimators (``make compat``).

Copies ``test_base.py``, ``test_ridge.py``, ``test_coordinate_descent.py`` and
``test_sparse_coordinate_descent.py`` from the installed scikit-learn into a temporary
folder, rewrites them so that ``LinearRegression, Ridge, RidgeCV, Lasso, ElasticNet,
LassoCV, ElasticNetCV, lasso_path, enet_path`` come from linreg (``tests.compat.rewrite``),
runs pytest on them with scikit-learn's own conftest (its fixtures: ``global_dtype``,
``global_random_seed``) and this folder's plugin (which tests reach linreg), prints per
file the tests collected, reaching linreg, passed, failed, errored, skipped, the pass rate
over the tests that reach linreg, the failures grouped by cause, and rewrites the generated
section of ``docs/COMPAT.md``.

Run from the repository root::

    .venv/bin/python -m tests.compat.sklearn_suite            # or: make compat
    .venv/bin/python -m tests.compat.sklearn_suite -k positive --no-doc

Exit status 0 whatever the tests do (the figures are the result), 2 if the run itself broke
(pytest could not start, no results).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``tests.compat`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.compat.report import (  # noqa: E402
    format_report,
    load_records,
    summarize,
    write_doc,
)
from tests.compat.rewrite import rewrite_source  # noqa: E402

FILES = (
    "test_base.py",
    "test_ridge.py",
    "test_coordinate_descent.py",
    "test_sparse_coordinate_descent.py",
)
REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "COMPAT.md"

#: Isolates the run from the repository's own pytest settings (testpaths, addopts).
PYTEST_INI = "[pytest]\naddopts =\n"


def sklearn_tests_dir() -> Path:
    """The installed scikit-learn's ``linear_model/tests`` folder."""
    import sklearn.linear_model

    return Path(sklearn.linear_model.__file__).parent / "tests"


def prepare(folder: Path, files=FILES) -> list[Path]:
    """Copy ``files`` from scikit-learn into ``folder``, rewritten; return their paths."""
    source = sklearn_tests_dir()
    (folder / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    paths = []
    for name in files:
        text = (source / name).read_text(encoding="utf-8")
        path = folder / name
        path.write_text(rewrite_source(text), encoding="utf-8")
        paths.append(path)
    return paths


def run_pytest(folder: Path, paths, workers: int, extra=()) -> tuple[int, Path, Path]:
    """Run pytest on the rewritten files; return (exit code, results JSON, log file)."""
    results, log = folder / "results.json", folder / "pytest.log"
    command = [
        sys.executable, "-m", "pytest",
        "-c", str(folder / "pytest.ini"), "--rootdir", str(folder),
        "-p", "no:cacheprovider", "-p", "sklearn.conftest", "-p", "tests.compat.plugin",
        "--compat-json", str(results), "-q", "--tb=short", "-o", "console_output_style=count",
    ]  # fmt: skip
    if workers > 1:
        command += ["-n", str(workers)]
    command += [*extra, *(str(p) for p in paths)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    with open(log, "w", encoding="utf-8") as handle:
        code = subprocess.call(command, cwd=folder, env=env, stdout=handle, stderr=handle)
    return code, results, log


def revision() -> str:
    """linreg's commit, and whether the working tree differs from it (what was tested)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            cwd=REPO, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return ""
    return f"{head} + uncommitted changes in src/" if head and dirty else head


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression (a subset)")
    parser.add_argument("--files", nargs="+", choices=FILES, default=list(FILES))
    parser.add_argument("--no-doc", action="store_true", help="leave docs/COMPAT.md alone")
    parser.add_argument("--json", type=Path, help="also keep the per-test records here")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    tested = revision()  # the tree as the run starts: linreg is imported from it
    import sklearn

    missing = [name for name in args.files if not (sklearn_tests_dir() / name).exists()]
    if missing:
        print(f"scikit-learn is installed without its tests: {missing}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="linreg-compat-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = prepare(folder, args.files)
        extra = ["-k", args.keyword] if args.keyword else []
        code, results, log = run_pytest(folder, paths, args.workers, extra)
        if not results.exists():
            print(Path(log).read_text(encoding="utf-8")[-5000:])
            print(f"pytest exited with {code} and wrote no results", file=sys.stderr)
            return 2
        if code not in (0, 1):  # 0/1: tests passed/failed; anything else: pytest itself
            print(f"warning: pytest exited with {code}; see {log}", file=sys.stderr)
        records = load_records(results)
        if args.json:
            shutil.copyfile(results, args.json)
    seconds = time.perf_counter() - started
    summary = summarize(records, args.files)
    print(format_report(summary, sklearn.__version__, seconds))
    if not args.no_doc and args.keyword is None and list(args.files) == list(FILES):
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        write_doc(DOC, summary, sklearn.__version__, date, seconds, tested)
        print(f"\nwrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
