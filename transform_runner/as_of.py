"""The rules' as-of date, decided in one place for `c2c transform`, Dagster runs and the reverse ETL's plan, and
checked here: an ISO date (YYYY-MM-DD) or an error, before it reaches dbt (where it is the typed var
`as_of_date`, passed as JSON; the macro as_of_date() checks it once more)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from core import settings
from core.errors import ConfigError, InputError
from core.paths import manifest_file

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_date(value: object) -> bool:
    text = str(value)
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_as_of(value: str, option: str = "--as-of") -> str:
    """The value when it is a calendar date YYYY-MM-DD, else InputError naming the option."""
    if not is_iso_date(value):
        raise InputError(f"{option} {str(value)[:60]!r} is not a date in the form YYYY-MM-DD", option=option,
                         hint="give a calendar date, e.g. 2026-01-31")
    return str(value)


def default_as_of(data_dir: Path | None = None) -> str | None:
    """The as-of date when none is given: the setting `c2c_as_of` (env `C2C_AS_OF`); else, when the sandbox is
    the target — no vendor base URL configured, read from the same settings the sources read — the sandbox
    manifest's (its breaks assume it); else None (dbt then uses the run date). Either must be YYYY-MM-DD."""
    configured = settings.get("c2c_as_of")
    if configured:
        if not is_iso_date(configured):
            raise ConfigError(f"setting c2c_as_of (env {settings.env_name('c2c_as_of')}) must be a date YYYY-MM-DD",
                              setting="c2c_as_of")
        return str(configured)
    manifest = manifest_file(data_dir)
    if manifest.exists() and settings.sandbox_is_target():
        value = json.loads(manifest.read_text())["as_of"]
        if not is_iso_date(value):
            raise ConfigError(f"the sandbox manifest {manifest} holds no as-of date YYYY-MM-DD",
                              setting="as_of", hint="regenerate it: `c2c sandbox generate`")
        return str(value)
    return None
