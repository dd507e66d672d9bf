"""NetSuite (ERP) → raw_netsuite: one merge resource per SuiteQL table, incremental on `lastmodifieddate`
(lines: their parent's) through the query's own `WHERE … >= TO_TIMESTAMP(…)`, one Arrow table per page. The
re-read boundary second is de-duplicated by content, per record or per parent for lines
(ingestion/common/boundary.py). See README.md."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import dlt
import pyarrow as pa

from core.errors import ConfigError
from core.retry import RetryPolicy
from ingestion.common.boundary import Boundary
from ingestion.common.client import LazyClient, VendorClient
from ingestion.common.pages import batched
from ingestion.common.progress import Progress
from ingestion.common.settings import resolve

from .helpers import classify, cursor_text, page_table, walk
from .settings import INITIAL_CURSOR, MAX_RESULTS, PAGE_SIZE, RESOURCES, TABLES, VENDOR, Table


@dlt.source(name="netsuite", max_table_nesting=0)
def netsuite(progress: Progress | None = None, policy: RetryPolicy | None = None,
             sleep: Callable[[float], None] = time.sleep, page_size: int | None = None,
             objects: Sequence[str] | None = None, max_results: int | None = None) -> list:
    """Every table of settings.TABLES (or only `objects`), read by SuiteQL one request at a time (the account's
    concurrency limit is shared with the reverse ETL). `max_results`: SuiteQL's per-query cap (100,000)."""
    unknown = sorted(set(objects or ()) - set(RESOURCES))
    if unknown:
        raise ConfigError(f"unknown NetSuite table(s) {', '.join(unknown)}; expected some of {', '.join(RESOURCES)}",
                          vendor=VENDOR, setting="objects")
    size = int(page_size or PAGE_SIZE)
    if not 1 <= size <= PAGE_SIZE:
        raise ConfigError(f"page_size must be 1..{PAGE_SIZE} (SuiteQL's limit)", vendor=VENDOR, setting="page_size")
    client = LazyClient(lambda: VendorClient(resolve(VENDOR), classify=classify, policy=policy or RetryPolicy(),
                                             sleep=sleep))
    cap = int(max_results or MAX_RESULTS)
    return [_resource(client, table, progress, size, cap) for table in TABLES if not objects or table.name in objects]


def _resource(client: VendorClient, table: Table, progress: Progress | None, page_size: int, cap: int) -> object:
    def pages(
        cursor: dlt.sources.incremental = dlt.sources.incremental(  # noqa: B008 - dlt's idiom
            table.cursor, initial_value=INITIAL_CURSOR, range_start="closed", primary_key=()),
    ) -> Iterator[pa.Table]:
        since = cursor_text(cursor.start_value)
        boundary = Boundary(table.cursor, (table.merge_key,) if table.merge_key else table.keys,
                            dlt.current.resource_state())
        known: set[str] = set(table.kinds)

        def tables() -> Iterator[pa.Table]:
            for page, rows in walk(client, table, since=since, page_size=page_size, max_results=cap):
                if progress is not None:
                    progress.page(table.name, len(rows))
                if rows:
                    yield page_table(rows, table, page=page, known=known)

        yield from boundary.filter(batched(tables()))
        if progress is not None:
            progress.done(table.name)

    keys = list(table.keys) if len(table.keys) > 1 else table.keys[0]
    return dlt.resource(pages, name=table.name, write_disposition="merge", primary_key=keys,
                        merge_key=table.merge_key,
                        columns={table.cursor: {"dedup_sort": "desc"}})  # read twice in one run: the newest wins


__all__ = ["RESOURCES", "netsuite"]
