"""What the transform step relies on inside dbt-duckdb and dagster-dbt beyond their public API, pinned: an
upgrade that changes it fails here instead of silently keeping the warehouse locked or slowing every run."""

from __future__ import annotations

import inspect
from pathlib import Path

import duckdb
import pytest

from transform_runner import project_var, run_dbt


def test_dbt_duckdb_keeps_one_process_wide_instance_that_we_release() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    assert hasattr(DuckDBConnectionManager, "_ENV") and hasattr(DuckDBConnectionManager, "_LOCK")


def test_after_a_dbt_command_the_warehouse_opens_with_other_settings(tmp_path: Path) -> None:
    """dbt-duckdb's instance would hold the file: a read-only open in this process (another configuration)
    and a read-write open from another process are both refused while it lives."""
    result = run_dbt(["run-operation", "generate_schema_name", "--args", "{custom_schema_name: x}"],
                     data_dir=tmp_path)
    assert result.success, result.exception
    assert (tmp_path / "warehouse.duckdb").exists()
    duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True).close()


def test_dagster_dbt_private_hooks_our_resource_overrides_still_exist() -> None:
    from dagster_dbt import DbtCliResource

    from orchestration.defs.transform.assets import PlatformDbtCliResource

    assert "_cli_version" in dir(DbtCliResource)
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == ["self", "args"]
    assert PlatformDbtCliResource._initialize_dbt_core_adapter(None, []) is None  # type: ignore[arg-type]


def test_the_sensor_reads_the_approval_status_the_rules_count() -> None:
    assert project_var("clm_approved_status") == "approved"
    with pytest.raises(KeyError, match="no var"):
        project_var("no_such_var")
