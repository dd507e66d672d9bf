"""The one retry vocabulary of every HTTP client (the sources and the ERP writer), pure so tests drive it with
tables: a vendor's answer is classified into a `Verdict` (vendors refine the status by their error body,
e.g. throttling codes), and `decide` turns the verdict into an `Action`. Backoff is exponential with full
jitter, capped, and honours Retry-After (seconds or an HTTP date).

A read is retried on throttling, 408, 409, 5xx and transport errors. A write is different: after a 5xx, a
time-out or a dropped connection its outcome is unknown (the server may have committed it), so the action is
RECHECK — re-read the record and write again only if the write did not land (RELIABILITY.md F3, F4).

A 3xx is never success and never followed (the clients open no redirect): the answer points somewhere the
configuration did not name (OWASP SSRF; RELIABILITY.md F17), so the action is REDIRECTED — a typed error
naming the target (`redirect_target`) — for reads and writes alike (a write answered 3xx is not counted as written)."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit


class Verdict(Enum):
    """What an answer is."""

    OK = "ok"
    REDIRECT = "redirect"  # 3xx: the answer points elsewhere; never followed, never success
    RETRY = "retry"  # 5xx, 408, 409, time-outs, dropped connections
    THROTTLED = "throttled"  # 429, Salesforce 403 REQUEST_LIMIT_EXCEEDED, NetSuite 400 SSS_REQUEST_LIMIT_EXCEEDED
    REAUTH = "reauth"  # the token expired: fetch a new one once, then retry
    FAIL = "fail"  # any other 4xx: the request itself is wrong, or the role may not do it


class Action(Enum):
    """What the client does next."""

    DONE = "done"  # 2xx
    REDIRECTED = "redirected"  # 3xx: a typed error naming the target (never followed, never counted as done)
    RETRY = "retry"  # send the same request again after `delay`
    RECHECK = "recheck"  # a write's outcome is unknown: re-read, then write again only if it did not land
    REAUTH = "reauth"  # fetch a new token once
    REJECT = "reject"  # the request itself is wrong (validation): never retried
    FORBIDDEN = "forbidden"  # the role may not do this (403): fail fast
    GIVE_UP = "give_up"  # the retry budget is spent, or a fresh token was refused too


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0
    throttled: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    retry_after_cap_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**attempt))."""
        return self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))

    def delay(self, attempt: int, retry_after: str | None) -> float:
        parsed = parse_retry_after(retry_after)
        if parsed is not None:
            return min(parsed, self.retry_after_cap_seconds)
        return self.backoff(attempt)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def classify_status(status: int | None) -> Verdict:
    """The generic part of the classification (None: a transport error); vendors refine it by body."""
    if status is None:
        return Verdict.RETRY
    if status < 300:
        return Verdict.OK
    if status < 400:
        return Verdict.REDIRECT
    if status == 429:
        return Verdict.THROTTLED
    if status == 401:
        return Verdict.REAUTH
    if status in (408, 409) or status >= 500:
        return Verdict.RETRY
    return Verdict.FAIL


def decide(verdict: Verdict, *, status: int | None, attempt: int, policy: RetryPolicy, write: bool = False,
           retry_after: str | None = None, reauthed: bool = False) -> Decision:
    """What to do after attempt number `attempt` (0-based) was answered with `verdict` (`status`: the HTTP
    status, None for a transport error)."""
    if verdict is Verdict.OK:
        return Decision(Action.DONE)
    if verdict is Verdict.REDIRECT:
        return Decision(Action.REDIRECTED)
    if verdict is Verdict.REAUTH:
        return Decision(Action.GIVE_UP if reauthed else Action.REAUTH)
    if verdict is Verdict.FAIL:
        return Decision(Action.FORBIDDEN if status == 403 else Action.REJECT)
    throttled = verdict is Verdict.THROTTLED
    if attempt + 1 >= policy.max_attempts:
        return Decision(Action.GIVE_UP, throttled=throttled)
    delay = policy.delay(attempt, retry_after)
    if write and not throttled:  # 408/409/5xx/transport: the server may have committed it
        return Decision(Action.RECHECK, delay)
    return Decision(Action.RETRY, delay, throttled=throttled)


def redirect_target(location: str | None) -> str:
    """Where a 3xx answer points, for an error message: the Location's scheme, host and path (its query and
    fragment can carry tokens, so they are left out); "no Location" when the answer names none."""
    if not location:
        return "no Location"
    parts = urlsplit(location.strip())
    target = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path
    return target or "no Location"
