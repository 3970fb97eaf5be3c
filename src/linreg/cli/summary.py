"""``linreg summary``: print what a saved model file holds."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "summary",
        help="print a saved model's summary",
        description="Print the summary, metrics and provenance stored in MODEL.json.",
    )
    p.add_argument("model", metavar="MODEL.json")
    p.add_argument("--cov-type", default=None, help="one of the stored covariance types")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(run=run)


def run(args) -> int:
    from linreg.io.model_file import read

    from . import report
    from .errors import UsageError

    model_file = read(args.model)
    model, doc = model_file.model, model_file.document
    stored = sorted({k for k, _ in getattr(model, "_stored_summaries", {})})
    cov_type = args.cov_type or ("nonrobust" if "nonrobust" in stored else None)
    if args.cov_type is not None and args.cov_type not in stored:
        raise UsageError(
            f"{args.model} holds the {', '.join(stored) or 'no'} summaries, not {args.cov_type}"
        )
    summary = model.summary(cov_type=cov_type) if cov_type else None
    extra = doc.get("extra") or {}
    if args.format == "json":
        print(
            report.dump_json(
                {
                    "model": doc["estimator"]["class"],
                    "target": extra.get("target"),
                    "features": doc.get("feature_names"),
                    "solver_": (doc.get("fitted") or {}).get("solver_"),
                    "linreg_version": doc.get("linreg_version"),
                    "created": doc.get("created"),
                    "summary": None if summary is None else report.summary_dict(summary),
                    "metrics": model_file.metrics,
                }
            )
        )
        return 0
    print(
        f"{doc['estimator']['class']} of {extra.get('target', 'y')!r} "
        f"(solver_={(doc.get('fitted') or {}).get('solver_')!r}), written by linreg "
        f"{doc.get('linreg_version')} on {doc.get('created')}"
        + (f" from {extra['data']}" if extra.get("data") else "")
    )
    print(str(summary) if summary is not None else report.coefficient_table(model))
    if model_file.metrics:
        print()
        print(report.metrics_table(model_file.metrics))
    return 0
