"""The NetSuite REST web services simulator: OAuth 2.0 client credentials, SuiteQL and the record API.

Routes (all under /services/rest, all but the token endpoint need `Authorization: Bearer <token>`):
  POST  auth/oauth2/v1/token                       client-credentials grant with a JWT client assertion
                                                   (the reader's or the writer's integration: the token's role)
  POST  query/v1/suiteql?limit=&offset=            SuiteQL (`Prefer: transient`, body {"q": …})
  GET   record/v1/{type}?limit=&offset=&q=         ids + links
  GET   record/v1/{type}/{id|eid:…}                the record (`expandSubResources=true`, `fields=a,b`)
  GET   record/v1/{type}/{id}/{sublist}[/{line}]   a sublist, one line
  POST  record/v1/billingSchedule                  create           → 204 + Location
  PATCH record/v1/billingSchedule/{id|eid:…}       update (`replace=recurrence`) → 204 + Location
  PUT   record/v1/billingSchedule/eid:{ext}        upsert           → 204 + Location
  PATCH record/v1/billingSchedule/{id}/recurrence/{line}             → 204 + Location
Writes need a writer token (else 403 INSUFFICIENT_PERMISSION); reads take either role.
Admin extras: POST /_sandbox/netsuite/concurrent-edit {"type": "billingSchedule", "id": N[, "change": "amount"]};
GET /_sandbox/netsuite/writes (committed writes per schedule id), POST /_sandbox/netsuite/writes/reset,
POST /_sandbox/netsuite/reset (the account back to the generated firm, in place).
Finance users' actions in the UI (ar_actions.py): POST /_sandbox/netsuite/invoices/{id}/payment
{"amount": "123.45", "date": "YYYY-MM-DD"} (both optional: the open balance, today UTC) records a customer payment
applied to the invoice; POST /_sandbox/netsuite/invoices/{id}/status {"status": "Open"} changes its status.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common.faults import apply_drift
from sandbox.common.jsonio import json_response, loads
from sandbox.common.simulator import SimulatorState, build_app
from sandbox.common.tokens import TokenStatus, TokenStore, bearer

from . import suiteql
from .ar_actions import ActionError, InvoiceActions
from .client_assertion import AssertionRejected, verify_assertion
from .errors import LOGIN_DETAIL, NetSuiteError, error_body, error_response
from .paging import ShortPager
from .records import RecordReader, record_type
from .store import Store
from .write_fields import parse_body
from .writes import BillingScheduleWriter

PREFIX = "/services/rest"
TOKEN_PATH = f"{PREFIX}/auth/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WRITABLE = "billingSchedule"
READER, WRITER = "reader", "writer"  # token roles: the ingestion integration, the reverse-ETL integration
WRITE_DENIED = (
    "Permission Violation: your role (the ingestion integration) cannot edit billing schedules. "
    "Use the reverse-ETL integration's credentials."
)

Handler = Callable[[Request], Awaitable[Response]]


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{PREFIX}"


def _kid(assertion: str) -> Any:
    """The `kid` in the assertion's header (None when it cannot be read; verification says why)."""
    try:
        return jwt.get_unverified_header(assertion).get("kid")
    except jwt.InvalidTokenError:
        return None


class NetSuiteService:
    """Handlers of one simulated account (one DuckDB state file)."""

    def __init__(self, store: Store, state: SimulatorState, creds: dict[str, Any]) -> None:
        self.store = store
        self.state = state
        self.creds = creds
        self.writer_creds: dict[str, str] | None = creds.get(
            "writer"
        )  # None: credentials made before it existed
        self.reader = RecordReader(store)
        self.writer = BillingScheduleWriter(store)
        self.ar = InvoiceActions(store)
        self.pager = ShortPager(int(state.settings.get("seed") or 0))

    def close(self) -> None:
        self.store.close()

    # --- plumbing ----------------------------------------------------------------------------------
    def api(self, handler: Handler) -> Handler:
        """Bearer-token check, then the handler; NetSuiteError becomes the vendor's error body."""

        async def wrapped(request: Request) -> Response:
            try:
                if (
                    self.state.tokens.check(bearer(request.headers.get("authorization")))
                    is not TokenStatus.OK
                ):
                    raise NetSuiteError(401, LOGIN_DETAIL, "INVALID_LOGIN")
                return await handler(request)
            except NetSuiteError as exc:
                return exc.response()

        return wrapped

    def issue_token(self, role: str = READER) -> str:
        self.state.tokens.ttl_seconds = float(self.state.settings.get("token_ttl_seconds") or 3600)
        return self.state.tokens.issue(role=role)

    def verify(self, assertion: str, token_url: str) -> str:
        """The role of the integration whose certificate (`kid`) signed the assertion: the writer's when the
        kid names it, else the reader's (whose verdict an unknown kid then gets)."""
        if self.writer_creds and _kid(assertion) == self.writer_creds["certificate_id"]:
            verify_assertion(assertion, self.writer_creds, token_url)
            return WRITER
        verify_assertion(assertion, self.creds, token_url)
        return READER

    # --- auth --------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}

        def oauth_error(error: str, description: str) -> Response:
            return json_response({"error": error, "error_description": description}, status=400)

        if form.get("grant_type") != "client_credentials":
            if not form.get("grant_type"):
                return oauth_error("invalid_request", "grant_type is required")
            return oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != JWT_BEARER:
            return oauth_error("invalid_request", f"client_assertion_type must be {JWT_BEARER}")
        if not form.get("client_assertion"):
            return oauth_error("invalid_request", "client_assertion is required")
        token_url = f"{request.url.scheme}://{request.url.netloc}{TOKEN_PATH}"
        try:
            role = self.verify(form["client_assertion"], token_url)
        except AssertionRejected as exc:
            return oauth_error(exc.error, exc.description)
        ttl = int(self.state.settings.get("token_ttl_seconds") or 3600)
        return json_response(
            {"access_token": self.issue_token(role), "token_type": "Bearer", "expires_in": ttl}
        )

    # --- SuiteQL -----------------------------------------------------------------------------------
    async def suiteql(self, request: Request) -> Response:
        suiteql.check_prefer(request.headers.get("prefer"))
        q = suiteql.parse_body(await request.body())
        base = base_url(request) + "/query/v1/suiteql"
        body, count = await run_in_threadpool(
            suiteql.page,
            self.store,
            self.state.settings,
            self.pager,
            request.scope,
            request.query_params,
            base,
            str(request.url),
            q,
        )
        self.state.served(count)
        return Response(body, media_type="application/json")

    # --- record API: reads -------------------------------------------------------------------------
    async def record_list(self, request: Request) -> Response:
        rtype = record_type(request.path_params["rtype"])
        body, count = await run_in_threadpool(
            self.reader.list_page,
            rtype,
            request.query_params,
            base_url(request),
            str(request.url),
            request.scope,
            self.state.settings,
            self.pager,
        )
        self.state.served(count)
        return Response(body, media_type="application/json")

    async def record_get(self, request: Request) -> Response:
        rtype = record_type(request.path_params["rtype"])
        expand = request.query_params.get("expandSubResources", "").lower() == "true"
        fields = request.query_params.get("fields")
        only = {f.strip() for f in fields.split(",") if f.strip()} if fields else None
        record = await run_in_threadpool(
            self.reader.get, rtype, request.path_params["ident"], base_url(request), expand, only
        )
        self.state.served(1)
        return json_response(apply_drift(request.scope, record))

    async def sublist_get(self, request: Request) -> Response:
        rtype = record_type(request.path_params["rtype"])
        p = request.path_params
        found = await run_in_threadpool(
            self.reader.sublist, rtype, p["ident"], p["sublist"], base_url(request), p.get("line")
        )
        return json_response(found)

    # --- record API: writes ------------------------------------------------------------------------
    def _writable(self, request: Request) -> None:
        rtype = record_type(request.path_params["rtype"])
        if rtype.name != WRITABLE:
            raise NetSuiteError(
                405, f"The sandbox supports writes to {WRITABLE} records only, not {rtype.name}."
            )
        if self.state.tokens.role(bearer(request.headers.get("authorization"))) != WRITER:
            raise NetSuiteError(403, WRITE_DENIED, "INSUFFICIENT_PERMISSION")

    def _written(self, request: Request, record_id: int) -> Response:
        location = f"{base_url(request)}/record/v1/{WRITABLE}/{record_id}"
        return Response(status_code=204, headers={"Location": location})

    async def record_write(self, request: Request) -> Response:
        self._writable(request)
        ident = request.path_params.get("ident")
        if request.method == "PUT" and not (ident or "").startswith("eid:"):
            raise NetSuiteError(
                405,
                "PUT is the upsert by external ID: …/billingSchedule/eid:{externalId}. "
                "Use PATCH to update by internal ID.",
            )
        if request.method == "DELETE":
            raise NetSuiteError(405, "The sandbox does not delete records.")
        mode = {"POST": "create", "PATCH": "update", "PUT": "upsert"}[request.method]
        body = parse_body(await request.body())
        replace = {s.strip() for s in request.query_params.get("replace", "").split(",") if s.strip()}
        record_id = await run_in_threadpool(self.writer.write, mode, ident, body, replace)
        return self._written(request, record_id)

    async def line_write(self, request: Request) -> Response:
        self._writable(request)
        p = request.path_params
        rtype = record_type(p["rtype"])
        await run_in_threadpool(
            self.reader.sublist, rtype, p["ident"], p["sublist"], base_url(request), p["line"]
        )
        body = parse_body(await request.body())
        item = {**body, "line": int(p["line"])}
        record_id = await run_in_threadpool(
            self.writer.write, "update", p["ident"], {"recurrence": {"items": [item]}}, set()
        )
        return self._written(request, record_id)

    # --- admin -------------------------------------------------------------------------------------
    async def concurrent_edit(self, request: Request) -> Response:
        try:
            spec = loads(await request.body() or b"{}")
            if not isinstance(spec, dict) or spec.get("type", WRITABLE) != WRITABLE or "id" not in spec:
                raise ValueError(
                    'expected {"type": "billingSchedule", "id": <id or "eid:…">[, "change": "name"|"amount"]'
                    '[, "same_second": true]}'
                )
            change = spec.get("change", "name")
            if change not in ("name", "amount"):
                raise ValueError("change must be 'name' or 'amount'")
            same_second = spec.get("same_second", False)
            if not isinstance(same_second, bool):
                raise TypeError("same_second must be true or false")
            rtype = record_type(WRITABLE)
            record_id = await run_in_threadpool(self.reader.resolve, rtype, str(spec["id"]))
            result = await run_in_threadpool(self.writer.concurrent_edit, record_id, change, same_second)
        except NetSuiteError as exc:
            return json_response({"error": exc.detail or str(exc)}, status=exc.status)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(result)

    async def _ar_action(
        self, request: Request, action: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> Response:
        try:
            body = json.loads(await request.body() or b"{}", parse_float=Decimal)  # amounts stay exact
        except ValueError:
            return json_response({"error": "the body is not valid JSON"}, status=400)
        if not isinstance(body, dict):
            return json_response({"error": "the body must be a JSON object"}, status=400)
        try:
            result = await run_in_threadpool(action, body)
        except ActionError as exc:
            return json_response({"error": exc.message}, status=exc.status)
        return json_response(result)

    async def record_payment(self, request: Request) -> Response:
        """A finance user receives a customer payment for the invoice (admin: not an API call of ours)."""
        ident = request.path_params["ident"]
        return await self._ar_action(
            request, lambda b: self.ar.record_payment(ident, b.get("amount"), b.get("date"))
        )

    async def set_invoice_status(self, request: Request) -> Response:
        """A finance user changes the invoice's status, e.g. approves it (admin)."""
        ident = request.path_params["ident"]
        return await self._ar_action(request, lambda b: self.ar.set_status(ident, b.get("status")))

    async def reset(self, request: Request) -> Response:
        await run_in_threadpool(self.store.reset)
        self.writer.reset_commits()
        return json_response({"reset": True})

    async def writes(self, request: Request) -> Response:
        if request.method == "POST":
            self.writer.reset_commits()
        return json_response(self.writer.commits())

    def routes(self) -> list[Route]:
        rec = f"{PREFIX}/record/v1/{{rtype}}"
        return [
            Route(TOKEN_PATH, self.token, methods=["POST"]),
            Route(f"{PREFIX}/query/v1/suiteql", self.api(self.suiteql), methods=["POST"]),
            Route(rec, self.api(self.record_list), methods=["GET"]),
            Route(rec, self.api(self.record_write), methods=["POST"]),
            Route(f"{rec}/{{ident}}", self.api(self.record_get), methods=["GET"]),
            Route(f"{rec}/{{ident}}", self.api(self.record_write), methods=["PATCH", "PUT", "DELETE"]),
            Route(f"{rec}/{{ident}}/{{sublist}}", self.api(self.sublist_get), methods=["GET"]),
            Route(f"{rec}/{{ident}}/{{sublist}}/{{line}}", self.api(self.sublist_get), methods=["GET"]),
            Route(f"{rec}/{{ident}}/{{sublist}}/{{line}}", self.api(self.line_write), methods=["PATCH"]),
        ]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        return json_response(
            error_body(
                404, f"The requested resource {request.url.path} does not exist.", "NONEXISTENT_RESOURCE"
            ),
            status=404,
        )
    return json_response(error_body(status), status=status)


def create_netsuite_app(
    firm: Path, state_dir: Path, creds: dict[str, Any], settings: dict[str, Any]
) -> tuple[Any, SimulatorState]:
    sim = SimulatorState(
        vendor="netsuite", tokens=TokenStore(float(settings["token_ttl_seconds"])), settings=settings
    )
    service = NetSuiteService(Store(firm, state_dir), sim, creds)
    admin = [
        Route("/_sandbox/netsuite/concurrent-edit", service.concurrent_edit, methods=["POST"]),
        Route("/_sandbox/netsuite/writes", service.writes, methods=["GET"]),
        Route("/_sandbox/netsuite/writes/reset", service.writes, methods=["POST"]),
        Route("/_sandbox/netsuite/reset", service.reset, methods=["POST"]),
        Route("/_sandbox/netsuite/invoices/{ident}/payment", service.record_payment, methods=["POST"]),
        Route("/_sandbox/netsuite/invoices/{ident}/status", service.set_invoice_status, methods=["POST"]),
    ]
    app = build_app(sim, service.routes(), error_response, admin_extra=admin)
    starlette_app = app.app
    starlette_app.add_exception_handler(HTTPException, _http_error)
    starlette_app.add_exception_handler(Exception, _http_error)
    starlette_app.state.netsuite = service
    return app, sim


def token_url(origin: str) -> str:
    return origin.rstrip("/") + TOKEN_PATH
