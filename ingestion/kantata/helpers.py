"""Kantata OX paging and parsing: the retry verdict, the strict `updated_after` filter, the brainstem envelope
walked in `results` order page by page, and a page as a typed Arrow table with exact decimal money."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc

from core.retry import Verdict, classify_status
from ingestion.common.client import VendorClient
from ingestion.common.errors import MalformedPageError, SchemaContractError
from ingestion.common.pages import MONEY, LoopGuard, check_rows, to_arrow

from .settings import BASE_UNIT, INITIAL_UPDATED_AT, STRICT_FILTER_SLACK, VENDOR, Money, Spec

log = logging.getLogger("ingestion")
CENTS = pa.decimal128(19, 0)  # every int64 fits
UNIT = pa.decimal128(10, 0)  # base units up to 2^31 (cast through int32 so Arrow accepts the precision)
EXACT_DIGITS = 10**9  # the quotient (scale 11) fits MONEY exactly when the unit divides 10^9


def classify(response: httpx.Response) -> Verdict:
    """Kantata: 429 (bare, or with its `errors` body) throttles; 401 is an expired or invalid token (there is
    no token endpoint, so the client fails fast naming access_token); 5xx/408 retry; other 4xx fail."""
    return classify_status(response.status_code)


def updated_after(start: Any) -> str | None:
    """The `updated_after` value for a walk from cursor `start`: none on a first (full) run; otherwise one
    second before it, because the filter is strict on whole seconds — the boundary second is re-read; dlt
    drops what is before it (closed range) and common/boundary.py what it already has with the same content."""
    if start is None:
        return None
    if isinstance(start, str):
        start = dt.datetime.fromisoformat(start)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    start = start.astimezone(dt.UTC)
    if start <= INITIAL_UPDATED_AT:
        return None
    return (start.replace(microsecond=0) - STRICT_FILTER_SLACK).strftime("%Y-%m-%dT%H:%M:%SZ")


def walk(client: VendorClient, spec: Spec, params: dict[str, str], *, page_size: int,
         cursor: str | None) -> Iterator[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
    """(page number, envelope, records in `results` order) for every page of one walk; stops on
    meta.page_count (never on a short page); a repeated (page_number, first id) is a pagination loop."""
    guard = LoopGuard(VENDOR, spec.name)
    query = {**spec.params, **params, "per_page": str(page_size)}
    if cursor:
        query["updated_after"] = cursor
    page = 1
    while True:
        body = client.get_json(f"/{spec.name}.json", resource=spec.name, page=page, cursor=cursor,
                               params={**query, "page": str(page)})
        rows, page_count, page_number = page_records(body, spec.name, page=page, cursor=cursor)
        if not rows and page_count == 0:
            return
        guard.check((page_number, rows[0].get("id") if rows else None), page=page, cursor=cursor)
        yield page, body, rows
        if page >= page_count:
            return
        page += 1


def page_records(body: Any, name: str, *, page: int,
                 cursor: str | None) -> tuple[list[dict[str, Any]], int, int]:
    """The primary records in `results` order (never the keyed map's order: it also holds side-loads),
    with meta.page_count and meta.page_number. Anything else is a malformed page."""

    def malformed(why: str) -> MalformedPageError:
        return MalformedPageError(why, vendor=VENDOR, resource=name, page=page, cursor=cursor)

    if not isinstance(body, dict):
        raise malformed("the page is not a brainstem envelope (not an object)")
    meta, results, records = body.get("meta"), body.get("results"), body.get(name)
    if not isinstance(meta, dict) or not isinstance(meta.get("page_count"), int):
        raise malformed("the envelope has no meta.page_count")
    if not isinstance(results, list) or not isinstance(records, dict):
        raise malformed(f"the envelope has no `results` list or `{name}` map")
    try:
        rows = [records[ref["id"]] for ref in results]
    except (KeyError, TypeError):
        rows = []
        for n, ref in enumerate(results):
            rid = ref.get("id") if isinstance(ref, dict) else None
            record = records.get(rid if isinstance(rid, str) else str(rid)) if rid is not None else None
            if record is None:  # an id of another JSON type is looked up as text: check_rows then names it
                raise malformed(f"results[{n}] ({ref!r:.80}) has no record in the `{name}` map")
            rows.append(record)
    page_number = meta.get("page_number")
    return rows, meta["page_count"], page_number if isinstance(page_number, int) else page


def page_table(rows: list[dict[str, Any]], spec: Spec, body: dict[str, Any], *, page: int, cursor: str | None,
               known: set[str]) -> pa.Table:
    """Checks (ids, money contract) → typed Arrow table (added fields kept) → exact decimal money columns."""
    check_rows(rows, vendor=VENDOR, resource=spec.name, keys=("id",), money=spec.money_fields, page=page,
               cursor=cursor)
    table = to_arrow(rows, spec.types, vendor=VENDOR, resource=spec.name, page=page, known=known,
                     required=("id",))
    for money in spec.money:
        if money.base_from is None:
            base = table.column(BASE_UNIT)
        else:
            base = _side_base(table, body, money, spec, page)
        amount = exact_amount(table.column(money.cents), base, spec=spec, money=money, page=page,
                              cursor=cursor)
        if money.name in table.column_names:  # the vendor now sends a field of that name: ours wins
            table = table.drop_columns([money.name])
        table = table.append_column(pa.field(money.name, MONEY), amount)
    return table


def _side_base(table: pa.Table, body: dict[str, Any], money: Money, spec: Spec, page: int) -> pa.Array:
    """The base unit of each row's side-loaded owner (e.g. a rate card role's version)."""
    owners = body.get(money.base_from) or {}
    keys = table.column(money.base_key).to_pylist()
    values = [(owners.get(k) or {}).get(BASE_UNIT) if k is not None else None for k in keys]
    try:
        return pa.array(values, type=pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
        raise SchemaContractError(f"{money.base_from}.{BASE_UNIT} is not an integer ({str(exc)[:80]})",
                                  vendor=VENDOR, resource=spec.name, page=page) from exc


def exact_amount(cents: pa.ChunkedArray | pa.Array, base: pa.ChunkedArray | pa.Array, *, spec: Spec,
                 money: Money, page: int, cursor: str | None) -> pa.Array:
    """cents / currency_base_unit as DECIMAL(38,9), computed in Arrow decimals (exact; no float, no per-row
    Python). A unit that does not divide 10^9 could not be exact in MONEY and stops the load."""
    if isinstance(cents, pa.ChunkedArray):
        cents = cents.combine_chunks()
    if isinstance(base, pa.ChunkedArray):
        base = base.combine_chunks()
    present = pc.is_valid(cents)
    units = pc.unique(pc.filter(base, present)).to_pylist()
    for unit in units:
        if unit is None:
            missing = pc.sum(pc.and_(present, pc.is_null(base))).as_py()
            if money.base_from is None:
                raise MalformedPageError(f"{missing} record(s) have {money.cents} but no {BASE_UNIT}",
                                         vendor=VENDOR, resource=spec.name, page=page, cursor=cursor)
            log.warning("%s/%s page %s: %s record(s) have no side-loaded %s; %s left null", VENDOR, spec.name,
                        page, missing, money.base_from, money.name)
        elif unit <= 0 or EXACT_DIGITS % unit:
            raise SchemaContractError(f"{BASE_UNIT} {unit} cannot convert {money.cents} to an exact decimal",
                                      vendor=VENDOR, resource=spec.name, page=page, cursor=cursor)
    base = pc.if_else(present, base, pa.scalar(None, base.type))  # units of rows without money are moot
    try:
        return pc.divide(cents.cast(CENTS), base.cast(pa.int32()).cast(UNIT)).cast(MONEY)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaContractError(f"{money.cents} / {BASE_UNIT} does not fit {MONEY} ({str(exc)[:80]})",
                                  vendor=VENDOR, resource=spec.name, page=page, cursor=cursor) from exc
