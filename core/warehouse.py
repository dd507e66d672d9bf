"""The one access path to the warehouse for the code that opens it directly (the reverse ETL's store, change
detection, checks, the demo's summary): the DuckDB file in the data dir (default) or PostgreSQL. dbt and dlt
connect with their own profiles/destinations; the PostgreSQL settings here are the same ones the dbt profile
reads, and `preflight()` checks the DuckDB file before either of them starts.

Opening the DuckDB file (`open_duckdb`):
- a file another process holds (DuckDB has one writer) is waited for — bounded retry with backoff, the
  setting `c2c_warehouse_connect_attempts` (env C2C_WAREHOUSE_CONNECT_ATTEMPTS, default 5; the dbt profile reads
  the same variable) — then `WarehouseBusyError`, naming the holder when DuckDB does (program and PID);
- an empty, truncated or foreign file is `WarehouseCorruptError` (a file shorter than its own header says is
  caught at open, before anything is written to it); a refused open is `WarehousePermissionError`;
- read-only opens and `create=False` never create a warehouse (`WarehouseMissingError`); when the platform
  creates it, the file is 0600 in a 0700 data dir.

PostgreSQL settings (platform settings, core/settings.py): `c2c_pg_host` (127.0.0.1), `c2c_pg_port` (5432),
`c2c_pg_user` (postgres), `c2c_pg_password` (secret; env C2C_PG_PASSWORD), `c2c_pg_database` (c2c)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from . import settings
from .errors import (
    ConfigError,
    WarehouseBusyError,
    WarehouseCorruptError,
    WarehouseError,
    WarehouseMissingError,
    WarehousePermissionError,
    WarehouseUnreachableError,
)
from .paths import ensure_data_dir, warehouse_path
from .retry import RetryPolicy

TARGETS = ("duckdb", "postgres")
CONNECT_ATTEMPTS = "c2c_warehouse_connect_attempts"
DEFAULT_CONNECT_ATTEMPTS = 5
HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers, before the first block
T = TypeVar("T")

# DuckDB's own wording (src/storage, src/common/file_system): the lock held by another process, a file that is
# not (or no longer) a database, and an open the operating system refused
_LOCK = re.compile(r'Could not set lock on file "(?P<path>[^"]*)"(?:[^\n]*?held in (?P<program>[^\n]*?) '
                   r'\(PID (?P<pid>\d+)\))?')
_CORRUPT = ("not a valid DuckDB database file", "Could not read enough bytes", "Corrupt database file",
            "Trying to read a database file with version number")
_DENIED = re.compile(r'Cannot open (?:file|database) "(?P<path>[^"]*)"[^\n]*?'
                     r'(?:Permission denied|Operation not permitted|Read-only file system)')


class Result(Protocol):
    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def fetchone(self) -> tuple[Any, ...] | None: ...


class Connection(Protocol):
    """What both engines offer here: `execute(sql, params)` whose result has fetchall/fetchone. Parameters are
    the engine's own style (DuckDB `?`, PostgreSQL `%s`)."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Result: ...


@dataclass(frozen=True, repr=False)
class PostgresSettings:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def load(cls) -> PostgresSettings:
        return cls(host=str(settings.get("c2c_pg_host", default="127.0.0.1")),
                   port=settings.typed("c2c_pg_port", int, 5432),
                   user=str(settings.get("c2c_pg_user", default="postgres")),
                   password=str(settings.get("c2c_pg_password", secret=True, default="")),
                   database=str(settings.get("c2c_pg_database", default="c2c")))

    def __repr__(self) -> str:  # never show the password
        return f"PostgresSettings({self.user}@{self.host}:{self.port}/{self.database})"


class _PostgresConnection:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Result:
        cursor = self._conn.cursor()
        cursor.execute(sql, params)
        return cursor


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ConfigError(f"unknown warehouse target {target!r}; the targets are {', '.join(TARGETS)}",
                          setting="target")
    return target


# ---- the DuckDB file -------------------------------------------------------------------------------------
def busy_policy() -> RetryPolicy:
    """How long a busy warehouse is waited for: `c2c_warehouse_connect_attempts` opens (≥ 1), exponential
    backoff with full jitter from 1 s, capped at 16 s between two."""
    attempts = settings.typed(CONNECT_ATTEMPTS, int, DEFAULT_CONNECT_ATTEMPTS)
    if attempts < 1:
        raise ConfigError(f"setting {CONNECT_ATTEMPTS} (env {settings.env_name(CONNECT_ATTEMPTS)}) must be at "
                          "least 1", setting=CONNECT_ATTEMPTS)
    return RetryPolicy(max_attempts=attempts, base_seconds=1.0, cap_seconds=16.0)


def _sleep(seconds: float) -> None:  # tests replace it to act between two attempts
    time.sleep(seconds)


def warehouse_error(exc: BaseException | str, path: Path | str | None = None) -> WarehouseError | None:
    """The typed error for a failure about the warehouse file itself — busy, corrupt or refused — found in an
    exception's cause chain (dbt and dlt wrap DuckDB's) or in a message they passed on; None for anything else
    (a query's own error stays what it is)."""
    for item in [exc] if isinstance(exc, str) else _chain(exc):
        if isinstance(item, WarehouseError):
            return item
        text = str(item)
        first = text.strip().splitlines()[0][:300] if text.strip() else type(item).__name__
        lock = _LOCK.search(text)
        if lock:
            where = lock.group("path") or str(path or "")
            holder = (f" ({lock.group('program').rsplit('/', 1)[-1]}, PID {lock.group('pid')})"
                      if lock.group("pid") else "")
            return WarehouseBusyError(f"the warehouse {where} is in use by another process{holder}", path=where,
                                      holder_pid=lock.group("pid"))
        denied = _DENIED.search(text)
        if denied:
            return WarehousePermissionError(f"cannot open the warehouse {denied.group('path')} ({first})",
                                            path=denied.group("path"))
        if any(marker in text for marker in _CORRUPT):
            where = path or _quoted_path(text) or ""
            return WarehouseCorruptError(f"the warehouse {where} is not a readable DuckDB database ({first})",
                                         path=where)
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _quoted_path(text: str) -> str | None:
    found = re.search(r'file "([^"]+)"', text)
    return found.group(1) if found else None


def open_duckdb(path: Path | None = None, *, read_only: bool = False, create: bool = True,
                sleep: Callable[[float], None] | None = None) -> Any:
    """A DuckDB connection to the warehouse file (default: the data dir's), or a typed WarehouseError.

    `read_only=True` or `create=False`: a missing file is WarehouseMissingError (never created). A busy file
    is retried within `busy_policy()`; the file is checked against the size its header declares before
    anything can be written to it. A file the platform creates is 0600 in a 0700 data dir."""
    import duckdb

    path = Path(path) if path is not None else warehouse_path()
    creating = not path.exists()
    if creating and (read_only or not create):
        raise WarehouseMissingError(f"no warehouse at {path}", path=path)
    if creating:
        try:
            ensure_data_dir(path.parent)
        except PermissionError as exc:
            raise WarehousePermissionError(f"cannot create the warehouse {path} ({exc})", path=path) from exc
    def connect_once() -> Any:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.ConnectionException as exc:
            if read_only and "different configuration" in str(exc):
                # this process already has the file open read-write (dbt in-process, a store): DuckDB
                # shares that instance, so read through it (the file exists; nothing is created)
                return duckdb.connect(str(path))
            raise

    conn = when_free(connect_once, path=path, sleep=sleep)
    if creating:
        _owner_only(path)
    try:
        _check_size(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _after_attempts(error: WarehouseError, attempts: int) -> WarehouseError:
    if isinstance(error, WarehouseBusyError) and attempts > 1:
        return WarehouseBusyError(f"{error.message}, still after {attempts} attempts", path=error.path,
                                  holder_pid=error.holder_pid)
    return error


def _owner_only(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        if file.exists():
            os.chmod(file, 0o600)


def _check_size(conn: Any, path: Path) -> None:
    """A truncated file opens (DuckDB reads its blocks lazily) and fails later, mid-query — or worse, a write
    fills the gap. Its header counts the blocks in use: a file too short to hold them is refused now. (Free
    blocks at the end may be cut off by a checkpoint, so only the used ones are a lower bound.)"""
    import duckdb

    try:
        row = conn.execute("select block_size, used_blocks from pragma_database_size() "
                           "where database_name = current_database()").fetchone()
    except duckdb.Error as exc:
        error = warehouse_error(exc, path)
        if error is None:
            raise
        raise error from exc
    if row is None or row[0] is None:
        return
    needed = HEADER_BYTES + int(row[0]) * int(row[1])
    actual = path.stat().st_size
    if actual < needed:
        raise WarehouseCorruptError(f"the warehouse {path} is truncated: {actual:,} bytes, its header counts "
                                    f"{needed:,} in use", path=path)


def preflight(data_dir: Path | None = None, *, create: bool = False) -> Path:
    """Before dbt or dlt open the DuckDB warehouse themselves: wait for it while busy and check it, so that a
    busy, corrupt, refused or (with `create=False`) missing file is a typed error before any work starts.
    `create=True` creates it, owner-only, when missing. Returns its path."""
    path = warehouse_path(data_dir)
    open_duckdb(path, create=create).close()
    return path


def when_free(action: Callable[[], T], *, path: Path | None = None,
              sleep: Callable[[float], None] | None = None) -> T:
    """Run `action` (a step of dbt or dlt that opens the warehouse itself); while it fails because the file is
    busy, wait and run it again within `busy_policy()`; any other warehouse failure is raised typed."""
    policy = busy_policy()
    wait = sleep or _sleep
    for attempt in range(policy.max_attempts):
        try:
            return action()
        except Exception as exc:
            error = warehouse_error(exc, path)
            if error is None:
                raise
            if isinstance(error, WarehouseBusyError) and attempt + 1 < policy.max_attempts:
                wait(policy.backoff(attempt))
                continue
            raise _after_attempts(error, policy.max_attempts) from exc
    raise AssertionError("unreachable")  # the loop returns or raises


@contextmanager
def connect(target: str = "duckdb", data_dir: Path | None = None, *, read_only: bool = False,
            create: bool = True) -> Iterator[Connection | None]:
    """A connection to the warehouse, closed on exit. With `create=False` or `read_only=True` a DuckDB
    warehouse that does not exist yet yields None instead of creating a file. A DuckDB failure about the file
    itself, inside the block too (a block read mid-query), is raised typed."""
    check_target(target)
    if target == "duckdb":
        import duckdb

        path = warehouse_path(data_dir)
        if not path.exists() and (not create or read_only):
            yield None
            return
        conn = open_duckdb(path, read_only=read_only, create=create)
        try:
            yield conn
        except duckdb.Error as exc:
            error = warehouse_error(exc, path)
            if error is None:
                raise
            raise error from exc
        finally:
            conn.close()
        return
    import psycopg2

    pg = PostgresSettings.load()
    try:
        raw = psycopg2.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database,
                               connect_timeout=10)
    except psycopg2.OperationalError as exc:
        detail = " ".join(str(exc).replace(pg.password, "***").split()) if pg.password else " ".join(str(exc).split())
        raise WarehouseUnreachableError(f"cannot connect to the PostgreSQL warehouse {pg.user}@{pg.host}:{pg.port}/"
                                        f"{pg.database} ({detail[:300]})") from None
    if read_only:
        raw.set_session(readonly=True)
    try:
        yield _PostgresConnection(raw)
    finally:
        raw.close()
