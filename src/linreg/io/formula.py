"""The one formula grammar of linreg: validated before formulaic evaluates anything.

formulaic evaluates the Python inside a formula (``np.log(x)``, ``{...}`` blocks, any
attribute chain), so a formula is code.  Every formula linreg uses (``linreg.ols``,
``linreg.ridge``, ``linreg fit --formula`` and the right-hand side stored in a model file)
is first parsed here by a closed grammar; anything outside it is refused with the
offending token and its position, and formulaic only ever sees the canonical text rebuilt
from the validated tree, never the raw text.

The grammar::

    formula   := [sum '~'] sum ['|' effects]
    effects   := effect ('+' effect)*                    # absorbed fixed effects (fixest)
    effect    := column ('^' column)*                     # f1^f2: the pair of labels
    column    := NAME | `any name`
    sum       := product (('+' | '-') product)*          # add / remove terms
    product   := inter (('*' | '/') inter)*               # crossing / nesting
    inter     := power (':' power)*                      # interaction
    power     := unary ['**' INTEGER]                     # (a + b)**2
    unary     := '-' ('0' | '1') | atom                   # -1: no intercept
    atom      := NAME | `any name` | '0' | '1' | '(' sum ')'
               | FUNCTION '(' arith ')'                  # np.log(x + 10), ...
               | ('center' | 'scale') '(' arith ')'      # stateful: training mean/std
               | 'poly' '(' arith ',' INTEGER ')'
               | 'I' '(' arith ')'
               | 'C' '(' name [',' coding] ')'
    coding    := 'Treatment' ['(' STRING | NUMBER ')'] | 'Sum' | 'Helmert'
    arith     := Python arithmetic of NUMBER, NAME, `any name`, + - * / **, unary - +,
                 parentheses and FUNCTION calls of one argument

The part after ``|`` lists the absorbed effects of ``linreg.ols`` (fixest's syntax): column
names only, each at most once; it is not handed to formulaic.

NAME is an identifier (letters, digits, ``_``) not starting with ``__``; a backquoted name holds any
characters except a backquote and control characters.  FUNCTION is one of
:data:`FUNCTIONS`.  There are no attributes (except the listed ``np.`` functions),
subscripts, keywords, strings (except a Treatment reference), ``{}`` blocks, lambdas or
comprehensions.
"""

from __future__ import annotations

import keyword
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FUNCTIONS",
    "STATEFUL",
    "FormulaError",
    "ParsedFormula",
    "parse",
    "required_columns",
    "model_matrices",
    "store_spec",
    "validate_stored",
    "design_matrix",
]

#: Contrast codings C(x, ...) accepts (formulaic's names; Sum and Helmert for type III
#: ANOVA tables).
_CODINGS = ("Treatment", "Sum", "Helmert")

#: Elementwise functions of one argument (numpy's, through formulaic's ``np``/transforms).
FUNCTIONS = (
    "np.log",
    "np.log1p",
    "np.log2",
    "np.log10",
    "np.exp",
    "np.expm1",
    "np.sqrt",
    "np.abs",
    "np.square",
    "log",
    "log2",
    "log10",
    "exp",
    "exp2",
)
#: Stateful transforms: their training state is stored and reused for new data.
STATEFUL = ("center", "scale", "poly")
_FORMULA_ONLY = ("C", "I", *STATEFUL)
_MAX_POLY_DEGREE = 20
_MAX_LENGTH = 10_000

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[^\W\d]\w*(?:\.[^\W\d]\w*)*)
    |(?P<quoted>`[^`]*`)
    |(?P<string>'[^'"`{}\\]*'|"[^'"`{}\\]*")
    |(?P<op>\*\*|[~+\-*/:(),|^])""",
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PLAIN = re.compile(r"[^\W\d]\w*")


class FormulaError(ValueError):
    """A formula outside linreg's grammar (the message names the token and its position).

    Attributes
    ----------
    field : str or None
        The model-file field that held the formula (``"formula.rhs"``), when read from one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _shown(text: str) -> str:
    """``text`` quoted for a one-line message: control characters escaped, long text cut."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return repr(text if len(text) <= 200 else text[:200] + "...")


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, quoted, string, op, end
    text: str
    pos: int  # 1-based character position


def _tokens(text: str) -> list[_Token]:
    """The tokens of ``text``; at the first character outside them, a ``bad`` token.

    The parser reports a ``bad`` token only when it reaches it, so the message names the
    first offending token of the formula, whatever kind it is.
    """
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        bad = m is None or (
            m.lastgroup == "quoted" and (m.group() == "``" or _CONTROL.search(m.group()))
        )
        if bad:
            what = "an unterminated backquoted name" if text[i] == "`" else "unexpected character"
            shown = _shown(text[i] if m is None else m.group())
            out.append(_Token("bad", f"{what} {shown} at position {i + 1}", i + 1))
            return out
        if m.lastgroup != "space":
            out.append(_Token(m.lastgroup, m.group(), i + 1))
        i = m.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


def _name_of(token: _Token) -> str:
    """The column name a NAME or backquoted token stands for."""
    if token.kind == "quoted":
        return token.text[1:-1]
    if "." in token.text:
        raise FormulaError(
            f"{_shown(token.text)} at position {token.pos} is not a column name or one of "
            f"the functions {', '.join(FUNCTIONS + _FORMULA_ONLY)}"
        )
    name = token.text
    if not name.isidentifier() or name.startswith("__") or keyword.iskeyword(name):
        raise FormulaError(
            f"{_shown(name)} at position {token.pos} is not a plain name; a column of that "
            f"name is written in backquotes: `{name}`"
        )
    return name


def _name_text(name: str) -> str:
    """A column name as formula text (backquoted unless a plain identifier)."""
    plain = (
        _PLAIN.fullmatch(name) is not None  # what the tokenizer reads as one NAME
        and name.isidentifier()
        and not name.startswith("__")
        and not keyword.iskeyword(name)
    )
    return name if plain else f"`{name}`"


class _Parser:
    """Recursive descent over the tokens; every method returns canonical text.

    The canonical text keeps the token sequence and the parentheses of the input
    (formulaic reads it exactly as it would the input) with uniform spacing, and
    collects the column names used.
    """

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0
        self.names: list[str] = []
        self.n_lhs = 0  # how many of ``names`` come before the '~'
        self.absorb: list[tuple[str, ...]] = []  # the effects after '|', column tuples

    # ------------------------------------------------------------ helpers
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        if token.kind == "bad":
            raise FormulaError(token.text)
        self.i += 1
        return token

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def expect(self, op: str) -> None:
        if not self.at(op):
            self.fail(f"expected {op!r}")
        self.take()

    def fail(self, what: str):
        t = self.tok
        if t.kind == "bad":
            raise FormulaError(t.text)
        found = "the end of the formula" if t.kind == "end" else _shown(t.text)
        raise FormulaError(f"{what}, found {found} at position {t.pos}")

    def column(self, token: _Token) -> str:
        name = _name_of(token)
        self.names.append(name)
        return _name_text(name)

    # ------------------------------------------------------------ formula level
    def formula(self) -> tuple[str | None, str]:
        if self.at("~"):  # '~ x': a right-hand side written with its tilde
            self.take()
            return self.formula_end(None, self.sum())
        first = self.sum()
        if self.at("~"):
            self.take()
            self.n_lhs = len(self.names)
            return self.formula_end(first, self.sum())
        return self.formula_end(None, first)

    def formula_end(self, lhs, rhs):
        if self.at("|"):
            self.take()
            self.effects()
            if self.at("|"):
                self.fail("a second '|' (instrumental variables) is not supported")
            if self.tok.kind != "end":
                self.fail("expected '+', '^' or the end of the formula after the absorbed effects")
        if self.tok.kind != "end":
            self.fail("expected an operator (+ - * / ** :), '|' or the end of the formula")
        return lhs, rhs

    # ------------------------------------------------------------ absorbed effects
    def effects(self) -> None:
        """``f1 + f2^f3 + ...`` after ``|``: each effect a column or columns joined by ``^``."""
        self.effect()
        while self.at("+"):
            self.take()
            self.effect()

    def effect(self) -> None:
        start = self.tok
        columns = [self.effect_column()]
        while self.at("^"):
            self.take()
            columns.append(self.effect_column())
        if len(set(columns)) < len(columns):
            raise FormulaError(
                f"the absorbed effect at position {start.pos} names a column twice"
            )
        if tuple(columns) in self.absorb:
            raise FormulaError(
                f"the absorbed effect {_shown('^'.join(columns))} at position {start.pos} is "
                "listed twice"
            )
        self.absorb.append(tuple(columns))

    def effect_column(self) -> str:
        t = self.tok
        if t.kind not in ("name", "quoted") or self.tokens[self.i + 1].text == "(":
            self.fail("an absorbed effect is a column name (or names joined by '^')")
        return _name_of(self.take())

    def sum(self) -> str:
        text = self.product()
        while self.at("+", "-"):
            op = self.take().text
            text += f" {op} {self.product()}"
        return text

    def product(self) -> str:
        text = self.inter()
        while self.at("*", "/"):
            op = self.take().text
            text += f" {op} {self.inter()}"
        return text

    def inter(self) -> str:
        text = self.power()
        while self.at(":"):
            self.take()
            text += f":{self.power()}"
        return text

    def power(self) -> str:
        text = self.unary()
        if self.at("**"):
            self.take()
            text += f"**{self.integer(1, 10)}"
        return text

    def unary(self) -> str:
        if self.at("-", "+"):
            op = self.take().text
            if self.tok.kind == "number" and self.tok.text in ("0", "1"):
                return op + self.take().text
            self.fail(f"expected 0 or 1 after a leading {op!r}")
        return self.atom()

    def atom(self) -> str:
        t = self.tok
        if self.at("("):
            self.take()
            text = self.sum()
            self.expect(")")
            return f"({text})"
        if t.kind == "number":
            if t.text not in ("0", "1"):
                self.fail(
                    "a number in a formula is 0 or 1 (the intercept); write I(...) for arithmetic"
                )
            return self.take().text
        if t.kind == "name" and self.tokens[self.i + 1].text == "(":
            return self.call(formula_level=True)
        if t.kind in ("name", "quoted"):
            return self.column(self.take())
        self.fail("expected a column name, 0, 1, '(' or a function")

    def integer(self, low: int, high: int) -> str:
        t = self.tok
        if t.kind != "number" or not t.text.isdigit() or not low <= int(t.text) <= high:
            self.fail(f"expected an integer from {low} to {high}")
        return str(int(self.take().text))

    # ------------------------------------------------------------ calls
    def call(self, formula_level: bool) -> str:
        t = self.take()
        fn = t.text
        allowed = FUNCTIONS + (_FORMULA_ONLY if formula_level else ())
        if fn not in allowed:
            where = "" if formula_level else " inside an expression"
            raise FormulaError(
                f"unknown function {_shown(fn)} at position {t.pos}{where}; "
                f"the functions are {', '.join(allowed)}"
            )
        self.expect("(")
        if fn == "C":
            inner = self.categorical()
        elif fn == "poly":
            inner = self.arith()
            self.expect(",")
            inner += f", {self.integer(1, _MAX_POLY_DEGREE)}"
        else:
            inner = self.arith()
        self.expect(")")
        return f"{fn}({inner})"

    def categorical(self) -> str:
        if self.tok.kind not in ("name", "quoted"):
            self.fail("C(...) takes a column name")
        text = self.column(self.take())
        if self.at(","):
            self.take()
            coding = self.tok.text if self.tok.kind == "name" else None
            if coding not in _CODINGS:
                self.fail(
                    "the second argument of C(...) is Treatment(reference), Treatment, Sum "
                    "or Helmert"
                )
            self.take()
            if coding == "Treatment" and self.at("("):
                self.take()
                text += f", Treatment({self.literal()})"
                self.expect(")")
            else:
                text += f", {coding}"
        return text

    def literal(self) -> str:
        t = self.tok
        if t.kind == "string" and not _CONTROL.search(t.text):
            self.take()
            return repr(t.text[1:-1])
        if t.kind == "number":
            self.take()
            return repr(float(t.text)) if not t.text.isdigit() else str(int(t.text))
        self.fail("expected a level (a quoted string or a number)")

    # ------------------------------------------------------------ arithmetic
    def arith(self) -> str:
        text = self.term()
        while self.at("+", "-"):
            op = self.take().text
            text += f" {op} {self.term()}"
        return text

    def term(self) -> str:
        text = self.factor()
        while self.at("*", "/"):
            op = self.take().text
            text += f" {op} {self.factor()}"
        return text

    def factor(self) -> str:
        if self.at("-", "+"):
            op = self.take().text
            return op + self.factor()
        text = self.operand()
        if self.at("**"):
            self.take()
            text += f" ** {self.factor()}"
        return text

    def operand(self) -> str:
        t = self.tok
        if self.at("("):
            self.take()
            text = self.arith()
            self.expect(")")
            return f"({text})"
        if t.kind == "number":
            if not math.isfinite(float(t.text)):
                self.fail("expected a finite number")
            return self.take().text
        if t.kind == "name" and self.tokens[self.i + 1].text == "(":
            return self.call(formula_level=False)
        if t.kind in ("name", "quoted"):
            return self.column(self.take())
        self.fail("expected a number, a column name, '(' or a function")


@dataclass(frozen=True)
class ParsedFormula:
    """A formula accepted by the grammar.

    Attributes
    ----------
    lhs : str or None
        Canonical response side (None for a right-hand side alone).
    rhs : str
        Canonical right-hand side.
    lhs_columns, rhs_columns : tuple of str
        Column names each side uses, in order of first use (``rhs_columns``: the
        regressors only).
    absorb_terms : tuple of tuple of str
        The absorbed effects after ``|``, each the column(s) whose labels (pairs of
        labels for ``f1^f2``) define its levels; empty without ``|``.
    """

    lhs: str | None
    rhs: str
    lhs_columns: tuple
    rhs_columns: tuple
    absorb_terms: tuple = ()

    @property
    def text(self) -> str:
        """The canonical formula handed to formulaic (the absorbed effects left out)."""
        return self.rhs if self.lhs is None else f"{self.lhs} ~ {self.rhs}"

    @property
    def absorb(self) -> tuple:
        """The names of the absorbed effects, ``"firm"`` or ``"firm^year"``."""
        return tuple("^".join(term) for term in self.absorb_terms)

    @property
    def absorb_columns(self) -> tuple:
        """The columns the absorbed effects read, in order of first use."""
        return tuple(dict.fromkeys(c for term in self.absorb_terms for c in term))

    @property
    def full_text(self) -> str:
        """The canonical formula with its absorbed effects (``y ~ x | a + b^c``)."""
        if not self.absorb_terms:
            return self.text
        terms = " + ".join("^".join(map(_name_text, t)) for t in self.absorb_terms)
        return f"{self.text} | {terms}"

    @property
    def columns(self) -> tuple:
        return tuple(dict.fromkeys(self.lhs_columns + self.rhs_columns + self.absorb_columns))


def parse(text, *, response: bool | None = None) -> ParsedFormula:
    """Parse ``text`` with linreg's closed formula grammar (see the module docstring).

    Parameters
    ----------
    text : str
    response : bool or None
        True: the formula must be ``y ~ ...``; False: it must be a right-hand side
        alone; None: either.

    Raises
    ------
    FormulaError
        (a ValueError) naming the offending token and its position.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is a string, got {type(text).__name__}")
    if len(text) > _MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {_MAX_LENGTH} characters")
    parser = _Parser(text)
    lhs, rhs = parser.formula()
    if response is True and lhs is None:
        raise FormulaError("the formula has no response: write it as 'y ~ ...'")
    if response is False and lhs is not None:
        raise FormulaError("expected a right-hand side alone, found '~'")
    if response is False and parser.absorb:
        raise FormulaError("expected a right-hand side alone, found '|' (absorbed effects)")
    n_lhs = parser.n_lhs
    lhs_columns = tuple(dict.fromkeys(parser.names[:n_lhs]))
    both = [c for term in parser.absorb for c in term if c in lhs_columns]
    if both:
        raise FormulaError(f"the response {_shown(both[0])} is also an absorbed effect")
    return ParsedFormula(
        lhs,
        rhs,
        lhs_columns,
        tuple(dict.fromkeys(parser.names[n_lhs:])),
        tuple(parser.absorb),
    )


def required_columns(formula) -> list[str]:
    """The data columns a formula reads.

    Parameters
    ----------
    formula : str or dict
        A formula (either side) or a stored formula spec (its ``"rhs"``).
    """
    if isinstance(formula, dict):
        formula = formula.get("rhs")
    return list(parse(formula).columns)


# ---------------------------------------------------------------- formulaic
def _formulaic():
    try:
        import formulaic
        import formulaic.errors
    except ImportError as err:
        raise ImportError(
            "formulas need the 'formula' extra: pip install 'linreg[formula]'"
        ) from err
    return formulaic


def model_matrices(parsed: ParsedFormula, frame, *, na_action="raise"):
    """formulaic's model matrices of the canonical formula on ``frame`` (a DataFrame).

    Every column the formula names must be a column of ``frame``: a name is never looked
    up anywhere else.  With absorbed effects (``| f``) the regressors are built with an
    intercept whatever the formula says (``- 1`` is harmless: the effects hold the
    constant, and a categorical regressor is coded against a reference level, as
    fixest does); the caller drops the ``"Intercept"`` column.
    """
    formulaic = _formulaic()
    absent = [c for c in parsed.columns if c not in frame.columns]
    if absent:
        raise FormulaError(
            f"no column named {', '.join(map(repr, absent))}; the columns are: "
            f"{', '.join(map(str, frame.columns))}"
        )
    text = parsed.text
    if parsed.absorb_terms:
        text = f"({parsed.rhs}) + 1" if parsed.lhs is None else f"{parsed.lhs} ~ ({parsed.rhs}) + 1"
    return formulaic.model_matrix(text, frame, na_action=na_action)


def _plain(value):
    """numpy scalars and arrays (and formulaic's dicts of them) as JSON values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value.item() if hasattr(value, "item") else value


def store_spec(spec, columns, rhs: str) -> dict:
    """The right-hand side's formulaic spec as plain values for a model file.

    Parameters
    ----------
    spec : formulaic.ModelSpec
        The right-hand side's spec after fitting.
    columns : list of str
        The model-matrix columns the estimator was fitted on.
    rhs : str
        The canonical right-hand side (:attr:`ParsedFormula.rhs`).
    """
    encoders = {}
    for factor, (kind, state) in spec.encoder_state.items():
        entry = {"kind": kind.value}
        if kind.value == "categorical":
            entry["categories"] = [_plain(c) for c in state.get("categories", [])]
        encoders[str(factor)] = entry
    transforms = {str(k): _plain(dict(state)) for k, state in spec.transform_state.items()}
    return {"rhs": rhs, "columns": list(columns), "encoders": encoders, "transforms": transforms}


# ---------------------------------------------------------------- stored specs
_STORED_KEYS = {"rhs", "columns", "encoders", "transforms"}
_KINDS = ("numerical", "categorical", "constant")
_STATE_KEYS = {
    "center": {"ddof", "center", "scale"},
    "scale": {"ddof", "center", "scale"},
    "poly": {"alpha", "norms2"},
}


def _stored_error(field: str, what: str):
    raise FormulaError(what, field=f"formula.{field}" if field else "formula")


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_stored(stored) -> dict:
    """Check a formula spec read from a model file; return it with the canonical ``rhs``.

    Every string is checked against the grammar or a closed list: the right-hand side
    parses, each encoder and transform key is a factor of it, kinds are closed, categories
    are plain scalars, transform states hold exactly their numbers.

    Raises
    ------
    FormulaError
        With ``field`` naming the offending entry (``"formula.rhs"``, ...).
    """
    if not isinstance(stored, dict):
        _stored_error("", f"must be an object or null, found {type(stored).__name__}")
    unknown = sorted(set(stored) - _STORED_KEYS)
    missing = sorted(_STORED_KEYS - set(stored))
    if unknown or missing:
        key = (unknown or missing)[0]
        _stored_error(key, "unknown field" if unknown else "missing field")
    try:
        parsed = parse(stored["rhs"], response=False)
    except FormulaError as err:
        _stored_error("rhs", str(err))
    columns = stored["columns"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        _stored_error("columns", "must be a list of strings")
    if len(set(columns)) != len(columns):
        _stored_error("columns", "holds a name twice")
    factors = _factor_names(parsed)
    _check_encoders(stored["encoders"], factors)
    _check_transforms(stored["transforms"], factors)
    return dict(stored, rhs=parsed.rhs)


def _factor_names(parsed: ParsedFormula) -> set | None:
    """formulaic's names of the factors of the canonical rhs (parsing only), or None."""
    try:
        formulaic = _formulaic()
    except ImportError:
        return None
    terms = formulaic.Formula(parsed.rhs)
    return {str(f.expr) for term in terms for f in term.factors if str(f.expr) not in ("1", "0")}


def _check_encoders(encoders, factors) -> None:
    if not isinstance(encoders, dict):
        _stored_error("encoders", "must be an object")
    for name, entry in encoders.items():
        where = f"encoders[{_shown(name)}]"
        if factors is not None and name not in factors:
            _stored_error(where, "is not a factor of the formula")
        if not isinstance(entry, dict) or entry.get("kind") not in _KINDS:
            _stored_error(where, f"must be {{'kind': one of {', '.join(_KINDS)}}}")
        allowed = {"kind", "categories"} if entry["kind"] == "categorical" else {"kind"}
        if set(entry) - allowed:
            _stored_error(f"{where}.{sorted(set(entry) - allowed)[0]}", "unknown field")
        if entry["kind"] == "categorical":
            cats = entry.get("categories")
            if not isinstance(cats, list) or not all(
                (isinstance(c, str) and not _CONTROL.search(c)) or _finite(c) or isinstance(c, bool)
                for c in cats
            ):
                _stored_error(f"{where}.categories", "must be a list of strings or numbers")
            if len({(type(c), c) for c in cats}) != len(cats):
                _stored_error(f"{where}.categories", "holds a level twice")


def _check_transforms(transforms, factors) -> None:
    if not isinstance(transforms, dict):
        _stored_error("transforms", "must be an object")
    for name, state in transforms.items():
        where = f"transforms[{_shown(name)}]"
        if factors is not None and name not in factors:
            _stored_error(where, "is not a factor of the formula")
        kind = name.split("(", 1)[0]
        if kind not in _STATE_KEYS:
            _stored_error(where, f"is not one of the stateful transforms {', '.join(STATEFUL)}")
        if not isinstance(state, dict) or set(state) != _STATE_KEYS[kind]:
            _stored_error(where, f"must hold exactly {', '.join(sorted(_STATE_KEYS[kind]))}")
        for key, value in state.items():
            _check_state_value(f"{where}.{key}", key, value)


def _check_state_value(where: str, key: str, value) -> None:
    if key == "ddof":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1
    elif key in ("alpha", "norms2"):
        ok = isinstance(value, dict) and all(
            k.isdigit() and len(k) <= 3 and _finite(v) for k, v in value.items()
        )
    else:  # center, scale: a finite number, or null where the transform keeps none
        ok = value is None or _finite(value)
    if not ok:
        _stored_error(where, "must hold finite numbers")


def _spec(stored: dict):
    """formulaic's ModelSpec from a validated stored spec."""
    formulaic = _formulaic()
    from formulaic.parser.types import Factor

    encoders = {
        name: (
            Factor.Kind(entry["kind"]),
            {"categories": entry["categories"]} if entry["kind"] == "categorical" else {},
        )
        for name, entry in stored["encoders"].items()
    }
    transforms = {
        name: {
            k: ({int(i): v for i, v in value.items()} if isinstance(value, dict) else value)
            for k, value in state.items()
        }
        for name, state in stored["transforms"].items()
    }
    return formulaic.ModelSpec(
        formula=stored["rhs"], encoder_state=encoders, transform_state=transforms
    )


def design_matrix(stored: dict, frame) -> np.ndarray:
    """The model-matrix columns ``stored["columns"]`` for new data, as fitted.

    Parameters
    ----------
    stored : dict
        A formula spec from :func:`store_spec` (validated again here).
    frame : pandas.DataFrame or pyarrow.Table
        Holds the columns the formula reads (others are ignored); no missing values.

    Raises
    ------
    FormulaError
        Invalid spec (``field`` set), a column the formula needs is absent, a category
        not seen in training, or the spec does not produce the stored columns.
    """
    formulaic = _formulaic()
    stored = validate_stored(stored)
    needed = required_columns(stored["rhs"])
    if not hasattr(frame, "iloc"):  # a pyarrow Table
        names = list(frame.column_names)
        absent = [c for c in needed if c not in names]
        if not absent:
            frame = frame.select(needed).to_pandas()
    else:
        absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise FormulaError(f"the model's formula needs column(s) {', '.join(map(repr, absent))}")
    frame = frame[needed]
    with warnings.catch_warnings():
        warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
        try:
            X = _spec(stored).get_model_matrix(frame, na_action="raise")
        except formulaic.errors.DataMismatchWarning as err:
            raise FormulaError(f"data do not match the training data: {err}") from None
    lost = [c for c in stored["columns"] if c not in X.columns]
    if lost:
        raise FormulaError(
            f"the formula does not produce the stored column(s) {', '.join(map(repr, lost))}",
            field="formula.columns",
        )
    return X[stored["columns"]].to_numpy(dtype=np.float64)
