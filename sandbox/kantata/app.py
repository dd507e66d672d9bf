"""The Kantata OX API v1 simulator as one ASGI app: bearer auth, throttling, list / show / write endpoints
(time entries: writes.py; story updates, e.g. a milestone marked completed: story_writes.py).

Every path is served with and without the `.json` suffix (the docs write `/time_entries.json`, the vendor
OpenAPI `/time_entries`). Errors use the vendor's `{"errors":[{"type","message"[,"field"]}]}` shape.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common.faults import FaultRule, apply_drift, fired_rules, record_rule
from sandbox.common.jsonio import json_response
from sandbox.common.simulator import SimulatorState, build_app
from sandbox.common.tokens import TokenStatus, TokenStore, bearer

from .envelope import Paging, envelope, include_names, paging, resource_for, side_load
from .resources import ID_SORT, ParamError, Resource, time_window
from .store import Store, account_timezone, utc_offset_minutes
from .story_writes import StoryWriter
from .writes import Invalid, TimeEntryWriter, parse_body

VENDOR = "kantata"
BASE_PATH = "/api/v1"
WRITABLE = "time_entries"

DEFAULT_SETTINGS: dict[str, Any] = {
    "requests_per_minute": 0,  # accepted API requests per rolling minute before a bare 429 (0 = off)
    "max_concurrent": 0,  # concurrent requests before a 429 (common middleware); 0 = off
    "latency_seconds": 0.0,  # added to every request (common middleware)
    "default_per_page": 20,  # vendor (brainstem default_per_page)
    "max_per_page": 200,  # vendor (brainstem default_max_per_page); larger per_page is clamped
    "utc_offset": "+00:00",  # the account time zone: offset of served timestamps and of naive filter values
    "unknown_order": "error",  # "error" = 400 on an order the endpoint does not offer; "default" = brainstem fallback
    "current_user_id": None,  # the token's user (default user_id of created time entries); None = lowest user id
    "query_cache_entries": 8,  # cached ordered-id lists (one per distinct filter+order); pages are slices
}

_DRIFT_KINDS = ("drift_add_field", "drift_change_type")
_SINGULAR = {
    "stories": "story",
    "time_entries": "time entry",
    "story_state_changes": "story state change",
    "account_memberships": "account membership",
    "rate_card_versions": "rate card version",
    "rate_card_roles": "rate card role",
    "external_references": "external reference",
    "workspaces": "workspace",
    "users": "user",
    "roles": "role",
    "expenses": "expense",
}


def make_credentials() -> dict[str, str]:
    """A pre-issued OAuth access token (Kantata issues tokens only through the authorization-code flow)."""
    return {"access_token": secrets.token_hex(32)}


def create_app(
    firm: Path, state: Path, creds: dict[str, str], settings: dict[str, Any] | None = None
) -> tuple[Any, SimulatorState]:
    """The app over `<firm>/kantata/*.parquet` (`state` is unused: writes live in memory)."""
    config = copy.deepcopy(DEFAULT_SETTINGS)
    config.update(settings or {})
    tokens = TokenStore(ttl_seconds=None)
    tokens.add(creds["access_token"])
    sim = SimulatorState(vendor=VENDOR, tokens=tokens, settings=config)
    api = _Api(sim, Store(firm, int(config.get("query_cache_entries") or 8)))
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes = [
        Route(f"{BASE_PATH}/{{segment}}", api.wrap(api.collection), methods=methods),
        Route(f"{BASE_PATH}/{{segment}}/{{rid}}", api.wrap(api.member), methods=methods),
        Route("/{rest:path}", api.wrap(api.no_route, auth=False), methods=methods),
    ]
    return build_app(
        sim,
        routes,
        error_response,
        admin_extra=[Route("/_sandbox/kantata/touch", api.touch, methods=["POST"])],
    ), sim


def describe(origin: str, creds: dict[str, str], state: SimulatorState) -> dict[str, Any]:
    """This vendor's entry of endpoints.json (no token endpoint: the token is pre-issued)."""
    return {
        "base_url": origin + BASE_PATH,
        "token_request": None,
        "access_token": creds["access_token"],
        "headers": {},
    }


# ------------------------------------------------------------------------------------------------ errors
def errors_body(
    status: int, message: str | None = None, field: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind or ("validation" if status in (400, 422) and field else "system")}
    error["message"] = message or HTTPStatus(status).phrase
    if field:
        error["field"] = field
    return {"errors": [error]}


def error_response(status: int, rule: FaultRule | None = None) -> Response:
    """The vendor's error body for an injected status or the concurrency limit (429 carries no Retry-After)."""
    if status == 422:
        return json_response(errors_body(422, "Unprocessable Entity", kind="validation"), status=422)
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = "Error"
    return json_response(errors_body(status, message, kind="system"), status=status)


def _fail(status: int, message: str, field: str | None = None) -> Response:
    return json_response(errors_body(status, message, field), status=status)


class RateLimiter:
    """Accepted requests in the last 60 s; over `requests_per_minute` answers 429."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def allow(self, per_minute: int) -> bool:
        if not per_minute:
            return True
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] >= 60.0:
                self._times.popleft()
            if len(self._times) >= per_minute:
                return False
            self._times.append(now)
            return True


# --------------------------------------------------------------------------------------------------- api
class _Api:
    def __init__(self, sim: SimulatorState, store: Store) -> None:
        self.sim = sim
        self.store = store
        self.limiter = RateLimiter()

    @property
    def settings(self) -> dict[str, Any]:
        return self.sim.settings

    def wrap(
        self, handler: Callable[[Request, bytes], Response], auth: bool = True
    ) -> Callable[[Request], Any]:
        """Auth, throttling and parameter errors around a (sync, threadpooled) handler."""

        async def endpoint(request: Request) -> Response:
            status = (
                self.sim.tokens.check(bearer(request.headers.get("authorization")))
                if auth
                else TokenStatus.OK
            )
            if status is not TokenStatus.OK:
                message = (
                    "The access token expired"
                    if status is TokenStatus.EXPIRED
                    else "The access token is invalid"
                )
                return _fail(401, message)
            if not self.limiter.allow(int(self.settings.get("requests_per_minute") or 0)):
                return error_response(429)
            raw = await request.body() if request.method in ("POST", "PUT", "PATCH") else b""
            try:
                return await run_in_threadpool(handler, request, raw)
            except ParamError as exc:
                return _fail(400, exc.message, exc.field)
            except Invalid as exc:
                return json_response({"errors": exc.errors}, status=422)

        return endpoint

    # -------------------------------------------------------------------------------------------- routes
    async def touch(self, request: Request) -> Response:
        """Admin: bulk-edit a fraction of a resource now, e.g. {"resource": "time_entries", "fraction": 0.01,
        "seed": 1} sets `notes` and bumps `updated_at` on 1 % of the time entries. With "same_second": true the
        edit lands within the second of each record's last one: `updated_at` stays (Kantata keeps whole
        seconds; RELIABILITY.md F21)."""
        body = json.loads(await request.body() or b"{}")
        resource = body.get("resource", "time_entries")
        if resource not in self.store.tables:
            return json_response({"error": f"unknown resource {resource!r}"}, status=400)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        same_second = body.get("same_second", False)
        if not isinstance(same_second, bool):
            return json_response({"error": "same_second must be true or false"}, status=400)
        changes: dict[str, Any] = {} if same_second else {"updated_at": now}
        if "notes" in self.store.tables[resource].schema:
            changes["notes"] = body.get("notes", "bulk edit")
        if not changes:
            return json_response(
                {"error": f"{resource} has no notes to edit within the same second"}, status=400
            )
        n = self.store.touch(resource, float(body.get("fraction", 0.01)), int(body.get("seed", 0)), changes)
        return json_response(
            {"resource": resource, "touched": n, "updated_at": None if same_second else now.isoformat()}
        )

    def no_route(self, request: Request, raw: bytes) -> Response:
        return _fail(404, "Page not found")

    def collection(self, request: Request, raw: bytes) -> Response:
        resource = resource_for(request.path_params["segment"])
        if resource is None:
            return _fail(404, "Page not found")
        if request.method == "GET":
            return self.listing(request, resource, None)
        if request.method == "POST" and resource.key == WRITABLE:
            writer = TimeEntryWriter(self.store, self.settings.get("current_user_id"))
            positions = writer.create(parse_body(raw, request.headers.get("content-type", "")))
            return self.present(request, resource, positions, 200)
        return _fail(404, "Page not found")

    def member(self, request: Request, raw: bytes) -> Response:
        resource = resource_for(request.path_params["segment"])
        rid = request.path_params["rid"].removesuffix(".json")
        if resource is None:
            return _fail(404, "Page not found")
        if request.method == "GET":
            return self.listing(request, resource, rid)
        if request.method == "PUT" and resource.key in (WRITABLE, "stories"):
            body = parse_body(raw, request.headers.get("content-type", ""))
            if resource.key == "stories":
                position = StoryWriter(self.store).update(rid, body.get("story"))
            else:
                position = TimeEntryWriter(self.store).update(rid, body.get("time_entry"))
            if position is None:
                return _fail(404, f"Could not find {_SINGULAR[resource.key]} {rid}")
            return self.present(request, resource, [position], 200)
        return _fail(404, "Page not found")

    # ---------------------------------------------------------------------------------------------- list
    def listing(self, request: Request, resource: Resource, rid: str | None) -> Response:
        params = request.query_params
        if rid is None:
            for name in resource.required:
                if not (params.get(name) or "").strip():
                    raise ParamError(name, "is required")
        offset = utc_offset_minutes(self.settings.get("utc_offset"))
        self.store.cache_entries = int(self.settings.get("query_cache_entries") or 8)
        where = self.where(resource, params, offset)
        if rid is not None:
            where.append(("id = ?", [rid]))
        point = rid is not None or bool((params.get("only") or "").strip())
        order = self.order(resource, params.get("order"))
        positions = self.store.ordered(resource.key, where, order, cache=not point)
        total = len(positions)
        if rid is not None and total == 0:
            return _fail(404, f"Could not find {_SINGULAR.get(resource.key, resource.key)} {rid}")
        # repeat_next (fault): the page ignores `page` and serves page 1 again; a show is always page 1
        first = rid is not None or record_rule(request.scope, "repeat_next") is not None
        page = paging(
            params, int(self.settings["default_per_page"]), int(self.settings["max_per_page"]), first
        )
        return self.serve(request, resource, positions[page.offset : page.offset + page.limit], total, page)

    def present(self, request: Request, resource: Resource, positions: list[int], status: int) -> Response:
        """The envelope of written records (all of them, as one page)."""
        page = paging({}, int(self.settings["default_per_page"]), int(self.settings["max_per_page"]))
        return self.serve(request, resource, positions, len(positions), page, status)

    def serve(
        self,
        request: Request,
        resource: Resource,
        positions: Any,
        total: int,
        page: Paging,
        status: int = 200,
    ) -> Response:
        offset = utc_offset_minutes(self.settings.get("utc_offset"))
        primary = self.store.records(resource.key, positions, offset)
        include = request.query_params.get("include")
        side = side_load(self.store, resource, primary, include, offset) if include_names(include) else {}
        if any(rule.kind in _DRIFT_KINDS for rule in fired_rules(request.scope)):
            for record in primary:
                apply_drift(request.scope, record)
            for records in side.values():
                for record in records.values():
                    apply_drift(request.scope, record)
        self.sim.served(len(primary))
        return json_response(envelope(resource.key, total, page, primary, side), status=status)

    # ------------------------------------------------------------------------------------ query building
    def where(self, resource: Resource, params: Any, offset_minutes: int) -> list[tuple[str, list[Any]]]:
        tz = account_timezone(offset_minutes)
        clauses = time_window("updated_at", params.get("updated_after"), params.get("updated_before"), tz)
        clauses += time_window("created_at", params.get("created_after"), params.get("created_before"), tz)
        if "last_synced_at" in self.store.tables[resource.key].schema:
            clauses += time_window(
                "last_synced_at", params.get("last_synced_after"), params.get("last_synced_before"), tz
            )
        only = [part.strip() for part in (params.get("only") or "").split(",") if part.strip()]
        if only:  # brainstem: a blank `only` is no filter
            clauses.append(("id in (select unnest(?::varchar[]))", [only]))
        search = (params.get("search") or "").strip()
        if search and resource.search:
            ors = " or ".join(f"contains(lower(coalesce({c}, '')), ?)" for c in resource.search)
            clauses.append((ors, [search.lower()] * len(resource.search)))
        for build in resource.filters:
            clauses += build(params)
        return clauses

    def order(self, resource: Resource, value: str | None) -> str:
        """`order=<field>:asc|desc` as SQL, tie-broken on the numeric id."""
        text = (value or "").strip()
        name, _, direction = (text or resource.default_order).partition(":")
        expr = resource.orders.get(name.strip())
        if expr is None:
            if str(self.settings.get("unknown_order")) != "default":
                valid = ", ".join(f"{o}:asc, {o}:desc" for o in resource.orders)
                raise ParamError(
                    "order", f"'{text}' is not a valid sort order for {resource.key}; valid values: {valid}"
                )
            name, _, direction = resource.default_order.partition(":")
            expr = resource.orders[name]
        sql_direction = "desc" if direction.strip().lower() == "desc" else "asc"
        return f"{expr} {sql_direction} nulls last, {ID_SORT}"


__all__ = ["DEFAULT_SETTINGS", "VENDOR", "create_app", "describe", "error_response", "make_credentials"]
