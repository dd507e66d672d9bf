"""The reverse ETL in the graph: the correction plan (an asset whose metadata is the plan as a table) and
the ERP write (materialized only by the `finance_corrections` job, from an approved plan id and a named
approver). Wiring only: the work is reverse_etl/runs.py."""


from decimal import Decimal

import dagster as dg

from reverse_etl import runs
from reverse_etl.cli import plan_table

from ...lib.keys import ERP_WRITE_KEY, PLAN_KEY

SYNC_DEPS = [dg.AssetKey(["sync", "sync_erp__billing_schedule_corrections_v1"]),
             dg.AssetKey(["sync", "sync_erp__billing_schedule_correction_headers_v1"]),
             dg.AssetKey(["reconciliation", "finance_exceptions"])]


def _impact_by_currency(plan: runs.Plan) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for item in plan.items:
        totals[item["currency_code"]] = totals.get(item["currency_code"], Decimal(0)) + Decimal(item["amount_change"])
    return {k: format(v, "f") for k, v in sorted(totals.items())}


@dg.asset(key=PLAN_KEY, deps=SYNC_DEPS, group_name="reverse_etl", pool="duckdb", kinds={"netsuite"},
          description="The billing-schedule correction plan: the pinned sync feed diffed with NetSuite's live "
                      "schedules (create / update / cancel per line, before → after, money impact).")
def billing_schedule_plan(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    plan = runs.plan()
    context.log.info(plan_table(plan))
    return dg.MaterializeResult(metadata={
        "plan_id": plan.plan_id, "schedules": len(plan.schedules), "items": len(plan.items),
        "money_impact": _impact_by_currency(plan),
        "blocked": sum(1 for s in plan.schedules if s["blocked_reason"]),
        "plan": dg.MetadataValue.md("```\n" + plan_table(plan, limit=200) + "\n```"),
    })


class CorrectionsConfig(dg.Config):
    plan_id: str
    approver: str


@dg.asset(key=ERP_WRITE_KEY, deps=[PLAN_KEY], group_name="reverse_etl", pool="duckdb", kinds={"netsuite"},
          description="The corrected billing schedules in NetSuite: approve (the approver named in the run "
                      "config), apply exactly once, verify.")
def billing_schedules(context: dg.AssetExecutionContext, config: CorrectionsConfig) -> dg.MaterializeResult:
    approval = runs.approve_plan(config.plan_id, config.approver)
    context.log.info(f"plan {config.plan_id} approved by {approval['approver']} ({approval['items']} items)")
    report = runs.apply_plan(config.plan_id, say=context.log.info)
    verified = runs.verify_plan(config.plan_id)
    metadata = {"plan_id": config.plan_id, "approver": config.approver, "status": report.status,
                "written": report.written, "skipped": report.skipped, "conflicts": report.conflicts,
                "rejected": report.rejected, "pending": report.failed, "verified_schedules": verified.verified,
                "mismatched_schedules": len(verified.mismatched), "erp_requests": report.erp.get("requests", 0)}
    if report.status != "complete" or verified.mismatched:
        raise dg.Failure(description=f"the corrections of {config.plan_id} are not complete "
                                     f"({report.status}; mismatched {verified.mismatched})", metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)
