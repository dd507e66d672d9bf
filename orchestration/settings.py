"""Run-time settings of the Dagster code (read when a run needs them, never at import): the data dir and the
rules' as-of date, both decided by the parts below (core.paths, transform_runner.as_of)."""

from __future__ import annotations

import json

from core.paths import data_dir
from transform_runner import default_as_of


def as_of_date() -> str | None:
    return default_as_of(data_dir())


def dbt_vars() -> list[str]:
    value = as_of_date()
    return ["--vars", json.dumps({"as_of_date": value})] if value else []


__all__ = ["as_of_date", "data_dir", "dbt_vars"]
