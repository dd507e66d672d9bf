"""NetSuite SuiteQL paging and parsing: the retry verdict, the query of a raw table (incremental filter and
keyset continuation), the POST page walk that follows `next` links while `hasMore`, and the items (every
value a string) as typed rows."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa

from core import netsuite
from ingestion.common.client import VendorClient
from ingestion.common.errors import MalformedPageError, SchemaContractError, UnavailableError
from ingestion.common.pages import LoopGuard, check_rows, to_arrow

from .settings import (
    ARROW_TYPES,
    BOOL,
    CURSOR_TEXT,
    DATE,
    DATE_FORMAT,
    DATETIME,
    DATETIME_FORMAT,
    EXACT,
    FALSE,
    INT,
    MAX_PASSES,
    SUITEQL_HEADERS,
    SUITEQL_PATH,
    TRUE,
    VENDOR,
    Table,
)

log = logging.getLogger("ingestion")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTERNAL_ID = re.compile(r"^\d{1,19}$")


# ---- the retry verdict --------------------------------------------------------------------------------------
classify = netsuite.classify  # NetSuite's error body and throttling codes are shared with the ERP writer


# ---- the query ----------------------------------------------------------------------------------------------
def cursor_text(value: Any) -> str:
    """The incremental cursor (a datetime from dlt state) as SuiteQL text, in DATETIME_FORMAT."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime(CURSOR_TEXT)


def _timestamp(text: str) -> str:
    if not _DATETIME.match(text):
        raise ValueError(f"not a cursor value: {text!r}")
    return f"TO_TIMESTAMP('{text}', '{DATETIME_FORMAT}')"


def _select(expression: str, kind: str) -> str:
    if kind == DATETIME:
        return f"TO_CHAR({expression}, '{DATETIME_FORMAT}')"
    if kind == DATE:
        return f"TO_CHAR({expression}, '{DATE_FORMAT}')"
    return expression


def _after_keys(expressions: list[str], values: list[str]) -> str:
    first = f"{expressions[0]} > {values[0]}"
    if len(expressions) == 1:
        return first
    return f"({first} OR ({expressions[0]} = {values[0]} AND {_after_keys(expressions[1:], values[1:])}))"


def build_query(table: Table, since: str, after: tuple[str, tuple[str, ...]] | None = None) -> str:
    """`SELECT … WHERE <cursor> >= since [AND (cursor, keys) > after] ORDER BY <cursor>, <keys>`.

    `since` is inclusive: the boundary second is re-read and common/boundary.py drops the rows already loaded
    with the same content. `after` (the last row of a query that reached MAX_RESULTS) continues by keyset.
    Only values this module formatted (cursor text) or checked (integer internal ids) are embedded in the
    query."""
    cursor = table.expression(table.cursor)
    keys = [table.expression(k) for k in table.keys]
    conditions = [table.where] if table.where else []
    conditions.append(f"{cursor} >= {_timestamp(since)}")
    if after is not None:
        last_cursor, last_keys = after
        if not all(_INTERNAL_ID.match(k) for k in last_keys):
            raise ValueError(f"not internal ids: {last_keys!r}")
        at = _timestamp(last_cursor)
        conditions.append(f"({cursor} > {at} OR ({cursor} = {at} AND {_after_keys(keys, list(last_keys))}))")
    columns = ", ".join(f"{_select(expression, kind)} AS {name}" for name, expression, kind in table.columns)
    return (f"SELECT {columns} FROM {table.source} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {', '.join([cursor, *keys])}")


# ---- the page walk ------------------------------------------------------------------------------------------
def walk(client: VendorClient, table: Table, *, since: str, page_size: int,
         max_results: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(page number, typed rows) for every page of the table's query from cursor `since`.

    Offset paging over live data: a record saved during the walk moves to the end (ordered by the cursor), so
    the rows after its old place shift one back and one of them can fall between two pages (a deleted record
    shifts them the same way). The walk notices — a key comes back with a newer cursor, or totalResults
    shrinks — and walks again from the same cursor, yielding only what it has not yielded yet (the merge's
    dedup_sort keeps the newest). Past MAX_PASSES such walks it stops with UnavailableError (rerun later).
    A save only moves a cursor forward: a key that comes back with an older cursor is two rows sharing the
    key (the key is not unique in the query, e.g. a join matched twice), a MalformedPageError, not a move."""
    yielded: dict[Any, str] = {}
    for _ in range(MAX_PASSES):
        shifted = False
        for page, rows, shrank in _pages(client, table, since=since, page_size=page_size, max_results=max_results):
            fresh = []
            for row in rows:
                key = row[table.keys[0]] if len(table.keys) == 1 else tuple(row[k] for k in table.keys)
                before = yielded.get(key)
                if before == row[table.cursor]:
                    continue
                if before is not None and row[table.cursor] < before:
                    raise _shared_key(table, key, row[table.cursor], before, page=page, cursor=since)
                shifted = shifted or before is not None
                yielded[key] = row[table.cursor]
                fresh.append(row)
            shifted = shifted or shrank
            yield page, fresh
        if not shifted:
            return
        log.warning("%s/%s: records changed during the walk from %s; walking again so none is skipped",
                    VENDOR, table.name, since)
    raise UnavailableError(f"records kept changing during {MAX_PASSES} walks; a record may have fallen between "
                           "pages", vendor=VENDOR, resource=table.name, cursor=since)


def _shared_key(table: Table, key: Any, older: str, newer: str, *, page: int, cursor: str) -> MalformedPageError:
    return MalformedPageError(
        f"{'/'.join(table.keys)} {key!r} came back with an older {table.cursor} ({older[:19]}, after {newer[:19]}): "
        "two rows of the query share the key, which no save explains (a save only moves the cursor forward); the "
        "key is not unique in NetSuite", vendor=VENDOR, resource=table.name, page=page, cursor=cursor)


def _pages(client: VendorClient, table: Table, *, since: str, page_size: int,
           max_results: int) -> Iterator[tuple[int, list[dict[str, Any]], bool]]:
    """One walk: (page number, typed rows, totalResults shrank since the query's first page) per page.

    Follows the `next` link while `hasMore` (pages can be short; never "page not full", never offset
    arithmetic). A query that returned `max_results` rows hit SuiteQL's cap: the walk goes on with a new
    query after the last row (keyset on cursor + keys). A repeated page is a PaginationLoopError."""
    guard = LoopGuard(VENDOR, table.name)
    first_url = f"{client.settings.base_url}{SUITEQL_PATH}?limit={page_size}&offset=0"
    page, after = 0, None
    while True:
        query = build_query(table, since, after)
        url: str | None = first_url
        read, last_item, total = 0, None, None
        while url is not None:
            guard.check((query, _paging(url)), page=page, cursor=since)
            body = _post_page(client, url, query, table.name, page=page, cursor=since)
            items, url = _envelope(client, body, table.name, page=page, cursor=since)
            rows = parse_items(items, table, page=page, cursor=since)
            read += len(rows)
            last_item = items[-1] if items else last_item
            now = body.get("totalResults")
            shrank = isinstance(now, int) and total is not None and now < total
            total = now if total is None and isinstance(now, int) else total
            yield page, rows, shrank
            page += 1
        if read < max_results or last_item is None:
            return
        after = (str(last_item[table.cursor]), tuple(str(last_item[k]) for k in table.keys))


def newest_cursor(client: VendorClient, table: Table) -> dt.datetime | None:
    """The table's newest cursor value (SuiteQL MAX; None when it has no rows): where a reader that starts
    from now (a sensor's first tick) begins, without reading the table."""
    query = (f"SELECT {_select(f'MAX({table.expression(table.cursor)})', DATETIME)} AS newest FROM {table.source}"
             + (f" WHERE {table.where}" if table.where else ""))
    body = _post_page(client, f"{client.settings.base_url}{SUITEQL_PATH}?limit=1&offset=0", query, table.name,
                      page=0, cursor="")
    items, _ = _envelope(client, body, table.name, page=0, cursor="")
    newest = items[0].get("newest") if items and isinstance(items[0], dict) else None
    return dt.datetime.strptime(newest, CURSOR_TEXT).replace(tzinfo=dt.UTC) if newest else None


def _paging(url: str) -> tuple[str, str]:
    params = parse_qs(urlsplit(url).query)
    return params.get("limit", [""])[0], params.get("offset", [""])[0]


def _post_page(client: VendorClient, url: str, query: str, resource: str, *, page: int, cursor: str) -> Any:
    """POST the query to one page URL; a body that is not JSON (malformed, truncated) is read once more."""
    for attempt in range(2):
        response = client.request("POST", url, resource=resource, page=page, cursor=cursor, json={"q": query},
                                  headers=SUITEQL_HEADERS)
        try:
            return client.decode(response, resource=resource, page=page, cursor=cursor)
        except MalformedPageError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _envelope(client: VendorClient, body: Any, resource: str, *, page: int,
              cursor: str) -> tuple[list[Any], str | None]:
    """The page's items and the next page's URL (None on the last page); anything else is malformed."""

    def malformed(why: str) -> MalformedPageError:
        return MalformedPageError(why, vendor=VENDOR, resource=resource, page=page, cursor=cursor)

    if not isinstance(body, dict) or not isinstance(body.get("items"), list) or not isinstance(body.get("hasMore"), bool):
        raise malformed("the page is not a SuiteQL collection (items, hasMore)")
    if not body["hasMore"]:
        return body["items"], None
    links = body.get("links") if isinstance(body.get("links"), list) else []
    href = next((link.get("href") for link in links if isinstance(link, dict) and link.get("rel") == "next"), None)
    if not isinstance(href, str):
        raise malformed("hasMore is true but the page has no next link")
    base, target = urlsplit(client.settings.base_url), urlsplit(href)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.endswith(SUITEQL_PATH):
        raise malformed(f"the next link leaves the SuiteQL endpoint ({target.scheme}://{target.netloc}{target.path})")
    return body["items"], href


# ---- items → typed rows -------------------------------------------------------------------------------------
def parse_items(items: list[Any], table: Table, *, page: int, cursor: str) -> list[dict[str, Any]]:
    """SuiteQL items (lower-case keys, every value a string, nulls omitted) as rows of typed values: ids and
    text stay strings, money and other exact numbers become Decimal from their text, `T`/`F` booleans,
    datetimes tagged UTC (the account time zone) for the Arrow cast. A key, cursor or exact number that is not
    a string is a type change (SchemaContractError); fields the vendor added are kept as sent."""
    kinds = table.kinds
    strict = {*table.keys, table.cursor, *(name for name, kind in kinds.items() if kind in EXACT)}
    rows = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise MalformedPageError(f"item {n} is not an object", vendor=VENDOR, resource=table.name, page=page,
                                     cursor=cursor)
        row: dict[str, Any] = {}
        for name, value in item.items():
            kind = kinds.get(name)
            if name == "links" or value is None:
                continue
            if kind is None:
                row[name] = value
                continue
            if not isinstance(value, str):
                if name in strict:
                    raise SchemaContractError(f"field {name!r} arrived as {type(value).__name__}; SuiteQL sends text",
                                              vendor=VENDOR, resource=table.name, page=page, cursor=cursor,
                                              record=item.get(table.keys[0]))
                value = json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
            row[name] = _typed(value, kind, name, table, page=page, cursor=cursor)
        if table.cursor not in row:
            raise MalformedPageError(f"item {n} has no {table.cursor!r}", vendor=VENDOR, resource=table.name,
                                     page=page, cursor=cursor)
        rows.append(row)
    check_rows(rows, vendor=VENDOR, resource=table.name, keys=table.keys,
               money=[name for name, kind in kinds.items() if kind in EXACT], page=page, cursor=cursor)
    return rows


def _typed(value: str, kind: str, name: str, table: Table, *, page: int, cursor: str) -> Any:
    try:
        if kind in EXACT:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
            return number
        if kind == INT:
            return int(value)
        if kind == BOOL:
            return {TRUE: True, FALSE: False}[value]
        if kind == DATETIME:
            if not _DATETIME.match(value):
                raise ValueError
            return value + "Z"  # UTC, so Arrow casts it to TS
        if kind == DATE and not _DATE.match(value):
            raise ValueError
        return value
    except (InvalidOperation, ValueError, KeyError):
        raise SchemaContractError(f"field {name!r} is not a {kind} ({value[:40]!r})", vendor=VENDOR,
                                  resource=table.name, page=page, cursor=cursor) from None


def arrow_types(table: Table) -> dict[str, pa.DataType]:
    return {name: ARROW_TYPES[kind] for name, _, kind in table.columns}


def page_table(rows: list[dict[str, Any]], table: Table, *, page: int, known: set[str]) -> pa.Table:
    """The page as Arrow, its key and merge-key fields marked not-null as dlt's hints have them."""
    arrow = to_arrow(rows, arrow_types(table), vendor=VENDOR, resource=table.name, page=page, known=known)
    required = {*table.keys, table.merge_key}
    schema = pa.schema([f.with_nullable(False) if f.name in required else f for f in arrow.schema])
    return pa.Table.from_arrays(arrow.columns, schema=schema)
