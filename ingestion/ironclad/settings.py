"""Ironclad source constants: paths, paging, the cursor and the raw `records` table's declared columns."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from ingestion.common.pages import TS

VENDOR = "ironclad"
RECORDS_PATH = "/records"
RESOURCE = "records"  # manifest object `records` → raw table `records`
PAGE_SIZE = 100  # the vendor's maximum (1–100)
SORT = {"sortField": "lastUpdated", "sortDirection": "ASC"}
CURSOR = "last_updated"  # raw column of the vendor's `lastUpdated`; sent back as the inclusive `lastUpdated` filter
INITIAL_CURSOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than any contract repository
MAX_PASSES = 3  # walks from the same cursor when records moved under the offset paging (see helpers.walk)

# RecordModel fields checked on every page before conversion: present, and a string (or integer).
KEYS = ("id", "ironcladId", "lastUpdated")
MONEY_TYPE = "monetary_amount"  # property type whose value / originalValue is {amount: JSON number, currency}

JSON = pa.string()  # nested values, written as JSON text (money stays a JSON number with its exact digits)
# vendor field → (raw column, Arrow type). Fields not listed (the vendor adds one) are kept as they come.
FIELDS: dict[str, tuple[str, pa.DataType]] = {
    "id": ("id", pa.string()),
    "ironcladId": ("ironclad_id", pa.string()),
    "type": ("type", pa.string()),
    "name": ("name", pa.string()),
    "lastUpdated": (CURSOR, TS),
    "parentId": ("parent_id", pa.string()),
    "parentLinkType": ("parent_link_type", pa.string()),
    "childIds": ("child_ids", JSON),
    "amendments": ("amendments", JSON),
    "links": ("links", JSON),
    "contractStatus": ("contract_status", JSON),
    "properties": ("properties", JSON),  # agreement/start/end dates and every money term live in here
    "attachments": ("attachments", JSON),
    "source": ("source", JSON),
}
JSON_FIELDS = frozenset({"childIds", "amendments", "links", "contractStatus", "properties", "attachments", "source"})
TYPES: dict[str, pa.DataType] = {column: dtype for column, dtype in FIELDS.values()}
