"""`c2c transform`: `dbt build` of transform/ with a readable summary (models, tests, failures)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1] / "transform"


@dataclass
class BuildSummary:
    success: bool
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # resource type -> status -> n
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def public(self) -> dict[str, Any]:
        return {"success": self.success, "counts": {k: dict(v) for k, v in self.counts.items()},
                "failures": self.failures, "seconds": round(self.seconds, 1)}

    def text(self) -> str:
        lines = []
        for kind in ("model", "seed", "test", "unit_test", "snapshot"):
            if kind in self.counts:
                parts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts[kind].items()))
                lines.append(f"  {kind + 's':<11} {parts}")
        for failure in self.failures:
            lines.append(f"  FAILED {failure['node']}: {failure['message']}")
        lines.append(("dbt build succeeded" if self.success else "dbt build FAILED") + f" in {self.seconds:.1f}s")
        return "\n".join(lines)


def default_as_of(data_dir: Path) -> str | None:
    """The rules' as-of date when none is given: `C2C_AS_OF`; else, when the sandbox is the target (no vendor
    base URL configured), the sandbox manifest's (its breaks assume it); else None (dbt uses the run date)."""
    import json

    if os.environ.get("C2C_AS_OF"):
        return os.environ["C2C_AS_OF"]
    manifest = data_dir / "sandbox" / "manifest.json"
    sandbox = not any(k.startswith("SOURCES__") and k.endswith("__BASE_URL") for k in os.environ)
    return json.loads(manifest.read_text())["as_of"] if sandbox and manifest.exists() else None


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
    import json

    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
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
        _release_duckdb()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _release_duckdb() -> None:
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


def build(data_dir: Path, *, as_of: str | None = None, target: str | None = None, select: str | None = None,
          unit_tests: bool = True, quiet: bool = True) -> BuildSummary:
    """`dbt build` of the selection (default: everything). `unit_tests=False` leaves the dbt unit tests out:
    their inputs are fixed, so they prove the SQL, not the data; CI runs them, production builds need not."""
    import time

    t0 = time.perf_counter()
    command = ["build"] + (["--select", select] if select else [])
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    result = run_dbt(command, data_dir=data_dir, as_of=as_of, target=target, quiet=quiet)
    summary = BuildSummary(success=bool(result.success), seconds=time.perf_counter() - t0)
    if result.exception is not None:
        summary.failures.append({"node": "dbt", "message": str(result.exception)[:2000]})
    for node_result in getattr(result.result, "results", None) or []:
        node = node_result.node
        kind = node.resource_type.value if hasattr(node.resource_type, "value") else str(node.resource_type)
        status = str(node_result.status.value if hasattr(node_result.status, "value") else node_result.status)
        summary.counts.setdefault(kind, Counter())[status] += 1
        if status in ("error", "fail"):
            summary.failures.append({"node": node.unique_id, "message": (node_result.message or "")[:500]})
    return summary


def build_changed(data_dir: Path, *, as_of: str | None = None, target: str | None = None, full: bool = False,
                  unit_tests: bool = False, quiet: bool = True) -> tuple[Any, BuildSummary]:
    """The production build: only the models downstream of raw tables that loaded rows since the last
    successful build (see c2c/build_state.py for when it falls back to everything), then record the state."""
    from .build_state import BuildPlan, plan_build, record_build

    target_name = target or os.environ.get("DBT_TARGET") or "duckdb"
    plan = plan_build(data_dir, as_of=as_of, target=target_name)
    if full and plan.mode != "full":
        plan = BuildPlan("full", "asked for a full build", state=plan.state)
    if plan.mode == "nothing":
        summary = BuildSummary(success=True)
    else:
        summary = build(data_dir, as_of=as_of, target=target, select=plan.select, unit_tests=unit_tests,
                        quiet=quiet)
    if summary.success:
        record_build(data_dir, target_name, plan)
    return plan, summary
