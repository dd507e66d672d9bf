"""`query`, `queryAll` and queryMore (`/query/{locator}-{offset}`).

A query runs once in DuckDB; when it does not fit one page its rows (already JSON) stay under a query
locator and later pages are slices. `totalSize` is the count of all matches on every page; `nextRecordsUrl`
is present only while `done` is false. Batch size comes from `Sforce-Query-Options: batchSize=N`
(200..2000, default 2000), and `short_page_rate` of pages are shorter than asked.
"""

from __future__ import annotations

import logging

import duckdb
from starlette.requests import Request
from starlette.responses import Response

from sandbox.common.faults import record_rule
from sandbox.common.jsonio import JSONResponse, dumps

from .context import SalesforceSim
from .errors import sf_error, soql_error, status_error
from .records import drifted
from .soql_tokens import SoqlError
from .sqlgen import compile_soql

log = logging.getLogger(__name__)


def _fetched_url(request: Request) -> str:
    """The relative URL this page was requested by (what a repeat_next fault points back to)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def serve_page(
    sim: SalesforceSim, request: Request, rows: list[str], start: int, size: int, locator: str | None
) -> Response:
    end = min(start + size, len(rows))
    done = end >= len(rows)
    head: dict[str, object] = {"totalSize": len(rows), "done": done}
    if not done:
        head["nextRecordsUrl"] = f"{sim.data_prefix}/query/{locator}-{end}"
    if record_rule(request.scope, "repeat_next") is not None:
        head["done"] = False
        head["nextRecordsUrl"] = _fetched_url(request)
    page = drifted(request.scope, rows[start:end])
    sim.state.served(len(page))
    body = dumps(head)[:-1] + b',"records":[' + ",".join(page).encode() + b"]}"
    return JSONResponse(body)


def run_query(sim: SalesforceSim, request: Request, include_deleted: bool) -> Response:
    text = request.query_params.get("q")
    if text is None or not text.strip():
        return sf_error(400, "MALFORMED_QUERY", "A query string must be provided.")
    try:
        compiled = compile_soql(text, sim.catalog, include_deleted, sim.version)
    except SoqlError as err:
        return soql_error(text, err)
    try:
        with sim.con.cursor() as cur:
            result = cur.execute(compiled.sql, compiled.params).fetchall()
    except duckdb.Error:
        log.exception("salesforce simulator: query failed: %s", text)
        return status_error(500)
    if compiled.count_only:
        return JSONResponse({"totalSize": result[0][0], "done": True, "records": []})
    rows = [r[0] for r in result]
    batch = sim.batch_size(request.headers.get("sforce-query-options"))
    size = sim.page_size(batch)
    locator = sim.cursors.open(rows, batch).locator if len(rows) > size else None
    return serve_page(sim, request, rows, 0, size, locator)


def query_more(sim: SalesforceSim, request: Request) -> Response:
    ref = request.path_params["locator"]
    locator, _, offset_text = ref.rpartition("-")
    cursor = sim.cursors.get(locator) if locator and offset_text.isdigit() else None
    if cursor is None or int(offset_text) > len(cursor.rows):
        return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    batch = sim.batch_size(request.headers.get("sforce-query-options"), default=cursor.batch_size)
    return serve_page(sim, request, cursor.rows, int(offset_text), sim.page_size(batch), locator)
