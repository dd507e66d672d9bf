"""The Dagster entry point that workspace.yaml loads: one asset graph from the vendors' APIs to the ERP write.

raw tables (dlt, one multi-asset per vendor) → dbt models (staging … sync; dbt tests as asset checks) →
the correction plan → the ERP write (`finance_corrections` job only). Every asset that opens the DuckDB
warehouse runs in the `duckdb` pool (one writer: set its limit to 1 in dagster.yaml). Wiring only.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from .defs.ingestion.assets import ingestion_assets
from .defs.reverse_etl.assets import billing_schedule_plan, billing_schedules
from .defs.transform.assets import dbt_models, dbt_resource
from .lib.keys import ERP_WRITE_KEY

everything_but_the_erp_write = dg.AssetSelection.all() - dg.AssetSelection.assets(ERP_WRITE_KEY)

nightly_refresh = dg.define_asset_job(
    "nightly_refresh", selection=everything_but_the_erp_write,
    description="Ingest all four vendors, build every dbt model with its tests, plan the ERP corrections.")
finance_corrections = dg.define_asset_job(
    "finance_corrections", selection=dg.AssetSelection.assets(ERP_WRITE_KEY),
    description="Approve (the named approver), apply and verify a correction plan: plan_id and approver in "
                "the run config (ops.reverse_etl__erp__billing_schedules.config).")

defs = dg.Definitions(
    assets=[*ingestion_assets, dbt_models, billing_schedule_plan, billing_schedules],
    jobs=[nightly_refresh, finance_corrections],
    schedules=[dg.ScheduleDefinition(job=nightly_refresh, cron_schedule="0 2 * * *", name="nightly_refresh_0200")],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
)
