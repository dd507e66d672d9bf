"""The firm's Kantata tables: DuckDB for filtering and sorting, a polars mirror per table for serving pages.

DuckDB answers a list query with the ordered row ids (`rowid`) of every match. That list is cached per
(table version, filters, order), so successive pages of one query are slices of it, and a page's rows are a
gather from the polars mirror of the table, whose row i is DuckDB's rowid i (both are the parquet order; the
load checks it). Writes (time entries, stories and the state-change rows a story update adds) update both
and bump the table's version, which retires cached lists.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from sandbox.common.firmdata import load_tables, table_path
from sandbox.firm.schema import SCHEMAS

from .resources import RESOURCES

VENDOR = "kantata"


class Table:
    """One table: its polars mirror (row i = DuckDB rowid i), version, and lazy id indexes."""

    def __init__(self, name: str, mirror: pl.DataFrame) -> None:
        self.name = name
        self.schema: dict[str, pl.DataType] = SCHEMAS[VENDOR][name]
        self.mirror = mirror
        self.version = 0
        self._by_id: dict[str, int] | None = None
        self._by_key: dict[tuple[str, ...], dict[str, list[int]]] = {}
        self.as_string = RESOURCES[name].as_string

    def by_id(self) -> dict[str, int]:
        if self._by_id is None:
            self._by_id = {rid: i for i, rid in enumerate(self.mirror["id"].to_list()) if rid is not None}
        return self._by_id

    def grouped(self, columns: tuple[str, ...]) -> dict[str, list[int]]:
        """Row positions by the string value(s) of `columns` (joined by \\x1f), each list in id order."""
        if columns not in self._by_key:
            key = pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator="\x1f")
            frame = (
                self.mirror.select(
                    key.alias("k"),
                    pl.int_range(pl.len(), dtype=pl.Int64).alias("pos"),
                    pl.col("id").cast(pl.Int64, strict=False).alias("nid"),
                    pl.col("id").alias("sid"),
                )
                .drop_nulls("k")
                .sort(["k", "nid", "sid"], nulls_last=True)
            )
            groups: dict[str, list[int]] = {}
            for k, pos in zip(frame["k"].to_list(), frame["pos"].to_list(), strict=True):
                groups.setdefault(k, []).append(pos)
            self._by_key[columns] = groups
        return self._by_key[columns]

    def changed(self) -> None:
        self.version += 1
        self._by_id = None
        self._by_key.clear()


class Store:
    """All tables of the firm, one DuckDB connection (a cursor per request) and the ordered-ids cache."""

    def __init__(self, firm: Path, cache_entries: int = 8) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("set global TimeZone = 'UTC'")  # date/timestamp casts of filter values are UTC
        names = list(RESOURCES)
        load_tables(self.con, firm, VENDOR, names)
        self.tables = {name: Table(name, self._mirror(firm, name)) for name in names}
        self.cache_entries = cache_entries
        self._cache: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.write_lock = threading.RLock()
        self._formats: dict[tuple[str, int], list[pl.Expr]] = {}

    def _mirror(self, firm: Path, name: str) -> pl.DataFrame:
        schema = SCHEMAS[VENDOR][name]
        mirror = pl.read_parquet(table_path(firm, VENDOR, name), columns=list(schema))
        mirror = mirror.cast({c: t for c, t in schema.items() if mirror.schema[c] != t})  # type: ignore[arg-type]
        n = mirror.height
        probe = sorted({0, n // 2, n - 1}) if n else []
        got = dict(
            self.con.execute(
                f'select rowid, id from "{name}" where rowid in ({",".join(map(str, probe)) or "-1"})'
            ).fetchall()
        )
        count = self.con.execute(f'select count(*) from "{name}"').fetchone()[0]  # type: ignore[index]
        if count != n or any(got.get(i) != mirror["id"][i] for i in probe):
            # DuckDB did not keep the parquet order: take the mirror from DuckDB itself, in rowid order
            mirror = self.con.execute(f'select * from "{name}" order by rowid').pl()
        return mirror

    # -------------------------------------------------------------------------------------------- reads
    def ordered(
        self, table: str, where: list[tuple[str, list[Any]]], order_sql: str, cache: bool = True
    ) -> np.ndarray:
        """Row positions of every row matching `where`, in `order_sql` order (cached per table version
        unless `cache` is false: point lookups must not evict the lists that paging walks)."""
        t = self.tables[table]
        sql_where = " and ".join(f"({s})" for s, _ in where) or "true"
        args = [a for _, params in where for a in params]
        key = (table, t.version, sql_where, _hashable(args), order_sql)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        sql = f'select rowid from "{table}" where {sql_where} order by {order_sql}'
        cursor = self.con.cursor()
        try:
            rows = cursor.execute(sql, args).fetchnumpy()["rowid"]
        finally:
            cursor.close()
        positions = np.asarray(rows, dtype=np.int64)
        if not cache:
            return positions
        with self._cache_lock:
            self._cache[key] = positions
            while len(self._cache) > max(1, self.cache_entries):
                self._cache.popitem(last=False)
        return positions

    def records(self, table: str, positions: Any, offset_minutes: int = 0) -> list[dict[str, Any]]:
        """The rows at `positions` as wire records (timestamps ISO 8601 with offset, dates YYYY-MM-DD)."""
        if len(positions) == 0:
            return []
        t = self.tables[table]
        page = t.mirror[np.asarray(positions, dtype=np.int64)]
        return page.select(self._format(t, offset_minutes)).to_dicts()

    def _format(self, t: Table, offset_minutes: int) -> list[pl.Expr]:
        key = (t.name, offset_minutes)
        if key not in self._formats:
            suffix = _offset_text(offset_minutes)
            exprs = []
            for name, dtype in t.schema.items():
                col = pl.col(name)
                if isinstance(dtype, pl.Datetime):
                    shifted = col + pl.duration(minutes=offset_minutes) if offset_minutes else col
                    col = shifted.dt.strftime("%Y-%m-%dT%H:%M:%S" + suffix)
                elif isinstance(dtype, pl.Date):
                    col = col.dt.strftime("%Y-%m-%d")
                elif name in t.as_string:
                    col = col.cast(pl.String)
                exprs.append(col.alias(name))
            self._formats[key] = exprs
        return self._formats[key]

    def by_ids(self, table: str, ids: list[str]) -> list[int]:
        index = self.tables[table].by_id()
        return [index[i] for i in ids if i in index]

    def scalar(self, sql: str, args: list[Any] | None = None) -> Any:
        cursor = self.con.cursor()
        try:
            row = cursor.execute(sql, args or []).fetchone()
        finally:
            cursor.close()
        return row[0] if row else None

    # ------------------------------------------------------------------------------------------- writes
    def update(self, table: str, position: int, changes: dict[str, Any]) -> None:
        """Set `changes` (column -> python value) on the row at `position`, in DuckDB and the mirror."""
        t = self.tables[table]
        with self.write_lock:
            sets = ", ".join(f'"{c}" = ?' for c in changes)
            self.con.execute(f'update "{table}" set {sets} where rowid = ?', [*changes.values(), position])
            hit = pl.int_range(pl.len(), dtype=pl.Int64) == position
            t.mirror = t.mirror.with_columns(
                pl.when(hit).then(pl.lit(v, dtype=t.schema[c])).otherwise(pl.col(c)).alias(c)
                for c, v in changes.items()
            )
            t.changed()

    def touch(self, table: str, fraction: float, seed: int, changes: dict[str, Any]) -> int:
        """Set `changes` on a deterministic sample (`fraction` of the rows, chosen by `seed`): a bulk edit
        in the PSA, for benchmarks and tests that need many changed records at once."""
        t = self.tables[table]
        with self.write_lock:
            n = t.mirror.height
            picked = pl.int_range(n, dtype=pl.Int64, eager=True).sample(fraction=fraction, seed=seed)
            hit = pl.int_range(pl.len(), dtype=pl.Int64).is_in(picked)
            t.mirror = t.mirror.with_columns(
                pl.when(hit).then(pl.lit(v, dtype=t.schema[c])).otherwise(pl.col(c)).alias(c)
                for c, v in changes.items()
            )
            self.con.register("_kantata_touched", pl.DataFrame({"pos": picked}).to_arrow())
            try:
                sets = ", ".join(f'"{c}" = ?' for c in changes)
                self.con.execute(
                    f'update "{table}" set {sets} where rowid in (select pos from _kantata_touched)',
                    list(changes.values()),
                )
            finally:
                self.con.unregister("_kantata_touched")
            t.changed()
            return picked.len()

    def insert(self, table: str, rows: list[dict[str, Any]]) -> list[int]:
        """Append `rows` (complete records); returns their positions."""
        t = self.tables[table]
        with self.write_lock:
            frame = pl.DataFrame(rows, schema=t.schema)
            start = t.mirror.height
            self.con.register("_kantata_new_rows", frame.to_arrow())
            try:
                cols = ", ".join(f'"{c}"' for c in t.schema)
                self.con.execute(f'insert into "{table}" ({cols}) select {cols} from _kantata_new_rows')
            finally:
                self.con.unregister("_kantata_new_rows")
            t.mirror = pl.concat([t.mirror, frame], how="vertical", rechunk=False)
            t.changed()
            return list(range(start, start + len(rows)))


def _hashable(args: list[Any]) -> tuple[Any, ...]:
    return tuple(tuple(a) if isinstance(a, list) else a for a in args)


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def utc_offset_minutes(setting: Any) -> int:
    """The `utc_offset` knob ("+00:00", "-08:00", or minutes) as minutes east of UTC."""
    if isinstance(setting, int):
        return setting
    text = str(setting or "+00:00").strip()
    if text.upper() == "Z":
        return 0
    sign = -1 if text.startswith("-") else 1
    hours, _, mins = text.lstrip("+-").partition(":")
    return sign * (int(hours or 0) * 60 + int(mins or 0))


def account_timezone(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))
