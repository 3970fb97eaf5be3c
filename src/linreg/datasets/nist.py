"""NIST's Statistical Reference Datasets for linear least squares.

``load_nist`` reads NIST's Statistical Reference Datasets for linear least squares
(StRD: Norris, Pontius, NoInt1, NoInt2, Filip, Longley, Wampler1-5), shipped
verbatim in ``linreg/data/nist``, with the certified values from each file's header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

#: name -> (polynomial degree or None for the columns as given, fit_intercept)
NIST_MODELS = {
    "Norris": (1, True),
    "Pontius": (2, True),
    "NoInt1": (1, False),
    "NoInt2": (1, False),
    "Filip": (10, True),
    "Longley": (None, True),
    "Wampler1": (5, True),
    "Wampler2": (5, True),
    "Wampler3": (5, True),
    "Wampler4": (5, True),
    "Wampler5": (5, True),
}


@dataclass(frozen=True)
class NistDataset:
    """One StRD problem: the design as NIST's model defines it and the certified values.

    ``params`` and ``bse`` list the intercept first when the model has one (B0).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    fit_intercept: bool
    params: np.ndarray
    bse: np.ndarray
    residual_sd: float
    rsquared: float


def nist_names() -> list[str]:
    """Names of the StRD linear-regression problems, in NIST's order of difficulty."""
    return list(NIST_MODELS)


def load_nist(name: str, dtype=np.float64) -> NistDataset:
    """Load a NIST StRD linear-regression dataset.

    Parameters
    ----------
    name : str
        One of :func:`nist_names`.
    dtype : numpy dtype, default float64
        Precision in which the decimal data are parsed and the polynomial terms are
        formed.  ``numpy.longdouble`` keeps the digits that rounding the data (and
        ``x**10``) to float64 would lose: on Filip that rounding alone moves the exact
        least-squares solution in the 8th significant digit.

    Returns
    -------
    NistDataset
        The design as NIST's model defines it (polynomial terms formed, no column of
        ones) and the certified values.

    Raises
    ------
    ValueError
        For a name not in :func:`nist_names`.
    """
    if name not in NIST_MODELS:
        raise ValueError(f"unknown NIST dataset {name!r}; choose one of {', '.join(NIST_MODELS)}")
    text = resources.files("linreg").joinpath(f"data/nist/{name}.dat").read_text()
    lines = text.splitlines()
    first, last = map(int, re.search(r"Data\s+\(lines\s+(\d+)\s+to\s+(\d+)\)", text).groups())
    rows = [ln.split() for ln in lines[first - 1 : last]]
    data = np.array(rows, dtype=dtype)  # decimal strings parsed straight to dtype
    y, x = data[:, 0], data[:, 1:]
    degree, fit_intercept = NIST_MODELS[name]
    if degree is not None:
        x = np.column_stack([x[:, 0] ** k for k in range(1, degree + 1)])
    cert = re.findall(r"^\s*B\d+\s+(\S+)\s+(\S+)", text, flags=re.M)
    params = np.array([float(a) for a, _ in cert])
    bse = np.array([float(b) for _, b in cert])
    residual_sd = float(re.search(r"Residual\s*\n?\s*Standard Deviation\s+(\S+)", text).group(1))
    rsquared = float(re.search(r"R-Squared\s+(\S+)", text).group(1))
    return NistDataset(name, x, y, fit_intercept, params, bse, residual_sd, rsquared)
