"""The contract repository: records in an in-memory DuckDB table, filtered and sorted there, paged in Python.

Each record's `doc` (the RecordModel JSON as generated) is kept as bytes and spliced into responses as is.
The ordered positions of a query (filters + sort) are cached, so paging through a result costs one SQL
query; any write clears the cache, so paging stays offset paging over live data, as the vendor's is.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sandbox.common.firmdata import load_tables
from sandbox.common.jsonio import dumps, loads

from .errors import invalid_param, not_found
from .formula import Columns, FormulaError, compile_filter
from .metadata import RecordSchema, parse_date_time
from .updates import (
    APPROVAL_PROPERTY,
    amend_config,
    apply_patch,
    list_amendments,
    revert,
    roll_up,
    validate_body,
)

VENDOR = "ironclad"
TABLE = "records"
COLUMNS = {
    "id": "string",
    "ironcladId": "string",
    "type": "string",
    "name": "string",
    "parentId": "string",
    "lastUpdated": "timestamp",
    "agreementDate": "timestamp",
}
SORT_FIELDS = ("agreementDate", "name", "lastUpdated")
CACHE_SIZE = 64


@dataclass(frozen=True)
class ListQuery:
    """The filtering and ordering of `GET /records` (paging is applied to its result)."""

    types: tuple[str, ...] = ()
    since: dt.datetime | None = None
    formula: str | None = None
    sort_field: str = "agreementDate"
    descending: bool = True


def iso_millis(value: dt.datetime) -> str:
    """`2024-02-01T09:00:00.123Z`: UTC with milliseconds, the format of lastUpdated stamps the sandbox sets."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class RecordStore:
    """All records of one simulated company. Thread-safe (one lock around DuckDB, the docs and the cache)."""

    def __init__(self, firm: Path, extra_properties: dict[str, str] | None = None) -> None:
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        load_tables(self._con, firm, VENDOR, [TABLE])
        self._con.execute(
            f"CREATE OR REPLACE TABLE {TABLE} AS "
            f"SELECT *, CAST(row_number() OVER () - 1 AS INTEGER) AS _pos FROM {TABLE}"
        )
        rows = self._con.execute(f'SELECT id, "ironcladId", doc FROM {TABLE} ORDER BY _pos').fetchall()
        self._docs: list[bytes] = [doc.encode("utf-8") for _, _, doc in rows]
        self._by_id: dict[str, int] = {}
        for pos, (rid, ironclad_id, _) in enumerate(rows):
            self._by_id[rid] = pos
            if ironclad_id:
                self._by_id.setdefault(ironclad_id, pos)
        self.schema = RecordSchema.derive((loads(d) for d in self._docs), extra_properties)
        latest = self._con.execute(f'SELECT max("lastUpdated") FROM {TABLE}').fetchone()
        self._latest: dt.datetime | None = latest[0] if latest else None
        self._lock = threading.Lock()
        self._cache: OrderedDict[ListQuery, list[int]] = OrderedDict()
        # roll-up configuration of amendment children (set by PATCH addPropertiesToAmend; not served, as the
        # vendor's RecordModel has no such field; a generated doc's own `propertiesToAmend` is the default)
        self._to_amend: dict[int, dict[str, Any]] = {}
        self._columns = Columns(COLUMNS, frozenset(self.schema.properties))

    # ----------------------------------------------------------------------------------------------- reads
    def __len__(self) -> int:
        return len(self._docs)

    def check_types(self, types: tuple[str, ...]) -> None:
        for rtype in types:
            if rtype not in self.schema.record_types:
                raise invalid_param(f"unknown record type {rtype}", "types")

    def page(self, query: ListQuery, page: int, page_size: int) -> tuple[int, list[bytes]]:
        """(count of all matches, the docs of the requested page)."""
        positions = self._positions(query)
        start = page * page_size
        chosen = positions[start : start + page_size]
        docs = self._docs
        return len(positions), [docs[p] for p in chosen]

    def get(self, record_id: str) -> bytes:
        pos = self._by_id.get(record_id)
        if pos is None:
            raise not_found(record_id)
        return self._docs[pos]

    def _positions(self, query: ListQuery) -> list[int]:
        with self._lock:
            cached = self._cache.get(query)
            if cached is not None:
                self._cache.move_to_end(query)
                return cached
            where, params = self._where(query)
            direction = "DESC" if query.descending else "ASC"
            sql = (
                f"SELECT _pos FROM {TABLE} WHERE {where} "
                f'ORDER BY "{query.sort_field}" {direction} NULLS LAST, id ASC'
            )
            positions = [row[0] for row in self._con.execute(sql, params).fetchall()]
            self._cache[query] = positions
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return positions

    def _where(self, query: ListQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if query.types:
            clauses.append(f"type IN ({', '.join('?' for _ in query.types)})")
            params.extend(query.types)
        if query.since is not None:
            clauses.append('"lastUpdated" >= ?')
            params.append(query.since)
        if query.formula is not None:
            try:
                sql, formula_params = compile_filter(query.formula, self._columns)
            except FormulaError as exc:
                raise invalid_param(f"invalid filter: {exc}", "filter") from exc
            clauses.append(sql)
            params.extend(formula_params)
        return " AND ".join(clauses), params

    # ---------------------------------------------------------------------------------------------- writes
    def patch(self, record_id: str, body: Any) -> bytes:
        """Update one record's properties (and name/type); bumps lastUpdated. Returns the new doc."""
        validate_body(body)
        with self._lock:
            pos = self._by_id.get(record_id)
            if pos is None:
                raise not_found(record_id)
            if not body:  # nothing to change: the record as it is, lastUpdated untouched
                return self._docs[pos]
            doc = loads(self._docs[pos])
            changed = apply_patch(doc, body, self.schema)
            parent_pos = self._by_id.get(doc.get("parentId") or "")
            is_amendment = doc.get("parentLinkType") == "amendment" and parent_pos is not None
            current = self._to_amend.get(pos, doc.get("propertiesToAmend") or {})
            config, added, removed = amend_config(body, self.schema, current, is_amendment)
            touched = {pos: (doc, changed)}
            if is_amendment and parent_pos is not None:
                parent = loads(self._docs[parent_pos])
                rolled = roll_up(parent, doc, changed | added, config) | revert(parent, removed)
                if APPROVAL_PROPERTY in changed and list_amendments(parent, self._children(parent, doc)):
                    rolled.add("amendments")
                if rolled:
                    touched[parent_pos] = (parent, rolled)
                self._to_amend[pos] = config
            stamp = self._next_stamp()
            for p, (d, names) in touched.items():
                d["lastUpdated"] = iso_millis(stamp)
                self._write(p, d, stamp, "agreementDate" in names)
            self._cache.clear()
            return self._docs[pos]

    def _children(self, parent: dict[str, Any], changed_child: dict[str, Any]) -> list[dict[str, Any]]:
        """The parent's children as they stand, with the one being changed in its new state."""
        out = []
        for child_id in parent.get("childIds") or []:
            if child_id == changed_child.get("id"):
                out.append(changed_child)
            elif (pos := self._by_id.get(child_id)) is not None:
                out.append(loads(self._docs[pos]))
        return out

    def _next_stamp(self) -> dt.datetime:
        """Now (ms), but never before the newest lastUpdated served, so an incremental cursor sees the write."""
        now = dt.datetime.now(dt.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._latest is not None and now <= self._latest:
            now = self._latest + dt.timedelta(milliseconds=1)
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._latest = now
        return now

    def _write(self, pos: int, doc: dict[str, Any], stamp: dt.datetime, agreement_changed: bool) -> None:
        text = dumps(doc)
        self._docs[pos] = text
        sets = ["doc = ?", "name = ?", "type = ?", '"lastUpdated" = ?']
        params: list[Any] = [text.decode("utf-8"), doc.get("name"), doc.get("type"), stamp]
        if agreement_changed:
            prop = (doc.get("properties") or {}).get("agreementDate") or {}
            value = prop.get("value") if prop.get("type") == "date" else None
            sets.append('"agreementDate" = ?')
            params.append(parse_date_time(value) if isinstance(value, str) else None)
        params.append(pos)
        self._con.execute(f"UPDATE {TABLE} SET {', '.join(sets)} WHERE _pos = ?", params)
