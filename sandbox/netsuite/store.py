"""The NetSuite account's persistent state: one DuckDB file per sandbox (`<state>/netsuite.duckdb`).

On the first start the generated firm's parquet tables are copied into the file; later starts reuse it, so
writes made through the record API survive restarts. `reset_state(state_dir)` deletes it (the generator
calls it when it regenerates the firm). Timestamps are stored as naive UTC (the account's time zone is UTC).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from sandbox.common.firmdata import load_tables
from sandbox.firm.schema import SCHEMAS

STATE_FILE = "netsuite.duckdb"
TABLES = list(SCHEMAS["netsuite"])
INTERNAL_SCHEMA = "sandbox_internal"  # simulator bookkeeping, hidden from SuiteQL
CACHE_ENTRIES = 32


def state_file(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_FILE


def reset_state(state_dir: Path) -> bool:
    """Delete the persisted account (and its WAL); True when there was one."""
    path = state_file(state_dir)
    existed = path.exists()
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)
    return existed


def _initialise(firm: Path, path: Path) -> None:
    """Copy the firm's parquet tables into a new state file (written aside, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".init")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET TimeZone = 'UTC'")
        load_tables(con, Path(firm), "netsuite", TABLES)
        for table in TABLES:
            for name, dtype in con.execute(
                f'select column_name, column_type from (describe "{table}")'
            ).fetchall():
                if dtype.startswith("TIMESTAMP WITH TIME ZONE"):
                    con.execute(f'alter table "{table}" alter column "{name}" set data type timestamp')
        con.execute("create view dual as select 'X' as dummy")  # Oracle's one-row table (SELECT … FROM DUAL)
        con.execute(f"create schema {INTERNAL_SCHEMA}")
        # body fields of billing schedules that the generated tables have no column for (repeatEvery, …)
        con.execute(
            f"create table {INTERNAL_SCHEMA}.billingschedule_extra (id bigint primary key, doc varchar)"
        )
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, path)


class Store:
    """One DuckDB connection per app: per-request cursors for reads, one serialised transaction per write."""

    def __init__(self, firm: Path, state_dir: Path) -> None:
        self.firm = firm
        self.state_dir = state_dir
        self.path = state_file(state_dir)
        if not self.path.exists():
            _initialise(firm, self.path)
        # SuiteQL runs client SQL: no file system access from queries.
        self.con = duckdb.connect(str(self.path), config={"enable_external_access": False})
        self.write_lock = threading.Lock()
        self.generation = 0
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[Any, Any] = OrderedDict()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            return cur.execute(sql, list(params)).fetchall()

    def dicts(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.cursor() as cur:
            cur.execute(sql, list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A result computed once per state generation (every write invalidates the cache)."""
        full_key = (self.generation, key)
        with self._cache_lock:
            if full_key in self._cache:
                self._cache.move_to_end(full_key)
                return self._cache[full_key]
        value = compute()
        with self._cache_lock:
            self._cache[full_key] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One atomic write: serialised, committed as a whole or rolled back."""
        with self.write_lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
            finally:
                cur.close()
                with self._cache_lock:
                    self.generation += 1
                    self._cache.clear()

    def reset(self) -> None:
        """Back to the generated firm, in place (admin: tests that write start from the same account)."""
        with self.write_lock:
            self.con.close()
            reset_state(self.state_dir)
            _initialise(self.firm, self.path)
            self.con = duckdb.connect(str(self.path), config={"enable_external_access": False})
            with self._cache_lock:
                self.generation += 1
                self._cache.clear()

    def close(self) -> None:
        self.con.close()
