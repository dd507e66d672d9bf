"""The boundary of an inclusive incremental cursor, de-duplicated by content (RELIABILITY.md F21).

Every source re-reads the rows whose cursor equals the last one loaded (`>=`): a record saved again within
that second carries the same cursor value, so only its content tells a re-edit from a row already loaded.
dlt's own boundary check compares primary keys, and would drop the re-edit; here a boundary row is dropped
only when its *group* was loaded with the same content:

- a group is a record (its primary key), or for tables whose rows a parent replaces as a whole
  (`merge_key`: NetSuite's lines) every row of one parent, since loading only the changed lines of a parent
  would make the merge delete its other lines;
- the content is a digest of the group's rows (every column but dlt's, nulls left out, rows sorted).

The digests of the groups at the newest cursor value are kept in the resource's dlt state, which commits with
the load package (a failed run keeps the previous ones). The sources turn dlt's own boundary check off
(`primary_key=()` on the incremental) and pass their pages through `Boundary.filter`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger("ingestion")
STATE_KEY = "boundary"


class Boundary:
    """Rows of a walk from cursor value `previous` (what the state holds) in, the rows to load out."""

    def __init__(self, cursor: str, group: Sequence[str], state: MutableMapping[str, Any]) -> None:
        self.cursor, self.group, self.state = cursor, tuple(group), state
        saved = state.get(STATE_KEY) or {}
        self.previous_at = _instant(saved.get("cursor"))
        self.previous: dict[str, str] = dict(saved.get("groups") or {})
        self.held: list[pa.Table] = []  # rows at the previous cursor value, decided when the walk ends
        self.top: dt.datetime | None = None  # the newest cursor value read, and its groups' rows
        self.top_rows: dict[str, list[str]] = {}
        self.dropped = 0

    def filter(self, tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
        """Yield each table without its rows at the previous cursor value; those come last, only for groups
        whose content changed. When the walk ends, the state holds the newest cursor value's group digests."""
        for table in tables:
            if table.num_rows == 0:
                continue
            self._note_top(table)
            if self.previous_at is None:
                yield table
                continue
            at = pc.fill_null(pc.equal(table[self.cursor], self._scalar(table, self.previous_at)), False)
            held = table.filter(at)
            if held.num_rows:
                self.held.append(held)
            rest = table.filter(pc.invert(at))
            if rest.num_rows:
                yield rest
        if self.held:
            changed = self._changed(pa.concat_tables(self.held, promote_options="permissive"))
            if changed.num_rows:
                yield changed
        self._save()

    # ---- the newest cursor value's groups -----------------------------------------------------------------
    def _note_top(self, table: pa.Table) -> None:
        newest = pc.max(table[self.cursor]).as_py()
        if newest is None:
            return
        newest = _utc(newest)
        if self.top is not None and newest < self.top:
            return
        if self.top is None or newest > self.top:
            self.top, self.top_rows = newest, {}
        rows = table.filter(pc.fill_null(pc.equal(table[self.cursor], self._scalar(table, newest)), False))
        for row in rows.to_pylist():
            self.top_rows.setdefault(self._key(row), []).append(_canonical(row))

    def _save(self) -> None:
        if self.top is None or (self.previous_at is not None and self.top < self.previous_at):
            return  # nothing newer read: the kept digests still describe the boundary
        self.state[STATE_KEY] = {"cursor": self.top.isoformat(),
                                 "groups": {key: _digest(rows) for key, rows in self.top_rows.items()}}

    # ---- the previous cursor value's groups ---------------------------------------------------------------
    def _changed(self, held: pa.Table) -> pa.Table:
        rows = held.to_pylist()
        groups: dict[str, list[str]] = {}
        keys = [self._key(row) for row in rows]
        for key, row in zip(keys, rows, strict=True):
            groups.setdefault(key, []).append(_canonical(row))
        changed = {key for key, group in groups.items() if self.previous.get(key) != _digest(group)}
        mask = pa.array([key in changed for key in keys], type=pa.bool_())
        kept = held.filter(mask)
        self.dropped = held.num_rows - kept.num_rows
        if self.dropped:
            log.debug("boundary %s: %d rows already loaded with this content", self.cursor, self.dropped)
        return kept

    def _key(self, row: dict[str, Any]) -> str:
        return json.dumps([None if row.get(k) is None else str(row[k]) for k in self.group])

    def _scalar(self, table: pa.Table, value: dt.datetime) -> pa.Scalar:
        kind = table.schema.field(self.cursor).type
        if pa.types.is_timestamp(kind) and kind.tz is None:
            value = value.replace(tzinfo=None)
        return pa.scalar(value, type=kind)


def _instant(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return _utc(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _canonical(row: dict[str, Any]) -> str:
    """A row's content as text: every column but dlt's, a null the same as a missing column."""
    return json.dumps({k: v for k, v in row.items() if v is not None and not k.startswith("_dlt")},
                      sort_keys=True, default=str)


def _digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:32]
