"""The import rewriting of ``make compat`` (tests/compat/rewrite.py): every form by which
scikit-learn's tests reach the nine names ends at linreg's objects, and nothing else moves.

Pure string transformations checked against Python's own parser and import system; no
scikit-learn test is run here (that is ``make compat``).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

_PATH = Path(__file__).parent / "compat" / "rewrite.py"
_spec = importlib.util.spec_from_file_location("_compat_rewrite", _PATH)
rewrite = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = rewrite  # dataclasses look their module up
_spec.loader.exec_module(rewrite)

NINE = sorted(rewrite.NAMES)


def _rewrite(source: str) -> str:
    out = rewrite.rewrite_source(textwrap.dedent(source))
    ast.parse(out)  # always valid Python
    return out


def _imports(source: str) -> dict[str, str]:
    """Bound name -> 'module:name' for every from-import in the source."""
    bound = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                bound[a.asname or a.name] = f"{node.module}:{a.name}"
    return bound


def test_nine_names():
    assert NINE == sorted(
        "LinearRegression Ridge RidgeCV Lasso ElasticNet LassoCV ElasticNetCV "
        "lasso_path enet_path".split()
    )


def test_parenthesized_public_import_is_split():
    out = _rewrite(
        """
        from sklearn.linear_model import (
            ElasticNet,
            Lasso as L,  # a comment
            LassoLarsCV,
            MultiTaskLasso,
            enet_path,
        )
        """
    )
    bound = _imports(out)
    assert bound["ElasticNet"] == "linreg:ElasticNet"
    assert bound["L"] == "linreg:Lasso"
    assert bound["enet_path"] == "linreg:enet_path"
    assert bound["LassoLarsCV"] == "sklearn.linear_model:LassoLarsCV"
    assert bound["MultiTaskLasso"] == "sklearn.linear_model:MultiTaskLasso"


@pytest.mark.parametrize("sub", ["_ridge", "_coordinate_descent", "_base"])
def test_private_submodule_import(sub):
    out = _rewrite(f"from sklearn.linear_model.{sub} import _helper, Ridge, lasso_path\n")
    bound = _imports(out)
    assert bound["Ridge"] == "linreg:Ridge"
    assert bound["lasso_path"] == "linreg:lasso_path"
    assert bound["_helper"] == f"sklearn.linear_model.{sub}:_helper"


def test_import_of_only_other_names_is_unchanged():
    source = "from sklearn.linear_model import RidgeClassifier, _cd_fast as cd_fast\n"
    assert _rewrite(source) == source
    source = "from sklearn.linear_model_extra import Ridge\nfrom linreg import Ridge\n"
    assert _rewrite(source) == source


def test_nested_import_keeps_its_indentation():
    out = _rewrite(
        """
        def test_x():
            if True:
                from sklearn.linear_model import Lasso, LassoLars
            return Lasso, LassoLars
        """
    )
    bound = _imports(out)
    assert bound["Lasso"] == "linreg:Lasso"
    assert bound["LassoLars"] == "sklearn.linear_model:LassoLars"


def test_star_import_is_followed_by_the_nine():
    out = _rewrite("from sklearn.linear_model import *\nx = Ridge\n")
    tree = ast.parse(out)
    froms = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert [f.module for f in froms] == ["sklearn.linear_model", "linreg"]
    assert sorted(a.name for a in froms[1].names) == NINE


@pytest.mark.parametrize(
    "prelude, expression",
    [
        ("from sklearn import linear_model", "linear_model.Ridge"),
        ("from sklearn import linear_model as lm", "lm.ElasticNetCV"),
        ("import sklearn", "sklearn.linear_model.LassoCV"),
        ("import sklearn.linear_model", "sklearn.linear_model.RidgeCV"),
        ("import sklearn.linear_model as lm", "lm._coordinate_descent.enet_path"),
        ("from sklearn.linear_model import _ridge", "_ridge.Ridge"),
        ("from sklearn.linear_model import _coordinate_descent as cd", "cd.Lasso"),
    ],
)
def test_attribute_access_through_a_module(prelude, expression):
    name = expression.rsplit(".", 1)[1]
    head = '"""Doc."""\nfrom __future__ import annotations\n'
    out = _rewrite(f"{head}{prelude}\n\n\ny = {expression}\n")
    tree = ast.parse(out)
    assigned = [n for n in tree.body if isinstance(n, ast.Assign)][0]
    assert ast.unparse(assigned.value) == f"_linreg_compat.{name}"
    imports = [n for n in tree.body if isinstance(n, ast.Import)]
    assert ast.unparse(imports[0]) == "import linreg as _linreg_compat"
    # after the docstring and the __future__ import, which must stay first
    assert isinstance(tree.body[0], ast.Expr)
    assert tree.body[1].module == "__future__"
    assert tree.body[2] is imports[0]


def test_attribute_access_leaves_other_names_and_modules():
    source = (
        "import numpy as np\nfrom sklearn import linear_model\n"
        "a = linear_model.LogisticRegression\nb = np.Ridge\nc = obj.linear_model.Ridge\n"
    )
    assert _rewrite(source) == source


def test_strings_and_comments_are_not_touched():
    source = (
        "# from sklearn.linear_model import Ridge\n"
        'path = "sklearn.linear_model._coordinate_descent.Lasso"\n'
    )
    assert _rewrite(source) == source


def test_non_ascii_before_an_edit():
    """``ast`` column offsets count UTF-8 bytes: an accent earlier on the line must not
    shift the edit."""
    out = _rewrite('s = "é"; from sklearn.linear_model import Ridge, RidgeClassifier\n')
    assert out.startswith('s = "é"; from linreg import Ridge; ')
    assert _imports(out)["RidgeClassifier"] == "sklearn.linear_model:RidgeClassifier"


def test_rewritten_code_binds_linreg_objects():
    """Executed, the rewritten imports give linreg's objects and scikit-learn's others."""
    import sklearn.linear_model

    import linreg

    out = _rewrite(
        """
        from sklearn import linear_model
        from sklearn.linear_model import Ridge, RidgeClassifier
        from sklearn.linear_model._coordinate_descent import lasso_path
        via_attribute = linear_model.LinearRegression
        """
    )
    namespace: dict = {}
    exec(compile(out, "<rewritten>", "exec"), namespace)
    assert namespace["Ridge"] is linreg.Ridge
    assert namespace["lasso_path"] is linreg.lasso_path
    assert namespace["via_attribute"] is linreg.LinearRegression
    assert namespace["RidgeClassifier"] is sklearn.linear_model.RidgeClassifier


def _installed_tests():
    import sklearn.linear_model

    return Path(sklearn.linear_model.__file__).parent / "tests"


@pytest.mark.parametrize(
    "name",
    [
        "test_base.py",
        "test_ridge.py",
        "test_coordinate_descent.py",
        "test_sparse_coordinate_descent.py",
    ],
)
def test_installed_sklearn_files_reach_only_linreg(name):
    """In the four installed files, after the rewrite no import and no attribute access
    still reaches one of the nine in scikit-learn, and the files still parse."""
    path = _installed_tests() / name
    if not path.exists():
        pytest.skip(f"scikit-learn installed without its tests ({name})")
    out = rewrite.rewrite_source(path.read_text(encoding="utf-8"))
    tree = ast.parse(out)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
            assert not {a.name for a in node.names} & rewrite.NAMES, ast.unparse(node)
        if isinstance(node, ast.Attribute) and node.attr in rewrite.NAMES:
            assert ast.unparse(node.value) == "_linreg_compat", ast.unparse(node)
    assert any(isinstance(n, ast.ImportFrom) and n.module == "linreg" for n in ast.walk(tree))


_RPATH = Path(__file__).parent / "compat" / "report.py"
_rspec = importlib.util.spec_from_file_location("_compat_report", _RPATH)
report = importlib.util.module_from_spec(_rspec)
sys.modules[_rspec.name] = report
_rspec.loader.exec_module(report)


@pytest.mark.parametrize(
    "message, expected",
    [
        (
            "AssertionError: \nNot equal to tolerance rtol=1e-07, atol=0\n\nMismatched "
            "elements: 1 / 3",
            "wrong number",
        ),
        ("AssertionError: \nArrays are not almost equal to 6 decimals\n", "wrong number"),
        ("assert 10 == 0", "wrong number"),
        (
            "AssertionError: \nArrays are not equal\n\n(shapes (3,), (1,) mismatch)",
            "type or shape",
        ),
        ("AssertionError: assert dtype('float64') == <class 'numpy.float32'>", "type or shape"),
        (
            "TypeError: Lasso.__init__() got an unexpected keyword argument 'positive'",
            "missing feature",
        ),
        ("Failed: DID NOT RAISE <class 'ValueError'>", "not raised"),
        ("AssertionError: Regex pattern did not match.\n Expected regex: 'x'", "message wording"),
        ("ZeroDivisionError: division by zero", "crash"),
        ("sklearn.exceptions.ConvergenceWarning: did not converge", "warning as error"),
    ],
)
def test_failure_kinds(message, expected):
    assert report.kind({"message": message, "longrepr": ""}) == expected


def test_a_failed_expectation_is_blamed_on_the_exception_inside_it():
    """``with pytest.warns(FutureWarning): fit(sparse X)``: the refusal is the cause."""
    record = {
        "message": "Failed: DID NOT WARN. No warnings of type (<class 'FutureWarning'>,)",
        "longrepr": "x.py:1: in f\nE   TypeError: Sparse data was passed for X, but dense\n\n"
        "During handling of the above exception, another exception occurred:\n"
        "test_a.py:9: in test_b\nE   Failed: DID NOT WARN.\n",
    }
    assert report.cause(record) == "TypeError: Sparse data was passed for X, but dense"
    assert report.kind(record) == "missing feature"


def test_cause_groups_numbers_and_addresses():
    a = report.cause({"message": "ValueError: got 3 values at 0x7f00aa, expected 4.5e-3"})
    b = report.cause({"message": "ValueError: got 17 values at 0x7f11bb, expected 2"})
    assert a == b == "ValueError: got # values at 0x?, expected #"


def test_doc_keeps_the_handwritten_preface(tmp_path):
    records = [
        {"nodeid": "test_base.py::t1", "reached": True, "outcome": "passed"},
        {"nodeid": "test_base.py::t2", "reached": True, "outcome": "failed",
         "message": "TypeError: no 'positive'", "longrepr": ""},
        {"nodeid": "test_base.py::t3", "reached": False, "outcome": "failed",
         "message": "TypeError: not ours", "longrepr": ""},
    ]  # fmt: skip
    summary = report.summarize(records, ["test_base.py"])
    assert summary.rate == 0.5  # t3 does not reach linreg
    doc = tmp_path / "COMPAT.md"
    doc.write_text("# Preface\n\nhand-written\n", encoding="utf-8")
    report.write_doc(doc, summary, "1.9.1", "today", 1.0)
    report.write_doc(doc, summary, "1.9.1", "tomorrow", 1.0)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Preface\n\nhand-written\n")
    assert text.count(report.BEGIN) == 1 and "tomorrow" in text and "today" not in text
    assert "TypeError: no 'positive'" in text and "not ours" not in text
