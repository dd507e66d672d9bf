"""Running dbt in-process (dbtRunner) against a data dir's warehouse: the environment its profile reads, the
as-of date as a typed var, and the release of dbt-duckdb's process-wide DuckDB instance afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from core.paths import DBT_PROJECT_DIR


def dbt_env(data_dir: Path, target: str | None = None) -> dict[str, str]:
    # dbt's target dir (compiled SQL, run_results, the partial-parse cache) lives in the data dir: two data dirs
    # never share it, and the partial-parse cache stays valid for its own profile (a changed warehouse path
    # would force a full re-parse, ≈ 5 s)
    env = {"C2C_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_LOG_PATH": str(data_dir / "logs" / "dbt"), "DBT_TARGET_PATH": str(data_dir / "dbt" / "target")}
    if target:
        env["DBT_TARGET"] = target
    return env


def run_dbt(command: list[str], *, data_dir: Path, as_of: str | None = None, target: str | None = None,
            quiet: bool = True) -> Any:
    """Run a dbt command in-process (dbtRunner) against the data dir's warehouse; return dbt's result."""
    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of})]
    if quiet:
        args = ["--quiet", *args]
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
