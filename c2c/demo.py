"""`make demo` / `c2c demo`: the whole chain, run by Dagster, on the embedded sandbox.

From a clean demo state (warehouse, pipeline and dbt state, the sandbox ERP's edits and the demo's Dagster
runs reset) it generates the firm, starts the four simulators and runs the asset graph in-process on a
Dagster instance in `<data dir>/dagster` (so `make ui` shows these runs afterwards):
1. `nightly_refresh`: ingest all four vendors (dlt), build every dbt model with its tests, plan the ERP
   corrections;
2. the plan signed by the sandbox's demo approver (`finance.controller@example.com`, with its key in the data
   dir) through the reverse ETL's approval API, as a finance approver signs with `c2c reverse-etl approve`;
   then `finance_corrections` with that plan id: applied exactly once, verified;
3. `nightly_refresh` again: the ERP re-ingested, the models rebuilt — no billing_schedule_drift left.
Then it prints rows per system, breaks found vs planted by kind with money impact, the plan, what was
applied and the KPIs, and how to open the UI."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.paths import REPO_ROOT, warehouse_path

DEMO_APPROVER = "finance.controller@example.com"  # the sandbox's demo approver (sandbox/approvers.py)
INSTANCE_CONFIG = REPO_ROOT / "orchestration" / "instance" / "dagster.yaml"


def run_demo(size: str, seed: int, say: Callable[[str], None]) -> tuple[dict[str, Any], str]:
    from ingestion.pipelines import VENDORS
    from ingestion.run import dataset_rows
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY
    from reverse_etl.report import plan_table
    from reverse_etl.runs import approve_plan, show
    from sandbox.common.paths import sandbox_dir
    from sandbox.firm.generate import generate
    from sandbox.server import down, up
    from transform_runner import open_exceptions_by_kind

    base = sandbox_dir().parent
    say(f"starting from a clean demo state in {base} (warehouse, pipeline state, the sandbox ERP, Dagster runs)")
    down()
    _reset(base)
    say(f"generating the {size} firm (seed {seed})")
    generate(size, seed, sandbox_dir(), progress=lambda m: say("  " + m))
    say("starting the sandbox:")
    up(log=say)
    manifest = json.loads((sandbox_dir() / "manifest.json").read_text())
    instance, defs = _dagster(base)

    say("Dagster job nightly_refresh: ingest all four vendors → dbt build (models + tests as checks) → plan:")
    first = _run(defs, instance, "nightly_refresh", say)
    rows = {v: dataset_rows(v) for v in VENDORS}
    found = open_exceptions_by_kind(base)
    plan_id = next(str(m.metadata["plan_id"].value) for m in (  # the plan this run made
        e.event_specific_data.materialization for e in first.get_asset_materialization_events())
        if m.asset_key == PLAN_KEY)
    plan, _ = show(plan_id, base)

    approval = approve_plan(plan_id, DEMO_APPROVER, data_dir=base)  # the sandbox's demo key
    say(f"plan {plan_id} signed by {approval['approver']} ({approval['key_fingerprint']})")
    say(f"Dagster job finance_corrections: plan {plan_id} applied, verified:")
    _run(defs, instance, "finance_corrections", say, run_config={"ops": {"reverse_etl__erp__billing_schedules": {
        "config": {"plan_id": plan_id}}}})
    written = instance.get_latest_materialization_event(ERP_WRITE_KEY).asset_materialization.metadata

    say("Dagster job nightly_refresh again: the ERP re-ingested, the models rebuilt:")
    _run(defs, instance, "nightly_refresh", say)
    left = open_exceptions_by_kind(base).get("billing_schedule_drift", (0, 0))[0]

    lines = [f"rows per system (raw tables in the warehouse), as of {manifest['as_of']}:"]
    lines += [f"  {v:<10} {sum(r.values()):>9,} rows in {len(r):>2} raw tables" for v, r in rows.items()]
    lines += ["", f"finance exceptions found vs breaks planted in the {manifest['size']} firm:"]
    for kind, planted in manifest["break_counts"].items():
        count, impact = found.get(kind, (0, Decimal(0)))
        mark = "ok" if count == planted else "DIFFERS"
        lines.append(f"  {kind:<26} {count:>6} found / {planted:>6} planted  {mark:<7}  impact {impact:>14,.2f} USD")
    lines += ["", plan_table(plan, limit=12), "",
              (f"applied: {written['written'].value} line operations written, {written['conflicts'].value} conflicts, "
              f"{written['rejected'].value} rejected, {written['verified_schedules'].value} schedules verified in the "
              f"ERP ({written['erp_requests'].value} ERP requests); after the next run: {left} billing_schedule_drift "
              "left"), "", "KPIs (latest month up to the as-of date):"]
    lines += [f"  {name:<40} {value}" for name, value in _kpis(base)]
    lines += ["", (f"warehouse: {warehouse_path(base)} (raw_*, staging, intermediate, canonical, reconciliation, "
              "marts, sync, reverse_etl)"),
              ("Open the UI: `make ui`, then http://127.0.0.1:3000 — the asset graph from each vendor table to the ERP "
              "write, these three runs, and the finance_corrections launchpad."),
              "The sandbox keeps running: `c2c sandbox down` stops it."]
    summary = {"rows": {v: sum(r.values()) for v, r in rows.items()}, "break_counts": manifest["break_counts"],
               "exceptions_found": {k: v[0] for k, v in found.items()}, "plan_id": plan_id,
               "plan_items": len(plan.items), "plan_schedules": len(plan.schedules),
               "applied": {k: v.value for k, v in written.items()}, "drift_left": left,
               "dagster_runs": [first.run_id], "kpis": dict(_kpis(base))}
    return summary, "\n".join(lines)


def _reset(base: Path) -> None:
    """Forget earlier demo runs in this data dir: warehouse (and its ledger's anchors), dlt / dbt / Dagster state,
    the sandbox ERP's edits."""
    warehouse = warehouse_path(base)
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    for name in ("dlt", "state", "dbt", "dagster", "reverse_etl"):  # reverse_etl: the ledger's anchors (its key stays)
        shutil.rmtree(base / name, ignore_errors=True)
    for name in ("state", "run"):  # the ERP's persisted edits; pids, logs and credentials of stopped simulators
        shutil.rmtree(base / "sandbox" / name, ignore_errors=True)


def _dagster(base: Path) -> tuple[Any, Any]:
    import dagster as dg

    home = base / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(INSTANCE_CONFIG, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    from orchestration.definitions import defs

    return dg.DagsterInstance.get(), defs


def _run(defs: Any, instance: Any, job: str, say: Callable[[str], None], run_config: dict | None = None) -> Any:
    """Execute the job in-process with progress lines; dbt's console log (dagster-dbt echoes every dbt line to
    stdout) goes to <data dir>/logs/demo-<job>.log instead of burying the summary."""
    from sandbox.common.paths import sandbox_dir

    from .run_progress import RunProgress

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # the UI keeps every event
    run_id = str(uuid.uuid4())
    log = sandbox_dir().parent / "logs" / f"demo-{job}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    say(f"  run {run_id[:8]} (dbt's log: {log})")
    with log.open("a", encoding="utf-8") as sink, RunProgress(instance, run_id, job, say), \
            contextlib.redirect_stdout(sink):
        result = defs.resolve_job_def(job).execute_in_process(
            instance=instance, run_id=run_id, run_config={**(run_config or {}), **quiet}, raise_on_error=False)
    steps = [e for e in result.all_events if e.is_step_success or e.is_step_failure]
    say(f"  run {result.run_id[:8]}: {'succeeded' if result.success else 'FAILED'} "
        f"({sum(e.is_step_success for e in steps)} steps ok, {sum(e.is_step_failure for e in steps)} failed)")
    if not result.success:
        failures = [e.message for e in result.all_events if e.is_step_failure]
        raise RuntimeError(f"Dagster job {job} failed: " + " | ".join(str(f)[:500] for f in failures))
    return result


def _kpis(data_dir: Path) -> list[tuple[str, str]]:
    """One value per KPI for the latest month up to the as-of date (its 'all' dimension when it has one)."""
    from core import warehouse

    with warehouse.connect("duckdb", data_dir, read_only=True) as con:
        rows = con.execute(  # type: ignore[union-attr]
            "select kpi_name, kpi_unit, kpi_value, currency_code from marts.contract_to_cash_kpis "
            "where kpi_month = (select max(kpi_month) from marts.contract_to_cash_kpis where kpi_month <= as_of_date) "
            "qualify row_number() over (partition by kpi_name order by (kpi_dimension = 'all') desc, "
            "kpi_dimension) = 1 order by kpi_name").fetchall()
    out = []
    for name, unit, value, currency in rows:
        number = f"{Decimal(value).quantize(Decimal('0.01')):,}" if value is not None else "—"
        out.append((name, f"{number} {currency or unit}"))
    return out
