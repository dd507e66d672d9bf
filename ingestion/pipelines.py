"""One dlt pipeline per vendor: dataset `raw_<vendor>`, state under `<data dir>/dlt`, destination DuckDB at
`<data dir>/warehouse.duckdb` by default, or any dlt destination by config (`C2C_DESTINATION`, with dlt's own
`DESTINATION__<NAME>__CREDENTIALS`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt

from core.paths import data_dir, warehouse_path
from core.settings import VENDORS

__all__ = ["VENDORS", "destination", "make_pipeline", "warehouse_path"]


def destination(name: str | None = None, base: Path | None = None) -> Any:
    name = name or os.environ.get("C2C_DESTINATION") or "duckdb"
    if name == "duckdb":
        path = warehouse_path(base)
        path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(path))
    return name  # dlt resolves the destination and its credentials from config / env


def make_pipeline(vendor: str, destination_name: str | None = None, base: Path | None = None) -> dlt.Pipeline:
    # Arrow pages get the load id column too (dlt adds it to JSON items only by default): the raw tables
    # carry `_dlt_load_id`, which incremental models downstream use as their watermark.
    dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
    if vendor not in VENDORS:
        raise ValueError(f"unknown vendor {vendor!r}; expected one of {', '.join(VENDORS)}")
    base = base or data_dir()
    extra: dict[str, Any] = {"progress": "log"} if os.environ.get("C2C_DLT_PROGRESS") else {}
    return dlt.pipeline(
        pipeline_name=vendor,
        pipelines_dir=str(base / "dlt"),
        destination=destination(destination_name, base),
        dataset_name=f"raw_{vendor}",
        **extra,
    )
