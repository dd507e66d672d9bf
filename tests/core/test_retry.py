"""The one retry decision of every client, as a table, with NetSuite answers classified as the ERP writer
classifies them (pure: no I/O)."""

from __future__ import annotations

import random

import httpx
import pytest

from core import netsuite
from core.retry import Action, Decision, RetryPolicy, Verdict
from core.retry import decide as decide_verdict

POLICY = RetryPolicy(max_attempts=4, base_seconds=0.5, cap_seconds=8, rng=random.Random(7))


def decide(*, write: bool, status: int | None, error_code: str = "", **kwargs) -> Decision:
    """A NetSuite answer (status + `o:errorCode`; None: a transport error) through classify, then decide."""
    body = {"o:errorDetails": [{"detail": "x", "o:errorCode": error_code}]} if error_code else {}
    verdict = Verdict.RETRY if status is None else netsuite.classify(httpx.Response(status, json=body))
    return decide_verdict(verdict, status=status, write=write, **kwargs)


@pytest.mark.parametrize(("write", "status", "code", "attempt", "reauthed", "action"), [
    (True, 204, "", 0, False, Action.DONE),
    (False, 200, "", 0, False, Action.DONE),
    (True, 429, "CONCURRENCY_LIMIT_EXCEEDED", 0, False, Action.RETRY),  # refused before it ran: resend
    (True, 400, "SSS_REQUEST_LIMIT_EXCEEDED", 0, False, Action.RETRY),  # RESTlet-style throttling
    (True, 503, "", 0, False, Action.RECHECK),  # may have committed: re-read first
    (True, None, "", 0, False, Action.RECHECK),  # dropped connection / time-out
    (True, 408, "", 1, False, Action.RECHECK),
    (False, 503, "", 0, False, Action.RETRY),  # a read is just retried
    (False, None, "", 2, False, Action.RETRY),
    (True, 400, "INVALID_CONTENT", 0, False, Action.REJECT),  # validation: a dead letter, never retried
    (True, 400, "USER_ERROR", 0, False, Action.REJECT),
    (True, 404, "NONEXISTENT_ID", 0, False, Action.REJECT),
    (True, 403, "INSUFFICIENT_PERMISSION", 0, False, Action.FORBIDDEN),
    (True, 401, "INVALID_LOGIN", 0, False, Action.REAUTH),
    (True, 401, "INVALID_LOGIN", 0, True, Action.GIVE_UP),  # a fresh token rejected too: no loop
    (True, 301, "", 0, False, Action.REDIRECTED),  # 3xx: never a success, never followed
    (True, 307, "", 0, False, Action.REDIRECTED),
    (False, 302, "", 0, False, Action.REDIRECTED),
    (False, 308, "", 0, False, Action.REDIRECTED),
    (True, 503, "", 3, False, Action.GIVE_UP),  # budget spent
    (True, 429, "", 3, False, Action.GIVE_UP),
])
def test_decision_table(write, status, code, attempt, reauthed, action) -> None:
    assert decide(write=write, status=status, error_code=code, attempt=attempt, policy=POLICY,
                  reauthed=reauthed).action is action


def test_throttling_is_flagged_and_retry_after_wins_over_backoff() -> None:
    decision = decide(write=True, status=429, attempt=0, policy=POLICY, retry_after="7")
    assert decision.throttled and decision.delay == 7.0
    http_date = decide(write=False, status=429, attempt=0, policy=POLICY,
                       retry_after="Wed, 21 Oct 2099 07:28:00 GMT")
    assert http_date.delay == POLICY.retry_after_cap_seconds  # far future: capped


def test_backoff_is_full_jitter_within_the_capped_exponential() -> None:
    for attempt in range(8):
        for _ in range(50):
            delay = decide(write=False, status=503, attempt=min(attempt, 2), policy=POLICY).delay
            assert 0 <= delay <= min(POLICY.cap_seconds, POLICY.base_seconds * 2 ** min(attempt, 2))


def test_a_redirect_target_names_scheme_host_and_path_but_never_the_query() -> None:
    from core.retry import redirect_target

    assert redirect_target("https://evil.example/x/y?token=abc#f") == "https://evil.example/x/y"
    assert redirect_target("/services/rest/record/v1/billingSchedule/106") == "/services/rest/record/v1/billingSchedule/106"
    assert redirect_target(None) == redirect_target("") == "no Location"
