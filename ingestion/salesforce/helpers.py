"""Salesforce specifics under the shared client: the retry verdict, the incremental SOQL, and the walk over
`queryAll` + `nextRecordsUrl` that yields one typed Arrow table per page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pyarrow as pa

from core.retry import Verdict, classify_status
from ingestion.common.client import VendorClient
from ingestion.common.errors import MalformedPageError
from ingestion.common.pages import LoopGuard, check_rows, to_arrow
from ingestion.common.progress import Progress

from .settings import (
    API_VERSION,
    BATCH_SIZE,
    CURSOR,
    MAX_BATCH_SIZE,
    MIN_BATCH_SIZE,
    NEXT_PREFIX,
    PRIMARY_KEY,
    QUERY_ENDPOINT,
    VENDOR,
    SObjectSpec,
)


def classify(response: httpx.Response) -> Verdict:
    """Salesforce's answers: 403 REQUEST_LIMIT_EXCEEDED is the org's API allocation (throttling, not auth);
    401 INVALID_SESSION_ID is an expired session (fetch a new token); 429 (concurrency) and 5xx retry."""
    status = response.status_code
    if status == 403:
        return Verdict.THROTTLED if error_code(response) == "REQUEST_LIMIT_EXCEEDED" else Verdict.FAIL
    if status == 401:
        return Verdict.REAUTH  # INVALID_SESSION_ID, or any other rejected session
    return classify_status(status)  # 429 THROTTLED, 408 / 5xx (503 SERVER_UNAVAILABLE) RETRY, other 4xx FAIL


def error_code(response: httpx.Response) -> str:
    """The `errorCode` of Salesforce's error body `[{"message", "errorCode"}]` ('' if it is not one)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode") or "")
    return ""


def soql_datetime(value: Any) -> str:
    """An unquoted SOQL dateTime literal in the documented `YYYY-MM-DDThh:mm:ssZ` form, cut down to the
    second: the filter stays inclusive (>=), and dlt drops the re-read rows below the exact cursor."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"the {CURSOR} cursor must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_soql(sobject: str, spec: SObjectSpec, since: Any) -> str:
    fields = ", ".join(spec.fields)
    return (f"SELECT {fields} FROM {sobject} WHERE {CURSOR} >= {soql_datetime(since)} "
            f"ORDER BY {CURSOR} ASC, {PRIMARY_KEY} ASC")


def first_url(api_version: str, soql: str) -> str:
    """The relative URL of the first page (sent exactly like this, so a repeated link is recognised)."""
    return f"/services/data/v{api_version}/{QUERY_ENDPOINT}?{urlencode({'q': soql})}"


def batch_header(page_size: int | None) -> dict[str, str]:
    size = min(MAX_BATCH_SIZE, max(MIN_BATCH_SIZE, int(page_size))) if page_size else BATCH_SIZE
    return {"Sforce-Query-Options": f"batchSize={size}"}


def link_signature(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A page link as (path, sorted query pairs): the same link however its query string is encoded."""
    parts = urlsplit(url)
    return parts.path.rstrip("/"), tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def read_envelope(body: Any, *, resource: str, page: int, cursor: str) -> tuple[list[dict[str, Any]], str | None,
                                                                                int]:
    """(records, next link or None when done, totalSize) of a query page, or MalformedPageError."""
    def bad(why: str) -> MalformedPageError:
        return MalformedPageError(f"not a Salesforce query page: {why}", vendor=VENDOR, resource=resource,
                                  page=page, cursor=cursor)

    if not isinstance(body, dict):
        raise bad(f"the body is a JSON {type(body).__name__}")
    records, done, total = body.get("records"), body.get("done"), body.get("totalSize")
    if not isinstance(records, list):
        raise bad("no 'records' list")
    if not isinstance(done, bool):
        raise bad("no boolean 'done'")
    if isinstance(total, bool) or not isinstance(total, int):
        raise bad("no integer 'totalSize'")
    if done:
        return records, None, total
    link = body.get("nextRecordsUrl")
    if not isinstance(link, str) or not link.startswith(NEXT_PREFIX):
        raise bad(f"'done' is false but 'nextRecordsUrl' is not a path under {NEXT_PREFIX} ({str(link)[:80]!r})")
    return records, link, total


def key_not_null(table: pa.Table) -> pa.Table:
    """Mark the primary key column non-nullable, as dlt's primary_key hint is (check_rows made it so)."""
    i = table.schema.get_field_index(PRIMARY_KEY)
    return table.cast(table.schema.set(i, table.schema.field(i).with_nullable(False)))


def walk(client: VendorClient, sobject: str, spec: SObjectSpec, since: Any, *, page_size: int | None = None,
         progress: Progress | None = None) -> Iterator[pa.Table]:
    """Every record with SystemModstamp >= `since` (deleted ones too), one Arrow table per page."""
    resource = spec.table
    cursor = soql_datetime(since)
    url: str | None = first_url(client.settings.api_version or API_VERSION, build_soql(sobject, spec, since))
    headers = batch_header(page_size)
    guard = LoopGuard(VENDOR, resource)
    known: set[str] = set(spec.fields)
    page, rows_seen, total = 0, 0, None
    while url is not None:
        page += 1
        guard.check(link_signature(url), page=page, cursor=cursor)
        body = client.get_json(url, resource=resource, page=page, cursor=cursor, headers=headers)
        records, url, total = read_envelope(body, resource=resource, page=page, cursor=cursor)
        for record in records:
            if isinstance(record, dict):
                record.pop("attributes", None)  # {type, url}: envelope, not data
        check_rows(records, vendor=VENDOR, resource=resource, keys=(PRIMARY_KEY,), money=spec.money, page=page,
                   cursor=cursor)
        rows_seen += len(records)
        if progress is not None:
            progress.page(resource, len(records))
        if records:
            yield key_not_null(to_arrow(records, spec.fields, vendor=VENDOR, resource=resource, page=page,
                                        known=known))
    if total is not None and rows_seen != total:
        raise MalformedPageError(f"the walk returned {rows_seen} records but totalSize said {total}", vendor=VENDOR,
                                 resource=resource, page=page, cursor=cursor)
    if progress is not None:
        progress.done(resource)
