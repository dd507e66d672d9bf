"""Run-time settings of the Dagster code (read when a run needs them, never at import): the data dir, the
rules' as-of date (c2c.transform.default_as_of), the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

from c2c.transform import default_as_of
from ingestion.common.settings import data_dir


def as_of_date() -> str | None:
    return default_as_of(data_dir())


def dbt_vars() -> list[str]:
    value = as_of_date()
    return ["--vars", json.dumps({"as_of_date": value})] if value else []


def warehouse() -> Path:
    return data_dir() / "warehouse.duckdb"


__all__ = ["as_of_date", "data_dir", "dbt_vars", "warehouse"]
