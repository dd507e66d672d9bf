"""The Ironclad (CLM) dlt source: the contract repository (`GET /records`) into `raw_ironclad.records`,
incrementally on `lastUpdated`. Hand-written rather than rest_api: Ironclad has no next link (paging stops
on `count`), repeated pages must be detected from the envelope, and money inside `properties` is checked
and kept as exact JSON numbers (see helpers.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import dlt
import pyarrow as pa

from core.errors import ConfigError
from core.retry import RetryPolicy
from ingestion.common.boundary import Boundary
from ingestion.common.client import LazyClient, VendorClient
from ingestion.common.pages import batched
from ingestion.common.progress import Progress
from ingestion.common.settings import resolve

from .helpers import classify, since_param, walk
from .settings import CURSOR, INITIAL_CURSOR, PAGE_SIZE, RESOURCE, VENDOR


@dlt.source(name="ironclad", max_table_nesting=0)
def ironclad(progress: Progress | None = None, policy: RetryPolicy | None = None,
             sleep: Callable[[float], None] = time.sleep, page_size: int | None = None) -> Any:
    """One resource: `records` (merge on `id`, cursor `last_updated` sent as the inclusive `lastUpdated`)."""
    size = PAGE_SIZE if page_size is None else page_size
    if not 1 <= size <= PAGE_SIZE:
        raise ConfigError(f"page_size must be between 1 and {PAGE_SIZE}", vendor=VENDOR, setting="page_size")
    client = LazyClient(lambda: VendorClient(resolve(VENDOR), classify=classify, policy=policy or RetryPolicy(),
                                             sleep=sleep))
    return records_resource(client, size, progress)


def records_resource(client: VendorClient, page_size: int, progress: Progress | None) -> Any:
    cursor = dlt.sources.incremental(CURSOR, initial_value=INITIAL_CURSOR, range_start="closed", primary_key=())

    @dlt.resource(name=RESOURCE, write_disposition="merge", primary_key="id",
                  columns={CURSOR: {"dedup_sort": "desc"}})  # a record read twice in one run: the newest wins
    def records(updated: dlt.sources.incremental[Any] = cursor) -> Iterator[pa.Table]:
        boundary = Boundary(CURSOR, ("id",), dlt.current.resource_state())  # the boundary instant, by content
        yield from boundary.filter(batched(walk(client, since=since_param(updated.last_value), page_size=page_size,
                                                progress=progress)))
        if progress is not None:
            progress.done(RESOURCE)

    return records


__all__ = ["ironclad"]
