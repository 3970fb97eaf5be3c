"""pytest plugin of the compat run: which tests reach linreg, and every test's outcome.

Loaded with ``-p tests.compat.plugin`` (in the xdist workers too). A test *reaches linreg*
when, during its setup, call or teardown, it calls one of linreg's nine estimators or
functions (a constructor, ``clone``, ``fit``, ``predict``, ``score``, ``path``, any public
method defined by a linreg class, or ``lasso_path``/``enet_path``), or when its
parameters hold one of them (``@pytest.mark.parametrize("est", [Ridge(), Lasso()])``).
The flag travels to the controller in the report's ``user_properties``; the controller
writes one JSON record per test to ``--compat-json``.
"""

from __future__ import annotations

import functools
import inspect
import json

import pytest

from .rewrite import NAMES

_PROPERTY = "linreg_reached"
_state = {"reached": False}
_wrapped: dict[str, object] = {}
_session: dict = {}
_PASSING = (None, "passed", "xpassed")


def _flagging(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        _state["reached"] = True
        return function(*args, **kwargs)

    return wrapper


def _instrument_class(cls, done: set) -> None:
    """Flag calls of ``__init__`` and the public methods that linreg's classes define."""
    for klass in cls.__mro__:
        if klass in done or not klass.__module__.startswith("linreg"):
            continue
        done.add(klass)
        for name, value in list(vars(klass).items()):
            if name != "__init__" and name.startswith("_"):
                continue
            if isinstance(value, staticmethod):
                setattr(klass, name, staticmethod(_flagging(value.__func__)))
            elif inspect.isfunction(value):
                setattr(klass, name, _flagging(value))


def _instrument() -> None:
    import linreg

    done: set = set()
    for name in sorted(NAMES):
        obj = getattr(linreg, name)
        if inspect.isclass(obj):
            _instrument_class(obj, done)
            _wrapped[name] = obj
        else:
            # ``from linreg import lasso_path`` (the rewritten tests) reads this binding.
            flagged = _flagging(obj)
            setattr(linreg, name, flagged)
            _wrapped[name] = flagged


def _is_linreg(value) -> bool:
    if inspect.isclass(value) or inspect.isfunction(value):
        module = value.__module__
    else:
        module = type(value).__module__
    return (module or "").startswith("linreg")


def _params_reach(item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    values = []
    for value in callspec.params.values():
        values.extend(value if isinstance(value, (list, tuple)) else [value])
    return any(_is_linreg(v) for v in values)


def pytest_addoption(parser):
    parser.addoption("--compat-json", default=None, help="write one record per test here")


def pytest_configure(config):
    _instrument()
    _session["config"] = config
    _session["records"] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _state["reached"] = _params_reach(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.user_properties.append((_PROPERTY, bool(_state["reached"])))
    return report


def _crash(report) -> tuple[str, str]:
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(longrepr)
    return message, report.longreprtext[-20000:]


def _is_controller() -> bool:
    config = _session.get("config")
    return config is not None and not hasattr(config, "workerinput")


def _outcome(report) -> str | None:
    """This phase's verdict on the test, or None when the phase decides nothing."""
    wasxfail = hasattr(report, "wasxfail")
    if report.skipped:
        return "xfailed" if wasxfail else "skipped"
    if report.when == "call":
        if report.passed:
            return "xpassed" if wasxfail else "passed"
        return "failed"
    return "error" if report.failed else None


def pytest_runtest_logreport(report):
    if not _is_controller():
        return
    record = _session["records"].setdefault(
        report.nodeid, {"nodeid": report.nodeid, "reached": False, "outcome": None}
    )
    record["seconds"] = record.get("seconds", 0.0) + report.duration
    record["reached"] = record["reached"] or any(
        value for key, value in report.user_properties if key == _PROPERTY
    )
    outcome = _outcome(report)
    if outcome is None or (report.when == "teardown" and record["outcome"] not in _PASSING):
        return  # a teardown error only overrides a pass; the first failure keeps its cause
    record["outcome"], record["when"] = outcome, report.when
    if outcome in ("failed", "error"):
        record["message"], record["longrepr"] = _crash(report)
    elif outcome in ("skipped", "xfailed"):
        record["message"] = str(getattr(report, "wasxfail", "") or report.longrepr)[:500]


def pytest_collectreport(report):
    if not _is_controller() or not report.failed:
        return
    text = report.longreprtext or ""
    _session["records"][report.nodeid] = {
        "nodeid": report.nodeid,
        "reached": False,
        "outcome": "collection error",
        "when": "collect",
        "message": text.strip().splitlines()[-1] if text.strip() else "",
        "longrepr": text[-20000:],
    }


def pytest_sessionfinish(session):
    path = session.config.getoption("--compat-json")
    if path is None or not _is_controller():
        return
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(list(_session["records"].values()), handle)
