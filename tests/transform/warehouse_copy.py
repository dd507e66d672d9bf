"""A private copy of the tiny warehouse for tests that edit raw rows and rebuild (the shared one is never
written), and plain SQL against it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb


def query(data_dir: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows as dicts. Same configuration as the in-process dbt connection (DuckDB refuses a second,
    read-only one while it is open)."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        cur = con.execute(sql, list(params))
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def copy_warehouse(tiny_warehouse: Path, into: Path) -> Path:
    """`into` becomes a data dir holding a copy of the tiny warehouse and its manifest, with no exception
    history yet: the first build there is a first build of finance_exceptions."""
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):  # the WAL holds what is not checkpointed yet
        if (tiny_warehouse / name).exists():
            shutil.copy(tiny_warehouse / name, into / name)
    (into / "sandbox").mkdir()
    shutil.copy(tiny_warehouse / "sandbox" / "manifest.json", into / "sandbox" / "manifest.json")
    if query(into, "select 1 from information_schema.schemata where schema_name = 'reconciliation'"):
        query(into, "drop table if exists reconciliation.finance_exceptions")
    return into
