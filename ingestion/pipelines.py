"""One dlt pipeline per vendor: dataset `raw_<vendor>`, state under `<data dir>/dlt`, destination DuckDB at
`<data dir>/warehouse.duckdb` by default, or any dlt destination by config (`C2C_DESTINATION`, with dlt's own
`DESTINATION__<NAME>__CREDENTIALS`). An unknown destination name is an InputError naming it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt
from dlt.common.destination.exceptions import UnknownDestinationModule

from core import warehouse
from core.errors import InputError
from core.paths import data_dir, ensure_data_dir, warehouse_path
from core.settings import VENDORS

__all__ = ["VENDORS", "check_destination", "destination", "make_pipeline", "to_duckdb", "warehouse_path"]


def to_duckdb(name: str | None = None) -> bool:
    """Whether the destination is the data dir's DuckDB warehouse (the default)."""
    return (name or os.environ.get("C2C_DESTINATION") or "duckdb") == "duckdb"


def check_destination(name: str | None = None, base: Path | None = None) -> None:
    """Before anything is extracted: the DuckDB warehouse waited for while another process holds it, then a
    typed error naming the holder; corrupt or refused, a typed error; missing, created owner-only
    (core/warehouse.py). Other destinations are dlt's to check."""
    if to_duckdb(name):
        warehouse.preflight(base or data_dir(), create=True)


def destination(name: str | None = None, base: Path | None = None) -> Any:
    name = name or os.environ.get("C2C_DESTINATION") or "duckdb"
    if name == "duckdb":
        path = warehouse_path(base)
        ensure_data_dir(path.parent)
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
    target = destination(destination_name, base)
    try:
        return dlt.pipeline(
            pipeline_name=vendor,
            pipelines_dir=str(base / "dlt"),
            destination=target,
            dataset_name=f"raw_{vendor}",
            **extra,
        )
    except UnknownDestinationModule as exc:
        raise InputError(f"unknown dlt destination {str(target)[:60]!r}", option="--destination",
                         hint="use duckdb (default), postgres or another dlt destination with its credentials "
                              "(DESTINATION__<NAME>__CREDENTIALS)") from exc
