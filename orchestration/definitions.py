"""The Dagster entry point that workspace.yaml loads: one asset graph from the vendors' APIs to the ERP write.

raw tables (dlt, one multi-asset per vendor) → dbt models (staging … sync; dbt tests as asset checks) →
the correction plan → the ERP write (`finance_corrections` job only). Every asset that opens the DuckDB
warehouse runs in the `duckdb` pool (one writer: set its limit to 1 in dagster.yaml). Wiring only.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from .defs.automation import (
    amendment_propagation,
    erp_status_refresh,
    finance_corrections,
    ironclad_amendment_approvals,
    kantata_milestone_completions,
    milestone_refresh,
    netsuite_invoice_and_payment_status,
    nightly_refresh,
    nightly_schedule,
)
from .defs.checks import erp_holds_the_approved_schedules, open_breaks_within_thresholds
from .defs.ingestion.assets import ingestion_assets
from .defs.reverse_etl.assets import billing_schedule_plan, billing_schedules
from .defs.transform.assets import dbt_models, dbt_resource

defs = dg.Definitions(
    assets=[*ingestion_assets, dbt_models, billing_schedule_plan, billing_schedules],
    asset_checks=[open_breaks_within_thresholds, erp_holds_the_approved_schedules],
    jobs=[nightly_refresh, finance_corrections, amendment_propagation, milestone_refresh, erp_status_refresh],
    schedules=[nightly_schedule],
    sensors=[ironclad_amendment_approvals, kantata_milestone_completions, netsuite_invoice_and_payment_status],
    resources={"dlt": DagsterDltResource(), "dbt": dbt_resource()},
)
