"""The tutorials' worked examples and small real datasets, all offline.

Every loader returns a :class:`Dataset`.  The synthetic ones are generated with
``numpy.random.default_rng(random_state)``, so a seed gives the same data on every
platform and NumPy version that keeps the generator's stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .nist import load_nist


@dataclass(frozen=True, eq=False)
class Dataset:
    """A regression problem: data, names, and the true coefficients when known.

    Attributes
    ----------
    name : str
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), float64
    fit_intercept : bool
        Whether the model the data come from has an intercept.
    feature_names : tuple of str
    target_names : tuple of str
    description : str
    coef : ndarray of shape (n_features,) or (n_targets, n_features), or None
        The true coefficients when known: the generating ones for synthetic data,
        NIST's certified least-squares estimates for Longley.
    intercept : float or ndarray of shape (n_targets,), or None
        Likewise for the intercept (0.0 for a model through the origin).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    fit_intercept: bool
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str
    coef: np.ndarray | None = None
    intercept: float | np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def __repr__(self) -> str:
        targets = 1 if self.y.ndim == 1 else self.y.shape[1]
        return (
            f"Dataset({self.name!r}: {self.n_samples} samples, {self.n_features} features, "
            f"{targets} target{'s' if targets > 1 else ''}, "
            f"fit_intercept={self.fit_intercept})"
        )


def seed001() -> Dataset:
    """Seed 001: two features, a model through the origin, no noise.

    ``X = [[1, 2], [3, 4], [5, 6]]``, ``y = X @ [10, 20]``; least squares recovers
    ``coef = [10, 20]`` exactly.
    """
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    w = np.array([10.0, 20.0])
    return Dataset(
        name="seed001",
        X=X,
        y=X @ w,
        fit_intercept=False,
        feature_names=("x1", "x2"),
        target_names=("y",),
        description="Seed 001: y = 10 x1 + 20 x2 exactly, three samples, no intercept.",
        coef=w.copy(),
        intercept=0.0,
    )


def seed002() -> Dataset:
    """Seed 002: one feature, four points, a line with an intercept.

    ``x = [1, 2, 3, 3.5]``, ``y = [2, 4, 6, 7.5]``; the points are not exactly on a
    line, so there are no true coefficients.
    """
    return Dataset(
        name="seed002",
        X=np.array([[1.0], [2.0], [3.0], [3.5]]),
        y=np.array([2.0, 4.0, 6.0, 7.5]),
        fit_intercept=True,
        feature_names=("x",),
        target_names=("y",),
        description="Seed 002: simple regression on four points (x = 1, 2, 3, 3.5).",
    )


def seed003(n: int = 100, random_state: int | None = 0) -> Dataset:
    """Seed 003: a noisy line, ``y = 3.5 x + e`` with ``e ~ uniform(-10, 20)``.

    Parameters
    ----------
    n : int, default 100
        Number of samples.
    random_state : int or None, default 0
        Seed of ``numpy.random.default_rng``; x is drawn first, then the noise.

    Notes
    -----
    The noise has mean 5, so the model with an intercept has ``coef = [3.5]`` and
    ``intercept = 5``.  The tutorial itself takes ``x = 0, 1, ..., n - 1`` (and
    NumPy's legacy global seed); x uniform on [0, 10) keeps the same line and noise
    on a scale where the slope is estimated to about 0.3.
    """
    rng = np.random.default_rng(random_state)
    X = rng.uniform(0.0, 10.0, size=(n, 1))
    noise = rng.uniform(-10.0, 20.0, size=n)
    return Dataset(
        name="seed003",
        X=X,
        y=3.5 * X[:, 0] + noise,
        fit_intercept=True,
        feature_names=("x",),
        target_names=("y",),
        description=(
            f"Seed 003: y = 3.5 x + uniform(-10, 20) noise, x ~ uniform(0, 10), n={n}, "
            f"random_state={random_state}."
        ),
        coef=np.array([3.5]),
        intercept=5.0,
    )


#: multi_output: feature offsets and scales (very different on purpose), coefficients
#: (n_targets, n_features), intercepts and the noise level.
_MULTI_LOC = np.array([50.0, -3.0, 2000.0])
_MULTI_SCALE = np.array([10.0, 0.1, 500.0])
_MULTI_COEF = np.array([[2.0, -30.0, 0.01], [-0.5, 12.0, 0.004]])
_MULTI_INTERCEPT = np.array([1.5, -4.0])
_MULTI_NOISE = 0.5


def multi_output(n: int = 200, random_state: int | None = 0) -> Dataset:
    """Three features on very different scales, two targets, known coefficients.

    ``x_j ~ normal(loc_j, scale_j)`` with ``loc = [50, -3, 2000]`` and
    ``scale = [10, 0.1, 500]``; ``Y = X @ coef.T + intercept + normal(0, 0.5)`` with
    ``coef = [[2, -30, 0.01], [-0.5, 12, 0.004]]`` and ``intercept = [1.5, -4]``.

    Parameters
    ----------
    n : int, default 200
    random_state : int or None, default 0
    """
    rng = np.random.default_rng(random_state)
    X = rng.normal(_MULTI_LOC, _MULTI_SCALE, size=(n, 3))
    Y = X @ _MULTI_COEF.T + _MULTI_INTERCEPT + rng.normal(0.0, _MULTI_NOISE, size=(n, 2))
    return Dataset(
        name="multi_output",
        X=X,
        y=Y,
        fit_intercept=True,
        feature_names=("x1", "x2", "x3"),
        target_names=("y1", "y2"),
        description=(
            "Two targets linear in three features with offsets 50, -3, 2000 and scales "
            f"10, 0.1, 500, plus normal(0, 0.5) noise; n={n}, random_state={random_state}."
        ),
        coef=_MULTI_COEF.copy(),
        intercept=_MULTI_INTERCEPT.copy(),
    )


#: Longley's predictors in the order of NIST's columns x1..x6.
LONGLEY_FEATURES = ("GNP deflator", "GNP", "Unemployed", "Armed Forces", "Population", "Year")


def longley() -> Dataset:
    """Longley (1967): US employment 1947-1962 on six highly collinear predictors.

    The data of :func:`load_nist` ``("Longley")``; ``coef`` and ``intercept`` are NIST's
    certified least-squares estimates.
    """
    nist = load_nist("Longley")
    return Dataset(
        name="longley",
        X=nist.X,
        y=nist.y,
        fit_intercept=True,
        feature_names=LONGLEY_FEATURES,
        target_names=("Employed",),
        description=(
            "Longley (1967): total employment, 1947-1962, on GNP deflator, GNP, "
            "unemployment, armed forces, population and year; 16 samples, notoriously "
            "collinear (NIST StRD, higher difficulty)."
        ),
        coef=nist.params[1:].copy(),
        intercept=float(nist.params[0]),
    )


def diabetes() -> Dataset:
    """scikit-learn's diabetes data: 442 patients, ten baseline variables.

    ``sklearn.datasets.load_diabetes`` (shipped with scikit-learn): features are
    mean-centred and scaled; the target is disease progression one year later.
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    return Dataset(
        name="diabetes",
        X=np.asarray(bunch.data, dtype=np.float64),
        y=np.asarray(bunch.target, dtype=np.float64),
        fit_intercept=True,
        feature_names=tuple(bunch.feature_names),
        target_names=("disease progression",),
        description=(
            "Efron et al. (2004) diabetes data from scikit-learn: a quantitative measure "
            "of disease progression one year after baseline on age, sex, BMI, blood "
            "pressure and six serum measurements (centred and scaled); 442 samples."
        ),
    )


#: Grunfeld's eleven firms in the order of statsmodels' file; firm code k is entry k - 1.
GRUNFELD_FIRMS = (
    "General Motors",
    "US Steel",
    "General Electric",
    "Chrysler",
    "Atlantic Refining",
    "IBM",
    "Union Oil",
    "Westinghouse",
    "Goodyear",
    "Diamond Match",
    "American Steel",
)


def grunfeld() -> Dataset:
    """Grunfeld (1958): investment of 11 US firms, 1935-1954, a balanced panel.

    statsmodels' ``statsmodels/datasets/grunfeld/grunfeld.csv`` (public domain; Grunfeld's
    original 11-firm data as recreated by Kleiber and Zeileis (2008), "The Grunfeld Data
    at 50"), shipped verbatim as ``linreg/data/grunfeld.csv``: 220 rows of ``invest``
    (gross investment), ``value`` (market value), ``capital`` (stock of plant and
    equipment), ``firm`` and ``year``, money in millions of 1947 dollars.

    Returns
    -------
    Dataset
        ``X`` holds ``value, capital, firm, year``; ``y`` is ``invest``.  ``firm`` is
        the integer code 1..11 of :data:`GRUNFELD_FIRMS` (the firms' order in the file),
        so every column is numeric; ``year`` is the calendar year.  The panel model
        ``invest ~ value + capital | firm + year`` absorbs both as fixed effects.
    """
    import csv
    from importlib import resources

    text = resources.files("linreg").joinpath("data/grunfeld.csv").read_text()
    header, *rows = list(csv.reader(text.splitlines()))
    if header != ["invest", "value", "capital", "firm", "year"]:
        raise ValueError(f"linreg/data/grunfeld.csv: unexpected header {header}")
    code = {name: k + 1 for k, name in enumerate(GRUNFELD_FIRMS)}
    firm = np.array([code[r[3]] for r in rows], dtype=np.float64)
    num = np.array([[r[0], r[1], r[2], r[4]] for r in rows], dtype=np.float64)
    mapping = ", ".join(f"{k + 1} {name}" for k, name in enumerate(GRUNFELD_FIRMS))
    return Dataset(
        name="grunfeld",
        X=np.column_stack([num[:, 1], num[:, 2], firm, num[:, 3]]),
        y=num[:, 0],
        fit_intercept=True,
        feature_names=("value", "capital", "firm", "year"),
        target_names=("invest",),
        description=(
            "Grunfeld (1958) investment panel: 11 US firms x 20 years (1935-1954); "
            "invest on value and capital, firm and year as fixed effects (statsmodels' "
            f"file, public domain). Firm codes: {mapping}."
        ),
    )


_LOADERS = {
    "seed001": seed001,
    "seed002": seed002,
    "seed003": seed003,
    "multi_output": multi_output,
    "longley": longley,
    "diabetes": diabetes,
    "grunfeld": grunfeld,
}


def builtin_names() -> list[str]:
    """Names :func:`load` accepts: the tutorials' examples, then the real datasets."""
    return list(_LOADERS)


def load(name: str, **kwargs) -> Dataset:
    """Load a built-in dataset by name.

    Parameters
    ----------
    name : str
        One of :func:`builtin_names`.
    **kwargs
        Passed to the loader (``n`` and ``random_state`` for the synthetic ones).

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name; the message lists the choices.
    """
    try:
        loader = _LOADERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown dataset {name!r}; choose one of {', '.join(_LOADERS)} "
            "(NIST StRD problems: linreg.datasets.load_nist)"
        ) from None
    return loader(**kwargs)
