"""ErpClient against scripted answers (httpx.MockTransport): the write protocol's corner cases without a server.
The fault tests against the sandbox NetSuite are in test_apply_faults.py."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal

import httpx
import pytest

from core.retry import RetryPolicy
from core.settings import VendorSettings
from reverse_etl.erp_client import ErpClient, ErpRedirectError, Landed, dumps_exact
from reverse_etl.errors import ErpAuthError, ErpConflictError, ErpError, ErpValidationError

SETTINGS = VendorSettings("netsuite", "https://acct.suitetalk.api.netsuite.com/services/rest",
                          token_url="https://acct.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
                          token_form=lambda: {"grant_type": "client_credentials"})
BODY = {"recurrence": {"items": [{"line": 1, "amount": Decimal("48500.13"), "recurrenceDate": "2026-11-28"}]}}


def _client(handler, **kwargs) -> tuple[ErpClient, list[float]]:
    sleeps: list[float] = []
    client = ErpClient(SETTINGS, transport=httpx.MockTransport(handler), sleep=sleeps.append,
                       policy=RetryPolicy(max_attempts=5, rng=__import__("random").Random(1)), **kwargs)
    return client, sleeps


def _token_or(handler):
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        return handler(request)
    return route


def test_503_503_204_rechecks_before_each_resend_and_sends_the_same_body() -> None:
    answers = iter([503, 503, 204])
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        status = next(answers)
        return httpx.Response(status, headers={"Location": ".../billingSchedule/106"} if status == 204 else {})

    rechecks = []
    client, sleeps = _client(_token_or(handler))
    record_id = client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: rechecks.append(1) or Landed.NO)
    assert record_id == "106"
    assert len(bodies) == 3 and len(set(bodies)) == 1
    assert len(rechecks) == 2 and len(sleeps) == 2
    assert json.loads(bodies[0], parse_float=Decimal)["recurrence"]["items"][0]["amount"] == Decimal("48500.13")
    assert b"48500.13" in bodies[0]


def test_a_lost_answer_whose_write_landed_is_never_sent_again() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("the server committed, the answer never came", request=request)

    client, _ = _client(_token_or(handler))
    assert client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: Landed.YES) == ""
    assert calls == ["PUT"]


def test_a_record_changed_while_the_answer_was_lost_is_a_conflict() -> None:
    client, _ = _client(_token_or(lambda r: httpx.Response(502)))
    with pytest.raises(ErpConflictError):
        client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: Landed.CONFLICT)


def test_validation_error_is_not_retried_and_keeps_the_erp_body() -> None:
    body = {"title": "Bad Request", "status": 400, "o:errorDetails": [
        {"detail": "Invalid Field Value 1.5 for amount", "o:errorCode": "INVALID_CONTENT"}]}
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json=body)

    client, _ = _client(_token_or(handler))
    with pytest.raises(ErpValidationError) as caught:
        client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: Landed.NO)
    assert len(calls) == 1 and caught.value.status == 400 and "INVALID_CONTENT" in caught.value.body


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_schedule_put_is_an_error_naming_its_target_never_a_write(status: int) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(status, headers={"Location": "https://evil.example/record/v1/billingSchedule/106?t=x"})

    client, sleeps = _client(_token_or(handler))
    with pytest.raises(ErpRedirectError) as caught:
        client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: pytest.fail("a redirect is not a lost answer"))
    assert caught.value.status == status
    assert "https://evil.example/record/v1/billingSchedule/106" in str(caught.value) and "t=x" not in str(caught.value)
    assert [(r.method, r.url.host) for r in requests] == [("PUT", "acct.suitetalk.api.netsuite.com")]  # not followed
    assert sleeps == []


def test_redirected_token_and_suiteql_requests_are_refused() -> None:
    client, _ = _client(lambda r: httpx.Response(307, headers={"Location": "https://evil.example/token"}))
    with pytest.raises(ErpRedirectError, match="token request"):
        client.suiteql("SELECT id FROM billingschedule", what="schedules")
    client, _ = _client(_token_or(lambda r: httpx.Response(301, headers={"Location": "https://evil.example/q"})))
    with pytest.raises(ErpRedirectError, match="https://evil.example/q"):
        client.suiteql("SELECT id FROM billingschedule", what="schedules")


def test_retry_after_is_honoured_on_429() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(204)])
    client, sleeps = _client(_token_or(lambda r: next(answers)))
    client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: pytest.fail("429 is not an unknown outcome"))
    assert sleeps == [7.0] and client.stats.throttled == 1


def test_expired_token_is_refreshed_once_then_fails_fast() -> None:
    tokens = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            tokens.append(1)
            return httpx.Response(200, json={"access_token": f"tok{len(tokens)}"})
        return httpx.Response(401, json={"o:errorDetails": [{"o:errorCode": "INVALID_LOGIN"}]})

    client, _ = _client(handler)
    with pytest.raises(ErpAuthError):
        client.upsert_schedule("BS-IC-1", lambda: BODY, recheck=lambda: Landed.NO)
    assert len(tokens) == 2


def test_requests_in_flight_never_exceed_the_limit() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        return httpx.Response(204)

    client, _ = _client(_token_or(handler), max_concurrency=3)
    threads = [threading.Thread(target=client.upsert_schedule, args=(f"BS-{i}", lambda: BODY),
                                kwargs={"recheck": lambda: Landed.NO}) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["peak"] <= 3 and client.stats.peak_in_flight <= 3


def test_dumps_exact_writes_decimals_as_numbers_without_floats() -> None:
    text = dumps_exact({"a": Decimal("0.1"), "b": [Decimal("123456789012345678.125"), None, True, "x"]})
    assert text == '{"a":0.1,"b":[123456789012345678.125,null,true,"x"]}'


SUITEQL = "https://acct.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"


def _suiteql_pages(pages: dict[str, dict]):
    """A SuiteQL endpoint serving `pages` by their exact query string; anything else is a 404."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.method != "POST" or request.headers.get("Prefer") != "transient":
            return httpx.Response(400)
        page = pages.get(request.url.query.decode())
        return httpx.Response(200, json=page) if page is not None else httpx.Response(404, json={})

    return handler, seen


def test_suiteql_follows_the_next_links_not_offset_arithmetic() -> None:
    pages = {  # a short first page whose next link is the server's own choice (not offset + count)
        "limit=1000&offset=0": {"items": [{"id": "1"}, {"id": "2"}], "hasMore": True, "count": 2, "offset": 0,
                                "links": [{"rel": "next", "href": f"{SUITEQL}?limit=1000&offset=1000"}]},
        "limit=1000&offset=1000": {"items": [{"id": "3"}], "hasMore": False, "count": 1, "offset": 1000,
                                   "links": [{"rel": "self", "href": f"{SUITEQL}?limit=1000&offset=1000"}]},
    }
    handler, seen = _suiteql_pages(pages)
    client, _ = _client(_token_or(handler))
    assert [r["id"] for r in client.suiteql("SELECT id FROM billingschedule", what="schedules")] == ["1", "2", "3"]
    assert seen == [f"{SUITEQL}?limit=1000&offset=0", f"{SUITEQL}?limit=1000&offset=1000"]


@pytest.mark.parametrize(("links", "message"), [
    ([], "no next link"),
    ([{"rel": "next", "href": "https://evil.example/services/rest/query/v1/suiteql?offset=2"}], "leaves the SuiteQL"),
    ([{"rel": "next", "href": f"{SUITEQL}?limit=1000&offset=0"}], "repeated"),
])
def test_a_suiteql_next_link_that_is_missing_foreign_or_repeated_is_an_error(links, message) -> None:
    handler, seen = _suiteql_pages({"limit=1000&offset=0": {"items": [{"id": "1"}], "hasMore": True, "links": links}})
    client, _ = _client(_token_or(handler))
    with pytest.raises(ErpError, match=message):
        client.suiteql("SELECT id FROM billingschedule", what="schedules")
    assert all(url.startswith(SUITEQL) for url in seen) and len(seen) == 1


@pytest.mark.integration
def test_the_sandbox_writer_signs_in_with_its_own_key_through_the_configured_account_path(
        tiny_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    import jwt

    from reverse_etl.settings import netsuite_writer

    monkeypatch.setenv("C2C_DATA_DIR", str(tiny_sandbox.data_dir))
    monkeypatch.delenv("REVERSE_ETL__NETSUITE__BASE_URL", raising=False)
    writer = netsuite_writer()
    spec = tiny_sandbox.endpoints["netsuite"]["write_m2m"]
    header = jwt.get_unverified_header(writer.token_form()["client_assertion"])  # type: ignore[misc]
    assert header["alg"] == "PS256" and header["kid"] == spec["certificate_id"]
    assert spec["certificate_id"] != tiny_sandbox.endpoints["netsuite"]["m2m"]["certificate_id"]  # not ingestion's
    with ErpClient(writer) as client:
        assert client.token() and client.stats.token_fetches == 1
        assert client.suiteql("SELECT id FROM currency", what="currencies")
