"""The Salesforce (CRM) source: Account, Opportunity and Contact through SOQL `queryAll`, incremental on
SystemModstamp, merged on Id into raw_salesforce.account / opportunity / contact (see README.md)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import dlt
import pyarrow as pa

from core.retry import RetryPolicy
from ingestion.common.boundary import Boundary
from ingestion.common.client import LazyClient, VendorClient
from ingestion.common.pages import batched
from ingestion.common.progress import Progress
from ingestion.common.settings import resolve

from .helpers import classify, walk
from .settings import CURSOR, INITIAL_CURSOR, OBJECTS, PRIMARY_KEY, VENDOR, SObjectSpec


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce(progress: Progress | None = None, policy: RetryPolicy | None = None,
               sleep: Callable[[float], None] = time.sleep, page_size: int | None = None) -> Any:
    """One merge resource per sObject; `page_size` is the requested batchSize (200..2000, default 2000)."""
    client = LazyClient(lambda: VendorClient(resolve(VENDOR), classify=classify, policy=policy or RetryPolicy(),
                                             sleep=sleep))
    open_walks = set(OBJECTS)  # the client closes when the last resource ends (done or failed)
    return [_resource(client, sobject, spec, progress, page_size, open_walks) for sobject, spec in OBJECTS.items()]


def _resource(client: VendorClient, sobject: str, spec: SObjectSpec, progress: Progress | None,
              page_size: int | None, open_walks: set[str]) -> Any:
    def records(
        modstamp: dlt.sources.incremental[Any] = dlt.sources.incremental(  # noqa: B008 - dlt's idiom
            CURSOR, initial_value=INITIAL_CURSOR, range_start="closed", primary_key=()),
    ) -> Iterator[pa.Table]:
        # WHERE SystemModstamp >= last_value (inclusive): the boundary rows come back and those already loaded
        # with the same content are dropped (ingestion/common/boundary.py), so a rerun without changes loads
        # nothing and a record saved again at the same instant is not lost
        boundary = Boundary(CURSOR, (PRIMARY_KEY,), dlt.current.resource_state())
        try:
            yield from boundary.filter(batched(walk(client, sobject, spec, modstamp.last_value, page_size=page_size,
                                                    progress=progress)))
        finally:
            open_walks.discard(sobject)
            if not open_walks:
                client.close()

    return dlt.resource(records, name=spec.table, write_disposition="merge", primary_key=PRIMARY_KEY)
