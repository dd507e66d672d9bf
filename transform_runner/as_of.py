"""The rules' as-of date, decided in one place for `c2c transform`, Dagster runs and the reverse ETL's plan."""

from __future__ import annotations

import json
from pathlib import Path

from core import settings
from core.paths import manifest_file


def default_as_of(data_dir: Path | None = None) -> str | None:
    """The as-of date when none is given: the setting `c2c_as_of` (env `C2C_AS_OF`); else, when the sandbox is
    the target — no vendor base URL configured, read from the same settings the sources read — the sandbox
    manifest's (its breaks assume it); else None (dbt then uses the run date)."""
    configured = settings.get("c2c_as_of")
    if configured:
        return str(configured)
    manifest = manifest_file(data_dir)
    if manifest.exists() and settings.sandbox_is_target():
        return json.loads(manifest.read_text())["as_of"]
    return None
