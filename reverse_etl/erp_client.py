"""ErpClient: the reverse ETL's httpx client for NetSuite REST (STYLE.md §6 example 11).

- its own integration's token (reverse_etl/settings.py), fetched on first use and once more on a 401;
- a concurrency limit that is never exceeded: every request, token requests included, holds one slot of a
  semaphore of `max_concurrency` while in flight (NetSuite's account limit is shared by all integrations);
- the platform's one retry decision (core/retry.py), with NetSuite's throttling codes (core/netsuite.py):
  reads retry; a write whose outcome is unknown (5xx, time-out, dropped connection) is re-checked through
  the caller's `recheck` before it is ever sent again;
- JSON money as exact decimals both ways (never a binary float);
- a 3xx answer is never a success and never followed: ErpRedirectError names where it pointed (a schedule
  PUT answered 307 is not a write, and no record id is taken from its Location);
- typed errors (reverse_etl/errors.py) naming the request and carrying the ERP's error body.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from core.netsuite import classify, error_code
from core.retry import Action, Decision, RetryPolicy, Verdict, classify_status, decide, redirect_target
from core.settings import VendorSettings

from .errors import (
    ErpAuthError,
    ErpConflictError,
    ErpConnectionError,
    ErpError,
    ErpRateLimitError,
    ErpValidationError,
)

log = logging.getLogger("reverse_etl")
BODY_LIMIT = 2000
SCHEDULE_PATH = "/record/v1/billingSchedule"
SUITEQL_PATH = "/query/v1/suiteql"
SUITEQL_PAGE = 1000  # SuiteQL's largest `limit`


class ErpRedirectError(ErpError):
    """NetSuite (or something in between) answered 3xx: never followed, never a write (RELIABILITY.md F17)."""

    hint = ("nothing was written by this request; check reverse_etl.netsuite.base_url / token_url (a redirect is "
            "never followed: set the URL it should have been)")


class Landed(Enum):
    """What a re-read says about a write whose answer was lost."""

    YES = "yes"  # the ERP holds the written state: done, never send it again
    NO = "no"  # the record is as before the write: send it again
    CONFLICT = "conflict"  # someone else changed the record: stop


@dataclass
class ErpStats:
    requests: int = 0
    writes_sent: int = 0
    throttled: int = 0
    retries: int = 0
    rechecks: int = 0
    token_fetches: int = 0
    slept_seconds: float = 0.0
    peak_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: float) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def public(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items() if not k.startswith("_")}


def dumps_exact(value: Any) -> str:
    """JSON with Decimal written as its exact number text (json.dumps would need a float)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + dumps_exact(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps_exact(v) for v in value) + "]"
    return json.dumps(value)


class ErpClient:
    def __init__(self, settings: VendorSettings, *, max_concurrency: int = 5, timeout: float = 30.0,
                 policy: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.stats = ErpStats()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._in_flight = 0
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.http = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport,
                                 limits=httpx.Limits(max_connections=max_concurrency),
                                 headers={"User-Agent": "c2c-platform reverse-etl"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transport -------------------------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with self._slots:
            with self.stats._lock:
                self._in_flight += 1
                self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
                self.stats.requests += 1
            try:
                return self.http.request(method, url, **kwargs)
            finally:
                with self.stats._lock:
                    self._in_flight -= 1

    def token(self, refresh: bool = False, stale: str | None = None) -> str:
        with self._token_lock:
            if self._token and not refresh:
                return self._token
            if refresh and stale is not None and self._token != stale:
                return self._token or ""  # another thread already refreshed it
            for attempt in range(self.policy.max_attempts):
                self.stats.add(token_fetches=1)
                try:
                    response = self._send("POST", self.settings.token_url or "", data=self.settings.token_form())
                except httpx.TransportError:
                    self._pause(attempt, None)
                    continue
                if response.status_code == 200:
                    self._token = response.json()["access_token"]
                    return self._token
                if classify_status(response.status_code) is Verdict.REDIRECT:
                    raise _redirected(response, "the NetSuite token request")
                if response.status_code in (400, 401, 403):
                    raise ErpAuthError("the NetSuite token endpoint rejected the reverse-ETL integration's "
                                       f"credentials ({error_code(response) or response.status_code})",
                                       status=response.status_code)
                self._pause(attempt, response.headers.get("Retry-After"))
            raise ErpConnectionError("the NetSuite token endpoint kept failing")

    def _pause(self, attempt: int, retry_after: str | None, delay: float | None = None) -> None:
        wait = self.policy.delay(attempt, retry_after) if delay is None else delay
        self.stats.add(slept_seconds=wait)
        self.sleep(wait)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        token = self.token()
        return {**self.settings.headers, **(extra or {}), "Authorization": f"Bearer {token}"}

    # ---- reads -----------------------------------------------------------------------------------------
    def request_read(self, method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """A read of `path` under the base URL, or of an absolute URL on the base URL's host (a `next` link)."""
        url = path if path.startswith(("http://", "https://")) else self.settings.base_url + path
        reauthed, attempt = False, 0
        while True:
            headers = self._headers(kwargs.pop("headers", None))
            try:
                response: httpx.Response | None = self._send(method, url, headers=headers, **kwargs)
                status = response.status_code
            except httpx.TransportError:
                response, status = None, None
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            verdict = self._decide(write=False, response=response, status=status, attempt=attempt,
                                   reauthed=reauthed, what=what)
            if verdict.action is Action.DONE:
                return response  # type: ignore[return-value]
            if verdict.action is Action.REAUTH:
                reauthed = True
                self.token(refresh=True, stale=headers["Authorization"][7:])
                continue
            attempt += 1

    def suiteql(self, query: str, *, what: str) -> list[dict[str, Any]]:
        """Every row of a SuiteQL query; values are strings. Pages of 1000, following each page's `next` link
        while `hasMore` (never offset arithmetic: pages can be short). A next link that leaves the SuiteQL
        endpoint, a repeated one, or hasMore without one is an ErpError naming the query's purpose."""
        rows: list[dict[str, Any]] = []
        url: str | None = f"{self.settings.base_url}{SUITEQL_PATH}?limit={SUITEQL_PAGE}&offset=0"
        seen: set[str] = set()
        while url is not None:
            seen.add(url)
            response = self.request_read("POST", url, what=what,
                                         headers={"Prefer": "transient", "Content-Type": "application/json"},
                                         content=json.dumps({"q": query}))
            try:
                page = json.loads(response.content, parse_float=Decimal)
            except ValueError as exc:
                raise ErpError(f"the SuiteQL page for {what} is not JSON ({type(exc).__name__})",
                               status=response.status_code, body=response.text[:BODY_LIMIT]) from None
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise ErpError(f"the SuiteQL page for {what} is not a collection (items, hasMore)",
                               status=response.status_code, body=response.text[:BODY_LIMIT])
            rows += page["items"]
            url = self._next_link(page, what) if page.get("hasMore") else None
            if url in seen:
                raise ErpError(f"NetSuite repeated a SuiteQL page for {what} ({url}); stopped instead of looping")
        return rows

    def _next_link(self, page: dict[str, Any], what: str) -> str:
        links = page.get("links") if isinstance(page.get("links"), list) else []
        href = next((link.get("href") for link in links if isinstance(link, dict) and link.get("rel") == "next"), None)
        if not isinstance(href, str):
            raise ErpError(f"a SuiteQL page for {what} says hasMore but has no next link")
        base, target = urlsplit(self.settings.base_url), urlsplit(href)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not target.path.endswith(SUITEQL_PATH):
            raise ErpError(f"a SuiteQL next link for {what} leaves the SuiteQL endpoint "
                           f"({target.scheme}://{target.netloc}{target.path})")
        return href

    # ---- writes ----------------------------------------------------------------------------------------
    def upsert_schedule(self, external_id: str, make_body: Callable[[], dict[str, Any]], *,
                        recheck: Callable[[], Landed], on_attempt: Callable[[int], None] | None = None) -> str:
        """PUT …/billingSchedule/eid:<external_id>?replace=recurrence with the schedule's whole recurrence.

        Returns the record's internal id (from Location; "" when a recheck found the write landed). A write
        with an unknown outcome is re-checked by `recheck()` before it is ever sent again, and its body is
        made again (`make_body()`) from what the recheck read, so a resend never appends a line twice."""
        url = f"{self.settings.base_url}{SCHEDULE_PATH}/eid:{external_id}?replace=recurrence"
        what = f"billingSchedule eid:{external_id}"
        reauthed, attempt = False, 0
        while True:
            content = dumps_exact(make_body())
            if on_attempt:
                on_attempt(attempt)
            headers = self._headers({"Content-Type": "application/json"})
            self.stats.add(writes_sent=1)
            try:
                response: httpx.Response | None = self._send("PUT", url, headers=headers, content=content)
                status = response.status_code
            except httpx.TransportError as exc:
                log.warning("%s: %s (outcome unknown)", what, type(exc).__name__)
                response, status = None, None
            verdict = self._decide(write=True, response=response, status=status, attempt=attempt,
                                   reauthed=reauthed, what=what)
            if verdict.action is Action.DONE:
                return (response.headers.get("Location") or "").rstrip("/").rsplit("/", 1)[-1]  # type: ignore[union-attr]
            if verdict.action is Action.REAUTH:
                reauthed = True
                self.token(refresh=True, stale=headers["Authorization"][7:])
                continue
            attempt += 1
            if verdict.action is Action.RECHECK:
                self.stats.add(rechecks=1)
                landed = recheck()
                if landed is Landed.YES:
                    return ""
                if landed is Landed.CONFLICT:
                    raise ErpConflictError("the schedule changed in the ERP while the write's answer was lost",
                                           schedule=external_id)

    def _decide(self, *, write: bool, response: httpx.Response | None, status: int | None, attempt: int,
                reauthed: bool, what: str) -> Decision:
        """The retry decision for one answer; raises when it is final, sleeps the backoff when it is a retry."""
        verdict = decide(classify(response) if response is not None else Verdict.RETRY, status=status, write=write,
                         attempt=attempt, policy=self.policy, reauthed=reauthed,
                         retry_after=response.headers.get("Retry-After") if response is not None else None)
        if verdict.action in (Action.DONE, Action.REAUTH):
            return verdict
        self._raise_unless_retry(verdict, response, status, what)
        self.stats.add(retries=1, throttled=int(verdict.throttled))
        self._pause(attempt, None, verdict.delay)
        return verdict

    def _raise_unless_retry(self, verdict: Any, response: httpx.Response | None, status: int | None,
                            what: str) -> None:
        body = response.text[:BODY_LIMIT] if response is not None else None
        if verdict.action in (Action.RETRY, Action.RECHECK):
            return
        if verdict.action is Action.REDIRECTED:
            raise _redirected(response, what)
        if verdict.action is Action.REJECT:
            raise ErpValidationError(f"NetSuite rejected {what}", status=status, body=body)
        if verdict.action is Action.FORBIDDEN or status == 401:
            raise ErpAuthError(f"NetSuite refused {what} ({error_code(response) or status})", status=status, body=body)
        if verdict.throttled:
            raise ErpRateLimitError(f"NetSuite kept throttling {what}", status=status, body=body)
        if status is None or status >= 500 or status in (408, 409):
            raise ErpConnectionError(f"NetSuite kept failing {what}", status=status, body=body)
        raise ErpError(f"unexpected answer to {what}", status=status, body=body)


def _redirected(response: httpx.Response | None, what: str) -> ErpRedirectError:
    status = response.status_code if response is not None else None
    target = redirect_target(response.headers.get("Location") if response is not None else None)
    return ErpRedirectError(f"NetSuite answered {what} with HTTP {status} redirecting to {target}; not followed, "
                            "not counted as written", status=status, location=target)
