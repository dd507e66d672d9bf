"""Records in Salesforce's wire shape, serialised by DuckDB (one JSON text per row; pages are joins).

    {"attributes": {"type": "Account", "url": "/services/data/v62.0/sobjects/Account/001…"},
     "Id": "001…", "Name": "Acme", "Amount": 120000.0, "CloseDate": "2024-05-01",
     "SystemModstamp": "2024-05-01T10:02:03.000+0000", "IsDeleted": false}

Datetimes are UTC with milliseconds and `+0000`; dates `YYYY-MM-DD`; currency and other decimals are JSON
numbers (the decimal's nearest double, whose shortest text is the decimal itself up to 15 significant
digits, as sandbox.common.jsonio does); booleans and null as JSON.
"""

from __future__ import annotations

from typing import Any

from sandbox.common.faults import apply_drift, fired_rules
from sandbox.common.jsonio import dumps, loads

from .catalog import Field, SObject

DATETIME_OUT = "%Y-%m-%dT%H:%M:%S.%g+0000"  # 2013-05-20T20:49:32.000+0000
DRIFT_KINDS = ("drift_add_field", "drift_change_type")


def sql_string(text: str) -> str:
    """A SQL string literal for a catalog name (object and field names, never request values)."""
    return "'" + text.replace("'", "''") + "'"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def value_expr(f: Field) -> str:
    col = quote(f.name)
    if f.type == "datetime":
        return f"strftime({col}, '{DATETIME_OUT}')"
    if f.type == "date":
        return f"strftime({col}, '%Y-%m-%d')"
    if f.type in ("currency", "double") and f.precision:
        return f"CAST({col} AS DOUBLE)"
    return col


def record_json_expr(obj: SObject, fields: list[Field], version: str) -> str:
    """A DuckDB expression giving one record's JSON text: attributes first, then fields in order."""
    url = sql_string(f"/services/data/v{version}/sobjects/{obj.name}/")
    parts = [f"'attributes', json_object('type', {sql_string(obj.name)}, 'url', {url} || \"Id\")"]
    parts += [f"{sql_string(f.name)}, {value_expr(f)}" for f in fields]
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)"


def drifted(scope: dict[str, Any], rows: list[str]) -> list[str]:
    """The schema-drift fault on served records (only when such a rule fired for this request)."""
    if not any(rule.kind in DRIFT_KINDS for rule in fired_rules(scope)):
        return rows
    return [dumps(apply_drift(scope, loads(row))).decode() for row in rows]
