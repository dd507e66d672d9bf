"""One dagster-dlt multi-asset per vendor: an asset per raw table (key ["raw", <vendor>, <table>]). The source
is built lazily (it reads no settings until it runs); the run itself builds the source and the pipeline for
the data dir of the run — the same `ingestion` code as `c2c ingest`."""


from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, dlt_assets

from core.errors import WarehouseError
from ingestion.common.progress import Progress
from ingestion.common.settings import resolve
from ingestion.pipelines import VENDORS, check_destination, make_pipeline
from ingestion.run import load_pending, make_source

from ...lib.translators import PlatformDltTranslator


def _vendor_assets(vendor: str) -> dg.AssetsDefinition:
    @dlt_assets(dlt_source=make_source(vendor), dlt_pipeline=make_pipeline(vendor, base=_placeholder_dir()),
                name=f"dlt_{vendor}", dagster_dlt_translator=PlatformDltTranslator(), pool="duckdb")
    def assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        resolve(vendor)  # a missing or refused setting fails before any extract
        try:  # the warehouse waited for while another process holds it, then a clear error (F19)
            check_destination()
        except WarehouseError as exc:
            raise dg.Failure(description=str(exc), metadata={"warehouse": exc.path or ""}) from exc
        pipeline = make_pipeline(vendor)
        load_pending(pipeline, say=context.log.info)  # what an interrupted run left loads before a new extract (F6)
        source = make_source(vendor, Progress(vendor, say=context.log.info))
        yield from dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline)

    return assets


def _placeholder_dir() -> Any:
    """Where the definition-time pipeline object would keep state; runs use the run's data dir instead."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "c2c-dagster-definitions"


ingestion_assets = [_vendor_assets(vendor) for vendor in VENDORS]
