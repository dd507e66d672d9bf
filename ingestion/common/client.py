"""The HTTP client of every source: httpx, bearer auth with refresh on expiry, one retry decision,
full-jitter backoff honouring Retry-After, and typed errors that name vendor, resource, page and cursor."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from core import netsuite
from core.retry import Action, RetryPolicy, Verdict, classify_status, decide, redirect_target
from core.settings import VendorSettings

from .errors import (
    AuthError,
    IngestionError,
    MalformedPageError,
    RedirectRefusedError,
    ThrottledError,
    UnavailableError,
)

log = logging.getLogger("ingestion")
TRANSPORT_ERRORS = (httpx.TransportError,)  # connect/read time-outs, dropped connections, protocol errors
BODY_LIMIT = 500


class RequestRejectedError(IngestionError):
    """A 4xx answer that is not throttling or auth: the request itself is wrong (query, parameter)."""


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    token_fetches: int = 0
    slept_seconds: float = 0.0


@dataclass
class VendorClient:
    settings: VendorSettings
    classify: Callable[[httpx.Response], Verdict] = lambda r: classify_status(r.status_code)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 60.0
    transport: httpx.BaseTransport | None = None
    stats: ClientStats = field(default_factory=ClientStats)

    def __post_init__(self) -> None:
        self.vendor = self.settings.vendor
        self.http = httpx.Client(timeout=self.timeout, follow_redirects=False, transport=self.transport,
                                 headers={"User-Agent": "c2c-platform ingestion"})
        self._token: str | None = self.settings.access_token if not self.settings.token_form else None

    # ---- auth ---------------------------------------------------------------------------------------------
    def token(self, refresh: bool = False) -> str:
        if self._token and not refresh:
            return self._token
        if not self.settings.token_form:
            if refresh or not self._token:
                raise AuthError("the access token was rejected or is missing (setting access_token)",
                                vendor=self.vendor, setting="access_token")
            return self._token
        for attempt in range(self.policy.max_attempts):
            self.stats.token_fetches += 1
            try:
                response = self.http.post(self.settings.token_url, data=self.settings.token_form())
            except TRANSPORT_ERRORS as exc:
                self._pause(attempt, None, f"token endpoint unreachable ({type(exc).__name__})")
                continue
            if response.status_code == 200:
                self._token = response.json()["access_token"]
                return self._token
            if classify_status(response.status_code) is Verdict.REDIRECT:
                raise self._redirected(response, "the token endpoint", resource="token")
            if response.status_code in (400, 401, 403):
                raise AuthError(f"the token endpoint rejected the client credentials (HTTP {response.status_code}: "
                                f"{_error_code(response)}); check client_id / client_secret / private key settings",
                                vendor=self.vendor, setting="credentials")
            self._pause(attempt, response.headers.get("Retry-After"), f"token endpoint HTTP {response.status_code}")
        raise UnavailableError("the token endpoint kept failing", vendor=self.vendor)

    # ---- requests ------------------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, resource: str, page: Any = None, cursor: Any = None,
                **kwargs: Any) -> httpx.Response:
        if not url.startswith("http"):
            url = self.settings.base_url + url
        reauthed = False
        attempt = 0
        while True:
            headers = {**self.settings.headers, **kwargs.pop("headers", {}),
                       "Authorization": f"Bearer {self.token()}"}
            kwargs["headers"] = headers
            self.stats.requests += 1
            try:
                response = self.http.request(method, url, **kwargs)
            except TRANSPORT_ERRORS as exc:
                verdict, response = Verdict.RETRY, None
                reason = f"{type(exc).__name__}"
            else:
                verdict = self.classify(response)
                reason = f"HTTP {response.status_code} {_error_code(response)}"
            status = response.status_code if response is not None else None
            retry_after = response.headers.get("Retry-After") if response is not None else None
            decision = decide(verdict, status=status, attempt=attempt, policy=self.policy, retry_after=retry_after,
                              reauthed=reauthed)
            if decision.action is Action.DONE:
                return response  # type: ignore[return-value]
            if decision.action is Action.REDIRECTED:
                raise self._redirected(response, f"{method} {resource}", resource=resource, page=page, cursor=cursor)
            if decision.action is Action.REAUTH:
                reauthed = True
                self.token(refresh=True)
                continue
            if decision.action is Action.FORBIDDEN:
                raise AuthError(f"forbidden: {_error_code(response)}", vendor=self.vendor, resource=resource, page=page)
            if decision.action is Action.REJECT:
                raise RequestRejectedError(f"the request was rejected ({reason}): {_body(response)}",
                                           vendor=self.vendor, resource=resource, page=page, cursor=cursor)
            if decision.action is Action.GIVE_UP and verdict is Verdict.REAUTH:
                raise AuthError("a fresh token was rejected too", vendor=self.vendor, resource=resource, page=page)
            if decision.action is Action.GIVE_UP:
                error = ThrottledError if decision.throttled else UnavailableError
                raise error(f"gave up after {attempt + 1} attempts ({reason})", vendor=self.vendor, resource=resource,
                            page=page, cursor=cursor)
            if decision.throttled:
                self.stats.throttled += 1
            self.stats.retries += 1
            self._wait(decision.delay, f"{resource} page {page}: {reason}")
            attempt += 1

    def _redirected(self, response: httpx.Response | None, what: str, **where: Any) -> RedirectRefusedError:
        status = response.status_code if response is not None else None
        target = redirect_target(response.headers.get("Location") if response is not None else None)
        return RedirectRefusedError(f"{what} was answered HTTP {status} redirecting to {target}; redirects are "
                                    "never followed", vendor=self.vendor, location=target, **where)

    def _pause(self, attempt: int, retry_after: str | None, why: str) -> None:
        self._wait(self.policy.delay(attempt, retry_after), why)

    def _wait(self, delay: float, why: str) -> None:
        log.warning("%s: %s; retrying in %.1fs", self.vendor, why, delay)
        self.stats.slept_seconds += delay
        self.sleep(delay)

    def decode(self, response: httpx.Response, *, resource: str, page: Any = None, cursor: Any = None,
               exact: bool = True) -> Any:
        """The page's JSON; JSON numbers become Decimal from their text (never a binary float)."""
        try:
            return json.loads(response.content, parse_float=Decimal) if exact else response.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedPageError(f"the page is not valid JSON ({exc.__class__.__name__}: {str(exc)[:120]})",
                                     vendor=self.vendor, resource=resource, page=page, cursor=cursor) from exc

    def get_json(self, url: str, *, resource: str, page: Any = None, cursor: Any = None, exact: bool = True,
                 **kwargs: Any) -> Any:
        for attempt in range(2):
            response = self.request("GET", url, resource=resource, page=page, cursor=cursor, **kwargs)
            try:
                return self.decode(response, resource=resource, page=page, cursor=cursor, exact=exact)
            except MalformedPageError:
                if attempt:  # a truncated page can be a dropped transfer: one more read, then fail
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.http.close()


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", ""))
    if isinstance(body, dict):
        if "o:errorDetails" in body:
            return netsuite.error_code(response)
        if body.get("errors"):
            return str(body["errors"][0].get("message", ""))[:80]
        return str(body.get("code") or body.get("error") or "")
    return ""


def _body(response: httpx.Response | None) -> str:
    return "" if response is None else response.text[:BODY_LIMIT]


class LazyClient:
    """A VendorClient made on first use. Building a source then reads no settings and opens nothing, so a
    source can be built just to list its resources (Dagster does, when it loads the definitions);
    `run_vendor` resolves the settings up front, so a missing or refused setting still fails before any
    extract."""

    def __init__(self, make: Callable[[], VendorClient]) -> None:
        self._make = make
        self._client: VendorClient | None = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
