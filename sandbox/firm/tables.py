"""Writing vendor tables: every frame is checked against sandbox/firm/schema.py before it lands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from .schema import SCHEMAS


class SchemaMismatch(ValueError):
    pass


def frame(vendor: str, table: str, data: pl.DataFrame | list[dict[str, Any]]) -> pl.DataFrame:
    schema = SCHEMAS[vendor][table]
    if isinstance(data, list):
        data = pl.DataFrame(data, schema=schema, orient="row") if data else pl.DataFrame(schema=schema)
    missing = sorted(set(schema) - set(data.columns))
    extra = sorted(set(data.columns) - set(schema))
    if missing or extra:
        raise SchemaMismatch(f"{vendor}.{table}: missing columns {missing}, unexpected columns {extra}")
    return data.select([pl.col(name).cast(dtype, strict=True) for name, dtype in schema.items()])


def write(out: Path, vendor: str, tables: dict[str, pl.DataFrame]) -> None:
    folder = out / vendor
    folder.mkdir(parents=True, exist_ok=True)
    for table, df in tables.items():
        df.write_parquet(folder / f"{table}.parquet", compression="zstd", statistics=True)
