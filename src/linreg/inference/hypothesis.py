"""Tests of linear restrictions ``R params = q`` under a Summary's covariance.

``t_test``, ``f_test`` and ``wald_test`` follow statsmodels' ``LikelihoodModelResults``
methods of the same names: the same restriction forms, the same degrees of freedom and
distributions, and results with the attribute names of statsmodels' ``ContrastResults``
(``effect, sd, tvalue, fvalue, statistic, pvalue, df_denom, df_num, distribution,
conf_int(), summary()``).

Restrictions are given as

* a matrix ``R`` of shape (n_restrictions, n_params) (``q = 0``), or one row as a 1-D
  array;
* a tuple ``(R, q)``;
* a string in statsmodels' (patsy's) constraint language over the Summary's
  parameter names: ``"x1 = x2"``, ``"x1 + x2 = 1, x3 = 0"``, ``"2*x1 - 3.5*x2 = 0"``,
  ``"x1"`` (``x1 = 0``), ``"(x1 = x2), (x3 = 0)"``, ``"a = b = c"`` (two restrictions);
  a list of such strings, or a dict ``{name: value}``.

Strings are read by a small closed grammar (:func:`parse_restrictions`), never
evaluated: names are matched against the known parameter names, longest first, so
names such as ``np.log(x2)`` or ``C(g)[T.b]`` work; anything else is a ValueError
naming the offending text.  Model files feed this, so no text reaches ``eval``.

Degrees of freedom and distributions (statsmodels' rules): the denominator degrees of
freedom are ``summary.df_resid_inference`` when the Summary has it (cluster-robust
covariances with ``df_correction``), else ``summary.df_resid``; t and F when
``summary.use_t`` (or ``use_t=True``), else the normal and chi-squared.

The Wald statistic ``(R b - q)' (R V R')^+ (R b - q)`` is computed from the Summary's
stored factor ``V = diag(bse) corr diag(bse)`` on the restrictions' correlation matrix
(each restriction scaled by its standard error) by a symmetric eigendecomposition:
directions whose eigenvalue is below ``n_restrictions * eps`` times the largest in
magnitude are dropped and the numerator degrees of freedom become the rank (statsmodels'
``pinv`` and ``matrix_rank``, with a warning).  An indefinite covariance (two-way
clustering) is inverted as statsmodels' ``pinv`` does, with a warning; a negative
variance of a restriction gives a NaN standard error, with a warning.  A restriction
touching a parameter the data cannot identify (NaN standard error) gives NaN results,
with a warning naming the parameter.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
from scipy import stats

from .._warnings import external_stacklevel

__all__ = [
    "ContrastResults",
    "f_test",
    "parse_restrictions",
    "restriction_matrices",
    "t_test",
    "wald_statistic",
    "wald_test",
]

EPS = float(np.finfo(np.float64).eps)

#: Longest restriction string and deepest nesting accepted (model files feed this).
MAX_LENGTH = 100_000
MAX_DEPTH = 64

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\s(),=+\-*/]+")
_OPERATORS = "(),=+-*/"


# ----------------------------------------------------------------- results
class ContrastResults:
    """Result of a test of linear restrictions, with statsmodels' attribute names.

    Attributes
    ----------
    effect : ndarray or None
        ``R params`` (t and normal tests), one value per restriction.
    sd : ndarray or None
        Standard errors of ``effect`` under the Summary's covariance.
    tvalue : ndarray or None
        ``(effect - q) / sd`` (t and normal tests; the chi-squared statistic for a
        chi-squared Wald test, as statsmodels' alias).
    fvalue : float or None
        The F statistic (F tests).
    statistic : ndarray or float
        The test statistic (t, z, F or chi-squared).
    pvalue : ndarray or float
        Two-sided p-values for t and z; upper-tail for F and chi-squared.
    df_denom : float
        Denominator degrees of freedom (t, F); for chi-squared, the number of
        restrictions (statsmodels' convention).
    df_num : float or None
        Numerator degrees of freedom (the rank of the restrictions' covariance).
    distribution : {"t", "norm", "F", "chi2"}
    """

    def __init__(self, distribution, statistic, df_denom, df_num=None, effect=None, sd=None):
        self.distribution = distribution
        self.statistic = statistic
        self.df_denom = df_denom
        self.df_num = df_num
        self.effect = effect
        self.sd = sd
        self.tvalue = statistic if distribution in ("t", "norm", "chi2") else None
        self.fvalue = statistic if distribution == "F" else None
        self.dist, self.dist_args = _distribution(distribution, df_num, df_denom)
        self.pvalue = np.squeeze(self._pvalue())
        if np.ndim(self.pvalue) == 0 and distribution in ("F", "chi2"):
            self.pvalue = float(self.pvalue)
        self.c_names = None if effect is None else [f"c{i}" for i in range(len(effect))]

    def _pvalue(self):
        with np.errstate(invalid="ignore"):
            if self.distribution in ("t", "norm"):
                return 2 * self.dist.sf(np.abs(self.statistic), *self.dist_args)
            return self.dist.sf(self.statistic, *self.dist_args)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """``(n_restrictions, 2)`` confidence intervals of ``effect`` at level
        ``1 - alpha`` (t and normal tests only, as statsmodels)."""
        if self.effect is None:
            raise NotImplementedError("Confidence Interval not available")
        q = self.dist.ppf(1 - alpha / 2.0, *self.dist_args)
        return np.column_stack([self.effect - q * self.sd, self.effect + q * self.sd])

    def summary(self, xname=None, alpha: float = 0.05, title=None) -> str:
        """The printable result: a coefficient table for t and z tests, one line for
        F and chi-squared tests (statsmodels' layout)."""
        if self.effect is not None:
            return _contrast_table(self, xname or self.c_names, alpha, title)
        if self.distribution == "F":
            return (
                f"<F test: F={self.fvalue!r}, p={self.pvalue}, "
                f"df_denom={self.df_denom:.3g}, df_num={self.df_num:.3g}>"
            )
        return (
            f"<Wald test (chi2): statistic={self.statistic}, p-value={self.pvalue}, "
            f"df_denom={self.df_denom:.3g}>"
        )

    def summary_frame(self, xname=None, alpha: float = 0.05):
        """The t or z table as a pandas DataFrame with statsmodels' columns ``coef, std
        err, t (z), P>|t| (P>|z|), Conf. Int. Low, Conf. Int. Upp.``."""
        if self.effect is None:
            raise NotImplementedError("summary_frame is available for t and z tests only")
        import pandas as pd

        stat = "t" if self.distribution == "t" else "z"
        ci = self.conf_int(alpha)
        columns = {
            "coef": self.effect,
            "std err": self.sd,
            stat: np.asarray(self.statistic).ravel(),
            f"P>|{stat}|": np.atleast_1d(self.pvalue),
            "Conf. Int. Low": ci[:, 0],
            "Conf. Int. Upp.": ci[:, 1],
        }
        return pd.DataFrame(columns, index=list(xname or self.c_names))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"{self.__class__}\n{self}"


def _distribution(distribution, df_num, df_denom):
    if distribution == "t":
        return stats.t, (df_denom,)
    if distribution == "F":
        return stats.f, (df_num, df_denom)
    if distribution == "chi2":
        return stats.chi2, (df_denom,)
    return stats.norm, ()


def _contrast_table(res, names, alpha, title) -> str:
    stat = "t" if res.distribution == "t" else "z"
    ci = res.conf_int(alpha)
    lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
    width = 78
    name_width = max(10, *(len(str(n)) for n in names))
    head = (
        f"{'':<{name_width}}{'coef':>11}{'std err':>11}{stat:>9}"
        f"{'P>|' + stat + '|':>9}{lo:>13}{hi:>13}"
    )
    lines = [(title or "Test for Constraints").center(width), "=" * width, head, "-" * width]
    pvalues = np.atleast_1d(res.pvalue)
    for i, name in enumerate(names):
        lines.append(
            f"{str(name):<{name_width}}{_g(res.effect[i]):>11}{_g(res.sd[i]):>11}"
            f"{np.asarray(res.statistic).ravel()[i]:>9.3f}{pvalues[i]:>9.3f}"
            f"{_g(ci[i, 0]):>13}{_g(ci[i, 1]):>13}"
        )
    lines.append("=" * width)
    return "\n".join(lines)


def _g(value) -> str:
    return f"{value:.4g}"


# ----------------------------------------------------------------- tests
def t_test(summary, r_matrix, use_t=None) -> ContrastResults:
    """t (or z) tests of each restriction in ``R params = q``, one per row.

    Parameters
    ----------
    summary : Summary
    r_matrix : array-like, tuple (R, q), str, list of str or dict
        The restrictions (see the module docstring).
    use_t : bool, optional
        Student's t with ``df_denom`` degrees of freedom, or the normal; default
        ``summary.use_t``.

    Returns
    -------
    ContrastResults
        ``effect = R params``, ``sd = sqrt(diag(R V R'))``, ``tvalue = (effect - q) /
        sd``, two-sided ``pvalue``, ``conf_int(alpha)``; ``distribution`` "t" or
        "norm".
    """
    R, q = restriction_matrices(r_matrix, summary.names)
    use_t = summary.use_t if use_t is None else bool(use_t)
    effect = R @ summary.params
    root, K = _restriction_covariance(summary, R)
    sd = _standard_errors(root, K)
    unknown = ~np.isfinite(root)  # touches a parameter without a standard error
    effect = np.where(unknown, np.nan, effect)
    with np.errstate(divide="ignore", invalid="ignore"):
        tvalue = (effect - q) / sd
    return ContrastResults(
        "t" if use_t else "norm", tvalue, _df_denom(summary), effect=effect, sd=sd
    )


def f_test(summary, r_matrix) -> ContrastResults:
    """The joint F test of ``R params = q`` (:func:`wald_test` with ``use_f=True``)."""
    return wald_test(summary, r_matrix, use_f=True, scalar=True)


def wald_test(summary, r_matrix, use_f=None, scalar=True) -> ContrastResults:
    """The joint Wald test of ``R params = q`` under the Summary's covariance.

    ``W = (R b - q)' (R V R')^+ (R b - q)`` with ``J`` the rank of ``R V R'``;
    ``F = W / J`` on (J, df_denom) degrees of freedom when ``use_f``, else ``W`` on
    chi-squared with J degrees of freedom.

    Parameters
    ----------
    summary : Summary
    r_matrix : array-like, tuple (R, q), str, list of str or dict
    use_f : bool, optional
        Default ``summary.use_t`` (statsmodels).
    scalar : bool, default True
        The statistic as a float (else a (1, 1) array, statsmodels' old layout).

    Returns
    -------
    ContrastResults
        ``distribution`` "F" (``fvalue``, ``df_num``, ``df_denom``) or "chi2"
        (``statistic``, ``df_denom`` = J as statsmodels).  NaN, with a warning, when
        a restriction touches a parameter without a standard error.
    """
    R, q = restriction_matrices(r_matrix, summary.names)
    use_f = summary.use_t if use_f is None else bool(use_f)
    root, K = _restriction_covariance(summary, R)
    statistic, rank = _wald_statistic(R @ summary.params - q, root, K)
    if use_f:
        statistic = statistic / rank
    value = statistic if scalar else np.array([[statistic]])
    if use_f:
        return ContrastResults("F", value, _df_denom(summary), df_num=rank)
    return ContrastResults("chi2", value, rank, df_num=rank)


def wald_statistic(summary, R, q=None):
    """``(W, J)``: the Wald statistic ``(R b - q)' (R V R')^+ (R b - q)`` under the
    Summary's covariance V and J the rank of ``R V R'`` (see :func:`wald_test`); R a
    numeric matrix over all parameters."""
    R, q = _numeric(R, q, len(summary.names))
    root, K = _restriction_covariance(summary, R)
    return _wald_statistic(R @ summary.params - q, root, K)


def _df_denom(summary) -> float:
    """``df_resid_inference`` where the Summary has one (cluster), else ``df_resid``."""
    df = getattr(summary, "df_resid_inference", None)
    return float(summary.df_resid if df is None else df)


def _restriction_covariance(summary, R):
    """``(root, K)``: ``root`` the square roots of ``|diag(R V R')|`` and K the
    restrictions' covariance divided by ``outer(root, root)`` (their correlation matrix
    where V is positive semidefinite), from the stored factor ``V = diag(bse) corr
    diag(bse)`` (never V itself: its entries may leave the float64 range where the
    standard errors do not).  Rows that touch a parameter without a standard error get
    NaN (with a warning)."""
    bse = np.asarray(summary.bse, dtype=np.float64)
    corr = np.asarray(summary._corr, dtype=np.float64)
    used = np.any(R != 0, axis=0)
    known = np.isfinite(bse) & np.isfinite(np.diag(corr))
    bad_rows = np.any((R != 0) & ~known, axis=1)
    _warn_unidentified(summary, R, known, bad_rows)
    good = ~bad_rows
    cols = used & known
    A = R[np.ix_(good, cols)] * bse[cols]
    scale = np.max(np.abs(A), axis=1, initial=0.0)
    scale[scale == 0] = 1.0
    A = A / scale[:, None]
    V = A @ corr[np.ix_(cols, cols)] @ A.T
    norm = np.sqrt(np.abs(np.diag(V)))
    root = np.full(R.shape[0], np.nan)
    root[good] = scale * norm
    K = np.full((R.shape[0], R.shape[0]), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        K[np.ix_(good, good)] = V / np.outer(norm, norm)
    return root, K


def _standard_errors(root, K):
    """``root`` where the variance ``diag(R V R')`` is non-negative; NaN, with a
    warning, where an indefinite covariance (two-way clustering) makes it negative."""
    negative = np.diag(K) < 0
    if negative.any():
        rows = ", ".join(str(i) for i in np.flatnonzero(negative))
        warnings.warn(
            f"restriction(s) {rows} have a negative variance under this covariance (an "
            "indefinite two-way cluster covariance); their standard errors are NaN",
            RuntimeWarning,
            stacklevel=external_stacklevel(),
        )
    return np.where(negative, np.nan, root)


def _warn_unidentified(summary, R, known, bad_rows) -> None:
    if not bad_rows.any():
        return
    touched = np.flatnonzero(np.any(R[bad_rows] != 0, axis=0) & ~known)
    names = ", ".join(repr(summary.names[j]) for j in touched)
    rows = ", ".join(str(i) for i in np.flatnonzero(bad_rows))
    warnings.warn(
        f"restriction(s) {rows} involve parameter(s) {names}, which have no standard "
        "error (not identified by the data, or undefined under this covariance); their "
        "results are NaN",
        RuntimeWarning,
        stacklevel=external_stacklevel(),
    )


def _wald_statistic(diff, root, K):
    """``z' K^+ z`` with ``z = diff / root`` and K the restrictions' scaled covariance
    (see :func:`_restriction_covariance`), and the rank of K (eigenvalues below ``m
    eps`` times the largest in magnitude are dropped)."""
    m = diff.shape[0]
    if np.any(root == 0):
        warnings.warn(
            "a restriction has zero variance under this covariance; the Wald statistic "
            "is undefined (NaN)",
            RuntimeWarning,
            stacklevel=external_stacklevel(),
        )
        return np.nan, m
    if not np.all(np.isfinite(root)) or not np.all(np.isfinite(K)):
        return np.nan, m
    z = diff / root
    eigval, eigvec = np.linalg.eigh((K + K.T) / 2)
    keep = np.abs(eigval) > np.abs(eigval).max() * m * EPS
    rank = int(keep.sum())
    if np.any(eigval[keep] < 0):
        warnings.warn(
            "the covariance of the restrictions is not positive semidefinite (as a two-way "
            "cluster covariance V0 + V1 - V01 can be); its pseudo-inverse has negative "
            "eigenvalues (statsmodels' pinv) and the Wald statistic is unreliable",
            RuntimeWarning,
            stacklevel=external_stacklevel(),
        )
    if rank < m:
        warnings.warn(
            "covariance of constraints does not have full rank. The number of "
            f"constraints is {m}, but rank is {rank}",
            RuntimeWarning,
            stacklevel=external_stacklevel(),
        )
    proj = eigvec[:, keep].T @ z
    return float(np.sum(proj**2 / eigval[keep])), rank


# ----------------------------------------------------------------- restrictions
def restriction_matrices(r_matrix, names):
    """``(R, q)`` of shape (m, k) and (m,) for a restriction in any accepted form.

    Parameters
    ----------
    r_matrix : array-like, tuple (R, q), str, list of str or dict
    names : list of str
        The parameter names (k of them), in order.

    Raises
    ------
    ValueError
        Wrong shapes, non-finite entries, an all-zero row, or a string that does not
        parse (naming the offending text).
    """
    names = [str(n) for n in names]
    if isinstance(r_matrix, str):
        return parse_restrictions(r_matrix, names)
    if isinstance(r_matrix, dict):
        return _from_dict(r_matrix, names)
    if (
        isinstance(r_matrix, (list, tuple))
        and r_matrix
        and all(isinstance(r, str) for r in r_matrix)
    ):
        parts = [parse_restrictions(r, names) for r in r_matrix]
        return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    q = None
    if isinstance(r_matrix, tuple):
        if len(r_matrix) != 2:
            raise ValueError("a tuple restriction is (R, q)")
        r_matrix, q = r_matrix
    return _numeric(r_matrix, q, len(names))


def _numeric(R, q, k):
    R = np.asarray(R, dtype=np.float64)
    if R.ndim == 1:
        R = R[None, :]
    if R.ndim != 2 or R.shape[1] != k or R.shape[0] == 0:
        raise ValueError(
            f"the restriction matrix has shape {R.shape}; expected (n_restrictions, {k}) "
            f"for the {k} parameters"
        )
    if not np.all(np.isfinite(R)):
        raise ValueError("the restriction matrix holds NaN or inf")
    zero = np.flatnonzero(~np.any(R != 0, axis=1))
    if zero.size:
        raise ValueError(f"row(s) {', '.join(map(str, zero))} of the restriction matrix are 0")
    q = np.zeros(R.shape[0]) if q is None else np.asarray(q, dtype=np.float64).ravel()
    if q.size == 1:
        q = np.full(R.shape[0], q[0])
    if q.size != R.shape[0]:
        raise ValueError(f"q has {q.size} values for {R.shape[0]} restrictions")
    if not np.all(np.isfinite(q)):
        raise ValueError("q holds NaN or inf")
    return R, q


def _from_dict(spec, names):
    R = np.zeros((len(spec), len(names)))
    q = np.zeros(len(spec))
    for i, (name, value) in enumerate(spec.items()):
        if str(name) not in names:
            raise ValueError(_unknown_message(str(name), names))
        R[i, names.index(str(name))] = 1.0
        q[i] = float(value)
    return _numeric(R, q, len(names))


def _unknown_message(name, names) -> str:
    return f"unknown parameter name {name!r}; the parameters are: {', '.join(names)}"


def parse_restrictions(text: str, names):
    """``(R, q)`` of the restrictions a string states, over the parameter ``names``.

    The grammar (patsy's ``linear_constraint`` language, closed; nothing evaluated)::

        list     := equation (',' equation)*
        equation := sum ('=' sum)*          a = b = c states a = b and b = c
        sum      := product (('+' | '-') product)*
        product  := unary (('*' | '/') unary)*      one side a number
        unary    := ('+' | '-') unary | primary
        primary  := NUMBER | NAME | '(' list ')'

    An expression without ``=`` states that it equals 0.  NAME is one of ``names``,
    matched longest first (so any characters may appear in a name); a match must not
    run on into further letters, digits, ``_`` or ``.``.

    Raises
    ------
    ValueError
        Unknown names (listing the parameters), unexpected characters, products of
        parameters, division by a parameter or by 0, restrictions without parameters.
    """
    if not isinstance(text, str):
        raise ValueError(f"a restriction string is expected, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the restriction string is longer than {MAX_LENGTH} characters")
    names = [str(n) for n in names]
    parser = _Parser(text, names)
    return parser.parse()


class _Parser:
    """Recursive descent over the tokens of one restriction string.

    Values are linear combinations (an array ``[coefs..., constant]``) or lists of
    restriction rows ``(coefs, value)``.
    """

    def __init__(self, text, names):
        self.text = text
        self.names = names
        self.index = {n: j for j, n in reversed(list(enumerate(names)))}
        self.n = len(names)
        self.tokens = _tokenize(text, names)
        self.pos = 0
        self.depth = 0

    # ---------------------------------------------------------- driver
    def parse(self):
        if self.tokens[0][0] == "end":
            raise ValueError("the restriction string is empty")
        value = self.list()
        kind, text, at = self.tokens[self.pos]
        if kind != "end":
            self.fail(f"unexpected {text!r}", at)
        rows = self.as_rows(value, 0)
        R = np.array([r[0] for r in rows])
        q = np.array([r[1] for r in rows])
        return R, q

    def fail(self, what, at):
        raise ValueError(f"{what} at position {at} in restriction {self.text!r}")

    def peek(self):
        return self.tokens[self.pos]

    def take(self, *ops):
        kind, text, _ = self.tokens[self.pos]
        if kind == "op" and text in ops:
            self.pos += 1
            return text
        return None

    # ---------------------------------------------------------- grammar
    def list(self):
        items = [self.equation()]
        while self.take(","):
            items.append(self.equation())
        if len(items) == 1:
            return items[0]
        return [row for item in items for row in self.as_rows(item, self.peek()[2])]

    def equation(self):
        at = self.peek()[2]
        chain = [self.sum()]
        while self.take("="):
            chain.append(self.sum())
        if len(chain) == 1:
            return chain[0]
        for side in chain:
            self.linear(side, at)
        rows = []
        for left, right in zip(chain[:-1], chain[1:]):
            coefs = left[: self.n] - right[: self.n]
            if not np.any(coefs != 0):
                self.fail("no parameter appears in the restriction", at)
            rows.append((coefs, right[-1] - left[-1]))
        return rows

    def sum(self):
        at = self.peek()[2]
        left = self.product()
        while op := self.take("+", "-"):
            right = self.linear(self.product(), at)
            left = self.linear(left, at)
            left = left + right if op == "+" else left - right
        return left

    def product(self):
        at = self.peek()[2]
        left = self.unary()
        while op := self.take("*", "/"):
            right = self.linear(self.unary(), at)
            left = self.linear(left, at)
            left = self.multiply(left, right, at) if op == "*" else self.divide(left, right, at)
        return left

    def unary(self):
        at = self.peek()[2]
        if op := self.take("+", "-"):
            self.enter(at)
            value = self.linear(self.unary(), at)
            self.depth -= 1
            return -value if op == "-" else value
        return self.primary()

    def primary(self):
        kind, text, at = self.peek()
        self.pos += 1
        if kind == "number":
            value = np.zeros(self.n + 1)
            value[-1] = float(text)
            return value
        if kind == "name":
            value = np.zeros(self.n + 1)
            value[self.index[text]] = 1.0
            return value
        if kind == "op" and text == "(":
            self.enter(at)
            value = self.list()
            if not self.take(")"):
                self.fail("expected ')'", self.peek()[2])
            self.depth -= 1
            return value
        found = "the end" if kind == "end" else repr(text)
        self.fail(f"expected a parameter name, a number or '(' but found {found}", at)

    # ---------------------------------------------------------- values
    def enter(self, at):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH}", at)

    def linear(self, value, at):
        if isinstance(value, list):
            self.fail("a restriction ('=' or ',') cannot be part of an arithmetic expression", at)
        return value

    def multiply(self, left, right, at):
        if not np.any(left[: self.n] != 0):
            return left[-1] * right
        if not np.any(right[: self.n] != 0):
            return left * right[-1]
        self.fail("a product of parameters is not linear", at)

    def divide(self, left, right, at):
        if np.any(right[: self.n] != 0):
            self.fail("division by a parameter is not linear", at)
        if right[-1] == 0:
            self.fail("division by zero", at)
        return left / right[-1]

    def as_rows(self, value, at):
        if isinstance(value, list):
            return value
        coefs = value[: self.n]
        if not np.any(coefs != 0):
            self.fail("no parameter appears in the restriction", at)
        return [(coefs, -value[-1])]


def _tokenize(text, names):
    """``[(kind, text, position)]`` ending with ``("end", "", len(text))``; kinds are
    "name", "number" and "op".  Names are tried first, longest first."""
    ordered = sorted(set(names), key=len, reverse=True)
    tokens = []
    pos = 0
    while pos < len(text):
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
            continue
        name = _match_name(text, pos, ordered)
        if name is not None:
            tokens.append(("name", name, pos))
            pos += len(name)
            continue
        if text[pos] in _OPERATORS:
            tokens.append(("op", text[pos], pos))
            pos += 1
            continue
        number = _NUMBER.match(text, pos)
        if number and not _runs_on(text, number.end()):
            tokens.append(("number", number.group(), pos))
            pos = number.end()
            continue
        word = _WORD.match(text, pos).group()
        raise ValueError(
            f"unknown name {word!r} at position {pos} in restriction {text!r}; "
            f"the parameters are: {', '.join(names)}"
        )
    tokens.append(("end", "", len(text)))
    return tokens


def _match_name(text, pos, ordered):
    for name in ordered:
        if name and text.startswith(name, pos):
            end = pos + len(name)
            if _is_word(name[-1]) and _runs_on(text, end):
                continue
            return name
    return None


def _is_word(char) -> bool:
    return char.isalnum() or char in "_."


def _runs_on(text, end) -> bool:
    return end < len(text) and _is_word(text[end])
