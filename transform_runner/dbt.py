"""Running dbt in-process (dbtRunner) against a data dir's warehouse: the environment its profile reads, the
as-of date as a typed var, and the release of dbt-duckdb's process-wide DuckDB instance afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from core import settings
from core.errors import ConfigError, InputError
from core.paths import DBT_PROJECT_DIR, ensure_data_dir
from core.warehouse import CONNECT_ATTEMPTS, busy_policy

from .as_of import check_as_of

DEFAULT_TARGET = "duckdb"


def profile_targets() -> tuple[str, ...]:
    """The targets transform/profiles.yml defines for the project's profile (its `outputs`)."""
    import yaml

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()) or {}
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text()) or {}
    return tuple((profiles.get(project.get("profile", "c2c")) or {}).get("outputs") or {})


def resolve_target(target: str | None = None) -> str:
    """The dbt target to build: `target` (the --target option), else the setting `dbt_target` (env DBT_TARGET),
    else duckdb — one that transform/profiles.yml defines, or an error that names the ones it does."""
    known = profile_targets()
    if target:
        if target not in known:
            raise InputError(f"unknown dbt target {target[:60]!r}; transform/profiles.yml defines "
                             f"{', '.join(known)}", option="--target", hint=f"use --target {' or '.join(known)}")
        return target
    configured = str(settings.get("dbt_target") or DEFAULT_TARGET)
    if configured not in known:
        raise ConfigError(f"setting dbt_target (env DBT_TARGET) names no target of transform/profiles.yml; it "
                          f"defines {', '.join(known)}", setting="dbt_target")
    return configured


def dbt_env(data_dir: Path, target: str | None = None) -> dict[str, str]:
    # dbt's target dir (compiled SQL, run_results, the partial-parse cache) lives in the data dir: two data dirs
    # never share it, and the partial-parse cache stays valid for its own profile (a changed warehouse path
    # would force a full re-parse, ≈ 5 s)
    env = {"C2C_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_LOG_PATH": str(data_dir / "logs" / "dbt"), "DBT_TARGET_PATH": str(data_dir / "dbt" / "target")}
    if target:
        env["DBT_TARGET"] = target
    # the profile's connect_attempts: how long dbt waits for a busy warehouse, as the platform's own opens do
    env[settings.env_name(CONNECT_ATTEMPTS)] = str(busy_policy().max_attempts)
    return env


def run_dbt(command: list[str], *, data_dir: Path, as_of: str | None = None, target: str | None = None,
            quiet: bool = True) -> Any:
    """Run a dbt command in-process (dbtRunner) against the data dir's warehouse; return dbt's result. The
    as-of date must be YYYY-MM-DD (InputError) and reaches dbt only as the JSON var `as_of_date`."""
    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": check_as_of(as_of)})]
    ensure_data_dir(data_dir)
    if quiet:  # nothing on the console: the caller summarises (build.py), dbt's whole log is in <data dir>/logs/dbt
        args = ["--quiet", "--log-level", "none", *args]
    env = dbt_env(data_dir, target)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)  # profiles.yml reads env_var(): set for this invocation only
    try:
        return dbtRunner().invoke(args)
    finally:
        release_duckdb()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance open in the process after a command (a module-level singleton),
    which holds the warehouse file's lock: another process (`c2c reverse-etl apply`, a BI tool) could not open
    it. Close it after every in-process invocation; the next one reopens it in milliseconds."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:  # another adapter (postgres) only
        return
    with manager._LOCK:
        if manager._ENV is not None:
            try:
                manager._ENV.close()
            finally:
                manager._ENV = None


def project_var(name: str) -> Any:
    """A var as the dbt project declares it (transform/dbt_project.yml `vars:`), for code outside dbt that must
    agree with the rules (e.g. which CLM approval status makes a change order count)."""
    import yaml

    declared = (yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()) or {}).get("vars") or {}
    if name not in declared:
        raise KeyError(f"the dbt project declares no var {name!r} (transform/dbt_project.yml)")
    return declared[name]
