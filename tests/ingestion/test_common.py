"""The shared ingestion pieces, driven directly: the retry decision, the allow-list (no socket opened),
settings that fail fast naming the setting and never its value, and the HTTP client scripted with
httpx.MockTransport."""

from __future__ import annotations

import socket
from decimal import Decimal

import httpx
import pytest

from core.allowlist import check_url
from core.errors import ConfigError, UrlNotAllowedError
from core.retry import RetryPolicy, Verdict, classify_status, parse_retry_after
from core.settings import VendorSettings
from ingestion.common.client import RequestRejectedError, VendorClient
from ingestion.common.errors import (
    AuthError,
    MalformedPageError,
    PaginationLoopError,
    RedirectRefusedError,
    SchemaContractError,
    ThrottledError,
    UnavailableError,
)
from ingestion.common.pages import MONEY, LoopGuard, check_rows, to_arrow
from ingestion.common.settings import resolve

SECRET = "s3cr3t-value-never-shown"


@pytest.mark.parametrize("status,verdict", [(200, Verdict.OK), (204, Verdict.OK), (429, Verdict.THROTTLED),
                                            (401, Verdict.REAUTH), (408, Verdict.RETRY), (500, Verdict.RETRY),
                                            (503, Verdict.RETRY), (400, Verdict.FAIL), (404, Verdict.FAIL),
                                            (422, Verdict.FAIL), (301, Verdict.REDIRECT), (302, Verdict.REDIRECT),
                                            (307, Verdict.REDIRECT), (308, Verdict.REDIRECT)])
def test_classify_status(status: int, verdict: Verdict) -> None:
    assert classify_status(status) is verdict


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now=1445412480.0) == pytest.approx(7.0)
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None


def test_full_jitter_is_bounded_and_capped() -> None:
    policy = RetryPolicy(base_seconds=0.5, cap_seconds=4.0)
    for attempt in range(10):
        assert 0 <= policy.backoff(attempt) <= min(4.0, 0.5 * 2**attempt)
    assert policy.delay(0, "7") == 7.0


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data", "file:///etc/passwd",
                                 "https://evil.example.com/services/rest", "http://127.0.0.1:8080",
                                 "https://user:pw@acme.my.salesforce.com", "http://acme.my.salesforce.com",
                                 "https://10.0.0.5/api"])
def test_allow_list_refuses_before_any_socket(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = []
    monkeypatch.setattr(socket, "socket", lambda *a, **k: opened.append(a))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a))
    with pytest.raises(UrlNotAllowedError, match="base_url"):
        check_url("salesforce", url, "base_url", sandbox=False)
    assert opened == []


def test_allow_list_accepts_vendor_hosts_and_configured_ones() -> None:
    assert check_url("salesforce", "https://acme.my.salesforce.com", "base_url", sandbox=False)
    assert check_url("netsuite", "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest", "base_url", sandbox=False)
    assert check_url("ironclad", "https://na1.ironcladapp.com/public/api/v1", "base_url", sandbox=False)
    assert check_url("kantata", "https://api.mavenlink.com/api/v1", "base_url", sandbox=False)
    assert check_url("kantata", "https://psa.internal-proxy.example", "base_url", sandbox=False,
                     extra_hosts=("psa.internal-proxy.example",))
    assert check_url("kantata", "http://127.0.0.1:9000/api/v1", "base_url", sandbox=True)


def test_missing_secret_fails_fast_naming_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOURCES__SALESFORCE__BASE_URL", "https://acme.my.salesforce.com")
    monkeypatch.setenv("SOURCES__SALESFORCE__CLIENT_ID", "client-id")
    monkeypatch.delenv("SOURCES__SALESFORCE__CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="sources.salesforce.client_secret") as err:
        resolve("salesforce")
    assert "SOURCES__SALESFORCE__CLIENT_SECRET" in str(err.value)


def test_no_vendor_and_no_sandbox_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SOURCES__KANTATA__BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="c2c sandbox up"):
        resolve("kantata")


def test_configured_secret_never_appears_in_errors_or_repr(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOURCES__KANTATA__BASE_URL", "https://api.mavenlink.com/api/v1")
    monkeypatch.setenv("SOURCES__KANTATA__ACCESS_TOKEN", SECRET)
    settings = resolve("kantata")
    assert SECRET not in repr(settings)

    def reject(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"errors": [{"type": "system", "message": "bad token"}]})

    client = VendorClient(settings, transport=httpx.MockTransport(reject), sleep=lambda s: None)
    with pytest.raises(AuthError) as err:
        client.get_json("/workspaces.json", resource="workspaces")
    assert SECRET not in str(err.value) and "access_token" in str(err.value)


def _settings(**kw) -> VendorSettings:
    return VendorSettings("netsuite", "https://1234567.suitetalk.api.netsuite.com/services/rest",
                          token_url="https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
                          token_form=lambda: {"grant_type": "client_credentials"}, **kw)


class Script:
    """Answers a scripted list of responses (and records requests); the token endpoint always works."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"t{self.tokens}", "expires_in": 3600})
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_429_with_retry_after_waits_that_long_then_succeeds() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}, json={}), httpx.Response(200, json={"ok": 1}))
    slept: list[float] = []
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=slept.append)
    assert client.get_json("/x", resource="r") == {"ok": 1}
    assert slept == [7.0] and client.stats.throttled == 1 and len(script.requests) == 2


def test_throttling_without_retry_after_backs_off_with_jitter_until_the_budget_ends() -> None:
    script = Script(*[httpx.Response(429, json={}) for _ in range(4)])
    slept: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_seconds=1.0, cap_seconds=8.0)
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=slept.append, policy=policy)
    with pytest.raises(ThrottledError, match="gave up after 4 attempts") as err:
        client.get_json("/x", resource="invoice", page=3, cursor="2026-01-01")
    assert "netsuite/invoice" in str(err.value) and "page=3" in str(err.value) and "cursor=2026-01-01" in str(err.value)
    assert len(slept) == 3 and all(0 <= s <= min(8.0, 2**i) for i, s in enumerate(slept))


def test_5xx_and_dropped_connections_are_retried() -> None:
    script = Script(httpx.Response(503, json={}), httpx.RemoteProtocolError("peer closed"),
                    httpx.ReadTimeout("slow"), httpx.Response(200, content=b'{"n": 1.10}'))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    assert client.get_json("/x", resource="r") == {"n": Decimal("1.10")}
    assert client.stats.retries == 3


def test_unavailable_after_the_budget() -> None:
    script = Script(*[httpx.Response(502, json={}) for _ in range(3)])
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None,
                          policy=RetryPolicy(max_attempts=3))
    with pytest.raises(UnavailableError):
        client.get_json("/x", resource="r")


def test_expired_token_is_refreshed_once() -> None:
    script = Script(httpx.Response(401, json={}), httpx.Response(200, json={}))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    client.get_json("/x", resource="r")
    assert script.tokens == 2
    assert [r.headers["Authorization"] for r in script.requests] == ["Bearer t1", "Bearer t2"]


def test_a_fresh_token_rejected_again_is_an_auth_error_without_a_loop() -> None:
    script = Script(httpx.Response(401, json={}), httpx.Response(401, json={}))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    with pytest.raises(AuthError):
        client.get_json("/x", resource="r")
    assert len(script.requests) == 2


def test_other_4xx_is_not_retried() -> None:
    script = Script(httpx.Response(400, json={"o:errorDetails": [{"o:errorCode": "INVALID_PARAMETER"}]}))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    with pytest.raises(RequestRejectedError, match="INVALID_PARAMETER"):
        client.get_json("/x", resource="r")
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_typed_error_naming_its_target_and_is_never_followed(status: int) -> None:
    script = Script(httpx.Response(status, headers={"Location": "https://evil.example/steal?token=t1"}))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    with pytest.raises(RedirectRefusedError) as err:
        client.get_json("/x", resource="invoice", page=2, cursor="c")
    message = str(err.value)
    assert f"HTTP {status}" in message and "https://evil.example/steal" in message and "netsuite/invoice" in message
    assert "token=t1" not in message  # the Location's query is never repeated
    assert [r.url.host for r in script.requests] == ["1234567.suitetalk.api.netsuite.com"]  # one request, not followed


def test_a_redirected_token_request_is_refused_not_retried() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(302, headers={"Location": "https://login.evil.example/token"})

    client = VendorClient(_settings(), transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(RedirectRefusedError, match="https://login.evil.example/token"):
        client.get_json("/x", resource="r")
    assert len(requests) == 1


def test_truncated_json_is_a_malformed_page_after_one_reread() -> None:
    script = Script(httpx.Response(200, content=b'{"items": [1, 2'), httpx.Response(200, content=b'{"items": [1, 2'))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    with pytest.raises(MalformedPageError, match="page=4"):
        client.get_json("/x", resource="invoice", page=4, cursor="c")


def test_json_numbers_parse_to_exact_decimals() -> None:
    script = Script(httpx.Response(200, content=b'{"amount": 0.1, "big": 123456789012345678.125}'))
    client = VendorClient(_settings(), transport=httpx.MockTransport(script), sleep=lambda s: None)
    body = client.get_json("/x", resource="r")
    assert body == {"amount": Decimal("0.1"), "big": Decimal("123456789012345678.125")}


def test_page_checks() -> None:
    with pytest.raises(MalformedPageError, match="no 'id'"):
        check_rows([{"id": "1"}, {"name": "x"}], vendor="v", resource="r", keys=["id"])
    with pytest.raises(SchemaContractError, match="money field 'amount'"):
        check_rows([{"id": "1", "amount": "12.50"}], vendor="v", resource="r", keys=["id"], money=["amount"])
    with pytest.raises(SchemaContractError, match="key field 'id'"):
        check_rows([{"id": 1.5}], vendor="v", resource="r", keys=["id"])
    guard = LoopGuard("v", "r")
    guard.check("next-1")
    with pytest.raises(PaginationLoopError):
        guard.check("next-1")


def test_to_arrow_types_declared_fields_and_keeps_added_ones() -> None:
    known: set[str] = set()
    table = to_arrow([{"id": "1", "amount": Decimal("1.25"), "new": 3}, {"id": "2", "amount": None, "new": None}],
                     {"id": __import__("pyarrow").string(), "amount": MONEY}, vendor="v", resource="r", known=known)
    assert table.schema.field("amount").type == MONEY and "new" in table.column_names and known == {"new"}
    with pytest.raises(SchemaContractError):
        to_arrow([{"id": "1", "amount": "abc"}], {"amount": MONEY}, vendor="v", resource="r")


@pytest.mark.parametrize("vendor", ["kantata", "netsuite"])
def test_a_table_name_from_configuration_outside_the_allow_list_is_refused(vendor: str) -> None:
    """RELIABILITY.md F18: the tables a source reads (`objects`) come from its own list, never from text."""
    from core.errors import typed_cause
    from ingestion.run import make_source

    with pytest.raises(Exception) as err:  # dlt may wrap the source's own error
        make_source(vendor, objects=['x"; DROP TABLE y; --'])
    cause = typed_cause(err.value)
    assert isinstance(cause, ConfigError) and "objects" in str(cause) and "expected some of" in str(cause)
