"""Jobs, schedules and sensors in one place (STYLE.md §2).

- `nightly_refresh` (02:00): every asset but the ERP write.
- `finance_corrections`: the ERP write for a plan an approver signed (`c2c reverse-etl approve`); its plan_id
  in the run config (launched from the UI's launchpad); a plan without a valid signed approval is refused.
- `amendment_propagation`: launched by the Ironclad sensor for each approved change order: the incremental
  Ironclad ingest, the dbt models between it and the plan (with their tests), a plan of the amended contract
  only, and the ERP write when the auto-apply policy allows it (otherwise the plan waits for finance). The
  marts for BI and the KPIs wait for the next refresh: they do not decide what is billed.
- `milestone_refresh`: launched by the Kantata sensor when milestones are completed or accepted: the
  incremental load of stories and their state changes, and every model they feed (reconciliation marts, the
  exception queue, KPIs).
- `erp_status_refresh`: launched by the NetSuite sensor when invoices or payments change status: the
  incremental load of invoices and payments, and every model they feed.

Reading the events is orchestration/lib/business_events.py; here each event becomes a run request.
"""

import hashlib

import dagster as dg

from ..lib.business_events import Event, approved_amendments, billing_status_changes, milestone_completions
from ..lib.keys import ERP_WRITE_KEY, PLAN_KEY, raw_key

MAX_TAGGED = 20  # items named in a batched run's tags (the rest are counted)
# one small request per poll (records updated since the cursor); the poll interval is most of the wait between
# an approval and its run, so it is short
IRONCLAD_POLL_SECONDS = 10

reverse_etl_steps = dg.AssetSelection.assets(PLAN_KEY, ERP_WRITE_KEY)
everything_but_the_erp_write = dg.AssetSelection.all() - dg.AssetSelection.assets(ERP_WRITE_KEY)
milestone_tables = dg.AssetSelection.assets(raw_key("kantata", "stories"), raw_key("kantata", "story_state_changes"))
billing_document_tables = dg.AssetSelection.assets(*(raw_key("netsuite", table) for table in (
    "invoice", "invoice_line", "customer_payment", "payment_application")))

# in-process executor: the steps run one at a time anyway (the duckdb pool), and a process per step would
# load the definitions again each time (≈ 15 s a step on 2 cores)
nightly_refresh = dg.define_asset_job(
    "nightly_refresh", selection=everything_but_the_erp_write, executor_def=dg.in_process_executor,
    description="Ingest all four vendors, build every dbt model with its tests, plan the ERP corrections.")
finance_corrections = dg.define_asset_job(
    "finance_corrections", selection=dg.AssetSelection.assets(ERP_WRITE_KEY), executor_def=dg.in_process_executor,
    description="Apply and verify a correction plan an approver signed (`c2c reverse-etl approve`): its plan_id "
                "in the run config (ops.reverse_etl__erp__billing_schedules.config); refused without a valid "
                "signed approval.")
amendment_propagation = dg.define_asset_job(
    "amendment_propagation",
    selection=dg.AssetSelection.assets(raw_key("ironclad", "records")).downstream()
    & dg.AssetSelection.assets(ERP_WRITE_KEY).upstream(),
    executor_def=dg.in_process_executor,
    description="An approved change order → Ironclad ingest → the dbt models between it and the plan → a plan "
                "of the amended contract → the ERP write when the auto-apply policy allows it.")
milestone_refresh = dg.define_asset_job(
    "milestone_refresh", selection=milestone_tables.downstream() - reverse_etl_steps,
    executor_def=dg.in_process_executor,
    description="Milestones completed or accepted in Kantata → stories and their state changes ingested → the "
                "reconciliation marts, the exception queue and the KPIs rebuilt.")
erp_status_refresh = dg.define_asset_job(
    "erp_status_refresh", selection=billing_document_tables.downstream() - reverse_etl_steps,
    executor_def=dg.in_process_executor,
    description="Invoices or payments changed status in NetSuite → invoices and payments ingested → the "
                "reconciliation marts, the exception queue and the KPIs rebuilt.")

nightly_schedule = dg.ScheduleDefinition(job=nightly_refresh, cron_schedule="0 2 * * *", name="nightly_refresh_0200")


@dg.sensor(job=amendment_propagation, minimum_interval_seconds=IRONCLAD_POLL_SECONDS, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Polls Ironclad for change orders updated since its cursor; one run per approved change "
                       "order revision (run key = ironcladId@lastUpdated, so a repeated event never runs twice), "
                       "tagged with the amended contract.")
def ironclad_amendment_approvals(context: dg.SensorEvaluationContext):
    first = context.cursor is None
    events, cursor = approved_amendments(context.cursor)
    context.update_cursor(cursor)
    if first:
        yield dg.SkipReason(f"cursor set to the newest change order ({cursor}); new approvals launch runs")
    for event in events:
        yield dg.RunRequest(run_key=event.key, tags=event.tags)


@dg.sensor(job=milestone_refresh, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Polls Kantata for milestone stories completed or accepted since its cursor (their state "
                       "changes); one refresh run per batch of new completions.")
def kantata_milestone_completions(context: dg.SensorEvaluationContext):
    events, cursor = milestone_completions(context.cursor)
    context.update_cursor(cursor)
    yield _batched("milestones", events, "c2c/stories", "c2c/story")


@dg.sensor(job=erp_status_refresh, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Polls NetSuite for invoices and customer payments whose status changed (approved, paid, "
                       "…) since its cursor; one refresh run per batch of changes.")
def netsuite_invoice_and_payment_status(context: dg.SensorEvaluationContext):
    events, cursor = billing_status_changes(context.cursor)
    context.update_cursor(cursor)
    yield _batched("billing-status", events, "c2c/documents", "c2c/document")


def _batched(kind: str, events: list[Event], list_tag: str, item_tag: str) -> dg.RunRequest | dg.SkipReason:
    """One run for all the events of a tick (they refresh the same models): run key = a digest of the events'
    keys, so the same batch seen again never launches twice; the tags name the first MAX_TAGGED items."""
    if not events:
        return dg.SkipReason(f"no new {kind} events")
    keys = "\n".join(sorted(event.key for event in events))
    items = sorted({event.tags[item_tag] for event in events})
    named = ",".join(items[:MAX_TAGGED]) + (f",+{len(items) - MAX_TAGGED} more" if len(items) > MAX_TAGGED else "")
    return dg.RunRequest(run_key=f"{kind}:{hashlib.sha256(keys.encode()).hexdigest()[:16]}",
                         tags={"c2c/events": str(len(events)), list_tag: named})
