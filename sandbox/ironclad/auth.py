"""OAuth 2.0 client credentials (`POST /oauth/token`), the per-request checks (bearer token, acting user,
scope) and the per-company `pub:records:read` rate limit."""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from sandbox.common.jsonio import json_response, loads
from sandbox.common.simulator import SimulatorState
from sandbox.common.tokens import TokenStatus, TokenStore, bearer

from .errors import TOKEN_EXPIRED, TOKEN_INVALID, ApiError, invalid_param, oauth_error

READ_RECORDS = "public.records.readRecords"
READ_SCHEMAS = "public.records.readSchemas"
UPDATE_RECORDS = "public.records.updateRecords"
# what the sandbox client application is registered for (a token may ask for a subset)
REGISTERED_SCOPES = (READ_RECORDS, READ_SCHEMAS, UPDATE_RECORDS)
ACTING_USER_HEADERS = ("x-as-user-email", "x-as-user-id")


class ScopedTokenStore(TokenStore):
    """Bearer tokens that remember the scopes they were granted."""

    def __init__(self, ttl_seconds: float | None) -> None:
        super().__init__(ttl_seconds)
        self._scopes: dict[str, frozenset[str]] = {}

    def issue_scoped(self, scopes: frozenset[str], ttl_seconds: float | None) -> str:
        self.ttl_seconds = ttl_seconds
        token = self.issue()
        with self._lock:
            self._scopes[token] = scopes
        return token

    def scopes(self, token: str) -> frozenset[str]:
        with self._lock:
            return self._scopes.get(token, frozenset())


class RateLimiter:
    """Requests per rolling minute for one bucket; the limit is read from the live settings (0/None = off)."""

    def __init__(self, settings: dict[str, Any], key: str, window: float = 60.0) -> None:
        self._settings, self._key, self._window = settings, key, window
        self._hits: deque[float] = deque()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        limit = self._settings.get(self._key) or 0
        if limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            while self._hits and now - self._hits[0] >= self._window:
                self._hits.popleft()
            if len(self._hits) >= limit:
                return False
            self._hits.append(now)
            return True


class Guard:
    """The checks every public API call passes, in the order Ironclad answers them."""

    def __init__(self, sim: SimulatorState, creds: dict[str, str]) -> None:
        self.sim = sim
        self.tokens: ScopedTokenStore = sim.tokens  # type: ignore[assignment]
        self.creds = creds
        self.records_read = RateLimiter(sim.settings, "records_read_per_minute")

    def check(self, request: Request, scope: str, limiter: RateLimiter | None = None) -> None:
        token = bearer(request.headers.get("authorization"))
        status = self.tokens.check(token)
        if status is TokenStatus.EXPIRED:
            raise ApiError(401, "UNAUTHORIZED", TOKEN_EXPIRED)
        if status is not TokenStatus.OK or token is None:
            raise ApiError(401, "UNAUTHORIZED", TOKEN_INVALID)
        if limiter is not None and not limiter.allow():
            raise ApiError(
                429, "TOO_MANY_REQUESTS", "Too Many Requests: rate limit exceeded, please try again later"
            )
        self._acting_user(request)
        if scope not in self.tokens.scopes(token):
            raise ApiError(403, "FORBIDDEN", f"the access token is missing the required scope {scope}")

    def _acting_user(self, request: Request) -> None:
        email = request.headers.get("x-as-user-email", "").strip()
        user_id = request.headers.get("x-as-user-id", "").strip()
        if not email and not user_id:
            raise invalid_param(
                "the x-as-user-email or x-as-user-id header is required with a client credentials token",
                "x-as-user-email",
            )
        if email and email.lower() != self.creds["user_email"].lower():
            raise invalid_param(f"no active user found with email {email}", "x-as-user-email")
        if user_id and user_id != self.creds["user_id"]:
            raise invalid_param(f"no active user found with id {user_id}", "x-as-user-id")


def token_endpoint(sim: SimulatorState, creds: dict[str, str]) -> Callable[[Request], Awaitable[Response]]:
    """`POST /oauth/token` for the client credentials grant (form or JSON body; client auth in body or Basic)."""
    tokens: ScopedTokenStore = sim.tokens  # type: ignore[assignment]

    async def token(request: Request) -> Response:
        return await _issue(request, sim, tokens, creds)

    return token


async def _issue(
    request: Request, sim: SimulatorState, tokens: ScopedTokenStore, creds: dict[str, str]
) -> Response:
    try:
        params = await _token_params(request)
    except ValueError:
        return oauth_error(400, "invalid_request", "Invalid or missing parameters: unreadable request body")
    grant_type = params.get("grant_type")
    if not grant_type:
        return oauth_error(400, "invalid_request", "Invalid or missing parameters: grant_type is required")
    try:
        client_id, client_secret = _client_auth(request, params)
    except ValueError:
        return oauth_error(
            400, "invalid_request", "Invalid or missing parameters: malformed Authorization header"
        )
    if not client_id or not client_secret:
        return oauth_error(
            400, "invalid_request", "Invalid or missing parameters: client_id and client_secret are required"
        )
    if client_id != creds["client_id"] or client_secret != creds["client_secret"]:
        return oauth_error(401, "invalid_client", "invalid client")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", f"grant type {grant_type} is not supported")
    registered = frozenset(creds.get("scope", " ".join(REGISTERED_SCOPES)).split())
    requested = params.get("scope")
    granted = frozenset(requested.split()) if requested else registered
    unknown = sorted(granted - registered)
    if not granted or unknown:
        return oauth_error(400, "invalid_scope", f"invalid scope: {' '.join(unknown) or '(empty)'}")
    configured = sim.settings.get("token_ttl_seconds") or None  # 0/None: never expires (TokenStore)
    token = tokens.issue_scoped(granted, configured)
    ttl = int(configured or 3600)
    body: dict[str, Any] = {"token_type": "Bearer", "access_token": token, "expires_in": ttl}
    # "Will include the token scope if scope was requested" (vendor ClientCredentialsGrantTokenResponse)
    if requested:
        body["scope"] = " ".join(s for s in requested.split() if s)
    return json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def _token_params(request: Request) -> dict[str, str]:
    raw = await request.body()
    if "json" in request.headers.get("content-type", ""):
        data = loads(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return {k: str(v) for k, v in data.items() if v is not None}
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _client_auth(request: Request, params: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("bad basic credentials") from exc
        client_id, sep, client_secret = decoded.partition(":")
        if not sep:
            raise ValueError("bad basic credentials")
        return client_id, client_secret
    return params.get("client_id"), params.get("client_secret")
