"""Ironclad paging and parsing: the retry verdict, the `{page, pageSize, count, list}` walk with its loop
checks, the money contract inside `properties`, and RecordModel → raw row (nested values as exact JSON)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pyarrow as pa

from core.retry import Verdict, classify_status
from ingestion.common.client import VendorClient
from ingestion.common.errors import MalformedPageError, PaginationLoopError, SchemaContractError
from ingestion.common.pages import LoopGuard, check_rows, to_arrow
from ingestion.common.progress import Progress

from .settings import (
    FIELDS,
    JSON_FIELDS,
    KEYS,
    MAX_PASSES,
    MONEY_TYPE,
    RECORDS_PATH,
    RESOURCE,
    SORT,
    TYPES,
    VENDOR,
)

log = logging.getLogger("ingestion")


# ---- retry verdict ---------------------------------------------------------------------------------------
def classify(response: httpx.Response) -> Verdict:
    """Ironclad answers `{code, message}`: 401 UNAUTHORIZED "token has expired" (or "invalid authentication
    token") → fetch a new token once; 429 TOO_MANY_REQUESTS (no Retry-After documented) → throttled;
    403 FORBIDDEN (scope) and 400 INVALID_PARAM → fail; 5xx → retry."""
    status = response.status_code
    if status == 401:
        return Verdict.REAUTH  # the client refreshes once, then raises AuthError (no loop on 401)
    if status == 429:
        return Verdict.THROTTLED
    return classify_status(status)


# ---- exact JSON text -------------------------------------------------------------------------------------
_TOKEN = f"exact-decimal-{uuid.uuid4().hex}:"  # per process: no value the vendor sends can contain it
_MARKED = re.compile('"' + re.escape(_TOKEN) + r'(-?[0-9]+(?:\.[0-9]+)?)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return f"{_TOKEN}{value:f}"
    raise TypeError(f"{type(value).__name__} {value!r} has no JSON form")


def exact_json(value: Any) -> str:
    """JSON text in which every Decimal (a JSON number parsed from its text) is written back as a JSON
    number with the same digits (`175.50`, never `"175.50"` nor a binary float's `175.5000000001`)."""
    text = json.dumps(value, default=_mark, ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text) if _TOKEN in text else text


# ---- cursor ----------------------------------------------------------------------------------------------
def since_param(last_value: Any) -> str:
    """The incremental cursor as Ironclad's inclusive `lastUpdated` (UTC, milliseconds rounded down, `Z`)."""
    if isinstance(last_value, str):
        last_value = dt.datetime.fromisoformat(last_value)
    if last_value.tzinfo is None:
        last_value = last_value.replace(tzinfo=dt.UTC)
    value = last_value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# ---- page checks -----------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def envelope(body: Any, *, page: int, cursor: str) -> tuple[list[Any], int, int | None]:
    """(list, count, served page) of a `/records` answer, or MalformedPageError."""
    if not isinstance(body, dict) or not isinstance(body.get("list"), list) or not _is_int(body.get("count")):
        got = sorted(body)[:8] if isinstance(body, dict) else type(body).__name__
        raise MalformedPageError(f"not Ironclad's {{page, pageSize, count, list}} envelope (got {got})",
                                 vendor=VENDOR, resource=RESOURCE, page=page, cursor=cursor)
    served = body.get("page")
    return body["list"], body["count"], served if _is_int(served) else None


def check_money(docs: list[dict[str, Any]], *, page: int, cursor: str) -> None:
    """Money lives in `properties`: each `monetary_amount` value / originalValue is {amount: number, currency}.
    A `properties` that is no longer a map, or an amount that is no longer a number, stops the load."""
    for doc in docs:
        rid = doc.get("id")
        props = doc.get("properties")
        if props is None:
            continue
        if not isinstance(props, dict):
            raise SchemaContractError(f"'properties' arrived as {type(props).__name__}, expected an object (it holds "
                                      "the contract's money terms)", vendor=VENDOR, resource=RESOURCE, page=page,
                                      cursor=cursor, record=rid)
        for name, prop in props.items():
            if not isinstance(prop, dict):
                raise SchemaContractError(f"property {name!r} arrived as {type(prop).__name__}, expected "
                                          "{type, value}", vendor=VENDOR, resource=RESOURCE, page=page,
                                          cursor=cursor, record=rid)
            if prop.get("type") != MONEY_TYPE:
                continue
            for key in ("value", "originalValue"):
                money = prop.get(key)
                if money is None:
                    continue
                amount = money.get("amount") if isinstance(money, dict) else money
                if (not isinstance(money, dict) or isinstance(amount, bool) or not isinstance(amount, (int, Decimal))
                        or not isinstance(money.get("currency"), str)):
                    raise SchemaContractError(f"money property {name!r}.{key} arrived as {amount!r}, expected "
                                              "{amount: number, currency: ISO 4217}", vendor=VENDOR,
                                              resource=RESOURCE, page=page, cursor=cursor, record=rid)


# ---- rows ------------------------------------------------------------------------------------------------
def to_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RecordModel → raw row: snake_case columns, nested values as exact JSON text; added fields kept."""
    rows = []
    for doc in docs:
        row: dict[str, Any] = {}
        for name, value in doc.items():
            known = FIELDS.get(name)
            if known is None:  # a field the vendor added: kept under its own name (dlt snake-cases it)
                row[name] = exact_json(value) if isinstance(value, (dict, list)) else value
            elif name in JSON_FIELDS:
                row[known[0]] = None if value is None else exact_json(value)
            else:
                row[known[0]] = value
        rows.append(row)
    return rows


# ---- the walk --------------------------------------------------------------------------------------------
def pages(client: VendorClient, *, since: str, page_size: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Checked pages of `GET /records?lastUpdated=<since>` sorted by lastUpdated ascending. Ironclad has no
    next link: stop when `(page+1)*pageSize >= count` or the list is short. A page the vendor repeats (same
    served page number and first record, or an earlier page's first record unchanged, or another page than
    the one asked for) is a PaginationLoopError."""
    guard = LoopGuard(VENDOR, RESOURCE)
    firsts = LoopGuard(VENDOR, RESOURCE)
    page = 0
    while True:
        params = {"page": page, "pageSize": page_size, "lastUpdated": since, **SORT}
        body = client.get_json(RECORDS_PATH, resource=RESOURCE, page=page, cursor=since, params=params)
        docs, count, served = envelope(body, page=page, cursor=since)
        check_rows(docs, vendor=VENDOR, resource=RESOURCE, keys=KEYS, page=page, cursor=since)
        check_money(docs, page=page, cursor=since)
        first = docs[0] if docs else {}
        guard.check(("page", served, first.get("id")), page=page, cursor=since)
        if first:
            firsts.check(("first record", first["id"], first["lastUpdated"]), page=page, cursor=since)
        if served is not None and served != page:
            raise PaginationLoopError(f"asked for page {page}, the vendor served page {served}", vendor=VENDOR,
                                      resource=RESOURCE, page=page, cursor=since)
        yield page, docs
        if len(docs) < page_size or (page + 1) * page_size >= count:
            return
        page += 1


def walk(client: VendorClient, *, since: str, page_size: int, progress: Progress | None) -> Iterator[pa.Table]:
    """One Arrow table per page. Offset paging over live data: a record edited during the walk moves to the
    end (sorted by lastUpdated), so the records after its old place shift one position back and one of them
    can fall between two pages. The walk notices (a record comes back with a newer lastUpdated) and walks
    again from the same cursor, yielding only what it has not yielded yet (the merge keeps the newest)."""
    yielded: dict[str, str] = {}
    known: set[str] = set()
    for _ in range(MAX_PASSES):
        moved = False
        for page, docs in pages(client, since=since, page_size=page_size):
            fresh = []
            for doc in docs:
                rid, stamp = str(doc["id"]), str(doc["lastUpdated"])
                before = yielded.get(rid)
                if before == stamp:
                    continue
                moved = moved or before is not None
                yielded[rid] = stamp
                fresh.append(doc)
            if progress is not None:
                progress.page(RESOURCE, len(fresh))
            if fresh:
                yield to_arrow(to_rows(fresh), TYPES, vendor=VENDOR, resource=RESOURCE, page=page, known=known,
                               required=("id",))
        if not moved:
            return
        log.warning("%s/%s: records changed during the walk from %s; walking again so none is skipped",
                    VENDOR, RESOURCE, since)
    log.warning("%s/%s: records kept changing during %d walks from %s; a record may have been skipped until "
                "it changes again", VENDOR, RESOURCE, MAX_PASSES, since)
