"""`make demo` / `c2c demo`: the furthest the chain reaches today.

Today: from a clean demo state (warehouse, pipeline state and the sandbox ERP's edits reset), generate the
`small` firm, bring the four simulators up, ingest all four vendors into the warehouse with the dlt sources,
run the ingest again (incremental: nothing new), build the dbt project (canonical layer, reconciliation
rules, finance exception queue) and compare the exceptions it finds with the breaks the sandbox planted;
then correct the ERP's billing schedules: plan, approve (as a named demo approver), apply, verify, ingest
the ERP again and rebuild — no billing_schedule_drift left."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any


def run_demo(size: str, seed: int, say: Callable[[str], None]) -> tuple[dict[str, Any], str]:
    from ingestion.pipelines import VENDORS
    from ingestion.run import run_vendor
    from sandbox.common.paths import sandbox_dir
    from sandbox.firm.generate import generate
    from sandbox.server import down, running, up

    base = sandbox_dir().parent
    say(f"starting from a clean demo state in {base} (warehouse, pipeline state and the sandbox ERP reset)")
    down()
    _reset(base)
    say(f"generating the {size} firm (seed {seed})")
    generate(size, seed, sandbox_dir(), progress=lambda m: say("  " + m))
    if len(running()) < 4:
        say("starting the sandbox:")
    up(log=say)
    manifest = json.loads((sandbox_dir() / "manifest.json").read_text())
    say("ingesting all four vendors (dlt → raw_<vendor> in the warehouse):")
    loaded = {v: run_vendor(v, say=say) for v in VENDORS}
    say("second, incremental run (nothing changed at the vendors):")
    again = {v: run_vendor(v, say=lambda _: None) for v in VENDORS}
    lines = [f"rows per system (first load / incremental rerun), as of {manifest['as_of']}:"]
    for vendor, result in loaded.items():
        total, rerun = sum(result.rows.values()), sum(again[vendor].rows.values())
        lines.append(f"  {vendor:<10} {total:>9,} rows in {len(result.rows):>2} raw tables, {result.seconds:5.1f}s"
                     f"  / {rerun} new")
    say("building the dbt project (canonical layer, rules, finance exceptions):")
    from .transform import build_changed

    build_plan, built = build_changed(base, as_of=manifest["as_of"])
    say(f"  build: {build_plan.mode} ({build_plan.reason})")
    say(built.text())
    found = _open_exceptions_by_kind(base) if built.success else {}
    lines += ["", f"finance exceptions found vs breaks planted in the {manifest['size']} firm (as of {manifest['as_of']}):"]
    for kind, planted in manifest["break_counts"].items():
        count, impact = found.get(kind, (0, 0))
        mark = "ok" if count == planted else "DIFFERS"
        lines.append(f"  {kind:<26} {count:>6} found / {planted:>6} planted  {mark:<7}  impact {impact:>14,.2f} USD")
    corrections = _correct_billing_schedules(base, manifest, say) if built.success else {}
    if corrections:
        lines += ["", corrections["text"]]
    lines += ["", f"warehouse: {base / 'warehouse.duckdb'} (raw_*, staging, canonical, reconciliation, "
              "marts, sync, reverse_etl)", "The sandbox keeps running: `c2c sandbox down` stops it.",
              "Next stage (Dagster orchestration and UI) is not built yet; see the issues."]
    summary = {"loaded": {v: r.public() for v, r in loaded.items()},
               "rerun_rows": {v: sum(r.rows.values()) for v, r in again.items()},
               "break_counts": manifest["break_counts"], "transform": built.public(),
               "exceptions_found": {k: v[0] for k, v in found.items()},
               "corrections": {k: v for k, v in corrections.items() if k != "text"}}
    return summary, "\n".join(lines)


DEMO_APPROVER = "Finance Controller (demo)"


def _reset(base: Path) -> None:
    """Forget earlier demo runs in this data dir: the warehouse, dlt's and dbt's state, the sandbox ERP's edits."""
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        (base / name).unlink(missing_ok=True)
    for name in ("dlt", "state", "dbt"):
        shutil.rmtree(base / name, ignore_errors=True)
    for name in ("state", "run"):  # the ERP's persisted edits; pids, logs and credentials of stopped simulators
        shutil.rmtree(base / "sandbox" / name, ignore_errors=True)


def _correct_billing_schedules(base: Path, manifest: dict[str, Any], say: Callable[[str], None]) -> dict[str, Any]:
    """Plan → approve → apply → verify the billing-schedule corrections, then ingest the ERP and rebuild."""
    from ingestion.run import run_vendor
    from reverse_etl import runs
    from reverse_etl.cli import plan_table

    from .transform import build_changed

    say("correcting the ERP's billing schedules (reverse ETL: plan → approve → apply → verify):")
    plan = runs.plan(base)
    say(plan_table(plan, limit=12))
    runs.approve_plan(plan.plan_id, DEMO_APPROVER, data_dir=base)
    say(f"  approved by {DEMO_APPROVER}")
    report = runs.apply_plan(plan.plan_id, base, say=lambda m: say("  " + m.strip()))
    verified = runs.verify_plan(plan.plan_id, base)
    run_vendor("netsuite", say=lambda _: None)
    _, rebuilt = build_changed(base, as_of=manifest["as_of"])
    left = _open_exceptions_by_kind(base).get("billing_schedule_drift", (0, 0))[0] if rebuilt.success else None
    text = (f"billing-schedule corrections: plan {plan.plan_id}, {len(plan.items)} line operations on "
            f"{len(plan.schedules)} schedules, approved by {DEMO_APPROVER}; apply {report.status}: "
            f"{report.written} written, {report.conflicts} conflicts, {report.rejected} rejected "
            f"({report.erp.get('requests')} ERP requests); verify: {verified.verified} schedules hold the approved "
            f"lines, {len(verified.mismatched)} differ; after re-ingesting the ERP and rebuilding: "
            f"{left} billing_schedule_drift left")
    return {"plan_id": plan.plan_id, "items": len(plan.items), "schedules": len(plan.schedules),
            "apply": report.public(), "verify": verified.public(), "drift_left": left, "text": text}


def _open_exceptions_by_kind(data_dir: Any) -> dict[str, tuple[int, Decimal]]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        rows = con.execute("select exception_type, count(*), sum(impact_amount_reporting) "
                           "from reconciliation.finance_exceptions where status = 'open' group by 1").fetchall()
    finally:
        con.close()
    return {kind: (n, total if total is not None else Decimal(0)) for kind, n, total in rows}
