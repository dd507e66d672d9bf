"""Turning a vendor page into an Arrow table for dlt's fast path, with the checks that keep the raw layer
honest: required ids, key and money types (a contract), loop detection, and added fields kept."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa

from .errors import MalformedPageError, PaginationLoopError, SchemaContractError

log = logging.getLogger("ingestion")
MONEY = pa.decimal128(38, 9)  # dlt + DuckDB load decimals as DECIMAL(38,9)
TS = pa.timestamp("us", tz="UTC")


class LoopGuard:
    """Remembers every page signature (next link, page number + first id) of one resource walk."""

    def __init__(self, vendor: str, resource: str) -> None:
        self.vendor, self.resource = vendor, resource
        self.seen: set[Any] = set()

    def check(self, signature: Any, *, page: Any = None, cursor: Any = None) -> None:
        if signature in self.seen:
            raise PaginationLoopError(f"the vendor repeated a page ({signature!r})", vendor=self.vendor,
                                      resource=self.resource, page=page, cursor=cursor)
        self.seen.add(signature)


def check_rows(rows: list[dict[str, Any]], *, vendor: str, resource: str, keys: Iterable[str],
               money: Iterable[str] = (), page: Any = None, cursor: Any = None) -> None:
    """Every row has its key fields as str/int, and money fields as exact numbers (or null)."""
    keys, money = tuple(keys), tuple(money)
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            raise MalformedPageError(f"record {n} is not an object", vendor=vendor, resource=resource, page=page,
                                     cursor=cursor)
        for key in keys:
            value = row.get(key)
            if value is None or value == "":
                raise MalformedPageError(f"record {n} has no {key!r}", vendor=vendor, resource=resource, page=page,
                                         cursor=cursor)
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise SchemaContractError(f"key field {key!r} arrived as {type(value).__name__}", vendor=vendor,
                                          resource=resource, page=page, cursor=cursor, record=row.get(keys[0]))
        for name in money:
            value = row.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, Decimal))):
                raise SchemaContractError(f"money field {name!r} arrived as {type(value).__name__}, expected a number",
                                          vendor=vendor, resource=resource, page=page, cursor=cursor,
                                          record=row.get(keys[0]) if keys else None)


def to_arrow(rows: list[dict[str, Any]], types: dict[str, pa.DataType], *, vendor: str, resource: str,
             page: Any = None, known: set[str] | None = None, required: tuple[str, ...] = ()) -> pa.Table:
    """Typed columns for the declared fields; every other field is kept (inferred, or JSON text) so the raw
    table evolves when the vendor adds one. New fields are logged once per walk via `known`. `required`
    fields (primary keys, already checked by `check_rows`) are declared non-nullable, as dlt declares them."""
    names: list[str] = list(types)
    extra: list[str] = []
    for row in rows:
        for name in row:
            if name not in types and name not in extra:
                extra.append(name)
    if known is not None:
        for name in extra:
            if name not in known:
                known.add(name)
                log.warning("%s/%s: the vendor added field %r (kept in the raw table)", vendor, resource, name)
    arrays, fields = [], []
    for name in names + extra:
        values = [row.get(name) for row in rows]
        if name in types:
            arrays.append(_typed(values, types[name], vendor=vendor, resource=resource, page=page, name=name))
            fields.append(pa.field(name, types[name], nullable=name not in required))
        else:
            array = _inferred(values)
            arrays.append(array)
            fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _typed(values: list[Any], dtype: pa.DataType, *, vendor: str, resource: str, page: Any, name: str) -> pa.Array:
    try:
        if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
            return pa.array(values, type=pa.string()).cast(dtype)
        if pa.types.is_string(dtype):
            return pa.array([v if v is None or isinstance(v, str) else _text(v) for v in values], type=dtype)
        return pa.array(values, type=dtype)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaContractError(f"field {name!r} does not fit {dtype} ({str(exc)[:100]})", vendor=vendor,
                                  resource=resource, page=page) from exc


def _inferred(values: list[Any]) -> pa.Array:
    if all(v is None or isinstance(v, (dict, list)) for v in values) and any(v is not None for v in values):
        return pa.array([None if v is None else json.dumps(v, default=str) for v in values], type=pa.string())
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else _text(v) for v in values], type=pa.string())


def _text(value: Any) -> str:
    return json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)


BATCH_ROWS = 20_000


def batched(tables: Iterable[pa.Table], min_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """Hand dlt fewer, larger Arrow tables: consecutive pages are concatenated until `min_rows`.

    dlt pays a fixed cost per extracted item (schema inference and hashing per table), so pages of 200
    rows (Kantata's maximum) cost more in dlt than on the wire. The pages are already validated; a failure
    later in the walk still fails the whole extract, so batching changes nothing about what is loaded.
    Tables whose schemas differ (a field the vendor added mid-walk) are unified by name."""
    pending: list[pa.Table] = []
    rows = 0
    for table in tables:
        pending.append(table)
        rows += table.num_rows
        if rows >= min_rows:
            yield _concat(pending)
            pending, rows = [], 0
    if pending:
        yield _concat(pending)


def _concat(tables: list[pa.Table]) -> pa.Table:
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="permissive")
