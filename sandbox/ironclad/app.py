"""The Ironclad Public API v1 simulator (records) as one ASGI app: routes, request parsing, envelopes."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common.faults import apply_drift, fired_rules, record_rule
from sandbox.common.jsonio import dumps, loads
from sandbox.common.simulator import SimulatorState, build_app

from .auth import (
    READ_RECORDS,
    READ_SCHEMAS,
    REGISTERED_SCOPES,
    UPDATE_RECORDS,
    Guard,
    ScopedTokenStore,
    token_endpoint,
)
from .errors import ApiError, api_error, error_response, invalid_param
from .formula import parse_datetime
from .records import SORT_FIELDS, ListQuery, RecordStore

VENDOR = "ironclad"
BASE_PATH = "/public/api/v1"
TOKEN_PATH = "/oauth/token"
MAX_PAGE = 100_000_000  # vendor parameter QueryPageNumber: maximum

DEFAULT_SETTINGS: dict[str, Any] = {
    "token_ttl_seconds": 3600,  # expires_in of issued tokens (vendor: 3600)
    "records_read_per_minute": 600,  # the pub:records:read bucket (GET/HEAD /records*); 0 = off
    "max_concurrent": 0,  # concurrent requests before a 429 (Ironclad documents none); 0 = off
    "latency_seconds": 0.0,  # added to every request
    "extra_properties": {},  # {property: type} known to the schema though no record has it (read at start)
}

Handler = Callable[[Request], Awaitable[Response]]


def make_credentials() -> dict[str, str]:
    """A registered client application (ids in Ironclad's 24-hex style) and the user it acts as."""
    return {
        "client_id": secrets.token_hex(12),
        "client_secret": secrets.token_urlsafe(32),
        "user_email": "integration.bot@sandbox-firm.example",
        "user_id": secrets.token_hex(12),
        "scope": " ".join(REGISTERED_SCOPES),
    }


def create_app(
    firm: Path, state: Path, creds: dict[str, str], settings: dict[str, Any] | None = None
) -> tuple[Any, SimulatorState]:
    """The app over `<firm>/ironclad/records.parquet` (`state` is unused: this simulator keeps no files)."""
    config = copy.deepcopy(DEFAULT_SETTINGS)
    config.update(settings or {})
    sim = SimulatorState(vendor=VENDOR, tokens=ScopedTokenStore(config["token_ttl_seconds"]), settings=config)
    store = RecordStore(firm, config.get("extra_properties") or {})
    api = _Api(sim, store, Guard(sim, creds))
    routes = [
        Route(TOKEN_PATH, token_endpoint(sim, creds), methods=["POST"]),
        Route(f"{BASE_PATH}/records", api.wrap(api.list_records), methods=["GET"]),
        Route(f"{BASE_PATH}/records/metadata", api.wrap(api.metadata), methods=["GET"]),
        Route(f"{BASE_PATH}/records/{{id}}", api.wrap(api.record), methods=["GET", "PATCH"]),
        Route(f"{BASE_PATH}/{{rest:path}}", _no_route, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    return build_app(sim, routes, error_response), sim


def describe(origin: str, creds: dict[str, str], state: SimulatorState) -> dict[str, Any]:
    """This vendor's entry of endpoints.json."""
    tokens: ScopedTokenStore = state.tokens  # type: ignore[assignment]
    token = tokens.issue_scoped(
        frozenset(creds["scope"].split()), state.settings["token_ttl_seconds"] or None
    )
    return {
        "base_url": origin + BASE_PATH,
        "token_request": {
            "url": origin + TOKEN_PATH,
            "form": {
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
                "scope": creds["scope"],
            },
        },
        "access_token": token,
        "headers": {"x-as-user-email": creds["user_email"]},
    }


class _Api:
    def __init__(self, sim: SimulatorState, store: RecordStore, guard: Guard) -> None:
        self.sim, self.store, self.guard = sim, store, guard
        self._metadata: bytes | None = None

    @staticmethod
    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return exc.response()

        return endpoint

    async def list_records(self, request: Request) -> Response:
        """`GET /records`: {page, pageSize, count, list}; no next link, no hasMore (vendor list-all-records)."""
        self.guard.check(request, READ_RECORDS, self.guard.records_read)
        query, page, page_size = parse_list(request.query_params, self.store)
        if record_rule(request.scope, "repeat_next"):
            page = 0  # fault: the server ignores `page` and serves the first page again
        count, docs = self.store.page(query, page, page_size)
        docs = self._drifted(request, docs)
        self.sim.served(len(docs))
        body = b'{"page":%d,"pageSize":%d,"count":%d,"list":[%b]}' % (page, page_size, count, b",".join(docs))
        return Response(body, media_type="application/json")

    async def record(self, request: Request) -> Response:
        """`GET /records/{id}` (uuid or ironcladId) and `PATCH /records/{id}` (UpdateRecordMetadata)."""
        record_id = request.path_params["id"]
        if request.method == "PATCH":
            self.guard.check(request, UPDATE_RECORDS)
            try:
                body = loads(await request.body() or b"{}")
            except ValueError:
                raise invalid_param("the request body is not valid JSON", "body") from None
            doc = self.store.patch(record_id, body)
            self._metadata = None
        else:
            self.guard.check(request, READ_RECORDS, self.guard.records_read)
            doc = self.store.get(record_id)
        (doc,) = self._drifted(request, [doc])
        self.sim.served(1)
        return Response(doc, media_type="application/json")

    async def metadata(self, request: Request) -> Response:
        """`GET /records/metadata`: record types, properties and attachment keys (vendor RecordsMetadata)."""
        self.guard.check(request, READ_SCHEMAS, self.guard.records_read)
        if self._metadata is None:
            self._metadata = dumps(self.store.schema.public())
        return Response(self._metadata, media_type="application/json")

    @staticmethod
    def _drifted(request: Request, docs: list[bytes]) -> list[bytes]:
        """Schema-drift faults decode each served doc, change it and encode it again (only then)."""
        if not any(rule.kind.startswith("drift_") for rule in fired_rules(request.scope)):
            return docs
        return [dumps(apply_drift(request.scope, loads(doc))) for doc in docs]


def parse_list(params: Any, store: RecordStore) -> tuple[ListQuery, int, int]:
    """Validate the query parameters of `GET /records` (`limit`, `hydrateEntities`, … are ignored)."""
    page = _int_param(params, "page", 0, 0, MAX_PAGE)
    page_size = _int_param(params, "pageSize", 20, 1, 100)
    types = tuple(t.strip() for t in (params.get("types") or "").split(",") if t.strip())
    store.check_types(types)
    since = None
    if params.get("lastUpdated"):
        raw = params["lastUpdated"]
        try:
            since = parse_datetime(raw.replace(" ", "+"))
        except ValueError:
            raise invalid_param(
                f"invalid date {raw}, expected ISO-8601 such as 2018-03-10T00:00:00.000Z", "lastUpdated"
            ) from None
    sort_field = params.get("sortField") or "agreementDate"
    if sort_field not in SORT_FIELDS:
        raise invalid_param(f"sortField must be one of {', '.join(SORT_FIELDS)}", "sortField")
    direction = (params.get("sortDirection") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise invalid_param("sortDirection must be ASC or DESC", "sortDirection")
    query = ListQuery(types, since, params.get("filter") or None, sort_field, direction == "DESC")
    return query, page, page_size


def _int_param(params: Any, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise invalid_param(f"{name} must be an integer between {low} and {high}", name)
    return value


async def _no_route(request: Request) -> Response:
    return api_error(404, "NOT_FOUND", f"no route for {request.method} {request.url.path}")
