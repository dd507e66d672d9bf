"""Asset checks beyond dbt's own tests (those are already checks on every dbt asset):

- freshness of each raw source: a FreshnessPolicy on every raw table (lib/translators.py: overdue when not
  loaded for 26 hours), which Dagster evaluates itself;
- reconciliation thresholds on the finance exception queue: open breaks per kind at most the firm's limits
  (`C2C_RECON_THRESHOLDS`, JSON {kind: max open}; default: no open write_conflict or write_rejected — a
  correction the ERP refused or that collided with a user's edit needs a person);
- post-write verification of the ERP write: the last applied plan's schedules are re-read from NetSuite and
  must still hold the approved lines.
"""

import json
import os

import dagster as dg

from reverse_etl import runs
from transform_runner import open_exceptions_by_kind

from ..lib.keys import ERP_WRITE_KEY
from .resources import ErpWriterResource, WarehouseResource

DEFAULT_THRESHOLDS = {"write_conflict": 0, "write_rejected": 0}

def thresholds() -> dict[str, int]:
    configured = os.environ.get("C2C_RECON_THRESHOLDS")
    return {**DEFAULT_THRESHOLDS, **(json.loads(configured) if configured else {})}


@dg.asset_check(asset=dg.AssetKey(["reconciliation", "finance_exceptions"]), name="open_breaks_within_thresholds",
                pool="duckdb", description="Open breaks per kind at most C2C_RECON_THRESHOLDS (JSON {kind: max}).")
def open_breaks_within_thresholds(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    open_now = open_exceptions_by_kind(warehouse.base())
    limits = thresholds()
    open_by_kind = {kind: n for kind, (n, _) in open_now.items()}
    over = {kind: n for kind, n in open_by_kind.items() if kind in limits and n > limits[kind]}
    return dg.AssetCheckResult(
        passed=not over, severity=dg.AssetCheckSeverity.WARN,
        metadata={"open_by_kind": open_by_kind, "over_threshold": over, "thresholds": limits,
                  "open_impact_reporting": {kind: str(total) for kind, (_, total) in open_now.items()}})


@dg.asset_check(asset=ERP_WRITE_KEY, name="erp_holds_the_approved_schedules", pool="duckdb",
                description="Re-reads the schedules of the last applied plan from NetSuite: they must still hold "
                            "the approved lines (a user edit since the write shows up here).")
def erp_holds_the_approved_schedules(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                                     erp: ErpWriterResource) -> dg.AssetCheckResult:
    event = context.instance.get_latest_materialization_event(ERP_WRITE_KEY)
    if event is None or event.asset_materialization is None:
        return dg.AssetCheckResult(passed=True, metadata={"note": "nothing written yet"})
    plan_id = str(event.asset_materialization.metadata["plan_id"].value)
    report = runs.verify_plan(plan_id, warehouse.base(), erp.knobs())
    return dg.AssetCheckResult(passed=not report.mismatched, metadata=report.public())
