"""`c2c transform`'s build: `dbt build` of the selection, or of only what changed (changes.py), with a readable
summary (models, tests, failures).

Before dbt starts, the DuckDB warehouse is checked through the platform's one access path (core/warehouse.py):
a busy file is waited for, then it and a missing, corrupt or refused file are typed errors; the same failure
met by dbt itself (another process took the file meanwhile) is raised typed too. A selection that matches
nothing is an error, never a success."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import warehouse
from core.errors import InputError
from core.paths import warehouse_path

from .changes import BuildPlan, plan_build, record_build
from .dbt import resolve_target, run_dbt


@dataclass
class BuildSummary:
    success: bool
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # resource type -> status -> n
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""  # dbt's log file, named when the build failed

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
        lines.append(("dbt build succeeded" if self.success else "dbt build FAILED") + f" in {self.seconds:.1f}s"
                     + ("" if self.success or not self.log else f" (dbt's log: {self.log})"))
        return "\n".join(lines)


def build(data_dir: Path, *, as_of: str | None = None, target: str | None = None, select: str | None = None,
          unit_tests: bool = True, quiet: bool = True) -> BuildSummary:
    """`dbt build` of the selection (default: everything). `unit_tests=False` leaves the dbt unit tests out:
    their inputs are fixed, so they prove the SQL, not the data; CI runs them, production builds need not."""
    target = resolve_target(target)
    check_warehouse(data_dir, target)
    t0 = time.perf_counter()
    command = ["build"] + (["--select", select] if select else [])
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    result = run_dbt(command, data_dir=data_dir, as_of=as_of, target=target, quiet=quiet)
    summary = BuildSummary(success=bool(result.success), seconds=time.perf_counter() - t0,
                           log=str(data_dir / "logs" / "dbt" / "dbt.log"))
    if result.exception is not None:
        summary.failures.append({"node": "dbt", "message": str(result.exception)[:2000]})
    results = getattr(result.result, "results", None) or []
    if select and result.success and not results:
        raise InputError(f"--select {select[:200]!r} matches nothing in the dbt project", option="--select",
                         hint="name models, sources or tags that exist, e.g. --select canonical+ or "
                              "--select source:kantata.time_entries+ (`dbt ls` lists them)")
    for node_result in results:
        node = node_result.node
        kind = node.resource_type.value if hasattr(node.resource_type, "value") else str(node.resource_type)
        status = str(node_result.status.value if hasattr(node_result.status, "value") else node_result.status)
        summary.counts.setdefault(kind, Counter())[status] += 1
        if status in ("error", "fail"):
            summary.failures.append({"node": node.unique_id, "message": (node_result.message or "")[:500]})
    if not summary.success and target == "duckdb":
        for failure in summary.failures:  # the warehouse itself failed (taken by another process meanwhile)
            error = warehouse.warehouse_error(failure["message"], warehouse_path(data_dir))
            if error is not None:
                raise error
    return summary


def check_warehouse(data_dir: Path, target: str) -> None:
    """The DuckDB warehouse must exist (the raw tables dbt builds from are loaded by `c2c ingest`) and be
    usable: waited for while busy, typed errors for missing, corrupt or refused (core/warehouse.py)."""
    if target == "duckdb":
        warehouse.preflight(data_dir, create=False)


def build_changed(data_dir: Path, *, as_of: str | None = None, target: str | None = None, full: bool = False,
                  unit_tests: bool = False, quiet: bool = True) -> tuple[Any, BuildSummary]:
    """The production build: only the models downstream of raw tables that loaded rows since the last
    successful build (see changes.py for when it falls back to everything), then record the state."""
    target_name = resolve_target(target)
    check_warehouse(data_dir, target_name)
    plan = plan_build(data_dir, as_of=as_of, target=target_name)
    if full and plan.mode != "full":
        plan = BuildPlan("full", "asked for a full build", state=plan.state)
    if plan.mode == "nothing":
        summary = BuildSummary(success=True)
    else:
        summary = build(data_dir, as_of=as_of, target=target_name, select=plan.select, unit_tests=unit_tests,
                        quiet=quiet)
    if summary.success:
        record_build(data_dir, target_name, plan)
    return plan, summary
