"""Long profile of the adversarial suite: ``python -m tests.adversarial.fuzz --cases N``.

Runs N cases spread evenly over the families (seeds ``start .. start + N/families``;
a slow family runs a share of that, ``WEIGHTS``),
prints one table row per family (cases, fits, ok, refused, silent wrong, crashes,
warned-and-wrong, warned-but-fine, bound missed) and the first reproduction lines of
every family with a failure, and exits 1 if any case was silently wrong, crashed, or
broke the reference.  ``--repro FAMILY SEED`` reruns one case and prints it in full.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict

from .families import FAMILIES, make_case
from .runner import Result, run_case

COLUMNS = (
    "ok",
    "refused",
    "silent_wrong",
    "promise_broken",
    "false_rank",
    "crash",
    "warned_wrong",
    "warned_fine",
)
FAILING = ("silent_wrong", "promise_broken", "false_rank", "crash", "ref_error")
#: Printed too (first lines per family), to judge the warnings and refusals.
NOTABLE = ("warned_wrong", "warned_fine", "refused")


#: Share of the even split that a slow family runs (the iterative trainers take ~0.2 s
#: a case); 1 for every family not listed.
WEIGHTS = {"trainers": 0.5}


def cases_for(family: str, per_family: int) -> int:
    """Cases of ``family`` when the others run ``per_family`` each."""
    return max(1, round(per_family * WEIGHTS.get(family, 1.0)))


def run_all(families, per_family: int, start: int = 0, progress=None) -> dict[str, list[Result]]:
    results = defaultdict(list)
    for family in families:
        for seed in range(start, start + cases_for(family, per_family)):
            results[family].append(run_case(make_case(family, seed)))
        if progress:
            progress(family, results[family])
    return results


def table(results: dict[str, list[Result]]) -> str:
    """A Markdown table, one row per family and a total."""
    head = ["family", "cases", "fits", *COLUMNS, "ref_error", "bound_missed", "loose_bound"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = Counter()
    for family, rs in results.items():
        c = Counter(r.cls for r in rs)
        row = {"cases": len(rs), "fits": sum(r.fits for r in rs), **c}
        row["bound_missed"] = sum(r.bound_missed for r in rs)
        row["loose_bound"] = sum(r.loose_bound for r in rs)
        total.update(row)
        cells = [str(row.get(k, 0)) for k in head[1:]]
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(str(total.get(k, 0)) for k in head[1:]) + " |")
    return "\n".join(lines)


def failures(results: dict[str, list[Result]], first: int = 2) -> list[str]:
    """Per failing family, the reproduction lines of its first cases of each class."""
    out = []
    for family, rs in results.items():
        bad = [r for r in rs if r.cls in FAILING]
        if bad:
            out.append(f"{family}: {len(bad)} failing")
            for cls in FAILING:
                out.extend("  " + r.repro() for r in [r for r in bad if r.cls == cls][:first])
    return out


def notable(results: dict[str, list[Result]], first: int = 2) -> list[str]:
    out = []
    for family, rs in results.items():
        for cls in NOTABLE:
            out.extend("  " + r.repro() for r in [r for r in rs if r.cls == cls][:first])
    return out


def summary_line(results) -> str:
    rs = [r for v in results.values() for r in v]
    fits = sum(r.fits for r in rs)
    c = Counter(r.cls for r in rs)
    fine = c["warned_fine"]
    return (
        f"{len(rs)} cases, {fits} fits: {c['silent_wrong']} silent wrong, "
        f"{c['promise_broken']} broken minimum-norm promises, "
        f"{c['false_rank']} false rank-deficiency warnings on wrong answers, {c['crash']} crashes, "
        f"{c['ref_error']} reference errors, {c['warned_wrong']} warned-and-wrong, {fine} "
        f"warned-but-fine ({100 * fine / max(fits, 1):.2f}% of fits)"
    )


def repro(family: str, seed: int) -> None:
    import numpy as np

    case = make_case(family, seed)
    np.set_printoptions(precision=17, threshold=50)
    print(f"case {family} {seed}: {case.estimator}({case.params}) check={case.check} {case.note}")
    print(f"X {case.X.shape} {case.X.dtype}, y {np.shape(case.y)}, weights {case.w is not None}")
    print(f"extra {case.extra}")
    r = run_case(case)
    print(r.repro())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000, help="total cases (spread evenly)")
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--families", nargs="*", default=list(FAMILIES))
    ap.add_argument("--repro", nargs=2, metavar=("FAMILY", "SEED"))
    ap.add_argument("-v", "--verbose", action="store_true", help="also list warned/refused")
    args = ap.parse_args(argv)
    if args.repro:
        repro(args.repro[0], int(args.repro[1]))
        return 0
    per_family = -(-args.cases // len(args.families))
    t0 = time.time()

    def progress(family, rs):
        c = Counter(r.cls for r in rs)
        print(f"  {family}: {dict(c)} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)

    results = run_all(args.families, per_family, args.start, progress)
    print(table(results))
    print()
    print(summary_line(results))
    for line in failures(results):
        print(line)
    if args.verbose:
        print("\nwarned / refused (first per family):")
        for line in notable(results):
            print(line)
    bad = sum(r.cls in FAILING for v in results.values() for r in v)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
