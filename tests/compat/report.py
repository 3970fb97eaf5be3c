"""Figures and failure causes of a compat run (``tests.compat.sklearn_suite``).

Each failure gets a *cause* (the exception type and the first line of its message, with
numbers, addresses and array contents blanked so that one cause groups its tests) and a
*kind*:

- ``wrong number``: a numeric comparison failed (``assert_allclose``,
  ``assert_array_almost_equal``, ``pytest.approx``, ``assert a < b`` of numbers...): linreg
  returned a value that scikit-learn's test holds to be wrong. These matter most.
- ``missing feature``: linreg refused or did not accept what scikit-learn accepts (a
  ``TypeError`` for an unknown keyword, a ``ValueError`` or ``NotImplementedError`` for a
  solver or sparse input, an ``AttributeError`` for a missing attribute).
- ``not raised``: scikit-learn raises an error or a warning here and linreg does not.
- ``message wording``: the right exception, with other words than the test matches.
- ``type or shape``: a dtype, type or shape differs (float32 kept, NumPy scalars...).
- ``warning as error``: a warning linreg emits where the test turns warnings into errors.
- ``other assertion`` / ``crash``: the rest (an internal exception from linreg is a crash).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
BEGIN = "<!-- BEGIN GENERATED: tests/compat/sklearn_suite.py -->"
END = "<!-- END GENERATED -->"

_NUMERIC = (
    "Not equal to tolerance",
    "Arrays are not almost equal",
    "Arrays are not equal",
    "Items are not equal",
    "not almost equal",
    "Arrays are not less-ordered",
    "nan location mismatch",
    "inf location mismatch",
    "approx(",
    "Max absolute difference",
)
_SHAPE = ("shapes", "shape mismatch", "dtype", "float32", "float64", "isinstance", "type(")
_MISSING_TYPES = ("TypeError", "ValueError", "NotImplementedError", "AttributeError")
_EXCEPTION_NAME = r"[\w.]*(Error|Exception|Warning|Failed|Exit|Interrupt)"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def load_records(path) -> list[dict]:
    """The per-test records written by the plugin (``--compat-json``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1]


def _split(message: str) -> tuple[str, list[str]]:
    """(exception type, message lines) of a crash message like ``TypeError: text``."""
    message = message or ""
    head, sep, rest = message.partition(":")
    if sep and re.fullmatch(_EXCEPTION_NAME, head):
        exc, text = head.rsplit(".", 1)[-1], rest
    elif message.lstrip().startswith("assert"):
        exc, text = "AssertionError", message
    else:
        exc, text = "Failed", message
    return exc, [line.strip() for line in text.splitlines() if line.strip()]


def _normalize(line: str) -> str:
    line = re.sub(r"0x[0-9a-fA-F]+", "0x?", line)
    line = re.sub(r"array\(\[.*?\]\)", "array([...])", line)
    line = re.sub(r"\[[^\[\]]{40,}\]", "[...]", line)
    line = re.sub(rf"(?<![\w.]){_NUMBER}(?![\w.])", "#", line)
    return line if len(line) <= 110 else line[:107] + "..."


_CHAINED = "During handling of the above exception, another exception occurred"
_EXPECTATION = ("DID NOT RAISE", "DID NOT WARN", "Regex pattern did not match")


def root_message(record: dict) -> str:
    """The crash message, or the first exception of the chain when the crash is only a
    ``pytest.raises``/``pytest.warns`` that failed because another exception came first
    (sparse X refused inside ``with pytest.warns(FutureWarning)``: the cause is the refusal).
    """
    message = record.get("message", "") or ""
    text = record.get("longrepr", "") or ""
    if _CHAINED in text and any(marker in message for marker in _EXPECTATION):
        first = text.split(_CHAINED, 1)[0]
        lines = [m for m in re.findall(r"^E   (.*)$", first, re.MULTILINE)]
        if lines:
            return "\n".join(lines)
    return message


def cause(record: dict) -> str:
    """Exception type and the first line of its message, normalized to group tests."""
    exc, lines = _split(root_message(record))
    if exc == "Failed" and lines and lines[0].startswith("DID NOT"):
        return _normalize(lines[0])
    first = lines[0] if lines else ""
    if exc == "AssertionError" and first.startswith("Regex pattern did not match"):
        return "AssertionError: Regex pattern did not match"
    return f"{exc}: {_normalize(first)}".rstrip(": ")


def _numeric_comparison(text: str) -> bool:
    if any(marker in text for marker in _NUMERIC):
        return not re.search(r"\(shapes .* mismatch\)", text)
    return bool(re.match(rf"assert \(?{_NUMBER}\)? *(==|!=|<=|>=|<|>) *\(?{_NUMBER}", text))


def kind(record: dict) -> str:
    """The kind of a failure (see the module docstring)."""
    exc, lines = _split(root_message(record))
    text = "\n".join(lines)
    if "None (ACTUAL)" in text or "ACTUAL: array(None" in text:
        return "missing feature"  # an attribute linreg leaves None (n_iter_ of a direct solver)
    if "DID NOT RAISE" in text or "DID NOT WARN" in text or "No warnings of type" in text:
        return "not raised"
    if "Regex pattern did not match" in text:
        return "message wording"
    if exc == "AssertionError":
        if _numeric_comparison(text):
            return "wrong number"
        if any(marker in text for marker in _SHAPE):
            return "type or shape"
        return "other assertion"
    if exc.endswith("Warning"):
        return "warning as error"
    if exc in _MISSING_TYPES:
        return "missing feature"
    return "crash"


@dataclass
class Summary:
    files: dict[str, Counter] = field(default_factory=dict)
    total: Counter = field(default_factory=Counter)
    causes: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Passed over the tests that reach linreg and ran (passed, failed or errored)."""
        ran = self.total["reached passed"] + self.total["reached failed"]
        ran += self.total["reached error"]
        return self.total["reached passed"] / ran if ran else float("nan")

    def failures(self, of_kind: str) -> list[dict]:
        return [r for (k, _), rs in self.causes.items() if k == of_kind for r in rs]


def summarize(records: list[dict], files) -> Summary:
    """Per-file counts, totals and the failures of the tests that reach linreg by cause."""
    summary = Summary(files={name: Counter() for name in files})
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for record in records:
        counts = summary.files.setdefault(file_of(record["nodeid"]), Counter())
        outcome = record["outcome"] or "error"
        if outcome == "collection error":
            counts["collection errors"] += 1
            groups[(kind(record), cause(record))].append(record)
            continue
        counts["collected"] += 1
        counts[outcome] += 1
        if record["reached"]:
            counts["reached"] += 1
            counts[f"reached {outcome}"] += 1
            if outcome in ("failed", "error"):
                groups[(kind(record), cause(record))].append(record)
    for counts in summary.files.values():
        summary.total.update(counts)
    summary.causes = dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))
    summary.kinds = Counter()
    for (k, _), rs in groups.items():
        summary.kinds[k] += len(rs)
    timed = [(r.get("seconds", 0.0), r["nodeid"]) for r in records]
    summary.slowest = sorted(timed, reverse=True)[:10]
    return summary


_COLUMNS = ("collected", "reached", "passed", "failed", "error", "skipped", "xfailed", "xpassed")
_REACHED = ("reached passed", "reached failed", "reached error")


def _table_rows(summary: Summary) -> list[list[str]]:
    rows = []
    for name, counts in [*summary.files.items(), ("total", summary.total)]:
        ran = sum(counts[c] for c in _REACHED)
        rate = f"{counts['reached passed'] / ran:.1%}" if ran else "-"
        rows.append(
            [name, *(str(counts[c]) for c in _COLUMNS), str(counts["reached passed"]), rate]
        )
    return rows


_HEADER = ["file", *_COLUMNS, "reached & passed", "pass rate (reached)"]


def format_report(summary: Summary, version: str, seconds: float) -> str:
    """The console report: per-file table, totals, kinds and causes."""
    rows = [_HEADER, *_table_rows(summary)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = [f"scikit-learn {version} linear_model tests with linreg's nine names", ""]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
    total = summary.total
    lines += [
        "",
        f"tests reaching linreg: {total['reached']}; passed {total['reached passed']} of the "
        f"{sum(total[c] for c in _REACHED)} that ran: {summary.rate:.1%}",
        f"collection errors: {total['collection errors']}",
        "",
        "failures of tests reaching linreg, by kind: "
        + ", ".join(f"{k} {n}" for k, n in summary.kinds.most_common()),
        "",
        "by cause (count, kind, cause):",
    ]
    for (k, text), records in summary.causes.items():
        lines.append(f"  {len(records):5d}  {k:16s} {text}")
    wrong = summary.failures("wrong number")
    if wrong:
        lines += ["", f"WRONG NUMBERS ({len(wrong)}):"]
        for r in wrong:
            lines += [f"  {r['nodeid']}", f"      {statement(r)}", f"      {_detail(r)}"]
    if summary.slowest and summary.slowest[0][0] > 0:
        lines += ["", "slowest tests (s):"]
        lines += [f"  {sec:7.1f}  {nodeid}" for sec, nodeid in summary.slowest]
    lines += ["", f"took {seconds:.0f} s"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


#: Known causes (a regex on the cause) -> why linreg fails there; the issue-14 deliverable
#: that closes it where there is one. Unmatched causes show no reason.
REASONS = (
    (r"Sparse data was passed", "sparse X in LinearRegression/Ridge/RidgeCV (issue 14, 2)"),
    (r"'positive'|positive=True", "positive=True (issue 14, 3)"),
    (
        r"'precompute'|'copy_X'|'check_input'|'selection'|'random_state'|'groups'",
        "a scikit-learn parameter linreg does not accept yet (issue 14, 1)",
    ),
    (
        r"assert '\w+' == '(lsqr|sag|saga|sparse_cg|lbfgs|svd|cholesky)'",
        "Ridge solver name: linreg solved by another method and solver_ says so (issue 14, 4)",
    ),
    (
        r"unexpected keyword argument 'normalize'",
        "an unknown path parameter: scikit-learn raises its own error type for it (issue 14, 1)",
    ),
    (r"DID NOT WARN.*FutureWarning", "a scikit-learn deprecation cycle linreg does not mirror"),
    (r"Regex pattern did not match", "the same error or warning, in linreg's words"),
    (r"DID NOT RAISE", "scikit-learn's parameter validation rejects a value linreg accepts"),
    (r"Cannot cast ufunc", "integer sparse X: a linreg bug (int64 accumulator)"),
)


#: Known failing tests (a regex on the test's name) -> why, checked by hand: these outrank
#: the cause-based REASONS (the same cause text can stand for different reasons).
TEST_REASONS = (
    (
        r"test_ridge_fit_intercept_sparse_error",
        "scikit-learn refuses saga/svd/cholesky on sparse X with an intercept; linreg fits it "
        "exactly (the sparse Moments)",
    ),
    (
        r"test_ridge_fit_intercept_sparse_sag",
        "expects scikit-learn's warning that its own sag needs many iterations on sparse X "
        "with an intercept; linreg's sparse route is exact or certified CG, so it would be false",
    ),
    (
        r"test_raises_value_error_if_positive_and_sparse",
        "scikit-learn refuses positive=True on sparse X; linreg solves it exactly (NNLS on the "
        "sparse Moments)",
    ),
    (
        r"test_lbfgs_solver_error",
        "expects lbfgs not to converge; linreg's positive Ridge is the exact active-set NNLS "
        "(scipy.optimize.nnls to every printed digit): a ConvergenceWarning would be false",
    ),
    (
        r"test_inplace_data_preprocessing",
        "asserts that LinearRegression(copy_X=False) overwrites X; linreg never modifies X "
        "(copy_X is accepted; no copy is needed)",
    ),
    (
        r"test_enet_nonfinite_params",
        "expects 'iterations resulted in non-finite parameter values'; linreg refuses the "
        "overflowing data before iterating, naming the column",
    ),
    (
        r"test_warm_start$|test_warm_start\[",
        "compares two 5-sweep warm-started fits with one 10-sweep fit (both unconverged, "
        "0.13 from the optimum); linreg's kernel (working sets, extrapolation) has other "
        "intermediate iterates; its converged fit is 5e-9 from the optimum",
    ),
    (
        r"test_1d_multioutput_\w+_multitask_\w+_cv",
        "compared with scikit-learn's MultiTask*CV: same alpha_; linreg's coef_ is "
        "4.6e-13 / 8.5e-13 from scikit-learn at tol=1e-14, MultiTask*CV's 1.2e-4 (the "
        "reference is the less accurate side)",
    ),
    (
        r"test_lassoCV_does_not_set_precompute",
        "monkeypatches scikit-learn's internal Lasso and counts its calls; linreg never "
        "calls it (no number of linreg's is compared)",
    ),
)


def reason(text: str, nodeid: str = "") -> str:
    """Why a failure happens: by test name (TEST_REASONS) first, then by its cause."""
    name = nodeid.split("::")[-1]
    for pattern, why in TEST_REASONS:
        if name and re.search(pattern, name):
            return why
    for pattern, why in REASONS:
        if re.search(pattern, text):
            return why
    return ""


def _reasons(text: str, records) -> str:
    """The distinct reasons of a group of failures with the same cause."""
    return "; ".join(dict.fromkeys(w for r in records if (w := reason(text, r["nodeid"]))))


def statement(record: dict) -> str:
    """``file:line`` and the test's own statement that failed (its last frame in a test file)."""
    frames = re.findall(
        r"^(test_\w+\.py):(\d+): in \w+\n    (.+)$", record.get("longrepr", "") or "", re.MULTILINE
    )
    if not frames:
        return ""
    name, line, code = frames[-1]
    return f"{name}:{line} `{code.strip()}`"


def _detail(record: dict) -> str:
    """The lines of a numeric failure that say by how much (mismatch, max differences)."""
    _, lines = _split(record.get("message", ""))
    keep = [line for line in lines if re.match(r"(Mismatched|Max|Not equal|assert|Arrays)", line)]
    keep = [line for line in keep if not line.startswith(("Mismatch at", "Arrays are not"))]
    return "; ".join(keep[:4]) or (lines[0] if lines else "")


def render(summary: Summary, version: str, date: str, seconds: float, revision: str = "") -> str:
    """The generated section of docs/COMPAT.md."""
    total = summary.total
    ran = sum(total[c] for c in _REACHED)
    out = [
        BEGIN,
        "",
        f"## Last run: {date}, scikit-learn {version}"
        + (f", linreg {revision}" if revision else ""),
        "",
        f"**{total['reached passed']} of the {ran} tests that reach linreg pass "
        f"({summary.rate:.1%})**; {total['reached']} of the {total['collected']} collected "
        f"tests reach linreg ({total['reached skipped']} of those were skipped, "
        f"{total['reached xfailed']} xfailed, {total['reached xpassed']} xpassed). "
        f"Collection errors: {total['collection errors']}. The run took {seconds:.0f} s.",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|" + "---|" * len(_HEADER),
        *("| " + " | ".join(row) + " |" for row in _table_rows(summary)),
        "",
        "Failures of the tests that reach linreg, by kind: "
        + ", ".join(f"{k} **{n}**" for k, n in summary.kinds.most_common())
        + ".",
        "",
    ]
    wrong = summary.failures("wrong number")
    out += [f"### Wrong numbers ({len(wrong)})", ""]
    if wrong:
        out += [
            "A numeric comparison of scikit-learn's test failed on linreg's result. Each "
            "one is listed:",
            "",
            "| test | failing statement | what differs | why |",
            "|---|---|---|---|",
            *(
                f"| `{_cell(r['nodeid'])}` | {_cell(statement(r))} | {_cell(_detail(r))} "
                f"| {_cell(reason('', r['nodeid']))} |"
                for r in wrong
            ),
            "",
        ]
    else:
        out += ["None.", ""]
    out += [
        "### Failures by cause",
        "",
        "| count | kind | cause | why | example tests |",
        "|---:|---|---|---|---|",
    ]
    for (k, text), records in summary.causes.items():
        examples = ", ".join(f"`{_cell(r['nodeid'].split('/')[-1])}`" for r in records[:3])
        why = _cell(_reasons(text, records))
        out.append(f"| {len(records)} | {k} | `{_cell(text)}` | {why} | {examples} |")
    out += ["", "### Every failing test, by cause", ""]
    for (k, text), records in summary.causes.items():
        out += [
            f"<details><summary>{len(records)} · {k} · <code>{_html(text)}</code></summary>",
            "",
            *(
                f"- `{r['nodeid'].split('/')[-1]}`"
                + (f": {w}" if (w := reason(text, r["nodeid"])) else "")
                for r in records
            ),
            "",
            "</details>",
            "",
        ]
    out.append(END)
    return "\n".join(out) + "\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_doc(
    path: Path, summary: Summary, version: str, date: str, seconds: float, revision: str = ""
) -> None:
    """Replace the generated section of ``path`` (kept: everything outside the markers)."""
    section = render(summary, version, date, seconds, revision)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text + ("\n" if text else "") + section
    path.write_text(text, encoding="utf-8")
