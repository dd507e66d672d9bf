"""Every dbt model as an asset (keys from lib/keys.py, groups by folder) and every dbt data test as an asset
check. A run builds the selected models with their tests (`dbt build`), in the duckdb pool (one writer)."""


import sys
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from packaging import version

from core.errors import WarehouseError
from transform_runner import check_warehouse, resolve_target

from ...lib.translators import PlatformDbtTranslator
from ...settings import data_dir, dbt_vars
from .project import dbt_project, ensure_manifest

TRANSLATOR = PlatformDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=TRANSLATOR, pool="duckdb",
            exclude="resource_type:unit_test")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """dbt build of the selected models (unit tests run in CI, not in production runs)."""
    try:  # the warehouse waited for while another process holds it, then a clear error (F19)
        check_warehouse(data_dir(), resolve_target())
    except WarehouseError as exc:
        raise dg.Failure(description=str(exc), metadata={"warehouse": exc.path or ""}) from exc
    # one target dir per data dir (not dagster-dbt's one per run): dbt's partial parsing then skips re-parsing
    # an unchanged project (≈ 10 s a run), as `c2c transform` does
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test", *dbt_vars()], context=context,
                       target_path=data_dir() / "dbt" / "target-dagster").stream()


class PlatformDbtCliResource(DbtCliResource):
    """dagster-dbt's CLI resource without two per-run costs our assets do not need (≈ 4 s of a propagation run
    on 2 cores): a `dbt --version` subprocess (dbt-core is installed in this environment, so its version is
    known) and an in-process dbt adapter handle, used only to fetch row counts or column metadata (not
    used here; it would also open the DuckDB warehouse while dbt writes to it)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    # the dbt executable of this environment (PATH may not hold .venv/bin, e.g. under pytest)
    executable = Path(sys.executable).with_name("dbt")
    return PlatformDbtCliResource(project_dir=dbt_project, profiles_dir=str(dbt_project.project_dir),
                                  dbt_executable=str(executable) if executable.exists() else "dbt")
