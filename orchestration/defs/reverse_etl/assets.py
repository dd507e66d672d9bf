"""The reverse ETL in the graph: the correction plan (an asset whose metadata is the plan as a table) and
the ERP write (materialized only by the `finance_corrections` job, from an approved plan id and a named
approver). Wiring only: the work is reverse_etl/runs.py."""


from collections.abc import Iterator

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from reverse_etl import runs
from reverse_etl.report import plan_table

from ...lib.business_events import CONTRACTS_TAG
from ...lib.keys import ERP_WRITE_KEY, PLAN_KEY
from ..resources import ErpWriterResource, WarehouseResource
from ..transform.assets import dbt_models

# what the plan reads: the pinned sync feed and the exception queue, keyed by the dbt translator
SYNC_DEPS = [get_asset_key_for_model([dbt_models], model) for model in (
    "sync_erp__billing_schedule_corrections", "sync_erp__billing_schedule_correction_headers",
    "finance_exceptions")]


@dg.asset(key=PLAN_KEY, deps=SYNC_DEPS, group_name="reverse_etl", pool="duckdb", kinds={"netsuite"},
          description="The billing-schedule correction plan: the pinned sync feed diffed with NetSuite's live "
                      "schedules (create / update / cancel per line, before → after, money impact).")
def billing_schedule_plan(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                          erp: ErpWriterResource) -> dg.MaterializeResult:
    # an amendment's run plans the amended contract only (tag set by the Ironclad sensor); other runs plan all
    contracts = context.run.tags.get(CONTRACTS_TAG)
    plan = runs.plan(warehouse.base(), erp.knobs(), contracts=contracts.split(",") if contracts else None)
    context.log.info(plan_table(plan))
    return dg.MaterializeResult(metadata={
        "plan_id": plan.plan_id, "scope": ",".join(plan.scope) if plan.scope is not None else "all contracts",
        "schedules": len(plan.schedules), "items": len(plan.items),
        "money_impact": {k: format(v, "f") for k, v in plan.impact_by_currency().items()},
        "blocked": sum(1 for s in plan.schedules if s["blocked_reason"]),
        "plan": dg.MetadataValue.md("```\n" + plan_table(plan, limit=200) + "\n```"),
    })


class CorrectionsConfig(dg.Config):
    plan_id: str = ""  # empty: the plan this run made (amendment propagation)
    approver: str = ""  # empty: the auto-apply policy decides (off unless configured)


@dg.asset(key=ERP_WRITE_KEY, deps=[PLAN_KEY], group_name="reverse_etl", pool="duckdb", kinds={"netsuite"},
          output_required=False,
          description="The corrected billing schedules in NetSuite: approve (the approver named in the run "
                      "config, or the auto-apply policy), apply exactly once, verify. Not materialized when "
                      "the plan still awaits a finance approval.")
def billing_schedules(context: dg.AssetExecutionContext, config: CorrectionsConfig, warehouse: WarehouseResource,
                      erp: ErpWriterResource) -> Iterator[dg.MaterializeResult]:
    plan_id = config.plan_id or _plan_of_this_run(context)
    base, knobs = warehouse.base(), erp.knobs()
    if config.approver:
        approval = runs.approve_plan(plan_id, config.approver, data_dir=base)
        context.log.info(f"plan {plan_id} approved by {approval['approver']} ({approval['items']} items)")
    else:
        approved, why = runs.auto_approve_plan(plan_id, base)  # the configured threshold, never run config
        context.log.info(f"auto-apply policy for {plan_id}: {why}")
        if not approved:
            context.log.info(f"plan {plan_id} awaits a finance approval: launch finance_corrections with it")
            return
    report = runs.apply_plan(plan_id, base, knobs, say=context.log.info)
    verified = runs.verify_plan(plan_id, base, knobs)
    metadata = {"plan_id": plan_id, "approver": config.approver or "policy:auto-apply", "status": report.status,
                "written": report.written, "skipped": report.skipped, "conflicts": report.conflicts,
                "rejected": report.rejected, "pending": report.failed, "verified_schedules": verified.verified,
                "mismatched_schedules": len(verified.mismatched), "erp_requests": report.erp.get("requests", 0),
                # the write ledger's chain head after the apply, also anchored outside the warehouse
                "ledger_entry_id": report.ledger.get("last_entry_id", 0),
                "ledger_head_hash": report.ledger.get("head_hash", "")}
    if report.status != "complete" or verified.mismatched:
        raise dg.Failure(description=f"the corrections of {plan_id} are not complete "
                                     f"({report.status}; mismatched {verified.mismatched})", metadata=metadata)
    yield dg.MaterializeResult(metadata=metadata)


def _plan_of_this_run(context: dg.AssetExecutionContext) -> str:
    event = context.instance.get_latest_materialization_event(PLAN_KEY)
    if event is None or event.asset_materialization is None:
        raise dg.Failure(description="no correction plan yet: materialize reverse_etl/erp/billing_schedule_plan "
                                     "or name plan_id in the run config")
    return str(event.asset_materialization.metadata["plan_id"].value)
