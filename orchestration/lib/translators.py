"""The dlt and dbt translators: keys from lib/keys.py, groups by stage (STYLE.md §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from .keys import dbt_model_key, dbt_source_key, raw_key

# every raw table is loaded at least nightly: overdue after 26 hours (the nightly run plus slack)
RAW_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=26), warn_window=dt.timedelta(hours=25))


class PlatformDltTranslator(DagsterDltTranslator):
    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        system = data.resource.source_name
        return spec.replace_attributes(key=raw_key(system, data.resource.table_name or data.resource.name),
                                       deps=[], group_name=f"ingestion_{system}", kinds={"dlt", "duckdb"},
                                       freshness_policy=RAW_FRESHNESS)


class PlatformDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props.get("resource_type") == "source":
            return dbt_source_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        return dbt_model_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        folders = list(fqn[1:-1])  # c2c / <folder> / [<sub folder>] / <name>
        if not folders:
            return "transform"
        if folders[0] in ("staging", "marts") and len(folders) > 1:
            return f"{folders[0]}_{folders[1]}"
        return folders[0]
