"""The resources the assets take: the warehouse the runs write and the reverse ETL's ERP writer, as
ConfigurableResources (their config shows in the UI and can be set per deployment or per run).

A field left unset falls back to the platform's one settings loader (core/settings.py: dlt config, secrets,
the environment), which is also where the writer's credentials come from (`REVERSE_ETL__NETSUITE__*`, never in
run config). Dagster's `EnvVar` has no default — an unset variable fails the run — so the optional knobs are
plain fields here; a deployment may still bind any of them to `dg.EnvVar(...)`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from core.paths import data_dir
from reverse_etl.settings import Knobs


class WarehouseResource(dg.ConfigurableResource):
    """The data dir whose warehouse the runs write (DuckDB `<data dir>/warehouse.duckdb` by default)."""

    data_dir: str | None = None  # unset: $C2C_DATA_DIR, else data/ at the repository root

    def base(self) -> Path:
        return Path(self.data_dir).expanduser().resolve() if self.data_dir else data_dir()


class ErpWriterResource(dg.ConfigurableResource):
    """The reverse ETL's knobs for NetSuite writes (see reverse_etl/settings.py for each one's meaning)."""

    max_concurrency: int | None = None
    timeout_seconds: float | None = None
    max_attempts: int | None = None
    alert_after_rejections: int | None = None
    # no auto_apply_max_impact here: whoever launches a run could raise it in the run config; the policy's
    # threshold is only the setting reverse_etl.auto_apply_max_impact, read when a plan is applied

    def knobs(self) -> Knobs:
        return Knobs.load(max_concurrency=self.max_concurrency, timeout_seconds=self.timeout_seconds,
                          max_attempts=self.max_attempts, alert_after_rejections=self.alert_after_rejections)


@dg.definitions
def resources() -> dg.Definitions:
    from dagster_dlt import DagsterDltResource

    from .transform.assets import dbt_resource

    return dg.Definitions(resources={"dlt": DagsterDltResource(), "dbt": dbt_resource(),
                                     "warehouse": WarehouseResource(), "erp": ErpWriterResource()})
