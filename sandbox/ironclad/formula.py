"""The `filter` query parameter of `GET /records`: a subset of Ironclad's formula language, compiled to SQL.

Grammar (vendor spec, parameter RecordFilter: "the record property ID should be enclosed in brackets `[ ]`
and the value should be enclosed in single quotes `' '`"):

    expr    := Func '(' [arg {',' arg}] ')'
    arg     := expr | '[' name ']' | 'text' | number | true | false | Date('…')

Supported: And, Or, Equals, NotEqual, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual,
Contains, IsEmpty, IsNotEmpty, Date. Not supported (answered 400): Today, RelativeDate and anything else.
Fields: the record columns (id, ironcladId, type, name, parentId, lastUpdated, agreementDate) and any record
property known to the schema (compared on its `value`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_LENGTH = 4000
MAX_DEPTH = 32

COMPARISONS = {
    "Equals": "=",
    "NotEqual": "<>",
    "GreaterThan": ">",
    "GreaterThanOrEqual": ">=",
    "LessThan": "<",
    "LessThanOrEqual": "<=",
}
LOGICAL = {"And": "AND", "Or": "OR"}
UNARY = ("IsEmpty", "IsNotEmpty")
SUPPORTED = (*LOGICAL, *COMPARISONS, "Contains", *UNARY, "Date")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<field>\[[^\]]*\])
      | (?P<string>'(?:[^'\\]|\\.|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


class FormulaError(ValueError):
    """The filter cannot be parsed or uses something the sandbox does not support."""


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class DateLit:
    value: dt.datetime


def parse_datetime(text: str) -> dt.datetime:
    """ISO-8601 date or date-time; naive values are UTC (Ironclad's `lastUpdated` is "since (UTC)")."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormulaError(f"unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("unexpected end of formula")
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise FormulaError(f"expected {value or kind}, found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.arg(0)
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r} after the formula")  # type: ignore[index]
        return node

    def arg(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise FormulaError("formula nested too deeply")
        kind, value = self.take()
        if kind == "field":
            return Field(value[1:-1].strip())
        if kind == "string":
            return _unquote(value)
        if kind == "number":
            try:
                return Decimal(value)
            except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
                raise FormulaError(f"invalid number {value}") from exc
        if kind == "name":
            if value.lower() in ("true", "false") and (self.peek() or ("", ""))[1] != "(":
                return value.lower() == "true"
            self.take("punct", "(")
            args: list[Any] = []
            if (self.peek() or ("", ""))[1] != ")":
                args.append(self.arg(depth + 1))
                while (self.peek() or ("", ""))[1] == ",":
                    self.take()
                    args.append(self.arg(depth + 1))
            self.take("punct", ")")
            return _call(value, tuple(args))
        raise FormulaError(f"unexpected {value!r}")


def _unquote(token: str) -> str:
    body = token[1:-1].replace("''", "'")
    return re.sub(r"\\(.)", r"\1", body)


def _call(name: str, args: tuple[Any, ...]) -> Any:
    if name not in SUPPORTED:
        raise FormulaError(
            f"unsupported formula function {name}; the sandbox supports {', '.join(SUPPORTED)}"
        )
    if name == "Date":
        if len(args) != 1 or not isinstance(args[0], str):
            raise FormulaError("Date expects one quoted ISO-8601 date, e.g. Date('2024-01-31')")
        try:
            return DateLit(parse_datetime(args[0]))
        except ValueError as exc:
            raise FormulaError(f"invalid date {args[0]!r}") from exc
    return Call(name, args)


@dataclass(frozen=True)
class Columns:
    """What a formula may reference: columns (name -> "string" | "timestamp") and record properties."""

    columns: Mapping[str, str]
    properties: frozenset[str]
    doc_column: str = "doc"


def compile_filter(text: str, cols: Columns) -> tuple[str, list[Any]]:
    """Parse `text` and return a SQL boolean expression with its positional parameters."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise FormulaError("empty formula")
    node = _Parser(text).parse()
    params: list[Any] = []
    sql = _compile(node, cols, params)
    return sql, params


def _compile(node: Any, cols: Columns, params: list[Any]) -> str:
    if not isinstance(node, Call):
        raise FormulaError("a formula must be a function such as Equals([name], 'x')")
    if node.name in LOGICAL:
        if not node.args:
            raise FormulaError(f"{node.name} needs at least one condition")
        parts = [_compile(arg, cols, params) for arg in node.args]
        return "(" + f" {LOGICAL[node.name]} ".join(parts) + ")"
    if node.name in UNARY:
        if len(node.args) != 1 or not isinstance(node.args[0], Field):
            raise FormulaError(f"{node.name} expects one [field]")
        expr, _ = _field(node.args[0], cols)
        empty = f"({expr} IS NULL OR CAST({expr} AS VARCHAR) = '')"
        return empty if node.name == "IsEmpty" else f"(NOT {empty})"
    if len(node.args) != 2 or not isinstance(node.args[0], Field):
        raise FormulaError(f"{node.name} expects a [field] and a value, e.g. {node.name}([name], 'x')")
    expr, kind = _field(node.args[0], cols)
    literal = node.args[1]
    if isinstance(literal, (Field, Call)):
        raise FormulaError(f"{node.name}: the second argument must be a value")
    if node.name == "Contains":
        if not isinstance(literal, str) or kind == "timestamp":
            raise FormulaError("Contains compares text: Contains([name], 'part')")
        params.append(literal)
        return f"coalesce(contains({expr}, ?), false)"
    op = COMPARISONS[node.name]
    target, value = _coerce(expr, kind, literal, node.args[0].name)
    params.append(value)
    if op == "<>":
        return f"({target} IS DISTINCT FROM ?)"
    return f"({target} {op} ?)"


def _field(field: Field, cols: Columns) -> tuple[str, str]:
    name = field.name
    if name in cols.columns:
        return f'"{name}"', cols.columns[name]
    if name in cols.properties and _PROPERTY_NAME.match(name):
        return f"json_extract_string({cols.doc_column}, '$.properties.\"{name}\".value')", "property"
    raise FormulaError(f"unknown record property {name}")


def _coerce(expr: str, kind: str, literal: Any, name: str) -> tuple[str, Any]:
    """The SQL expression to compare and the parameter, given the field's kind and the literal."""
    if kind == "timestamp":
        if isinstance(literal, DateLit):
            return expr, literal.value
        if isinstance(literal, str):
            try:
                return expr, parse_datetime(literal)
            except ValueError as exc:
                raise FormulaError(f"[{name}] is a date: compare it with Date('2024-01-31')") from exc
        raise FormulaError(f"[{name}] is a date: compare it with Date('2024-01-31')")
    if kind == "string":
        if isinstance(literal, str):
            return expr, literal
        raise FormulaError(f"[{name}] is text: compare it with a quoted value")
    # a record property: compare its value as text, date, number or boolean according to the literal
    if isinstance(literal, DateLit):
        return f"try_cast({expr} AS TIMESTAMPTZ)", literal.value
    if isinstance(literal, bool):
        return expr, "true" if literal else "false"
    if isinstance(literal, Decimal):
        return f"try_cast({expr} AS DECIMAL(38, 9))", literal
    return expr, literal
