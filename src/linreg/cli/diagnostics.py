"""``linreg fit --diagnostics``: Breusch-Pagan and the variance inflation factors.

Computed by :mod:`linreg.inference.diagnostics` (statsmodels' ``het_breuschpagan`` and
``variance_inflation_factor`` for the same regression): Breusch-Pagan takes one more
pass over the training rows (in memory, streamed or on the Dask workers, so it runs
while the cluster's client is open), the VIFs none (the Moments).  The summary's own
footer (Omnibus, Durbin-Watson, Jarque-Bera, skew, kurtosis, condition number) is part
of the printed summary.
"""

from __future__ import annotations


def compute(estimator, names, targets) -> dict | None:
    """``{"breusch_pagan": {lm, lm_pvalue, fvalue, f_pvalue}, "vif": {feature: VIF}}``
    (keyed by target for several); a statistic the model has not (a penalized fit) is
    ``{"unavailable": reason}``.  None for a model without a summary (L1 fits)."""
    if not hasattr(estimator, "summary"):
        return None
    per_target = [_of_target(estimator, names, j) for j in range(len(targets))]
    return per_target[0] if len(targets) == 1 else dict(zip(targets, per_target))


def _of_target(estimator, names, target: int) -> dict:
    from linreg.inference import diagnostics

    out = {}
    try:
        bp = diagnostics.het_breuschpagan(estimator, target=target)
    except ValueError as err:  # the library's refusal, with its reason
        out["breusch_pagan"] = {"unavailable": _refusal(err)}
    else:
        keys = ("lm", "lm_pvalue", "fvalue", "f_pvalue")
        out["breusch_pagan"] = {k: float(v) for k, v in zip(keys, bp)}
    try:
        vif = diagnostics.variance_inflation_factor(estimator)  # X's alone: any target
    except ValueError as err:
        out["vif"] = {"unavailable": _refusal(err)}
    else:
        out["vif"] = {str(n): float(v) for n, v in zip(names, vif)}
    return out


def _refusal(err) -> str:
    """The message of a refusal by linreg (re-raised when it is not one: a bug)."""
    from .errors import DATA_EXIT, classify, one_line

    if classify(err) != DATA_EXIT:
        raise err
    return one_line(str(err))


def lines(result: dict | None, targets) -> list[str]:
    """The diagnostics as printed lines (one block per target)."""
    if result is None:
        return ["Diagnostics: not available for this model (no least-squares summary)."]
    blocks = [result] if len(targets) == 1 else [result[t] for t in targets]
    out = []
    for target, block in zip(targets, blocks):
        head = "Diagnostics" if len(targets) == 1 else f"Diagnostics of target {target!r}"
        out.append(f"{head}:")
        bp = block["breusch_pagan"]
        if "unavailable" in bp:
            out.append(f"  Breusch-Pagan: not available ({bp['unavailable']})")
        else:
            out.append(
                f"  Breusch-Pagan (heteroscedasticity): LM = {bp['lm']:.6g}, "
                f"p = {bp['lm_pvalue']:.4g}; F = {bp['fvalue']:.6g}, p = {bp['f_pvalue']:.4g}"
            )
        vif = block["vif"]
        if "unavailable" in vif:
            out.append(f"  VIF: not available ({vif['unavailable']})")
        else:
            width = max(8, *(len(n) for n in vif))
            out.append("  Variance inflation factors (VIF):")
            out += [f"    {n:<{width}} {v:>12.6g}" for n, v in vif.items()]
    return out
