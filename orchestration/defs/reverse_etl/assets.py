"""The reverse ETL in the graph: the correction plan (an asset whose metadata is the plan as a table) and
the ERP write. The write applies either the plan its own run made (an amendment's run, when the auto-apply
policy covers it) or, in `finance_corrections`, the plan named in its run config, which an approver signed
beforehand (`c2c reverse-etl approve`); a plan without a valid approval is refused before any ERP request.
Wiring only: the work is reverse_etl/runs.py."""


from collections.abc import Iterator

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from reverse_etl import runs
from reverse_etl.errors import ApprovalError
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
    # finance_corrections: the plan an approver signed (`c2c reverse-etl approve <plan> --approver …`).
    # Empty: the plan this run made (amendment propagation), applied when the auto-apply policy covers it.
    plan_id: str = ""


@dg.asset(key=ERP_WRITE_KEY, deps=[PLAN_KEY], group_name="reverse_etl", pool="duckdb", kinds={"netsuite"},
          output_required=False,
          description="The corrected billing schedules in NetSuite: the plan named in the run config (signed by "
                      "an approver beforehand) or the plan this run made (when the auto-apply policy covers "
                      "it), applied exactly once and verified. Not materialized when the run's plan still awaits "
                      "a finance approval.")
def billing_schedules(context: dg.AssetExecutionContext, config: CorrectionsConfig, warehouse: WarehouseResource,
                      erp: ErpWriterResource) -> Iterator[dg.MaterializeResult]:
    made_here = _plan_of_this_run(context)
    if config.plan_id and made_here and config.plan_id != made_here:
        raise dg.Failure(description=f"this run made plan {made_here} and applies only that one; the run config "
                                     f"names {config.plan_id} (launch finance_corrections to apply it)")
    plan_id = config.plan_id or made_here
    if not plan_id:
        raise dg.Failure(description="no plan to apply: finance_corrections needs the plan id in its run config "
                                     "(ops.reverse_etl__erp__billing_schedules.config.plan_id), the plan an approver "
                                     "signed with `c2c reverse-etl approve <plan> --approver <name>`; nothing was "
                                     "sent to the ERP")
    base, knobs = warehouse.base(), erp.knobs()
    if not config.plan_id:  # this run's own plan: nobody signed it yet, so only the policy can approve it
        approved, why = runs.auto_approve_plan(plan_id, base)
        context.log.info(f"auto-apply policy for {plan_id}: {why}")
        if not approved:
            context.log.info(f"plan {plan_id} awaits a finance approval: an approver signs it "
                             f"(`c2c reverse-etl approve {plan_id} --approver <name>`), then finance launches "
                             "finance_corrections with its plan id")
            return
    try:
        report = runs.apply_plan(plan_id, base, knobs, say=context.log.info)
    except ApprovalError as exc:  # refused before any ERP request
        raise dg.Failure(description=str(exc), metadata={"plan_id": plan_id, "erp_requests": 0}) from None
    verified = runs.verify_plan(plan_id, base, knobs)
    metadata = {"plan_id": plan_id, "approver": ", ".join(report.approved_by), "status": report.status,
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


def _plan_of_this_run(context: dg.AssetExecutionContext) -> str | None:
    """The plan this run materialized — or, for a re-execution, the run it re-executes — read from that run's
    own event log by run id; never the newest plan of any run (two runs interleave: the pool serialises steps,
    not runs)."""
    run = context.run
    while run is not None:
        records = context.instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, ascending=False).records
        for record in records:
            materialization = record.asset_materialization
            if materialization is not None and materialization.asset_key == PLAN_KEY:
                return str(materialization.metadata["plan_id"].value)
        run = context.instance.get_run_by_id(run.parent_run_id) if run.parent_run_id else None
    return None
