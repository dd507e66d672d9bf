"""The warehouse connection, for the code that reads the warehouse directly (change detection, checks, the
demo's summary): the DuckDB file in the data dir (default) or PostgreSQL. dbt and dlt connect with their own
profiles/destinations; the PostgreSQL settings here are the same ones the dbt profile reads.

PostgreSQL settings (platform settings, core/settings.py): `c2c_pg_host` (127.0.0.1), `c2c_pg_port` (5432),
`c2c_pg_user` (postgres), `c2c_pg_password` (secret; env C2C_PG_PASSWORD), `c2c_pg_database` (c2c)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import settings
from .errors import ConfigError
from .paths import warehouse_path

TARGETS = ("duckdb", "postgres")


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


@contextmanager
def connect(target: str = "duckdb", data_dir: Path | None = None, *, read_only: bool = False,
            create: bool = True) -> Iterator[Connection | None]:
    """A connection to the warehouse, closed on exit. With `create=False` a DuckDB warehouse that does not
    exist yet yields None instead of creating an empty file."""
    check_target(target)
    if target == "duckdb":
        import duckdb

        path = warehouse_path(data_dir)
        if not path.exists() and (not create or read_only):
            yield None
            return
        # not read_only unless asked: dbt in the same process opens the file read-write, and DuckDB refuses
        # one file opened twice with different settings in one process
        conn = duckdb.connect(str(path), read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()
        return
    import psycopg2

    pg = PostgresSettings.load()
    raw = psycopg2.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database)
    if read_only:
        raw.set_session(readonly=True)
    try:
        yield _PostgresConnection(raw)
    finally:
        raw.close()
