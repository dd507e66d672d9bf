"""The one retry decision of the ERP writer (pure: tests drive it with tables) and its backoff.

A read is retried on 408, 429, 5xx and transport errors. A write is different: after a 5xx, a time-out or a
dropped connection its outcome is unknown (the ERP may have committed it), so the decision is RECHECK —
re-read the record and write again only if the write did not land (RELIABILITY.md F3, F4). Backoff is
exponential with full jitter, capped, and honours Retry-After (seconds or an HTTP date) when sent
(ingestion.common.retry.RetryPolicy: the same policy as the sources)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ingestion.common.retry import RetryPolicy, parse_retry_after

__all__ = ["Action", "Decision", "RetryPolicy", "decide", "parse_retry_after"]


class Action(Enum):
    DONE = "done"  # 2xx
    RETRY = "retry"  # send the same request again after `delay`
    RECHECK = "recheck"  # a write's outcome is unknown: re-read, then write again only if it did not land
    REAUTH = "reauth"  # the token expired: fetch a new one once
    REJECT = "reject"  # the request itself is wrong (validation): a dead letter, never retried
    FORBIDDEN = "forbidden"  # the role may not do this: fail fast
    GIVE_UP = "give_up"  # the retry budget is spent


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0
    throttled: bool = False


THROTTLE_CODES = {"CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED"}


def decide(*, write: bool, status: int | None, error_code: str = "", attempt: int, policy: RetryPolicy,
           retry_after: str | None = None, reauthed: bool = False) -> Decision:
    """What to do after attempt number `attempt` (0-based) ended with `status` (None: transport error)."""
    if status is not None and status < 400:
        return Decision(Action.DONE)
    throttled = status == 429 or (status in (400, 403) and error_code in THROTTLE_CODES)
    if status == 401:
        return Decision(Action.GIVE_UP if reauthed else Action.REAUTH)
    if status is not None and not throttled and status not in (408, 409) and status < 500:
        return Decision(Action.FORBIDDEN if status == 403 else Action.REJECT)
    if attempt + 1 >= policy.max_attempts:
        return Decision(Action.GIVE_UP, throttled=throttled)
    delay = policy.delay(attempt, retry_after)
    if write and not throttled:  # 408/409/5xx/transport: the ERP may have committed it
        return Decision(Action.RECHECK, delay)
    return Decision(Action.RETRY, delay, throttled=throttled)
