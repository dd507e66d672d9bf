"""The NetSuite simulator over real loopback HTTP: auth, SuiteQL, record API reads and writes, persistence,
governance and faults (VENDOR_APIS.md §4)."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

import sandbox.netsuite as ns
from core.errors import ConfigError
from core.settings import netsuite_assertion_form, netsuite_sandbox
from sandbox.netsuite.client_assertion import new_integration
from tests.sandbox.loopback import serve
from tests.sandbox.netsuite_helpers import (
    LINES_PER_INVOICE,
    N_CUSTOMERS,
    N_INVOICES,
    firm_tables,
    get_token,
    write_firm,
)

TRANSIENT = {"Prefer": "transient"}
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Sim:
    origin: str
    creds: dict[str, str]
    app: Any
    state: Any
    client: httpx.Client  # the reader's (ingestion) token
    writer: httpx.Client  # the writer's (reverse ETL) token

    @property
    def token_url(self) -> str:
        return f"{self.origin}/services/rest/auth/oauth2/v1/token"

    def suiteql(
        self, q: str, limit: int | None = None, offset: int = 0, headers: dict | None = None
    ) -> httpx.Response:
        params = {"offset": offset} if limit is None else {"limit": limit, "offset": offset}
        return self.client.post(
            "/query/v1/suiteql",
            params=params,
            json={"q": q},
            headers=TRANSIENT if headers is None else headers,
        )

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.origin}/_sandbox/{path}", **kwargs)
        assert response.status_code < 300, response.text
        return response

    def get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.client.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


def _sim(firm: Path, state_dir: Path, settings: dict[str, Any] | None = None) -> Iterator[Sim]:
    creds = ns.make_credentials()
    app, state = ns.create_app(firm, state_dir, creds, {"short_page_rate": 0, **(settings or {})})
    try:
        with serve(app) as origin:
            token, write_token = get_token(origin, creds), get_token(origin, creds["writer"])
            base = f"{origin}/services/rest"
            with (
                httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client,
                httpx.Client(base_url=base, headers={"Authorization": f"Bearer {write_token}"}) as writer,
            ):
                yield Sim(origin, creds, app, state, client, writer)
    finally:
        app.app.state.netsuite.close()


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_firm(tmp_path_factory.mktemp("firm"))


@pytest.fixture(scope="module")
def sim(firm: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """A server shared by the read tests (tests that add faults or change settings undo it)."""
    yield from _sim(firm, tmp_path_factory.mktemp("state"))


@pytest.fixture
def fresh(firm: Path, tmp_path: Path) -> Iterator[Sim]:
    """A server over its own state file, for tests that write."""
    yield from _sim(firm, tmp_path / "state")


@pytest.fixture
def faults(sim: Sim) -> Iterator[Sim]:
    yield sim
    sim.admin("DELETE", "faults")


def assert_netsuite_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "title", "status", "o:errorDetails"}
    assert body["type"].startswith("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html") or status == 429
    assert body["status"] == status and isinstance(body["title"], str)
    detail = body["o:errorDetails"][0]
    assert isinstance(detail["detail"], str) and detail["detail"]
    if code:
        assert detail["o:errorCode"] == code, detail
    return detail


def link(page: dict[str, Any], rel: str) -> str | None:
    return next((x["href"] for x in page["links"] if x["rel"] == rel), None)


def follow(sim: Sim, first: httpx.Response) -> list[dict[str, Any]]:
    """Every page of a collection, through hasMore and the next link (never "page not full")."""
    assert first.status_code == 200, first.text
    pages = [first.json()]
    while pages[-1]["hasMore"]:
        nxt = link(pages[-1], "next")
        assert nxt and urlsplit(nxt).netloc == urlsplit(sim.origin).netloc
        if first.request.method == "POST":
            response = sim.client.post(
                nxt, content=first.request.content, headers={**TRANSIENT, "content-type": "application/json"}
            )
        else:
            response = sim.client.get(nxt)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        assert len(pages) < 500
    return pages


# --- auth -----------------------------------------------------------------------------------------------
def _sign(integration: dict[str, str], url: str, **changes: Any) -> str:
    """A client assertion signed by the platform's own code path (core.settings.netsuite_assertion_form)."""
    spec = {**integration, **changes}
    return netsuite_assertion_form(
        spec["client_id"],
        spec["certificate_id"],
        spec["private_key"],
        changes.get("token_url", url),
        now=changes.get("now"),
    )["client_assertion"]


def _claims(integration: dict[str, str], url: str, **overrides: Any) -> dict[str, Any]:
    now = int(dt.datetime.now().timestamp())
    claims = {
        "iss": integration["client_id"],
        "scope": ["rest_webservices"],
        "aud": url,
        "iat": now,
        "exp": now + 600,
    }
    return {k: v for k, v in {**claims, **overrides}.items() if v is not None}


def test_describe_m2m_integrations_sign_in_through_the_platforms_code_path(sim: Sim, tmp_path: Path) -> None:
    stored = ns.store_private_keys(sim.creds, tmp_path / "keys")
    assert (
        "private_key" not in stored and "private_key" not in stored["writer"]
    )  # the simulator keeps public keys
    assert stored["public_key"].startswith("-----BEGIN PUBLIC KEY-----") and ns.credentials_usable(stored)
    entry = ns.describe(sim.origin, stored, sim.state)
    assert entry["base_url"] == f"{sim.origin}/services/rest" and entry["token_request"] is None
    assert entry["headers"] == {} and entry["account_id"] == "SANDBOX1"
    for integration, write_answer in (
        ("m2m", 403),
        ("write_m2m", 400),
    ):  # the writer gets as far as validation
        spec = entry[integration]
        assert spec["token_url"] == sim.token_url
        assert oct(Path(spec["private_key_file"]).stat().st_mode)[-3:] == "600"
        settings = netsuite_sandbox(entry, integration)
        form = settings.token_form()  # type: ignore[misc]
        header = jwt.get_unverified_header(form["client_assertion"])
        assert header["alg"] == "PS256" and header["kid"] == spec["certificate_id"]
        response = httpx.post(settings.token_url, data=form)
        assert response.status_code == 200, response.text
        token = response.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["access_token"]
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{entry['base_url']}/record/v1/currency/1", headers=headers).status_code == 200
        write = httpx.patch(
            f"{entry['base_url']}/record/v1/billingSchedule/1", json={"colour": "red"}, headers=headers
        )
        assert write.status_code == write_answer, write.text
    ready = httpx.get(
        f"{entry['base_url']}/record/v1/currency/1",
        headers={"Authorization": f"Bearer {entry['access_token']}"},
    )
    assert ready.status_code == 200


def test_a_private_key_file_others_can_read_or_that_is_gone_is_refused_naming_it(
    sim: Sim, tmp_path: Path
) -> None:
    stored = ns.store_private_keys(sim.creds, tmp_path / "keys")
    entry = ns.describe(sim.origin, stored, sim.state)
    key = Path(entry["m2m"]["private_key_file"])
    key.chmod(0o644)
    with pytest.raises(ConfigError, match="may be read by others") as err:
        netsuite_sandbox(entry, "m2m")
    assert str(key) in str(err.value) and "PRIVATE KEY" not in str(err.value)
    key.unlink()
    with pytest.raises(ConfigError, match="cannot be read"):
        netsuite_sandbox(entry, "m2m")
    assert not ns.credentials_usable(stored)  # the runner makes new credentials and keys on the next start


def _token(sim: Sim, assertion: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }
    return httpx.post(sim.token_url, data={**form, **overrides})


def test_token_endpoint_verifies_ps256_assertions_and_refuses_bad_ones(sim: Sim) -> None:
    reader, url = sim.creds, sim.token_url
    now = int(dt.datetime.now().timestamp())
    other = new_integration()  # a key pair the sandbox never registered
    assert _token(sim, _sign(reader, url)).status_code == 200
    scope_text = jwt.encode(
        _claims(reader, url, scope="restlets rest_webservices"),
        reader["private_key"],
        algorithm="PS256",
        headers={"kid": reader["certificate_id"]},
    )
    assert _token(sim, scope_text).status_code == 200  # scope as a space-separated string
    cases = {
        "invalid_client": [
            _sign(
                reader, url, private_key=other["private_key"]
            ),  # the wrong key: the signature does not verify
            _sign(reader, url, certificate_id=other["certificate_id"]),  # unknown kid
            _sign(reader, url, client_id="other"),  # unknown iss
            jwt.encode(
                _claims(reader, url),
                reader["private_key"],
                algorithm="RS256",
                headers={"kid": reader["certificate_id"]},
            ),  # not PS256
            jwt.encode(
                _claims(reader, url),
                "a-shared-secret-of-32-bytes-or-more!",
                algorithm="HS256",
                headers={"kid": reader["certificate_id"]},
            ),  # the old sandbox's HS256
        ],
        "invalid_grant": [
            _sign(
                reader, url, token_url="https://elsewhere.example/services/rest/auth/oauth2/v1/token"
            ),  # wrong aud
            _sign(reader, url, now=now - 7200),  # expired exp
            jwt.encode(
                _claims(reader, url, iat=now + 900, exp=now + 1200),
                reader["private_key"],
                algorithm="PS256",
                headers={"kid": reader["certificate_id"]},
            ),  # issued in the future
            jwt.encode(
                _claims(reader, url, exp=now + 7200),
                reader["private_key"],
                algorithm="PS256",
                headers={"kid": reader["certificate_id"]},
            ),  # more than an hour
        ],
        "invalid_scope": [
            jwt.encode(
                _claims(reader, url, scope="restlets"),
                reader["private_key"],
                algorithm="PS256",
                headers={"kid": reader["certificate_id"]},
            )
        ],
        "invalid_request": [
            "not-a-jwt",
            jwt.encode(
                _claims(reader, url, exp=None),
                reader["private_key"],
                algorithm="PS256",
                headers={"kid": reader["certificate_id"]},
            ),
        ],  # no exp
    }
    for error, assertions in cases.items():
        for assertion in assertions:
            response = _token(sim, assertion)
            assert response.status_code == 400 and response.json()["error"] == error, (error, response.text)
    good = _sign(reader, url)
    assert _token(sim, good, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert _token(sim, good, client_assertion_type="jwt").json()["error"] == "invalid_request"


def test_missing_invalid_and_expired_tokens_get_invalid_login(sim: Sim) -> None:
    url = f"{sim.origin}/services/rest/record/v1/customer"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        detail = assert_netsuite_error(httpx.get(url, headers=headers), 401, "INVALID_LOGIN")
        assert detail["detail"].startswith("Invalid login attempt.")
    token = get_token(sim.origin, sim.creds)
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    expired = sim.admin("POST", "tokens/expire").json()["expired"]
    assert expired >= 1
    assert_netsuite_error(httpx.get(url, headers={"Authorization": f"Bearer {token}"}), 401, "INVALID_LOGIN")
    sim.client.headers["Authorization"] = (
        f"Bearer {get_token(sim.origin, sim.creds)}"  # the shared client again
    )


# --- SuiteQL --------------------------------------------------------------------------------------------
def test_suiteql_pages_to_the_end_with_lowercase_string_items(sim: Sim) -> None:
    q = "SELECT tl.ID AS LineId, tl.Transaction, tl.Memo, tl.Quantity, tl.ForeignAmount FROM transactionline tl ORDER BY tl.id"
    pages = follow(sim, sim.suiteql(q, limit=500))
    total = N_INVOICES * LINES_PER_INVOICE + 10
    assert [p["count"] for p in pages] == [500, 500, total - 1000]
    assert [p["offset"] for p in pages] == [0, 500, 1000]
    assert all(p["totalResults"] == total for p in pages)
    assert (
        link(pages[0], "previous") is None and link(pages[1], "previous") and link(pages[-1], "next") is None
    )
    assert link(pages[0], "last").endswith("limit=500&offset=1000")
    items = [i for p in pages for i in p["items"]]
    assert len({i["lineid"] for i in items}) == total
    first = items[0]
    assert first["links"] == [] and set(first) == {
        "links",
        "lineid",
        "transaction",
        "quantity",
        "foreignamount",
    }
    assert (
        first["quantity"] == "2.5" and first["foreignamount"] == "100"
    )  # strings, as the account shows numbers
    assert all(isinstance(v, str) for i in items for k, v in i.items() if k != "links")
    assert any(i.get("memo") == "rev rec" for i in items)  # null memo: key omitted; set memo: present


def test_suiteql_short_pages_are_followed_by_has_more(sim: Sim) -> None:
    sim.admin("PATCH", "settings", json={"short_page_rate": 0.6})
    try:
        pages = follow(sim, sim.suiteql("SELECT id FROM customer ORDER BY id", limit=40))
    finally:
        sim.admin("PATCH", "settings", json={"short_page_rate": 0})
    assert any(p["count"] < 40 and p["hasMore"] for p in pages)
    ids = [int(i["id"]) for p in pages for i in p["items"]]
    assert ids == list(range(1, N_CUSTOMERS + 1))
    assert all(p["count"] == len(p["items"]) for p in pages)


def test_suiteql_needs_prefer_transient_and_limit_at_most_1000(sim: Sim) -> None:
    detail = assert_netsuite_error(
        sim.suiteql("SELECT id FROM currency", headers={}), 400, "INVALID_PARAMETER"
    )
    assert detail["o:errorHeader"] == "Prefer"
    assert (
        sim.suiteql("SELECT id FROM currency", headers={"Prefer": "respond-async, transient"}).status_code
        == 200
    )
    for bad in (1001, 0):
        detail = assert_netsuite_error(
            sim.suiteql("SELECT id FROM currency", limit=bad), 400, "INVALID_PARAMETER"
        )
        assert detail["o:errorQueryParam"] == "limit"
    page = sim.suiteql("SELECT id FROM transactionline").json()  # default limit 1000
    assert page["count"] == 1000 and page["hasMore"]
    bad_body = sim.client.post("/query/v1/suiteql", content=b'{"query": 1}', headers=TRANSIENT)
    assert_netsuite_error(bad_body, 400, "INVALID_CONTENT")


def test_suiteql_accepts_only_one_select(sim: Sim) -> None:
    for q in (
        "DELETE FROM customer",
        "UPDATE customer SET companyname = 'x'",
        "SELECT 1 AS a; DROP TABLE customer",
        "CREATE TABLE x AS SELECT 1 AS a",
        "SELECT * FROM sandbox_internal.billingschedule_extra",
        "SELECT * FROM read_csv('/etc/hostname')",
    ):
        detail = assert_netsuite_error(sim.suiteql(q), 400, "INVALID_PARAMETER")
        assert detail["detail"].startswith("Invalid search query."), q
    detail = assert_netsuite_error(sim.suiteql("SELECT id FROM nosuchtable"), 400, "INVALID_PARAMETER")
    assert "Record 'nosuchtable' was not found" in detail["detail"]
    detail = assert_netsuite_error(sim.suiteql("SELECT nosuchfield FROM customer"), 400, "INVALID_PARAMETER")
    assert "Field 'nosuchfield'" in detail["detail"]
    assert (
        sim.get("/record/v1/customer", params={"limit": 1})["totalResults"] == N_CUSTOMERS
    )  # nothing was dropped


def test_suiteql_incremental_filter_with_to_char_and_to_date(sim: Sim) -> None:
    q = (
        "SELECT t.id, t.tranid, TO_CHAR(t.lastModifiedDate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodified, "
        "BUILTIN.DF(t.entity) AS customer, NVL(t.memo, '-') AS memo FROM transaction t "
        "WHERE t.type = 'CustInvc' AND t.lastmodifieddate > TO_DATE('2024-01-05', 'YYYY-MM-DD') "
        "AND t.lastmodifieddate <= SYSDATE ORDER BY t.lastmodifieddate, t.id"
    )
    items = [i for p in follow(sim, sim.suiteql(q, limit=25)) for i in p["items"]]
    threshold = dt.datetime(2024, 1, 5, tzinfo=dt.UTC)
    expected = sorted(
        (t["lastmodifieddate"], t["id"])
        for t in firm_tables()["transaction"]
        if t["type"] == "CustInvc" and t["lastmodifieddate"] > threshold
    )
    assert [int(i["id"]) for i in items] == [tid for _, tid in expected]
    assert [i["lastmodified"] for i in items] == [ts.strftime("%Y-%m-%d %H:%M:%S") for ts, _ in expected]
    assert all(i["memo"] for i in items) and items[0]["customer"].isdigit()


def test_suiteql_dates_follow_the_account_format(sim: Sim) -> None:
    q = "SELECT id, trandate, lastmodifieddate, exchangerate FROM transaction WHERE id = 5002"
    item = sim.suiteql(q).json()["items"][0]
    assert (
        item["trandate"] == "2/2/2024"
        and item["lastmodifieddate"] == "1/1/2024"
        and item["exchangerate"] == "1"
    )
    sim.admin("PATCH", "settings", json={"suiteql_datetime_with_time": True, "date_format": "YYYY-MM-DD"})
    try:
        item = sim.suiteql(q).json()["items"][0]
    finally:
        sim.admin("PATCH", "settings", json={"suiteql_datetime_with_time": False, "date_format": "M/D/YYYY"})
    assert item["trandate"] == "2024-02-02" and item["lastmodifieddate"] == "2024-01-01 12:01 am"
    year = sim.suiteql("SELECT TO_CHAR(SYSDATE, 'YYYY') AS y FROM DUAL").json()["items"]
    assert year == [{"links": [], "y": str(dt.datetime.now(dt.UTC).year)}]


def test_suiteql_results_are_capped(sim: Sim) -> None:
    sim.admin("PATCH", "settings", json={"max_results": 30})
    try:
        pages = follow(sim, sim.suiteql("SELECT id FROM customer ORDER BY id", limit=20))
    finally:
        sim.admin("PATCH", "settings", json={"max_results": 100_000})
    assert (
        [p["count"] for p in pages] == [20, 10]
        and pages[-1]["totalResults"] == 30
        and not pages[-1]["hasMore"]
    )


# --- record API: reads ----------------------------------------------------------------------------------
def test_record_collection_pages_ids_and_links(sim: Sim) -> None:
    pages = follow(sim, sim.client.get("/record/v1/customer", params={"limit": 100}))
    items = [i for p in pages for i in p["items"]]
    assert [int(i["id"]) for i in items] == list(range(1, N_CUSTOMERS + 1))
    assert all(set(i) == {"id", "links"} for i in items)
    assert items[0]["links"] == [{"rel": "self", "href": f"{sim.origin}/services/rest/record/v1/customer/1"}]


def test_record_collection_q_filters_in_account_date_format(sim: Sim) -> None:
    def ids(q: str) -> list[int]:
        pages = follow(sim, sim.client.get("/record/v1/customer", params={"q": q, "limit": 1000}))
        return [int(i["id"]) for p in pages for i in p["items"]]

    # customer i was last modified at 2024-01-01 + i hours
    assert ids('lastModifiedDate AFTER "1/5/2024"') == list(range(97, N_CUSTOMERS + 1))
    assert ids('lastModifiedDate BEFORE "1/2/2024"') == list(range(1, 24))
    assert ids('lastModifiedDate ON_OR_AFTER "1/10/2024" AND lastModifiedDate BEFORE "1/11/2024"') == list(
        range(216, 240)
    )
    assert ids('lastModifiedDate ON "1/3/2024"') == list(range(48, 72))
    assert ids('externalId IS "SF-ACC-7"') == [7]
    detail = assert_netsuite_error(
        sim.client.get("/record/v1/customer", params={"q": 'lastModifiedDate AFTER "2024-01-05"'}),
        400,
        "INVALID_PARAMETER",
    )
    assert "Unparseable date:" in detail["detail"]


def test_record_get_rest_shapes(sim: Sim) -> None:
    rest = f"{sim.origin}/services/rest/record/v1"
    schedule = sim.get("/record/v1/billingSchedule/1")
    assert schedule["id"] == "1" and schedule["externalId"] == "BS-1" and schedule["isInactive"] is False
    assert schedule["links"] == [{"rel": "self", "href": f"{rest}/billingSchedule/1"}]
    assert schedule["project"] == {
        "links": [{"rel": "self", "href": f"{rest}/job/1001"}],
        "id": "1001",
        "refName": "Project 1",
    }
    assert schedule["frequency"] == {"id": "CUSTOM", "refName": "CUSTOM"}
    assert schedule["lastModifiedDate"] == "2024-01-01T00:00:00Z"
    assert schedule["recurrence"] == {
        "links": [{"rel": "self", "href": f"{rest}/billingSchedule/1/recurrence"}]
    }
    assert sim.get("/record/v1/billingSchedule/eid:BS-1")["id"] == "1"
    assert set(sim.get("/record/v1/billingSchedule/1", params={"fields": "name"})) == {"links", "id", "name"}

    expanded = sim.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"})
    recurrence = expanded["recurrence"]
    assert recurrence["count"] == recurrence["totalResults"] == 4 and recurrence["hasMore"] is False
    first = recurrence["items"][0]
    assert first["line"] == 1 and first["recurrenceDate"] == "2024-01-31" and first["amount"] == 1000
    assert first["invoice"]["id"] == "5001" and first["invoice"]["refName"] == "Invoice #INV5001"
    assert recurrence["items"][1]["amount"] == 1000.5 and "invoice" not in recurrence["items"][1]
    assert "custcol_c2c_line_key" not in sim.get("/record/v1/billingSchedule/3/recurrence/1")

    invoice = sim.get("/record/v1/invoice/5001", params={"expandSubResources": "true"})
    assert invoice["tranId"] == "INV5001" and invoice["tranDate"] == "2024-02-01" and invoice["total"] == 1200
    assert invoice["entity"]["refName"] == "Customer 1" and invoice["currency"]["refName"] == "US Dollar"
    assert invoice["item"]["count"] == LINES_PER_INVOICE and invoice["item"]["items"][0]["quantity"] == 2.5
    payment = sim.get("/record/v1/customerPayment/6001", params={"expandSubResources": "true"})
    assert (
        payment["apply"]["items"][0]["doc"]["id"] == "5001" and payment["apply"]["items"][0]["amount"] == 1200
    )
    journal = sim.get("/record/v1/journalEntry/7001", params={"expandSubResources": "true"})
    assert [(x.get("debit"), x.get("credit")) for x in journal["line"]["items"]] == [(500, None), (None, 500)]
    entities = [x["entity"] for x in journal["line"]["items"]]  # an entity is a customer or a project
    assert [e["links"][0]["href"] for e in entities] == [f"{rest}/customer/1", f"{rest}/job/1001"]
    assert [e["refName"] for e in entities] == ["Customer 1", "Project 1"]
    rate = sim.get("/record/v1/currencyRate/2")
    assert rate["exchangeRate"] == 0.0068 and rate["transactionCurrency"]["refName"] == "Yen"
    assert sim.get("/record/v1/currency/3")["currencyPrecision"] == 0

    assert_netsuite_error(sim.client.get("/record/v1/customer/99999"), 404, "NONEXISTENT_ID")
    assert_netsuite_error(
        sim.client.get("/record/v1/invoice/6001"), 404, "NONEXISTENT_ID"
    )  # a payment, not an invoice
    assert_netsuite_error(sim.client.get("/record/v1/billingSchedule/eid:nope"), 404, "NONEXISTENT_ID")
    assert_netsuite_error(sim.client.get("/record/v1/salesThing/1"), 404)
    assert_netsuite_error(sim.client.get("/no/such/path"), 404)


# --- record API: writes ---------------------------------------------------------------------------------
def _written(response: httpx.Response, sim: Sim) -> int:
    assert response.status_code == 204, response.text
    assert response.content == b"" and "etag" not in response.headers
    location = response.headers["location"]
    assert location.startswith(f"{sim.origin}/services/rest/record/v1/billingSchedule/")
    return int(location.rsplit("/", 1)[1])


def _line_lmd(sim: Sim, schedule: int) -> dict[int, str]:
    q = (
        "SELECT line, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lmd FROM billingschedulerecurrence "
        f"WHERE billingschedule = {schedule}"
    )
    return {int(i["line"]): i["lmd"] for i in sim.suiteql(q).json()["items"]}


def test_patch_updates_fields_and_lines_and_bumps_last_modified(fresh: Sim) -> None:
    body = {
        "name": "Renamed",
        "recurrence": {"items": [{"line": 2, "amount": 1500.25}, {"line": 1, "amount": 1000}]},
    }
    assert _written(fresh.writer.patch("/record/v1/billingSchedule/1", json=body), fresh) == 1
    record = fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"})
    assert record["name"] == "Renamed" and record["frequency"]["id"] == "CUSTOM"  # omitted field unchanged
    assert record["lastModifiedDate"] > "2024-01-01T00:00:00Z"
    assert [i["amount"] for i in record["recurrence"]["items"]] == [1000, 1500.25, 1000.5, 1000.5]
    lmd = _line_lmd(fresh, 1)
    assert (
        lmd[2] > lmd[3] == "2024-01-01 00:00:00" and lmd[1] == "2024-01-01 00:00:00"
    )  # unchanged lines untouched
    assert _written(fresh.writer.patch("/record/v1/billingSchedule/1", json={"project": None}), fresh) == 1
    again = fresh.get("/record/v1/billingSchedule/1")
    assert (
        "project" not in again and again["lastModifiedDate"] > record["lastModifiedDate"]
    )  # null clears; new lmd


def test_put_eid_creates_then_updates_and_post_creates(fresh: Sim) -> None:
    body = {
        "name": "Acme SOW7 quarterly",
        "scheduleType": {"id": "STD"},
        "frequency": {"id": "CUSTOM"},
        "repeatEvery": {"id": "1"},
        "numberRemaining": 4,
        "initialAmount": 0.0,
        "inArrears": True,
        "project": {"id": 1003},
        "currency": {"id": 2},
        "recurrence": {
            "items": [{"recurrenceDate": "2024-04-30", "amount": 2500.5, "custcol_c2c_line_key": "A-1"}]
        },
    }
    new_id = _written(fresh.writer.put("/record/v1/billingSchedule/eid:BS-acme-sow7_2024", json=body), fresh)
    assert new_id == 4
    body2 = {
        "name": "Acme SOW7 (v2)",
        "recurrence": {"items": [{"recurrenceDate": "2024-07-31", "amount": 10}]},
    }
    assert (
        _written(fresh.writer.put("/record/v1/billingSchedule/eid:BS-acme-sow7_2024", json=body2), fresh)
        == new_id
    )
    record = fresh.get(f"/record/v1/billingSchedule/{new_id}", params={"expandSubResources": "true"})
    assert record["externalId"] == "BS-acme-sow7_2024" and record["name"] == "Acme SOW7 (v2)"
    assert (
        record["numberRemaining"] == 4
        and record["inArrears"] is True
        and record["repeatEvery"] == {"id": "1"}
    )
    assert [(i["line"], i["amount"]) for i in record["recurrence"]["items"]] == [(1, 2500.5), (2, 10)]
    created = _written(
        fresh.writer.post("/record/v1/billingSchedule", json={"name": "Posted", "externalId": "BS-P"}), fresh
    )
    assert created == new_id + 1 and fresh.get("/record/v1/billingSchedule/eid:BS-P")["name"] == "Posted"
    dup = fresh.writer.post("/record/v1/billingSchedule", json={"name": "Again", "externalId": "BS-P"})
    assert_netsuite_error(dup, 400, "USER_ERROR")
    rows = fresh.suiteql("SELECT count(*) AS n FROM billingschedule").json()["items"]
    assert rows[0]["n"] == "5"  # SuiteQL sees the writes (cache invalidated)


def test_invoiced_lines_cannot_change_and_failed_writes_write_nothing(fresh: Sim) -> None:
    before = fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"})
    change = {
        "name": "Should not land",
        "recurrence": {"items": [{"line": 3, "amount": 1}, {"line": 1, "amount": 999}]},
    }
    detail = assert_netsuite_error(
        fresh.writer.patch("/record/v1/billingSchedule/1", json=change), 400, "USER_ERROR"
    )
    assert "invoiced" in detail["detail"] and detail["o:errorPath"] == "recurrence.items[1]"
    replace = {"recurrence": {"items": [{"line": 2, "amount": 5}]}}  # would drop invoiced line 1
    resp = fresh.writer.patch("/record/v1/billingSchedule/1", params={"replace": "recurrence"}, json=replace)
    assert_netsuite_error(resp, 400, "USER_ERROR")
    assert fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"}) == before
    keep = {
        "recurrence": {
            "items": [
                {"line": 1, "amount": 1000, "recurrenceDate": "2024-01-31"},
                {"line": 4},
                {"recurrenceDate": "2024-12-31", "amount": 7},
            ]
        }
    }
    _written(
        fresh.writer.patch("/record/v1/billingSchedule/1", params={"replace": "recurrence"}, json=keep), fresh
    )
    lines = fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"})["recurrence"][
        "items"
    ]
    assert [(i["line"], i["amount"]) for i in lines] == [(1, 1000), (4, 1000.5), (5, 7)]


def test_write_validation_errors(fresh: Sim) -> None:
    patch = fresh.writer.patch
    detail = assert_netsuite_error(
        patch("/record/v1/billingSchedule/2", json={"recurrence": {"items": [{"line": 1, "amount": 5.5}]}}),
        400,
        "INVALID_CONTENT",
    )  # JPY: no decimals
    assert detail["o:errorPath"] == "recurrence.items[0].amount"
    assert (
        patch(
            "/record/v1/billingSchedule/1", json={"recurrence": {"items": [{"line": 2, "amount": 1.005}]}}
        ).status_code
        == 400
    )
    detail = assert_netsuite_error(
        patch(
            "/record/v1/billingSchedule/1",
            json={"recurrence": {"items": [{"line": 2, "recurrenceDate": "1/5/2024"}]}},
        ),
        400,
        "INVALID_CONTENT",
    )
    assert detail["o:errorPath"] == "recurrence.items[0].recurrenceDate"
    assert_netsuite_error(
        patch("/record/v1/billingSchedule/1", json={"recurrence": {"items": [{"line": 2, "amount": "10"}]}}),
        400,
        "INVALID_CONTENT",
    )
    assert_netsuite_error(
        patch("/record/v1/billingSchedule/1", json={"colour": "red"}), 400, "INVALID_CONTENT"
    )
    assert_netsuite_error(
        patch("/record/v1/billingSchedule/1", json={"project": {"id": 424242}}), 400, "INVALID_CONTENT"
    )
    assert_netsuite_error(
        patch("/record/v1/billingSchedule/1", json={"externalId": "has space"}), 400, "INVALID_PARAMETER"
    )
    assert_netsuite_error(
        fresh.writer.put("/record/v1/billingSchedule/eid:bad!id", json={"name": "x"}),
        400,
        "INVALID_PARAMETER",
    )
    assert_netsuite_error(
        fresh.writer.post("/record/v1/billingSchedule", json={"frequency": {"id": "MONTHLY"}}),
        400,
        "USER_ERROR",
    )
    assert_netsuite_error(patch("/record/v1/billingSchedule/999", json={"name": "x"}), 404, "NONEXISTENT_ID")
    assert_netsuite_error(patch("/record/v1/customer/1", json={"companyName": "x"}), 405)
    assert_netsuite_error(fresh.writer.put("/record/v1/billingSchedule/1", json={"name": "x"}), 405)
    assert (
        fresh.get("/record/v1/billingSchedule/1")["lastModifiedDate"] == "2024-01-01T00:00:00Z"
    )  # nothing landed


def test_one_recurrence_line_endpoint(fresh: Sim) -> None:
    line = fresh.get("/record/v1/billingSchedule/1/recurrence/3")
    assert line["line"] == 3 and line["amount"] == 1000.5
    resp = fresh.writer.patch(
        "/record/v1/billingSchedule/1/recurrence/3", json={"amount": 12.34, "custcol_c2c_line_key": None}
    )
    assert _written(resp, fresh) == 1
    line = fresh.get("/record/v1/billingSchedule/1/recurrence/3")
    assert line["amount"] == 12.34 and "custcol_c2c_line_key" not in line
    assert_netsuite_error(
        fresh.writer.patch("/record/v1/billingSchedule/1/recurrence/1", json={"amount": 1}), 400, "USER_ERROR"
    )
    assert_netsuite_error(fresh.client.get("/record/v1/billingSchedule/1/recurrence/77"), 404)


def test_state_persists_across_restarts_until_reset(firm: Path, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    gen = _sim(firm, state_dir)
    first = next(gen)
    _written(first.writer.put("/record/v1/billingSchedule/eid:KEEP-ME", json={"name": "Survives"}), first)
    gen.close()  # server stopped, DuckDB file closed
    assert (state_dir / "netsuite.duckdb").exists()
    gen = _sim(firm, state_dir)
    second = next(gen)
    assert second.get("/record/v1/billingSchedule/eid:KEEP-ME")["name"] == "Survives"
    gen.close()
    assert ns.reset_state(state_dir) is True and not (state_dir / "netsuite.duckdb").exists()
    gen = _sim(firm, state_dir)
    third = next(gen)
    assert_netsuite_error(third.client.get("/record/v1/billingSchedule/eid:KEEP-ME"), 404)
    gen.close()


# --- governance, admin, faults --------------------------------------------------------------------------
def test_concurrency_limit_answers_429_in_netsuite_shape(fresh: Sim) -> None:
    fresh.admin("PATCH", "settings", json={"latency_seconds": 0.3})
    headers = dict(fresh.client.headers)
    url = f"{fresh.origin}/services/rest/record/v1/currency/1"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: httpx.get(url, headers=headers, timeout=10), range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) >= 1 and statuses.count(429) >= 3, statuses
    rejected = next(r for r in responses if r.status_code == 429)
    assert_netsuite_error(rejected, 429, "CONCURRENCY_LIMIT_EXCEEDED")
    assert rejected.json()["title"] == "Too Many Requests" and "retry-after" not in rejected.headers
    assert fresh.admin("GET", "stats").json()["rejected_concurrency"] >= 3


def test_concurrent_edit_changes_the_record_now(fresh: Sim) -> None:
    edited = fresh.admin("POST", "netsuite/concurrent-edit", json={"type": "billingSchedule", "id": 1}).json()
    record = fresh.get("/record/v1/billingSchedule/1")
    assert record["name"] == "Project 1 schedule (edited)" == edited["name"]
    assert record["lastModifiedDate"] == edited["lastModifiedDate"] > "2024-01-01T00:00:00Z"
    again = fresh.admin(
        "POST", "netsuite/concurrent-edit", json={"id": "eid:BS-1", "change": "amount"}
    ).json()
    assert again["lastModifiedDate"] > edited["lastModifiedDate"] and again["line"] == 2
    assert fresh.get("/record/v1/billingSchedule/1/recurrence/2")["amount"] == 1000.51
    missing = httpx.post(f"{fresh.origin}/_sandbox/netsuite/concurrent-edit", json={"id": 999})
    assert missing.status_code == 404


def test_injected_error_statuses_use_the_netsuite_body(faults: Sim) -> None:
    faults.admin("POST", "faults", json={"kind": "error", "status": 503, "path": "suiteql", "count": 1})
    assert_netsuite_error(faults.suiteql("SELECT id FROM currency"), 503)
    assert faults.suiteql("SELECT id FROM currency").status_code == 200
    faults.admin(
        "POST",
        "faults",
        json={"kind": "error", "status": 429, "path": "record", "count": 1, "retry_after": "2"},
    )
    throttled = faults.client.get("/record/v1/currency")
    assert_netsuite_error(throttled, 429, "CONCURRENCY_LIMIT_EXCEEDED")
    assert throttled.headers["retry-after"] == "2"


def test_drift_and_repeat_next_faults(faults: Sim) -> None:
    faults.admin(
        "POST",
        "faults",
        json={"kind": "drift_add_field", "path": "suiteql", "field": "newcol", "value": "x", "count": 1},
    )
    items = faults.suiteql("SELECT id, symbol FROM currency").json()["items"]
    assert all(i["newcol"] == "x" for i in items)
    assert "newcol" not in faults.suiteql("SELECT id, symbol FROM currency").json()["items"][0]
    faults.admin(
        "POST",
        "faults",
        json={"kind": "drift_change_type", "path": "record/v1/customer$", "field": "id", "count": 1},
    )
    page = faults.get("/record/v1/customer", params={"limit": 3})
    assert [i["id"] for i in page["items"]] == [1.0, 2.0, 3.0]
    faults.admin("POST", "faults", json={"kind": "repeat_next", "path": "suiteql", "count": 1})
    first = faults.suiteql("SELECT id FROM customer ORDER BY id", limit=10, offset=20)
    assert link(first.json(), "next") == str(first.request.url)
    assert link(
        faults.suiteql("SELECT id FROM customer ORDER BY id", limit=10, offset=20).json(), "next"
    ).endswith("offset=30")


# --- two integrations: reader (ingestion) and writer (reverse ETL); the committed-write counter -----------
WRITES = (  # (method, path, body): every kind of billing-schedule write
    ("PATCH", "/record/v1/billingSchedule/1", {"name": "Renamed"}),
    ("PATCH", "/record/v1/billingSchedule/eid:BS-2", {"name": "Renamed"}),
    ("PUT", "/record/v1/billingSchedule/eid:BS-NEW", {"name": "New"}),
    ("POST", "/record/v1/billingSchedule", {"name": "Posted"}),
    ("PATCH", "/record/v1/billingSchedule/1/recurrence/3", {"amount": 1}),
)


def _writes(sim: Sim) -> dict[str, Any]:
    return sim.admin("GET", "netsuite/writes").json()


def test_reader_token_cannot_write_and_nothing_is_written(fresh: Sim) -> None:
    entry = ns.describe(fresh.origin, fresh.creds, fresh.state)
    before = fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"})
    for token in (fresh.client.headers["Authorization"], f"Bearer {entry['access_token']}"):
        for method, path, body in WRITES:
            response = fresh.client.request(method, path, json=body, headers={"Authorization": token})
            detail = assert_netsuite_error(response, 403, "INSUFFICIENT_PERMISSION")
            assert detail["detail"].startswith("Permission Violation: your role (the ingestion integration)")
            assert "reverse-ETL integration" in detail["detail"]
    assert fresh.get("/record/v1/billingSchedule/1", params={"expandSubResources": "true"}) == before
    assert fresh.suiteql("SELECT count(*) AS n FROM billingschedule").json()["items"][0]["n"] == "3"
    assert _writes(fresh) == {"writes": {}, "total": 0}
    # a record type that cannot be written is still 405 for either role
    assert_netsuite_error(fresh.client.patch("/record/v1/customer/1", json={"companyName": "x"}), 405)


def test_writer_token_writes_and_reads(fresh: Sim) -> None:
    entry = ns.describe(fresh.origin, fresh.creds, fresh.state)
    for access in (get_token(fresh.origin, fresh.creds["writer"]), entry["write_access_token"]):
        headers = {"Authorization": f"Bearer {access}"}
        written = fresh.client.patch(
            "/record/v1/billingSchedule/3", json={"name": f"by {access[:6]}"}, headers=headers
        )
        assert _written(written, fresh) == 3
        assert (
            fresh.client.get("/record/v1/billingSchedule/3", headers=headers).json()["name"]
            == f"by {access[:6]}"
        )
        page = fresh.client.post(
            "/query/v1/suiteql", json={"q": "SELECT id FROM currency"}, headers={**headers, **TRANSIENT}
        )
        assert page.status_code == 200 and page.json()["count"] == 3
    assert set(entry) >= {
        "base_url",
        "m2m",
        "access_token",
        "headers",
        "account_id",
        "write_m2m",
        "write_access_token",
    }


def test_token_endpoint_answers_writer_assertions_with_the_writers_verdict(sim: Sim) -> None:
    reader, writer, url = sim.creds, sim.creds["writer"], sim.token_url
    assert _token(sim, _sign(writer, url)).status_code == 200
    now = int(dt.datetime.now().timestamp())
    expired = _token(sim, _sign(writer, url, now=now - 7200))
    assert (
        expired.status_code == 400
        and expired.json()["error_description"] == "client_assertion has expired (exp)"
    )
    wrong_key = _token(sim, _sign(writer, url, private_key=reader["private_key"]))  # writer kid, reader key
    assert wrong_key.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion signature is invalid",
    }
    mixed = _token(sim, _sign(reader, url, private_key=writer["private_key"]))  # reader kid, writer key
    assert mixed.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion signature is invalid",
    }
    crossed = _token(
        sim, _sign(writer, url, client_id=reader["client_id"])
    )  # writer's certificate, reader's id
    assert crossed.json() == {"error": "invalid_client", "error_description": "unknown client id (iss)"}


def test_credentials_without_a_writer_serve_reads_and_refuse_writes(firm: Path, tmp_path: Path) -> None:
    creds = ns.make_credentials()
    del creds["writer"]  # an account with the reader integration only
    app, state = ns.create_app(firm, tmp_path / "state", creds, {"short_page_rate": 0})
    try:
        with serve(app) as origin:
            entry = ns.describe(origin, creds, state)
            assert "write_m2m" not in entry and "write_access_token" not in entry
            headers = {"Authorization": f"Bearer {get_token(origin, creds)}"}
            assert (
                httpx.get(f"{entry['base_url']}/record/v1/billingSchedule/1", headers=headers).status_code
                == 200
            )
            denied = httpx.patch(
                f"{entry['base_url']}/record/v1/billingSchedule/1", json={"name": "x"}, headers=headers
            )
            assert_netsuite_error(denied, 403, "INSUFFICIENT_PERMISSION")
    finally:
        app.app.state.netsuite.close()


def test_committed_writes_are_counted_per_schedule(fresh: Sim) -> None:
    assert _writes(fresh) == {"writes": {}, "total": 0}
    for method, path, body in WRITES:
        assert fresh.writer.request(method, path, json=body).status_code == 204
    # not counted: a write that fails validation, a reader's write, the user's concurrent edit
    assert_netsuite_error(fresh.writer.patch("/record/v1/billingSchedule/2", json={"colour": "red"}), 400)
    assert_netsuite_error(fresh.client.patch("/record/v1/billingSchedule/2", json={"name": "x"}), 403)
    fresh.admin("POST", "netsuite/concurrent-edit", json={"type": "billingSchedule", "id": 2})
    assert _writes(fresh) == {"writes": {"1": 2, "2": 1, "4": 1, "5": 1}, "total": 5}
    # the write commits, the answer is lost: counted
    fresh.admin(
        "POST",
        "faults",
        json={"kind": "commit_then_drop", "method": "PATCH", "path": "billingSchedule/3$", "count": 1},
    )
    with pytest.raises(httpx.TransportError):
        fresh.writer.patch("/record/v1/billingSchedule/3", json={"name": "Landed"})
    assert fresh.get("/record/v1/billingSchedule/3")["name"] == "Landed"
    assert _writes(fresh) == {"writes": {"1": 2, "2": 1, "3": 1, "4": 1, "5": 1}, "total": 6}
    assert fresh.admin("POST", "netsuite/writes/reset").json() == {"writes": {}, "total": 0}
    assert _writes(fresh) == {"writes": {}, "total": 0}
    assert _written(fresh.writer.patch("/record/v1/billingSchedule/3", json={"name": "Again"}), fresh) == 3
    assert _writes(fresh) == {"writes": {"3": 1}, "total": 1}


def test_the_runner_keeps_public_keys_hands_out_private_key_files_and_replaces_hs256_credentials(
    tmp_path: Path,
) -> None:
    import json

    from sandbox.server import credentials

    run = tmp_path / "sandbox" / "run"
    run.mkdir(parents=True)
    old = {
        "salesforce": {"client_id": "sf"},
        "ironclad": {"client_id": "ic"},
        "kantata": {"access_token": "k"},
        "netsuite": {
            "client_id": "c",
            "certificate_id": "k",
            "signing_key": "shared",
            "account_id": "SANDBOX1",
        },
    }
    (run / "credentials.json").write_text(json.dumps(old))
    made = credentials(tmp_path)
    assert {v: made[v] for v in ("salesforce", "ironclad", "kantata")} == {
        v: old[v] for v in ("salesforce", "ironclad", "kantata")
    }
    kept = json.loads((run / "credentials.json").read_text())["netsuite"]
    assert kept == made["netsuite"] and "signing_key" not in kept and "PRIVATE KEY" not in json.dumps(kept)
    for integration, role in ((kept, "reader"), (kept["writer"], "writer")):
        key = Path(integration["private_key_file"])
        assert key == tmp_path / "sandbox" / "keys" / f"netsuite-{role}.pem"
        assert oct(key.stat().st_mode)[-3:] == "600" and "PRIVATE KEY" in key.read_text()
        assert integration["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert oct((tmp_path / "sandbox" / "keys").stat().st_mode)[-3:] == "700"
    assert credentials(tmp_path) == made  # made once: kept while usable
