"""Certified digits on the NIST StRD linear-regression problems, linreg vs references.

For each of the 11 datasets, the minimum over parameters of the log relative error
``-log10(|estimate - certified| / |certified|)`` (capped at 15) for: linreg with
default settings on float64 data and on longdouble data (decimal text parsed to
``numpy.longdouble``), scikit-learn ``LinearRegression``, statsmodels ``OLS`` and
``numpy.linalg.lstsq``, all on the same float64 data.

Usage::

    .venv/bin/python benchmarks/bench_accuracy.py [--markdown PATH]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import statsmodels.api as sm
from sklearn.linear_model import LinearRegression as SkLinearRegression

import linreg
from linreg.datasets import load_nist, nist_names


def digits(estimate, certified) -> float:
    err = np.abs(np.asarray(estimate, dtype=np.float64) - certified) / np.abs(certified)
    return float(np.clip(-np.log10(np.maximum(err, 1e-300)), 0, 15).min())


def run() -> list[list[str]]:
    rows = []
    for name in nist_names():
        d64 = load_nist(name)
        dld = load_nist(name, dtype=np.longdouble)
        icpt = d64.fit_intercept
        A = np.column_stack([np.ones(len(d64.y)), d64.X]) if icpt else d64.X
        row = [name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours64 = linreg.LinearRegression(fit_intercept=icpt).fit(d64.X, d64.y)
            oursld = linreg.LinearRegression(fit_intercept=icpt).fit(dld.X, dld.y)
            sk = SkLinearRegression(fit_intercept=icpt).fit(d64.X, d64.y)
            smp = sm.OLS(d64.y, A).fit().params
        for model in (ours64, oursld, sk):
            est = np.r_[model.intercept_, model.coef_] if icpt else model.coef_
            row.append(f"{digits(est, d64.params):.1f}")
        row.append(f"{digits(smp, d64.params):.1f}")
        row.append(f"{digits(np.linalg.lstsq(A, d64.y, rcond=None)[0], d64.params):.1f}")
        row.append(f"{ours64.solver_} / {oursld.solver_}")
        rows.append(row)
    return rows


HEADER = [
    "dataset",
    "linreg (float64)",
    "linreg (longdouble)",
    "sklearn",
    "statsmodels",
    "numpy lstsq",
    "linreg solver_",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="also write the table as Markdown to this path")
    args = parser.parse_args()
    rows = run()
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    print("  ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    if args.markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        with open(args.markdown, "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
