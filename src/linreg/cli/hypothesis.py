"""``linreg test``: tests of linear restrictions on a saved model's coefficients.

``linreg test MODEL.json "x1 = x2" "x3 = 0"`` reads the summary stored in the model
file under one covariance (the one ``linreg fit --cov-type`` chose, by default) and
prints statsmodels' ``t_test`` of each restriction and the joint ``f_test`` of all of
them, computed by :meth:`linreg.Summary.t_test` and :meth:`linreg.Summary.f_test`.
The restrictions are parsed by the closed grammar of :mod:`linreg.inference.hypothesis`
(names of the model's terms, numbers, ``+ - *`` and ``=``): nothing in them is ever
evaluated as code, and nothing in the model file either (:mod:`linreg.io.model_file`).
"""

from __future__ import annotations

from .errors import DataError, UsageError


def add_parser(sub) -> None:
    from . import options

    p = sub.add_parser(
        "test",
        help="test linear restrictions on a saved model's coefficients",
        description=(
            "Test linear restrictions such as \"x1 = x2\" or \"x1 + x2 = 1, x3 = 0\" on the "
            "coefficients of MODEL.json: a t (or z) test of each restriction and the joint F "
            "test of all of them (statsmodels' t_test and f_test), under a covariance stored "
            "in the file (linreg fit --cov-type ... --save MODEL.json)."
        ),
    )
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument(
        "restrictions",
        metavar="RESTRICTION",
        nargs="+",
        help='a linear restriction on the terms, e.g. "x1 = x2", "x1 + 2*x2 = 1", '
        '"const = 0"; several (or comma-separated) are tested jointly',
    )
    p.add_argument(
        "--cov-type",
        default=None,
        metavar="TYPE",
        help="one of the covariances stored in the file (default: the one linreg fit was "
        "asked for)",
    )
    p.add_argument("--target", metavar="COL", help="the target, for a model of several")
    p.add_argument(
        "--level", type=options.level, default=0.95, help="confidence level (default 0.95)"
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    p.set_defaults(run=run)


def run(args) -> int:
    """Load the model file, pick its stored summary, and print the tests."""
    from linreg.io.model_file import read

    from . import report

    model_file = read(args.model)
    target, t = _target(args, model_file)
    cov_type = _cov_type(args, model_file)
    summary = model_file.model.summary(cov_type=cov_type, target=t)
    text = ", ".join(args.restrictions)
    labels = [part.strip() for r in args.restrictions for part in r.split(",")]
    t_result, f_result = _tests(summary, text)
    doc = _document(model_file, target, summary, labels, t_result, f_result, 1 - args.level)
    if args.format == "json":
        print(report.dump_json(doc))
    else:
        print(_table(doc))
    return 0


# ---------------------------------------------------------------- the stored summary
def _stored(model_file) -> list[tuple[str, int]]:
    return sorted(getattr(model_file.model, "_stored_summaries", {}) or {})


def _target(args, model_file) -> tuple[str, int]:
    """The target's name and index in the file (``--target`` for a model of several)."""
    extra = model_file.document.get("extra") or {}
    names = extra.get("target")
    names = names if isinstance(names, list) else [names or "y"]
    if args.target is None:
        if len(names) > 1:
            raise UsageError(
                f"{args.model} holds a model of {len(names)} targets; choose one with "
                f"--target ({', '.join(names)})"
            )
        return names[0], 0
    if args.target not in names:
        raise UsageError(
            f"--target {args.target!r}: {args.model} holds the target(s) {', '.join(names)}"
        )
    return args.target, names.index(args.target)


def _cov_type(args, model_file) -> str:
    """The covariance asked for, or the one fit chose: a stored robust one, else nonrobust;
    a one-line error when the file holds none (an L1 model) or not the one asked for."""
    kinds = list(dict.fromkeys(k for k, _ in _stored(model_file)))
    cls = model_file.document["estimator"]["class"]
    if not kinds:
        raise DataError(
            f"{args.model}: the file holds no summary (no covariance of the coefficients: "
            f"{cls} has none, or it was saved without one), so restrictions cannot be "
            "tested; save an OLS or Ridge model with linreg fit --save"
        )
    if args.cov_type is not None:
        if args.cov_type not in kinds:
            raise UsageError(
                f"--cov-type {args.cov_type}: {args.model} holds the {', '.join(kinds)} "
                "covariance(s); refit with linreg fit --cov-type ... --save to store another"
            )
        return args.cov_type
    robust = [k for k in kinds if k != "nonrobust"]
    return robust[0] if len(robust) == 1 else "nonrobust" if "nonrobust" in kinds else kinds[0]


# ---------------------------------------------------------------- the tests
def _tests(summary, text: str):
    """``(t_test, f_test)`` of the restrictions ``text``; a usage error for a restriction
    the grammar refuses (the library's message, naming what it could not read)."""
    from .errors import DATA_EXIT, classify

    try:
        return summary.t_test(text), summary.f_test(text)
    except (ValueError, TypeError) as err:
        if classify(err) != DATA_EXIT:
            raise  # not a refusal of the input: a bug, reported as such
        message = str(err)
        if text not in message:
            message = f"restriction {text!r}: {message}"
        raise UsageError(message) from None


def _document(model_file, target, summary, labels, t_result, f_result, alpha) -> dict:
    """The tests as plain values by statsmodels' names (the JSON output)."""
    import numpy as np

    effect = np.atleast_1d(np.asarray(t_result.effect, dtype=np.float64))
    if len(labels) != len(effect):
        labels = [f"c{i}" for i in range(len(effect))]
    sd = np.atleast_1d(np.asarray(t_result.sd, dtype=np.float64)).ravel()
    tvalue = np.atleast_1d(np.asarray(t_result.tvalue, dtype=np.float64)).ravel()
    pvalue = np.atleast_1d(np.asarray(t_result.pvalue, dtype=np.float64)).ravel()
    ci = np.asarray(t_result.conf_int(alpha=alpha), dtype=np.float64).reshape(-1, 2)
    rows = [
        {
            "restriction": label,
            "effect": float(effect[i]),
            "sd": float(sd[i]),
            "tvalue": float(tvalue[i]),
            "pvalue": float(pvalue[i]),
            "conf_int": [float(ci[i, 0]), float(ci[i, 1])],
        }
        for i, label in enumerate(labels)
    ]
    doc = model_file.document
    return {
        "model": doc["estimator"]["class"],
        "target": target,
        "cov_type": summary.cov_type,
        "cov_kwds": getattr(summary, "cov_kwds", None) or {},
        "n_groups": _plain_groups(getattr(summary, "n_groups", None)),
        "distribution": "t" if t_result.distribution == "t" else "normal",
        "df_denom": _number(getattr(t_result, "df_denom", None)),
        "conf_level": 1 - alpha,
        "t_test": rows,
        "f_test": {
            "fvalue": float(np.squeeze(f_result.fvalue)),
            "pvalue": float(f_result.pvalue),
            "df_num": float(f_result.df_num),
            "df_denom": float(f_result.df_denom),
        },
    }


def _number(value) -> float:
    """A float; NaN for None (no degrees of freedom: a normal reference)."""
    return float("nan") if value is None else float(value)


def _plain_groups(n_groups):
    if n_groups is None:
        return None
    if isinstance(n_groups, (tuple, list)):
        return [int(g) for g in n_groups]
    return int(n_groups)


# ---------------------------------------------------------------- the table
def _table(doc: dict) -> str:
    """statsmodels' "Test for Constraints" table, then the joint F test on one line."""
    t_name = "t" if doc["distribution"] == "t" else "z"
    level = doc["conf_level"]
    lo, hi = f"[{(1 - level) / 2:.3g}", f"{1 - (1 - level) / 2:.3g}]"
    covariance = doc["cov_type"]
    groups = doc["n_groups"]
    if groups is not None:
        counts = " and ".join(map(str, groups)) if isinstance(groups, list) else groups
        covariance += f", {counts} groups"
    reference = f"t with {doc['df_denom']:g} df" if t_name == "t" else "normal reference"
    width = max(12, *(len(r["restriction"]) for r in doc["t_test"])) + 2
    head = ["effect", "std err", t_name, f"P>|{t_name}|", lo, hi]
    lines = [
        f"Tests of linear restrictions on {doc['target']!r} ({doc['model']}, covariance "
        f"{covariance}; {reference})",
        f"{'restriction':<{width}}" + "".join(f"{h:>14}" for h in head),
    ]
    for r in doc["t_test"]:
        values = [r["effect"], r["sd"], r["tvalue"], r["pvalue"], *r["conf_int"]]
        lines.append(f"{r['restriction']:<{width}}" + "".join(f"{v:>14.6g}" for v in values))
    f = doc["f_test"]
    lines.append(
        f"Joint F test of {len(doc['t_test'])} restriction(s): F = {f['fvalue']:.6g}, "
        f"p = {f['pvalue']:.6g}, df_num = {f['df_num']:g}, df_denom = {f['df_denom']:g}"
    )
    return "\n".join(lines)
