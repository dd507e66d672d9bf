"""Run sources without Dagster: `c2c ingest [vendor|all]` and `python -m ingestion …` call this.

With the DuckDB warehouse as the destination, the file is checked through the platform's one access path
(core/warehouse.py) before anything is extracted: waited for while another process holds it, then a typed
error naming the holder; a corrupt or refused file is a typed error; a missing one is created (0600). When
another process takes the file while the vendor is being extracted, the load is retried within the same
bound: only the load package that is already normalized is loaded, nothing is extracted twice."""

from __future__ import annotations

import errno
import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.common.exceptions import SignalReceivedException
from dlt.pipeline.exceptions import PipelineStepFailed

from core import warehouse

from .common.errors import DiskFullError, RunInterruptedError
from .common.progress import Progress
from .common.settings import resolve
from .pipelines import VENDORS, check_destination, make_pipeline, to_duckdb


class _SameCursorNoise(logging.Filter):
    """dlt warns when many records share a cursor value; vendors stamp bulk changes with one timestamp
    (and the sandbox's history does too), the inclusive cursor handles it, so the warning is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "sharing the same value of cursor field" not in record.getMessage()


logging.getLogger("dlt").addFilter(_SameCursorNoise())


@dataclass
class VendorRun:
    vendor: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows loaded this run
    seconds: float = 0.0
    load_ids: list[str] = field(default_factory=list)
    schema_changes: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"rows": self.rows, "total_rows": sum(self.rows.values()), "seconds": round(self.seconds, 2),
                "load_ids": self.load_ids, "schema_changes": self.schema_changes}


def make_source(vendor: str, progress: Progress | None = None, **kwargs: Any) -> Any:
    module = importlib.import_module(f"ingestion.{vendor}")
    return getattr(module, vendor)(progress=progress, **kwargs)


def run_vendor(vendor: str, *, say: Callable[[str], None] = print, destination: str | None = None,
               source_kwargs: dict[str, Any] | None = None) -> VendorRun:
    """One vendor's ingest. A load package an earlier run left pending (stopped or killed during its load)
    loads first, then the run extracts as usual: nothing the earlier run extracted is lost or loaded twice,
    and nothing new waits for another run (dlt's own `run` would load the pending package and stop)."""
    result = VendorRun(vendor)
    resolve(vendor)  # a missing or refused setting fails here, before any extract (the sources resolve lazily)
    pipeline = make_pipeline(vendor, destination)
    check_destination(destination)  # before any extract
    progress = Progress(vendor, say=say)
    t0 = time.perf_counter()
    result.load_ids += load_pending(pipeline, say=say)
    tables_before = set(pipeline.default_schema.tables) if pipeline.default_schema_name else set()
    normalized: list[Any] = []  # the normalize step's info of this run, kept when the load must be retried

    def run_or_finish_load() -> Any:
        if normalized:  # extracted and normalized already: only the load package is left
            return pipeline.load()
        try:
            return _run(pipeline, make_source(vendor, progress, **(source_kwargs or {})))
        except PipelineStepFailed as exc:
            if exc.step == "load":
                normalized.append(pipeline.last_trace.last_normalize_info)
            raise

    info = warehouse.when_free(run_or_finish_load) if to_duckdb(destination) else run_or_finish_load()
    result.seconds = time.perf_counter() - t0
    normalize_info = normalized[0] if normalized else pipeline.last_trace.last_normalize_info
    counts = normalize_info.row_counts if normalize_info else {}
    result.rows = {t: n for t, n in sorted(counts.items()) if not t.startswith("_dlt")}
    result.load_ids += list(info.loads_ids)
    for package in info.load_packages:  # columns the vendor added to tables we already had
        for table, update in (package.schema_update or {}).items():
            if table in tables_before and not table.startswith("_dlt"):
                result.schema_changes += [f"{table}.{column}" for column in update.get("columns", {})]
    for change in result.schema_changes:
        say(f"  {vendor}: schema evolved — new column {change}")
    return result


def load_pending(pipeline: dlt.Pipeline, *, say: Callable[[str], None] = print) -> list[str]:
    """Load the package(s) an interrupted run left (extracted or normalized, not loaded) and return their load
    ids; nothing pending: nothing done. Every run calls it before it extracts (RELIABILITY.md F6): dlt's own
    `run` would load a pending package and stop without extracting."""
    if not pipeline.has_pending_data:
        return []
    pending = [*pipeline.list_extracted_load_packages(), *pipeline.list_normalized_load_packages()]
    say(f"  {pipeline.pipeline_name}: loading the package(s) {', '.join(pending)} an interrupted run left first")
    info = _run(pipeline, None)
    return list(info.loads_ids) if info is not None else []


def _run(pipeline: dlt.Pipeline, data: Any) -> Any:
    """`pipeline.run(data)`; a stop by a signal becomes a RunInterruptedError naming the pending package, a
    full file system a DiskFullError naming the file dlt could not write."""
    try:
        return pipeline.run(data)
    except PipelineStepFailed as exc:
        if isinstance(exc.exception, SignalReceivedException):
            raise RunInterruptedError(
                f"interrupted by signal {exc.exception.signal_code} during the {exc.step} step; the running jobs "
                "finished, the rest of the package waits", vendor=pipeline.pipeline_name,
                load_id=exc.load_id) from exc
        full = _no_space(exc)
        if full is not None:
            raise DiskFullError(f"no space left on the file system of {full.filename or pipeline.pipelines_dir} "
                                f"during the {exc.step} step", vendor=pipeline.pipeline_name) from exc
        raise


def _no_space(exc: BaseException) -> OSError | None:
    """The ENOSPC / EDQUOT OSError in an exception's cause chain (dlt wraps what its writers raise)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return current
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else (current.__cause__ or current.__context__)
    return None


def run(vendors: list[str] | None = None, **kwargs: Any) -> dict[str, VendorRun]:
    return {v: run_vendor(v, **kwargs) for v in (vendors or list(VENDORS))}


def dataset_rows(vendor: str, destination: str | None = None) -> dict[str, int]:
    """Rows per raw table as the destination has them now (for summaries and tests)."""
    pipeline = make_pipeline(vendor, destination)
    with pipeline.sql_client() as client:
        out = {}
        for table in pipeline.default_schema.data_table_names():
            with client.execute_query(f"select count(*) from {client.make_qualified_table_name(table)}") as cur:
                out[table] = cur.fetchone()[0]
    return out


__all__ = ["dataset_rows", "dlt", "make_source", "run", "run_vendor"]
