"""The Salesforce REST API simulator: routes, session check, version pinning, API usage accounting.

Every REST call (`/services/data/vNN.0/…`) needs a live session (else 401 INVALID_SESSION_ID), must name the
pinned version (else 404 NOT_FOUND), counts against the rolling daily allocation (else 403
REQUEST_LIMIT_EXCEEDED) and answers with `Sforce-Limit-Info: api-usage=<used>/<limit>`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from sandbox.common.faults import FaultState
from sandbox.common.firmdata import load_tables
from sandbox.common.jsonio import JSONResponse, json_response
from sandbox.common.simulator import SimulatorState, build_app
from sandbox.common.tokens import TokenStore
from sandbox.firm.schema import SCHEMAS

from . import query, sobjects
from .auth import token_endpoint
from .catalog import build_catalog
from .context import SalesforceSim, org_and_user
from .cursors import CursorStore
from .errors import LIMIT_MESSAGE, NOT_FOUND_MESSAGE, SESSION_INVALID, make_error_factory, sf_error
from .limits import ApiUsage

VENDOR = "salesforce"
Handler = Callable[[SalesforceSim, Request], Response]


def load_data(firm: Path) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """One in-memory DuckDB, a table per object; datetimes cut to milliseconds as Salesforce stores them."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    tables = list(SCHEMAS[VENDOR])
    load_tables(con, firm, VENDOR, tables)
    for table in tables:
        cols = con.execute(
            "select column_name from information_schema.columns where table_name = ? "
            "and data_type like 'TIMESTAMP%'",
            [table],
        ).fetchall()
        for (col,) in cols:
            q = '"' + col.replace('"', '""') + '"'
            con.execute(f"UPDATE \"{table}\" SET {q} = date_trunc('millisecond', {q})")
        con.execute(f'CREATE INDEX "{table}_id" ON "{table}" ("Id")')
    return con, tables


def rest(sim: SalesforceSim, handler: Handler) -> Callable[[Request], Response]:
    """Wrap a REST handler: session, pinned version, API allocation, limit header."""

    def endpoint(request: Request) -> Response:
        if not sim.session_ok(request.headers.get("authorization")):
            return sf_error(401, "INVALID_SESSION_ID", SESSION_INVALID, sim.limit_headers())
        if request.path_params.get("version") != sim.version:
            return sf_error(404, "NOT_FOUND", NOT_FOUND_MESSAGE, sim.limit_headers())
        if not sim.usage.try_consume():
            return sf_error(403, "REQUEST_LIMIT_EXCEEDED", LIMIT_MESSAGE, sim.limit_headers())
        response = handler(sim, request)
        response.headers["Sforce-Limit-Info"] = sim.usage.header()
        return response

    return endpoint


def with_body(endpoint: Callable[[Request], Response]) -> Callable[[Request], Any]:
    """A REST endpoint that reads the request body first (kept in `request.state.body`), for writes."""

    async def read_then_handle(request: Request) -> Response:
        request.state.body = await request.body()
        return await run_in_threadpool(endpoint, request)

    return read_then_handle


def versions(sim: SalesforceSim, request: Request) -> Response:
    v = sim.version
    body = [{"label": _release(v), "url": f"/services/data/v{v}", "version": v}]
    return json_response(body, headers=sim.limit_headers())


def _release(version: str) -> str:
    """Salesforce release names by API version (v62.0 = Winter '25)."""
    major = int(float(version))
    season = ("Spring", "Summer", "Winter")[(major - 60) % 3]
    year = 24 + (major - 59) // 3
    return f"{season} '{year:02d}"


def resources(sim: SalesforceSim, request: Request) -> Response:
    base = sim.data_prefix
    names = ("sobjects", "query", "queryAll", "limits")
    return JSONResponse({name: f"{base}/{name}" for name in names})


def limits(sim: SalesforceSim, request: Request) -> Response:
    used, limit = sim.usage.used(), sim.usage.limit
    return JSONResponse({"DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)}})


def routes(sim: SalesforceSim) -> list[Route]:
    data = "/services/data/v{version}"
    table: list[tuple[str, Handler]] = [
        ("", resources),
        ("/limits", limits),
        ("/query", lambda s, r: query.run_query(s, r, include_deleted=False)),
        ("/queryAll", lambda s, r: query.run_query(s, r, include_deleted=True)),
        ("/query/{locator}", query.query_more),
        ("/queryAll/{locator}", query.query_more),
        ("/sobjects", sobjects.describe_global),
        ("/sobjects/{sobject}", sobjects.sobject_info),
        ("/sobjects/{sobject}/describe", sobjects.describe),
        ("/sobjects/{sobject}/updated", lambda s, r: sobjects.replication(s, r, deleted=False)),
        ("/sobjects/{sobject}/deleted", lambda s, r: sobjects.replication(s, r, deleted=True)),
        ("/sobjects/{sobject}/{record_id}", sobjects.retrieve),
    ]
    vendor: list[Route] = [Route("/services/oauth2/token", token_endpoint(sim), methods=["POST"])]
    for path in ("/services/data", "/services/data/"):
        vendor.append(Route(path, _plain(sim, versions), methods=["GET"]))
    for suffix, handler in table:
        endpoint = rest(sim, handler)
        vendor.append(Route(data + suffix, endpoint, methods=["GET"]))
        vendor.append(Route(data + suffix + "/", endpoint, methods=["GET"]))
    update = with_body(rest(sim, sobjects.update))
    for suffix in ("/sobjects/{sobject}/{record_id}", "/sobjects/{sobject}/{record_id}/"):
        vendor.append(Route(data + suffix, update, methods=["PATCH"]))

    def fallback(request: Request) -> Response:
        """Unknown paths: 404 NOT_FOUND; a known path with another method: 405 METHOD_NOT_ALLOWED."""
        if any(route.matches(request.scope)[0] == Match.PARTIAL for route in vendor):
            return sf_error(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are GET,HEAD",
                sim.limit_headers(),
            )
        return sf_error(404, "NOT_FOUND", NOT_FOUND_MESSAGE, sim.limit_headers())

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return vendor + [Route("/{path:path}", fallback, methods=methods)]


def _plain(sim: SalesforceSim, handler: Handler) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return handler(sim, request)

    return endpoint


def admin_routes(sim: SalesforceSim) -> list[Route]:
    """Extra admin API: read or reset the org's API usage (e.g. after exhausting the daily limit)."""

    def api_usage(request: Request) -> Response:
        if request.method == "DELETE":
            sim.usage.reset()
        return json_response(
            {"used": sim.usage.used(), "limit": sim.usage.limit, "open_query_locators": len(sim.cursors)}
        )

    return [Route("/_sandbox/api-usage", api_usage, methods=["GET", "DELETE"])]


def create_sim(firm: Path, creds: dict[str, str], settings: dict[str, Any]) -> SalesforceSim:
    con, tables = load_data(firm)
    seed = int(settings.get("seed") or 0)
    state = SimulatorState(
        vendor=VENDOR,
        tokens=TokenStore(float(settings["session_timeout_seconds"])),
        settings=settings,
        faults=FaultState(seed),
    )
    org_id, user_id = org_and_user(creds)
    return SalesforceSim(
        state=state,
        con=con,
        catalog=build_catalog(con, tables),
        creds=creds,
        usage=ApiUsage(lambda: int(state.settings["daily_api_limit"])),
        cursors=CursorStore(
            lambda: int(state.settings["max_query_locators"]),
            lambda: float(state.settings["query_locator_ttl_seconds"]),
        ),
        rng=random.Random(seed),
        org_id=org_id,
        user_id=user_id,
    )


def build(sim: SalesforceSim) -> Any:
    app = build_app(sim.state, routes(sim), make_error_factory(sim.usage.header), admin_routes(sim))
    app.sim = sim  # for the runner and tests: the SalesforceSim behind the ASGI app
    return app
