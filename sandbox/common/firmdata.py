"""Reading the generated firm (parquet per vendor object) into a simulator."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .paths import firm_dir


class FirmNotGenerated(FileNotFoundError):
    pass


def table_path(firm: Path, vendor: str, table: str) -> Path:
    return firm / vendor / f"{table}.parquet"


def load_tables(con: duckdb.DuckDBPyConnection, firm: Path, vendor: str, tables: list[str]) -> None:
    """Create one DuckDB table per object from its parquet file (names as in sandbox/firm/schema.py)."""
    for table in tables:
        path = table_path(firm, vendor, table)
        if not path.exists():
            raise FirmNotGenerated(
                f"{vendor}: {path} is missing; run `c2c sandbox generate` (or `c2c sandbox up`) first"
            )
        con.execute(f'create or replace table "{table}" as select * from read_parquet(?)', [str(path)])


def default_firm() -> Path:
    return firm_dir()
