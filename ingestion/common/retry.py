"""The one retry decision of the sources (pure, so tests drive it with tables) and the backoff."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    RETRY = "retry"  # 5xx, 408, time-outs, dropped connections
    THROTTLED = "throttled"  # 429, Salesforce 403 REQUEST_LIMIT_EXCEEDED, NetSuite 400 SSS_REQUEST_LIMIT_EXCEEDED
    REAUTH = "reauth"  # the token expired: fetch a new one once, then retry
    FAIL = "fail"  # any other 4xx: not retryable


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


def classify_status(status: int) -> Verdict:
    """The generic part of the decision; vendors refine it by body (see client.VendorRules)."""
    if status < 400:
        return Verdict.OK
    if status == 429:
        return Verdict.THROTTLED
    if status == 401:
        return Verdict.REAUTH
    if status in (408,) or status >= 500:
        return Verdict.RETRY
    return Verdict.FAIL
