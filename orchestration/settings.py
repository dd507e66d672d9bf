"""Run-time settings of the Dagster code (read when a run needs them, never at import): the data dir, the
rules' as-of date, the dbt target."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingestion.common.settings import data_dir


def as_of_date() -> str | None:
    """`C2C_AS_OF` when set; else the sandbox manifest's as-of date when the sandbox is the target; else None
    (dbt then uses the run date)."""
    if os.environ.get("C2C_AS_OF"):
        return os.environ["C2C_AS_OF"]
    manifest = data_dir() / "sandbox" / "manifest.json"
    sandbox = not any(k.startswith("SOURCES__") and k.endswith("__BASE_URL") for k in os.environ)
    if sandbox and manifest.exists():
        return json.loads(manifest.read_text())["as_of"]
    return None


def dbt_vars() -> list[str]:
    value = as_of_date()
    return ["--vars", json.dumps({"as_of_date": value})] if value else []


def warehouse() -> Path:
    return data_dir() / "warehouse.duckdb"


__all__ = ["as_of_date", "data_dir", "dbt_vars", "warehouse"]
