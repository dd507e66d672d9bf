"""Parsed SOQL -> DuckDB SQL with bound parameters, checked against the catalog the way Salesforce checks.

SOQL semantics kept: text comparisons and sorting are case-insensitive (record ids are not); `!=` and
`NOT IN` also match null; ASC sorts nulls first and DESC nulls last unless NULLS FIRST/LAST says otherwise;
`query` never sees rows with IsDeleted = true, `queryAll` does. Values are never spliced into the SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import Field, SObject
from .records import quote, record_json_expr
from .soql import (
    BoolOp,
    Comparison,
    Condition,
    FieldRef,
    FieldsFn,
    Literal,
    Not,
    Query,
    parse,
)
from .soql_tokens import SoqlError, decode_string

MAX_OFFSET = 2000
FIELDS_FN_MAX_LIMIT = 200
_DT_RE = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})")


@dataclass
class Compiled:
    sobject: SObject
    fields: list[Field]  # selected, in SELECT order
    sql: str  # one column: the record's JSON text (or the count, for COUNT())
    params: list[Any] = field(default_factory=list)
    count_only: bool = False


def parse_datetime(text: str, pos: int) -> dt.datetime:
    m = _DT_RE.fullmatch(text)
    try:
        if not m:
            raise ValueError(text)
        day, clock, frac, zone = m.groups()
        micro = (frac or "").ljust(6, "0")[:6]
        zone = "+00:00" if zone == "Z" else (zone if ":" in zone else zone[:3] + ":" + zone[3:])
        return dt.datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}")
    except ValueError:
        raise SoqlError(
            "MALFORMED_QUERY", f"line 1:{pos} no viable alternative at character '{text}'", pos + 1
        ) from None


def parse_date(text: str, pos: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SoqlError(
            "MALFORMED_QUERY", f"line 1:{pos} no viable alternative at character '{text}'", pos + 1
        ) from None


class Compiler:
    def __init__(self, catalog: dict[str, SObject], include_deleted: bool, version: str) -> None:
        self.version = version
        self.catalog = {name.lower(): obj for name, obj in catalog.items()}
        self.include_deleted = include_deleted
        self.params: list[Any] = []
        self.obj: SObject
        self.alias: str | None = None

    # -- names
    def resolve(self, ref: FieldRef) -> Field:
        parts = ref.path.split(".")
        name = parts[-1]
        if len(parts) > 2 or (
            len(parts) == 2 and parts[0].lower() not in (self.obj.name.lower(), (self.alias or "").lower())
        ):
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{parts[0]}' in field path. If you are attempting to use a "
                "custom relationship, be sure to append the '__r' after the custom relationship name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
                ref.pos + 1,
            )
        found = self.obj.field(name)
        if found is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{self.obj.name}'. If you are attempting to use a custom "
                "field, be sure to append the '__c' after the custom field name. Please reference your WSDL "
                "or the describe call for the appropriate names.",
                ref.pos + 1,
            )
        return found

    # -- values
    def bind(self, f: Field, lit: Literal, like: bool = False) -> str:
        """A placeholder expression for a literal compared with field f (type-checked)."""

        def wrong(kind: str, quoted: bool) -> SoqlError:
            hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
            return SoqlError(
                "INVALID_FIELD",
                f"value of filter criterion for field '{f.name}' must be of type {kind} and {hint}",
                lit.pos + 1,
            )

        if f.is_string:
            if lit.kind != "STRING":
                raise wrong("string", True)
            self.params.append(decode_string(lit.value, like=like, pos=lit.pos))
            return "lower(?)" if f.case_insensitive and not like else "?"
        if f.type == "datetime":
            if lit.kind != "DATETIME":
                raise wrong("dateTime", False)
            self.params.append(parse_datetime(lit.value, lit.pos))
            return "CAST(? AS TIMESTAMPTZ)"
        if f.type == "date":
            if lit.kind != "DATE":
                raise wrong("date", False)
            self.params.append(parse_date(lit.value, lit.pos))
            return "CAST(? AS DATE)"
        if f.type == "boolean":
            if lit.kind != "BOOLEAN":
                raise wrong("boolean", False)
            self.params.append(lit.value)
            return "?"
        if lit.kind != "NUMBER":
            raise wrong("double" if f.type != "int" else "int", False)
        try:
            self.params.append(Decimal(lit.value))
        except InvalidOperation:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{lit.value}'", lit.pos + 1) from None
        return "?"

    def column(self, f: Field) -> str:
        return f"lower({quote(f.name)})" if f.case_insensitive else quote(f.name)

    # -- conditions
    def condition(self, cond: Condition) -> str:
        if isinstance(cond, BoolOp):
            return "(" + f" {cond.op} ".join(self.condition(c) for c in cond.operands) + ")"
        if isinstance(cond, Not):
            return f"(NOT COALESCE({self.condition(cond.operand)}, FALSE))"
        return self.comparison(cond)

    def comparison(self, c: Comparison) -> str:
        f = self.resolve(c.field)
        raw = quote(f.name)
        if c.op in ("IN", "NOT IN"):
            return self.membership(f, c)
        lit = c.values[0]
        if c.op == "LIKE":
            if not f.is_string or f.type in ("id", "reference"):
                raise SoqlError(
                    "INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on {f.type} field", c.field.pos + 1
                )
            if lit.kind == "NULL":
                return "FALSE"
            return f"({raw} ILIKE {self.bind(f, lit, like=True)} ESCAPE '\\')"
        if lit.kind == "NULL":
            if c.op == "=":
                return f"({raw} IS NULL)"
            if c.op == "!=":
                return f"({raw} IS NOT NULL)"
            return "FALSE"
        if f.type == "boolean" and c.op not in ("=", "!="):
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field", c.field.pos + 1
            )
        placeholder = self.bind(f, lit)
        col = self.column(f)
        if c.op == "!=":
            return f"({raw} IS NULL OR {col} != {placeholder})"
        return f"({col} {c.op} {placeholder})"

    def membership(self, f: Field, c: Comparison) -> str:
        raw, col = quote(f.name), self.column(f)
        has_null = any(v.kind == "NULL" for v in c.values)
        holders = [self.bind(f, v) for v in c.values if v.kind != "NULL"]
        listed = f"{col} IN ({', '.join(holders)})" if holders else None
        if c.op == "IN":
            parts = [p for p in (listed, f"{raw} IS NULL" if has_null else None) if p]
            return "(" + " OR ".join(parts) + ")"
        if not listed:
            return f"({raw} IS NOT NULL)"
        if has_null:
            return f"({raw} IS NOT NULL AND NOT ({listed}))"
        return f"({raw} IS NULL OR NOT ({listed}))"

    # -- whole query
    def compile(self, q: Query) -> Compiled:
        obj = self.catalog.get(q.sobject.lower())
        if obj is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{q.sobject}' is not supported. If you are attempting to use a custom object, "
                "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
                "describe call for the appropriate names.",
                q.sobject_pos + 1,
            )
        self.obj, self.alias = obj, q.alias
        fields = self.select_list(q)
        where = []
        if not self.include_deleted and obj.field("IsDeleted"):
            where.append('NOT COALESCE("IsDeleted", FALSE)')
        if q.where is not None:
            where.append(self.condition(q.where))
        where_sql = (" WHERE " + " AND ".join(where)) if where else ""
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        tail, tail_params = "", []
        if q.limit is not None:
            tail += " LIMIT ?"
            tail_params.append(q.limit)
        if q.offset:
            tail += " OFFSET ?"
            tail_params.append(q.offset)
        params = self.params + tail_params
        if q.count_only:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM {quote(obj.name)}{where_sql}{tail})"
            return Compiled(obj, [], sql, params, count_only=True)
        order = self.order_by(q)
        record = record_json_expr(obj, fields, self.version)
        sql = f"SELECT {record} FROM {quote(obj.name)}{where_sql} ORDER BY {order}{tail}"
        return Compiled(obj, fields, sql, params)

    def select_list(self, q: Query) -> list[Field]:
        if q.count_only:
            return []
        fields: list[Field] = []
        uses_fn = any(isinstance(item, FieldsFn) for item in q.select)
        for item in q.select:
            if isinstance(item, FieldsFn):
                if item.kind != "STANDARD" and (q.limit is None or q.limit > FIELDS_FN_MAX_LIMIT):
                    raise SoqlError(
                        "MALFORMED_QUERY",
                        f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_FN_MAX_LIMIT}",
                        item.pos + 1,
                    )
                custom = item.kind == "CUSTOM"
                expanded = [
                    f for f in self.obj.fields if item.kind == "ALL" or f.name.endswith("__c") == custom
                ]
                fields.extend(f for f in expanded if f not in fields)
                continue
            f = self.resolve(item)
            if f in fields:
                if uses_fn:
                    continue
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {f.name}", item.pos + 1)
            fields.append(f)
        if not fields:
            raise SoqlError("MALFORMED_QUERY", "unexpected token: FROM")
        return fields

    def order_by(self, q: Query) -> str:
        parts = []
        has_id = False
        for item in q.order_by:
            f = self.resolve(item.field)
            has_id = has_id or f.name == "Id"
            nulls_first = (not item.descending) if item.nulls_first is None else item.nulls_first
            parts.append(
                f"{self.column(f)} {'DESC' if item.descending else 'ASC'} "
                f"NULLS {'FIRST' if nulls_first else 'LAST'}"
            )
        if not has_id:
            parts.append('"Id" ASC')  # a stable order for ties (Salesforce's own order there is undefined)
        return ", ".join(parts)


def compile_soql(text: str, catalog: dict[str, SObject], include_deleted: bool, version: str) -> Compiled:
    return Compiler(catalog, include_deleted, version).compile(parse(text))
