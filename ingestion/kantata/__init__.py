"""Kantata OX (PSA) → raw_kantata: one merge resource per list endpoint, incremental on `updated_at` through
the vendor's own `updated_after` filter, one Arrow table per page. See README.md."""

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

from .helpers import classify, page_table, updated_after, walk
from .settings import CURSOR, INITIAL_UPDATED_AT, PAGE_SIZE, RESOURCES, SPECS, VENDOR, Spec


@dlt.source(name="kantata", max_table_nesting=0)
def kantata(progress: Progress | None = None, policy: RetryPolicy | None = None,
            sleep: Callable[[float], None] = time.sleep, page_size: int | None = None,
            objects: Sequence[str] | None = None) -> list:
    """Every Kantata object of settings.RESOURCES (or only `objects`), read with the bearer access token."""
    unknown = sorted(set(objects or ()) - set(RESOURCES))
    if unknown:
        raise ConfigError(f"unknown Kantata object(s) {', '.join(unknown)}; expected some of "
                          f"{', '.join(RESOURCES)}", vendor=VENDOR, setting="objects")
    client = LazyClient(lambda: VendorClient(resolve(VENDOR), classify=classify, policy=policy or RetryPolicy(),
                                             sleep=sleep))
    size = int(page_size or PAGE_SIZE)
    return [_resource(client, spec, progress, size) for spec in SPECS if not objects or spec.name in objects]


def _resource(client: VendorClient, spec: Spec, progress: Progress | None, page_size: int) -> object:
    def pages(
        cursor: dlt.sources.incremental = dlt.sources.incremental(  # noqa: B008 - dlt's idiom
            CURSOR, initial_value=INITIAL_UPDATED_AT, range_start="closed", primary_key=()),
    ) -> Iterator[pa.Table]:
        after = updated_after(cursor.start_value)
        boundary = Boundary(CURSOR, ("id",), dlt.current.resource_state())  # the boundary second, by content

        def tables() -> Iterator[pa.Table]:
            for params in spec.walks:
                known: set[str] = set(spec.types)
                for page, body, rows in walk(client, spec, params, page_size=page_size, cursor=after):
                    table = page_table(rows, spec, body, page=page, cursor=after, known=known)
                    if progress is not None:
                        progress.page(spec.name, table.num_rows)
                    yield table

        yield from boundary.filter(batched(tables()))
        if progress is not None:
            progress.done(spec.name)

    return dlt.resource(pages, name=spec.name, write_disposition="merge", primary_key="id")


__all__ = ["RESOURCES", "kantata"]
