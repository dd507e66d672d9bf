"""THE asset-key scheme (STYLE.md §4): one function per kind of asset, used by every translator, so lineage
runs unbroken from each raw table through dbt to the ERP write without hand-kept `meta.dagster.asset_key`.

- a raw table loaded by dlt:            ["raw", <system>, <table>]           (dbt source <system>.<table>)
- a dbt model:                          [<schema>, <model name>[_v<N>]]      e.g. ["canonical", "fct_time_entries"]
- a reverse-ETL table read by dbt:      ["reverse_etl", "store", <table>]    (written by the apply as a side effect)
- the reverse-ETL plan / the ERP write: ["reverse_etl", "erp", "billing_schedule_plan" | "billing_schedules"]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

PLAN_KEY = dg.AssetKey(["reverse_etl", "erp", "billing_schedule_plan"])
ERP_WRITE_KEY = dg.AssetKey(["reverse_etl", "erp", "billing_schedules"])


def raw_key(system: str, table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", system, table])


def dbt_source_key(source_name: str, table: str) -> dg.AssetKey:
    if source_name == "reverse_etl":
        return dg.AssetKey(["reverse_etl", "store", table])
    return raw_key(source_name, table)


def dbt_model_key(props: Mapping[str, Any]) -> dg.AssetKey:
    name = props.get("name", "")
    version = props.get("version")
    schema = (props.get("config") or {}).get("schema") or props.get("schema") or "main"
    return dg.AssetKey([schema, f"{name}_v{version}" if version is not None else name])
