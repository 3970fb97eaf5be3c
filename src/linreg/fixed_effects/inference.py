"""fixest's degrees of freedom and small-sample corrections for absorbed effects.

With absorbed effects the covariance is the usual one of the demeaned regression, with
fixest's (and pyfixest's default ``ssc()``) corrections, which count the effects:

- ``k_fe = sum_q G_q - (Q - 1)`` coefficients for Q factors (one reference per further
  factor; fixest does not search for further redundancies);
- iid: ``sigma^2 = RSS / (n - p - k_fe)``; HC1: the HC0 meat times ``n / (n - p - k_fe)``;
- cluster-robust (CR1): ``G / (G - 1) * (n - 1) / (n - df_k)`` with
  ``df_k = p + k_fe`` less the levels of every factor nested in a clustering variable
  (each level within one cluster: its effect is not counted twice), plus one per such
  factor; two-way clustering uses ``min(G)`` in every term (``G_df="min"``);
- t tests and intervals: ``n - df_k`` degrees of freedom, ``min(G) - 1`` when clustered.
"""

from __future__ import annotations

import numpy as np

__all__ = ["absorbed_cov_kwds", "absorbed_degrees"]


def absorbed_cov_kwds(model, cov_type, cov_kwds: dict, use_t):
    """The summary's options for a model with absorbed effects: ``groups`` given as
    absorbed factor names (``"firm"``, ``"firm+year"``, a list) become their codes;
    arrays for the input rows are cut to the fitted rows; clustered without groups:
    by the first absorbed factor (fixest's default).  ``use_t`` defaults to True (fixest
    tests with t on ``df_t`` whatever the covariance)."""
    absorbed = model.absorbed_
    kwds = dict(cov_kwds)
    if "ssc" in kwds:
        kwds["ssc"] = check_ssc(kwds["ssc"])
    kind = str(cov_type).lower()
    if kind == "cluster":
        kwds["groups"] = _groups(absorbed, kwds.get("groups"))
    return cov_type, kwds, (True if use_t is None else use_t)


def _groups(absorbed, groups):
    if absorbed.codes is None:  # a chunked source: names or collections it reads
        return _source_groups(absorbed, groups)
    if groups is None:
        return absorbed.codes[:, 0]
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split("+")]
    if isinstance(groups, (list, tuple)) and groups and all(isinstance(g, str) for g in groups):
        unknown = [g for g in groups if g not in absorbed.names]
        if unknown:
            raise ValueError(
                f"groups {unknown} are not absorbed factors ({absorbed.names}); pass the "
                "cluster labels as arrays instead"
            )
        cols = [absorbed.codes[:, absorbed.names.index(g)] for g in groups]
        return cols[0] if len(cols) == 1 else np.column_stack(cols)
    if isinstance(groups, (list, tuple)) and groups and all(np.ndim(g) == 1 for g in groups):
        return [absorbed.rows(_values(g), "groups") for g in groups]  # one array per way
    frame_like = hasattr(groups, "iloc")
    if frame_like:
        values = groups.to_numpy()
    else:
        values = np.asarray(groups)
    return absorbed.rows(values, "groups")


def _source_groups(absorbed, groups):
    """Groups for a model fitted on a scan or Dask: the first factor's labels by
    default; absorbed factor names (``"firm+year"``) become what the source reads."""
    labels = absorbed.source_labels
    if groups is None:
        if labels is None:
            raise ValueError('cov_type="cluster" needs groups= (the clustering labels)')
        return labels[0]
    if isinstance(groups, str) and "+" in groups:
        groups = [g.strip() for g in groups.split("+")]
    names = [groups] if isinstance(groups, str) else groups
    if (
        labels is not None
        and isinstance(names, (list, tuple))
        and all(isinstance(g, str) and g in absorbed.names for g in names)
    ):
        picked = [labels[absorbed.names.index(g)] for g in names]
        return picked[0] if len(picked) == 1 else picked
    return groups


#: pyfixest's ``ssc()`` defaults (fixest's, but for ``k_fixef``: fixest says "nested").
SSC_DEFAULTS = {"k_adj": True, "k_fixef": "nonnested", "G_adj": True, "G_df": "min"}


def check_ssc(ssc) -> dict:
    """fixest's small-sample options (pyfixest's ``ssc()`` names) with the defaults."""
    out = dict(SSC_DEFAULTS)
    if ssc is None:
        return out
    if not isinstance(ssc, dict):
        raise ValueError("ssc= is a dict of k_adj, k_fixef, G_adj, G_df (pyfixest's ssc())")
    unknown = [k for k in ssc if k not in SSC_DEFAULTS]
    if unknown:
        raise ValueError(f"ssc: unknown key {unknown[0]!r}; known: {', '.join(SSC_DEFAULTS)}")
    out.update(ssc)
    if out["k_fixef"] not in ("none", "nonnested", "full"):
        raise ValueError(
            f"ssc k_fixef must be 'none', 'nonnested' or 'full', got {out['k_fixef']!r}"
        )
    if out["G_df"] not in ("min", "conventional"):
        raise ValueError(f"ssc G_df must be 'min' or 'conventional', got {out['G_df']!r}")
    for key in ("k_adj", "G_adj"):
        if not isinstance(out[key], bool):
            raise ValueError(f"ssc {key} must be True or False, got {out[key]!r}")
    if out["k_adj"] and not out["G_adj"]:
        raise ValueError("ssc with k_adj=True and G_adj=False is not supported")
    return out


def _values(labels) -> np.ndarray:
    return labels.to_numpy() if hasattr(labels, "to_numpy") else np.asarray(labels)


def absorbed_degrees(absorbed, nobs: float, rank: int, cov_type: str, grouping=None,
                     ssc=None) -> dict:  # fmt: skip
    """fixest's counts for a summary of a model with absorbed effects.

    Returns ``df_resid`` (the divisor of sigma^2 and of HC1's ``n / df_resid``),
    ``cov_type`` (the one computed: HC1 is HC0 without ``k_adj``), ``cov_name`` (the one
    asked for), ``options`` (the cluster correction's ``cluster_rank``, ``min_groups``,
    ``use_correction``) and ``df_t`` (of t tests where not clustered).
    """
    opts = check_ssc(ssc)
    Q = len(absorbed.n_levels)
    k_fe = int(np.sum(absorbed.n_levels)) - (Q - 1 if Q > 1 else 0)
    counted = {"none": 0, "nonnested": k_fe, "full": k_fe}[opts["k_fixef"]]
    df_k = rank + counted
    # sigma^2, HC1's n / df_resid, the printed df and the adjusted R^2 count every effect
    out = {"cov_type": cov_type, "cov_name": cov_type, "options": {}, "df_t": nobs - df_k}
    out["df_resid"] = nobs - df_k if opts["k_adj"] else nobs - 1
    out["k_absorbed"] = k_fe
    if cov_type == "cluster" and grouping is not None and opts["k_fixef"] == "nonnested":
        flags = _nested_flags(absorbed, grouping)
        if any(flags):
            nested_levels = int(sum(g for g, f in zip(absorbed.n_levels, flags) if f))
            df_k = df_k - nested_levels + int(sum(flags))
    if cov_type == "HC1" and not opts["k_adj"]:
        out["cov_type"] = "HC0"
    if cov_type == "cluster":
        out["options"] = {
            # (n - 1) / (n - rank): rank 1 makes it 1 without k_adj
            "cluster_rank": df_k if opts["k_adj"] else 1,
            "min_groups": opts["G_df"] == "min",
            "use_correction": opts["G_adj"],
        }
        out["df_t"] = None
    return out


def _nested_flags(absorbed, grouping) -> list:
    """Per absorbed factor: whether every one of its levels lies within one cluster of
    a clustering variable (two-way: either, or their intersection).  From a source
    (labels not in memory) one more pass reads the pairs of labels."""
    if grouping.codes is None:
        names = list(grouping.names or [])
        if names and all(name in names for name in absorbed.names):
            return [True] * len(absorbed.names)
        nesting = getattr(absorbed, "cell_nesting", None)  # streamed fits: from the cells
        if nesting is not None and names and all(n in absorbed.names for n in names):
            ways = [absorbed.names.index(n) for n in names]
            return [bool(nesting[q, ways].any()) for q in range(len(absorbed.names))]
        return streamed_nesting(absorbed, grouping.extra)
    return [
        any(_nested(absorbed, q, codes) for codes in grouping.codes)
        for q in range(absorbed.codes.shape[1])
    ]


def _nested(absorbed, q: int, codes) -> bool:
    """Whether factor q is nested in the clusters ``codes``: read from the cells when
    the clusters are an absorbed factor's own codes, else compared row by row."""
    from .factors import nested_in

    nesting = getattr(absorbed, "cell_nesting", None)
    if nesting is not None:
        for r in range(absorbed.codes.shape[1]):
            column = absorbed.codes[:, r]
            if codes.shape == column.shape and codes.dtype == column.dtype and (
                codes.__array_interface__["data"][0] == column.__array_interface__["data"][0]
                and codes.strides == column.strides
            ):
                return bool(nesting[q, r])
    return nested_in(absorbed.codes[:, q], codes)


# ------------------------------------------------------------------ nesting
class _Pairs:
    """Distinct (factor label, cluster label) pairs of each factor and clustering
    variable (a partial result; ``+`` unites)."""

    def __init__(self, pairs):
        self.pairs = pairs

    def __add__(self, other):
        return _Pairs([_distinct([a, b]) for a, b in zip(self.pairs, other.pairs)])


def _distinct(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True).drop_duplicates()


class _PairsOf:
    def __init__(self, n_factors: int, n_ways: int):
        self.n_factors, self.n_ways = n_factors, n_ways

    def __call__(self, X, Y, w, E):
        import pandas as pd

        out = []
        for q in range(self.n_factors):
            for c in range(self.n_ways):
                cluster = np.asarray(E[self.n_factors + c])
                frame = pd.DataFrame({"f": np.asarray(E[q]), "c": cluster})
                out.append(frame.drop_duplicates())
        return _Pairs(out)


def streamed_nesting(absorbed, extra) -> list:
    """Per absorbed factor, whether each of its levels lies within one cluster of one
    of the clustering variables ``extra`` (read from the source in one pass)."""
    source = getattr(absorbed, "_source", None)
    if source is None:
        return [False] * len(absorbed.names)
    Q, C = len(absorbed.names), len(extra)
    part = source.reduce(_PairsOf(Q, C), extra=list(absorbed.source_labels) + list(extra))
    flags = []
    for q in range(Q):
        pairs = part.pairs[q * C : (q + 1) * C]
        flags.append(any(not frame["f"].duplicated().any() for frame in pairs))
    return flags
