"""Jobs, schedules and sensors in one place (STYLE.md §2).

- `nightly_refresh` (02:00): every asset but the ERP write.
- `finance_corrections`: the ERP write for an approved plan (plan_id + approver in the run config; launched
  from the UI's launchpad).
- `amendment_propagation`: launched by the Ironclad sensor for each approved change order: the incremental
  Ironclad ingest, the dbt models it feeds (with their tests), a new plan, and the ERP write when the
  auto-apply policy allows it (otherwise the plan waits for finance).
"""

import dagster as dg

from ingestion.common.client import VendorClient
from ingestion.common.settings import resolve
from ingestion.ironclad.helpers import classify, pages, since_param

from ..lib.keys import ERP_WRITE_KEY, raw_key

IRONCLAD_RECORDS = raw_key("ironclad", "records")
FIRST_CURSOR = "1970-01-01T00:00:00.000Z"

everything_but_the_erp_write = dg.AssetSelection.all() - dg.AssetSelection.assets(ERP_WRITE_KEY)

# in-process executor: the steps run one at a time anyway (the duckdb pool), and a process per step would
# load the definitions again each time (≈ 15 s a step on 2 cores)
nightly_refresh = dg.define_asset_job(
    "nightly_refresh", selection=everything_but_the_erp_write, executor_def=dg.in_process_executor,
    description="Ingest all four vendors, build every dbt model with its tests, plan the ERP corrections.")
finance_corrections = dg.define_asset_job(
    "finance_corrections", selection=dg.AssetSelection.assets(ERP_WRITE_KEY), executor_def=dg.in_process_executor,
    description="Approve (the named approver), apply and verify a correction plan: plan_id and approver in "
                "the run config (ops.reverse_etl__erp__billing_schedules.config).")
amendment_propagation = dg.define_asset_job(
    "amendment_propagation", selection=dg.AssetSelection.assets(IRONCLAD_RECORDS).downstream(),
    executor_def=dg.in_process_executor,
    description="An approved change order → Ironclad ingest → the dbt models it feeds → a plan → the ERP "
                "write when the auto-apply policy allows it.")

nightly_schedule = dg.ScheduleDefinition(job=nightly_refresh, cron_schedule="0 2 * * *", name="nightly_refresh_0200")


def amendments_since(cursor: str | None) -> list[dict]:
    """Ironclad change-order records updated at or after the cursor (inclusive), oldest first."""
    client = VendorClient(resolve("ironclad"), classify=classify)
    try:
        since = since_param(cursor) if cursor else FIRST_CURSOR
        return [doc for _, docs in pages(client, since=since, page_size=100) for doc in docs
                if doc.get("type") == "amendment"]
    finally:
        client.close()


@dg.sensor(job=amendment_propagation, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Polls Ironclad for change orders updated since its cursor; one run per approved change "
                       "order revision (run key = ironcladId@lastUpdated, so a repeated event never runs twice).")
def ironclad_amendment_approvals(context: dg.SensorEvaluationContext):
    if context.cursor is None:  # first tick: start from now — history is the nightly run's business
        latest = max((str(doc["lastUpdated"]) for doc in amendments_since(None)), default=FIRST_CURSOR)
        context.update_cursor(latest)
        yield dg.SkipReason(f"cursor set to the newest change order ({latest}); new approvals launch runs")
        return
    newest = context.cursor
    for doc in amendments_since(context.cursor):
        stamp = str(doc["lastUpdated"])
        newest = max(newest or stamp, stamp)
        status = ((doc.get("properties") or {}).get("approvalStatus") or {}).get("value")
        if status != "approved":
            continue
        yield dg.RunRequest(run_key=f"{doc['ironcladId']}@{stamp}",
                            tags={"c2c/amendment": str(doc["ironcladId"]), "c2c/amendment_updated": stamp})
    if newest and newest != context.cursor:
        context.update_cursor(newest)
