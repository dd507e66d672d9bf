"""The Salesforce REST simulator over real loopback HTTP (uvicorn + httpx): auth, SOQL query/queryAll/
queryMore paging, incremental filters, error bodies, limits, sObject resources and fault injection."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

import sandbox.salesforce as sf
from sandbox.firm.schema import SCHEMAS
from tests.sandbox.loopback import serve
from tests.sandbox.salesforce_helpers import write_firm

V = "/services/data/v62.0"
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
NEXT_RE = re.compile(r"^/services/data/v62\.0/query/01g[A-Za-z0-9]{15}-\d+$")
BATCH_200 = {"Sforce-Query-Options": "batchSize=200"}
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
N_ACCOUNTS = 950  # every 10th deleted -> 855 live


class Org:
    """One running simulator: origin, credentials, a client with a fresh session."""

    def __init__(self, origin: str, creds: dict[str, str], state: Any) -> None:
        self.origin, self.creds, self.state = origin, creds, state
        self.http = httpx.Client(base_url=origin, timeout=10)
        self.token = self.new_token()

    def new_token(self) -> str:
        r = self.http.post("/services/oauth2/token", data={"grant_type": "client_credentials", **self.creds})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.auth, **kw.pop("headers", {})}
        return self.http.get(path, headers=headers, **kw)

    def query(self, soql: str, endpoint: str = "query", **kw: Any) -> httpx.Response:
        return self.get(f"{V}/{endpoint}", params={"q": soql}, **kw)

    def records(self, soql: str, endpoint: str = "query", **kw: Any) -> list[dict[str, Any]]:
        r = self.query(soql, endpoint, **kw)
        assert r.status_code == 200, r.text
        return self.drain(r.json(), **kw)

    def drain(self, page: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
        out = list(page["records"])
        while not page["done"]:
            r = self.get(page["nextRecordsUrl"], **kw)
            assert r.status_code == 200, r.text
            page = r.json()
            out += page["records"]
        return out

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.http.request(method, f"/_sandbox/{path}", json=body)


def start(tmp_path, settings: dict[str, Any] | None = None, **firm: int):
    creds = sf.make_credentials()
    app, state = sf.create_app(
        write_firm(tmp_path, **firm), tmp_path / "state", creds, {"short_page_rate": 0.0, **(settings or {})}
    )
    return app, creds, state


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    app, creds, state = start(tmp_path_factory.mktemp("sf"), n_accounts=N_ACCOUNTS, n_opps=12, n_contacts=5)
    with serve(app) as origin:
        yield Org(origin, creds, state)


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "org" in request.fixturenames:
        o = request.getfixturevalue("org")
        o.admin("DELETE", "faults")
        o.admin(
            "PATCH",
            "settings",
            {
                "short_page_rate": 0.0,
                "daily_api_limit": 1_000_000,
                "session_timeout_seconds": 7200,
                "max_query_locators": 10,
            },
        )
        o.admin("DELETE", "api-usage")
        if o.get(f"{V}/limits").status_code == 401:
            o.token = o.new_token()


# ---- auth ---------------------------------------------------------------------------------------------


def test_token_response_shape(org):
    r = org.http.post("/services/oauth2/token", data={"grant_type": "client_credentials", **org.creds})
    body = r.json()
    assert list(body) == [
        "access_token",
        "signature",
        "token_format",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ]
    assert "expires_in" not in body and "refresh_token" not in body
    assert body["token_format"] == "opaque" and body["token_type"] == "Bearer"
    assert body["instance_url"] == org.origin
    assert isinstance(body["issued_at"], str) and body["issued_at"].isdigit()
    assert abs(int(body["issued_at"]) - time.time() * 1000) < 60_000
    assert re.fullmatch(r"https://login\.salesforce\.com/id/00D\w{12}/005\w{12}", body["id"])
    assert body["access_token"].startswith(body["id"].split("/")[-2] + "!")
    signed = (body["id"] + body["issued_at"]).encode()
    mac = hmac.new(org.creds["client_secret"].encode(), signed, hashlib.sha256)
    assert body["signature"] == base64.b64encode(mac.digest()).decode()


def test_token_errors(org):
    def post(**form):
        return org.http.post("/services/oauth2/token", data=form)

    r = post(grant_type="client_credentials", client_id=org.creds["client_id"], client_secret="nope")
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    r = post(grant_type="client_credentials", client_id="3MVG9other", client_secret="x")
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_id"
    r = post(grant_type="password", username="u", password="p")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    assert set(r.json()) == {"error", "error_description"}
    basic = base64.b64encode(f"{org.creds['client_id']}:{org.creds['client_secret']}".encode()).decode()
    r = org.http.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200


def _jwt(claims: dict[str, Any]) -> str:
    def enc(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'RS256'})}.{enc(claims)}.c2lnbmF0dXJl"


def test_jwt_bearer_grant(org):
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    good = {
        "iss": org.creds["client_id"],
        "sub": "integration@acme.example",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 300,
    }
    r = org.http.post("/services/oauth2/token", data={"grant_type": grant, "assertion": _jwt(good)})
    assert r.status_code == 200 and r.json()["token_format"] == "opaque"
    jwt_session = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert org.http.get(f"{V}/limits", headers=jwt_session).status_code == 200
    for claims, error in (
        ({**good, "iss": "someone-else"}, "invalid_client_id"),
        ({**good, "exp": int(time.time()) - 10}, "invalid_grant"),
        ({**good, "aud": "https://evil.example"}, "invalid_grant"),
    ):
        r = org.http.post("/services/oauth2/token", data={"grant_type": grant, "assertion": _jwt(claims)})
        assert r.status_code == 400 and r.json()["error"] == error
    r = org.http.post("/services/oauth2/token", data={"grant_type": grant, "assertion": "not-a-jwt"})
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


def test_missing_bad_and_expired_sessions(org):
    for headers in ({}, {"Authorization": "Bearer garbage"}, {"Authorization": "Basic abc"}):
        r = org.http.get(f"{V}/query", params={"q": "SELECT Id FROM Account"}, headers=headers)
        assert r.status_code == 401 and r.json() == INVALID_SESSION
        assert r.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert org.get(f"{V}/limits").status_code == 200
    assert org.admin("POST", "tokens/expire").json()["expired"] >= 1
    r = org.get(f"{V}/limits")
    assert r.status_code == 401 and r.json() == INVALID_SESSION
    org.token = org.new_token()  # the client's recovery: fetch a new token, carry on
    assert org.get(f"{V}/limits", headers={"Authorization": f"OAuth {org.token}"}).status_code == 200


def test_session_timeout(org):
    org.admin("PATCH", "settings", {"session_timeout_seconds": 0.3})
    token = org.new_token()
    headers = {"Authorization": f"Bearer {token}"}
    assert org.http.get(f"{V}/limits", headers=headers).status_code == 200
    time.sleep(0.4)
    r = org.http.get(f"{V}/limits", headers=headers)
    assert r.status_code == 401 and r.json() == INVALID_SESSION


def test_describe_interface(org):
    entry = sf.describe(org.origin, org.creds, org.state)
    assert entry["base_url"] == org.origin and entry["api_version"] == "62.0" and entry["headers"] == {}
    assert entry["token_request"] == {
        "url": org.origin + "/services/oauth2/token",
        "form": {
            "grant_type": "client_credentials",
            "client_id": org.creds["client_id"],
            "client_secret": org.creds["client_secret"],
        },
    }
    request = entry["token_request"]
    assert org.http.post(request["url"], data=request["form"]).status_code == 200
    r = org.http.get(f"{V}/sobjects", headers={"Authorization": f"Bearer {entry['access_token']}"})
    assert r.status_code == 200
    assert {s["name"] for s in r.json()["sobjects"]} == {"Account", "Opportunity", "Contact"}


# ---- versions, resources, limits ------------------------------------------------------------------------


def test_versions_and_pinning(org):
    for path in ("/services/data", "/services/data/"):
        r = org.http.get(path)
        assert r.status_code == 200
        assert r.json() == [{"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}]
    r = org.get("/services/data/v61.0/query", params={"q": "SELECT Id FROM Account"})
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"
    assert org.get("/services/data/v99.0/sobjects").status_code == 404
    assert org.get(f"{V}/").json()["query"] == f"{V}/query"
    r = org.get(f"{V}/nothing-here")
    assert r.status_code == 404 and r.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    r = org.http.post(f"{V}/query", headers=org.auth)
    assert r.status_code == 405 and r.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_limit_info_header_and_daily_limit(org):
    org.admin("DELETE", "api-usage")
    seen = [org.get(f"{V}/limits").headers["Sforce-Limit-Info"] for _ in range(3)]
    assert seen == ["api-usage=1/1000000", "api-usage=2/1000000", "api-usage=3/1000000"]
    assert org.get(f"{V}/limits").json()["DailyApiRequests"] == {"Max": 1_000_000, "Remaining": 1_000_000 - 4}
    org.admin("PATCH", "settings", {"daily_api_limit": 6})
    assert org.query("SELECT Id FROM Account LIMIT 1").status_code == 200
    assert org.query("SELECT Id FROM Account LIMIT 1").status_code == 200  # the 6th call
    r = org.query("SELECT Id FROM Account LIMIT 1")
    assert r.status_code == 403, "REQUEST_LIMIT_EXCEEDED is a 403, not a 429"
    assert r.json() == LIMIT_EXCEEDED and r.headers["Sforce-Limit-Info"] == "api-usage=6/6"
    assert "Retry-After" not in r.headers
    org.admin("DELETE", "api-usage")
    assert org.query("SELECT Id FROM Account LIMIT 1").status_code == 200


# ---- query shape and paging ---------------------------------------------------------------------------


def test_record_shape_and_wire_formats(org):
    r = org.query(
        "select amount, id, closedate, ISWON, systemmodstamp, type from opportunity where id = "
        "'006000000000001'"
    )
    body = r.json()
    assert list(body) == ["totalSize", "done", "records"] and body["totalSize"] == 1 and body["done"] is True
    rec = body["records"][0]
    assert list(rec) == ["attributes", "Amount", "Id", "CloseDate", "IsWon", "SystemModstamp", "Type"]
    assert rec["attributes"] == {"type": "Opportunity", "url": f"{V}/sobjects/Opportunity/006000000000001"}
    assert rec["CloseDate"] == "2024-01-02" and rec["IsWon"] is False
    assert DATETIME_RE.match(rec["SystemModstamp"])
    assert rec["SystemModstamp"] == "2024-01-01T01:00:00.000+0000"
    exact = json.loads(r.text, parse_float=Decimal)["records"][0]["Amount"]
    assert exact == Decimal("2234.567")
    nulls = org.records("SELECT Id, Amount FROM Opportunity WHERE Amount = null")
    assert nulls and all(rec["Amount"] is None for rec in nulls)
    assert org.records("SELECT Id, Type FROM Account WHERE Id = '001000000000000'")[0]["Type"] is None
    # datetimes are served (and compared) at millisecond precision
    acct = org.records("SELECT SystemModstamp FROM Account WHERE Id = '001000000000003'")[0]
    assert acct["SystemModstamp"] == "2024-01-01T00:03:00.123+0000"


def test_paging_to_the_end_with_batch_size_and_short_pages(org):
    org.admin("PATCH", "settings", {"short_page_rate": 0.5})
    headers = BATCH_200
    r = org.query("SELECT Id, Name FROM Account ORDER BY Name", headers=headers)
    page = r.json()
    sizes, total, seen = [], page["totalSize"], []
    assert total == N_ACCOUNTS - N_ACCOUNTS // 10
    while True:
        assert page["totalSize"] == total
        sizes.append(len(page["records"]))
        seen += [rec["Id"] for rec in page["records"]]
        if page["done"]:
            assert "nextRecordsUrl" not in page
            break
        assert NEXT_RE.match(page["nextRecordsUrl"]) and page["nextRecordsUrl"].endswith(f"-{len(seen)}")
        page = org.get(page["nextRecordsUrl"], headers=headers).json()
    assert len(seen) == len(set(seen)) == total
    assert max(sizes) <= 200 and any(s < 200 for s in sizes[:-1]), "some non-final pages are short"


def test_batch_size_clamped_and_default(org):
    page = org.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=10"}).json()
    assert len(page["records"]) == 200 and page["done"] is False
    page = org.query("SELECT Id FROM Account").json()
    assert len(page["records"]) == page["totalSize"] == 855 and page["done"] is True  # default 2000


def test_trailing_slash_and_encoded_spaces(org):
    for path in (f"{V}/query/?q=SELECT+Id+FROM+Contact", f"{V}/query?q=SELECT%20Id%20FROM%20Contact"):
        r = org.get(path)
        assert r.status_code == 200 and r.json()["totalSize"] == 5


def test_query_excludes_deleted_queryall_includes(org):
    live = org.records("SELECT Id, IsDeleted FROM Account")
    every = org.records("SELECT Id, IsDeleted FROM Account", "queryAll")
    assert len(live) == 855 and not any(r["IsDeleted"] for r in live)
    assert len(every) == N_ACCOUNTS
    assert org.records("SELECT Id FROM Account WHERE IsDeleted = true") == []
    deleted = org.records("SELECT Id FROM Account WHERE IsDeleted = true", "queryAll/")
    assert len(deleted) == 95 and deleted[0]["Id"] == "001000000000009"
    page = org.query("SELECT Id FROM Account", "queryAll", headers=BATCH_200).json()
    assert page["nextRecordsUrl"].startswith(f"{V}/query/01g"), "queryAll's next link still says /query/"


def test_count(org):
    r = org.query("SELECT COUNT() FROM Account WHERE Name LIKE 'acme%'")
    assert r.json() == {"totalSize": 123, "done": True, "records": []}
    assert org.query("SELECT count() FROM Account", "queryAll").json()["totalSize"] == N_ACCOUNTS
    assert org.query("SELECT COUNT() FROM Account LIMIT 10").json()["totalSize"] == 10
    assert org.query("SELECT COUNT() FROM Account WITH SECURITY_ENFORCED").json()["totalSize"] == 855


# ---- incremental filters and SOQL semantics ------------------------------------------------------------


def test_incremental_cursor_on_systemmodstamp(org):
    soql = (
        "SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= {} "
        "ORDER BY SystemModstamp ASC, Id ASC"
    )
    recs = org.records(soql.format("2024-01-01T10:00:00Z"))
    assert recs[0]["SystemModstamp"] == "2024-01-01T10:00:00.123+0000"
    stamps = [r["SystemModstamp"] for r in recs]
    assert stamps == sorted(stamps) and len(recs) == 950 - 600 - 35
    # the same instant written with an offset, without colon, with fractions; and the served value itself
    for literal in ("2024-01-01T11:00:00+01:00", "2024-01-01T05:00:00-0500", "2024-01-01T10:00:00.000Z"):
        assert org.records(soql.format(literal)) == recs
    assert [r["Id"] for r in org.records(soql.replace(">=", ">").format(recs[0]["SystemModstamp"]))] == [
        r["Id"] for r in recs[1:]
    ]
    # a raw `+` in the URL is a space (the client must encode it): Salesforce rejects the query
    raw = f"{V}/query?q=SELECT+Id+FROM+Account+WHERE+SystemModstamp+>+2024-01-01T11:00:00+01:00"
    assert org.get(raw).json()[0]["errorCode"] == "MALFORMED_QUERY"
    recs = org.records("SELECT Id FROM Opportunity WHERE CloseDate >= 2024-01-10 AND CloseDate <= 2024-01-11")
    assert [r["Id"] for r in recs] == ["006000000000009", "006000000000010"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'ACME 00007'", ["001000000000007"]),  # text comparison is case-insensitive
        ("Name LIKE 'acme 0000%'", ["001000000000000", "001000000000007"]),
        ("Name LIKE 'Account 0000_'", [f"00100000000000{i}" for i in (1, 2, 3, 4, 5, 6, 8)]),
        (
            "Id IN ('001000000000001', '001000000000002', '001000000000099')",
            ["001000000000001", "001000000000002"],
        ),
        # != and NOT IN also match null
        ("Id < '001000000000004' AND Type != 'Customer'", ["001000000000000", "001000000000002"]),
        ("Id < '001000000000004' AND Type NOT IN ('Customer')", ["001000000000000", "001000000000002"]),
        ("Id < '001000000000004' AND Type = null", ["001000000000000", "001000000000002"]),
        ("Id < '001000000000004' AND NOT Type = 'Customer'", ["001000000000000", "001000000000002"]),
        (
            "(Id = '001000000000001' OR Id = '001000000000005') AND Type = 'Customer'",
            ["001000000000001", "001000000000005"],
        ),
        (
            "Id = '001000000000001' OR (Id = '001000000000002' AND Name != null)",
            ["001000000000001", "001000000000002"],
        ),
        ("Name = 'acme 00000' AND IsDeleted = false", ["001000000000000"]),
    ],
)
def test_where_semantics(org, where, expected):
    recs = org.records(f"SELECT Id FROM Account WHERE {where} ORDER BY Id")
    assert [r["Id"] for r in recs] == expected


def test_string_escapes_like_escape_order_limit_offset(org):
    assert len(org.records("SELECT Id FROM Opportunity WHERE Name LIKE '%O\\'Brien'")) == 11
    assert org.records("SELECT Id FROM Opportunity WHERE Name LIKE 'Deal\\_1%'") == []
    amounts = [r["Amount"] for r in org.records("SELECT Amount FROM Opportunity ORDER BY Amount")]
    assert amounts[:2] == [None, None] and amounts[2:] == sorted(amounts[2:])  # ASC: nulls first
    amounts = [r["Amount"] for r in org.records("SELECT Amount FROM Opportunity ORDER BY Amount DESC")]
    assert amounts[-2:] == [None, None]  # DESC: nulls last
    recs = org.records("SELECT Amount FROM Opportunity ORDER BY Amount DESC NULLS FIRST")
    amounts = [r["Amount"] for r in recs]
    assert amounts[:2] == [None, None]
    ids = [r["Id"] for r in org.records("SELECT Id FROM Account ORDER BY Id DESC LIMIT 3 OFFSET 1")]
    assert ids == ["001000000000947", "001000000000946", "001000000000945"]
    page = org.query("SELECT Id FROM Account LIMIT 250", headers=BATCH_200).json()
    assert page["totalSize"] == 250 and len(page["records"]) == 200
    recs = org.records("SELECT a.Id, Account.Name FROM Account a WHERE a.Id = '001000000000001'")
    assert list(recs[0]) == ["attributes", "Id", "Name"]
    recs = org.records("SELECT FIELDS(ALL) FROM Contact LIMIT 1")
    assert list(recs[0])[1:] == list(SCHEMAS["salesforce"]["Contact"])


@pytest.mark.parametrize(
    ("soql", "code", "snippet"),
    [
        ("SELECT Id FROM Foo", "INVALID_TYPE", "sObject type 'Foo' is not supported"),
        ("SELECT Id, Bogus FROM Account", "INVALID_FIELD", "No such column 'Bogus' on entity 'Account'"),
        ("SELECT Id FROM Account ORDER BY Bogus", "INVALID_FIELD", "No such column 'Bogus'"),
        ("SELECT Owner.Name FROM Account", "INVALID_FIELD", "Didn't understand relationship 'Owner'"),
        ("SELECT Id FRM Account", "MALFORMED_QUERY", "unexpected token: 'FRM'"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: <EOF>"),
        (
            "SELECT Id FROM Account WHERE Name = 'x' AND Id = 'y' OR Id = 'z'",
            "MALFORMED_QUERY",
            "unexpected token: 'OR'",
        ),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY", "ERROR at Row:1:Column:"),
        ("SELECT Id, Id FROM Account", "MALFORMED_QUERY", "duplicate field selected: Id"),
        (
            "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01",
            "INVALID_FIELD",
            "must be of type dateTime",
        ),
        ("SELECT Id FROM Account WHERE SystemModstamp > '2024-01-01T00:00:00Z'", "INVALID_FIELD", "dateTime"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD", "must be of type string"),
        ("SELECT Id FROM Opportunity WHERE Amount > '5'", "INVALID_FIELD", "must be of type double"),
        (
            "SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00",
            "MALFORMED_QUERY",
            "unexpected token",
        ),
        ("SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY", "LIMIT of at most 200"),
        ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed"),
    ],
)
def test_query_errors(org, soql, code, snippet):
    r = org.query(soql)
    assert r.status_code == 400
    body = r.json()
    assert isinstance(body, list) and len(body) == 1 and body[0]["errorCode"] == code
    assert snippet in body[0]["message"]


def test_error_message_points_at_the_token(org):
    message = org.query("SELECT Id FROM Foo").json()[0]["message"]
    assert message == (
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not "
        "supported. If you are attempting to use a custom object, be sure to append the '__c' after the "
        "entity name. Please reference your WSDL or the describe call for the appropriate names."
    )
    r = org.get(f"{V}/query")
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_query_locators(org):
    r = org.get(f"{V}/query/01gAAAAAAAAAAAAAAA-2000")
    assert r.status_code == 400 and r.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]
    assert org.get(f"{V}/query/garbage").json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
    headers = BATCH_200
    first = org.query("SELECT Id FROM Account", headers=headers).json()
    again = org.get(first["nextRecordsUrl"], headers=headers).json()
    assert again == org.get(first["nextRecordsUrl"], headers=headers).json(), "a page can be re-fetched"
    org.admin("PATCH", "settings", {"max_query_locators": 1})
    org.query("SELECT Id FROM Contact", headers=headers)  # fits one page: no locator opened
    org.query("SELECT Id FROM Account ORDER BY Name", headers=headers)  # opens one; the oldest is closed
    r = org.get(first["nextRecordsUrl"], headers=headers)
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


# ---- sObject resources -----------------------------------------------------------------------------------


def test_sobject_retrieve_and_describe(org):
    rec = org.get(f"{V}/sobjects/Opportunity/006000000000002").json()
    assert list(rec) == ["attributes", *SCHEMAS["salesforce"]["Opportunity"]]
    assert rec["Amount"] == 120000.0 and rec["CloseDate"] == "2024-01-03"
    rec = org.get(f"{V}/sobjects/account/001000000000001", params={"fields": "Name,Id"}).json()
    assert rec == {
        "attributes": {"type": "Account", "url": f"{V}/sobjects/Account/001000000000001"},
        "Name": "Account 00001",
        "Id": "001000000000001",
    }
    assert org.get(f"{V}/sobjects/Account/001000000000009").status_code == 404  # deleted
    assert org.get(f"{V}/sobjects/Account/001nope").json()[0]["errorCode"] == "NOT_FOUND"
    assert org.get(f"{V}/sobjects/Foo/describe").status_code == 404
    r = org.get(f"{V}/sobjects/Account/001000000000001", params={"fields": "Nope"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_FIELD"
    desc = org.get(f"{V}/sobjects/Opportunity/describe/").json()
    types = {f["name"]: f["type"] for f in desc["fields"]}
    assert types["Id"] == "id" and types["AccountId"] == "reference" and types["Amount"] == "currency"
    assert types["CloseDate"] == "date" and types["SystemModstamp"] == "datetime"
    assert types["IsWon"] == "boolean"
    assert desc["name"] == "Opportunity" and desc["keyPrefix"] == "006"
    assert org.get(f"{V}/sobjects/Contact").json()["objectDescribe"]["name"] == "Contact"


def test_updated_and_deleted_feeds(org):
    window = {"start": "2024-01-01T00:00:00+00:00", "end": "2024-01-01T00:20:00+00:00"}
    updated = org.get(f"{V}/sobjects/Account/updated/", params=window).json()
    assert updated["ids"] == [f"001{i:012d}" for i in range(20) if i % 10 != 9]
    deleted = org.get(f"{V}/sobjects/Account/deleted/", params=window).json()
    assert deleted["deletedRecords"] == [
        {"id": "001000000000009", "deletedDate": "2024-01-01T00:09:00.123+0000"},
        {"id": "001000000000019", "deletedDate": "2024-01-01T00:19:00.123+0000"},
    ]
    assert org.get(f"{V}/sobjects/Account/deleted/").status_code == 400


def test_patch_updates_fields_and_bumps_the_modstamp(tmp_path):
    app, creds, state = start(tmp_path, n_accounts=12, n_opps=4, n_contacts=2)
    with serve(app) as origin:
        o = Org(origin, creds, state)
        url = f"{V}/sobjects/Opportunity/006000000000001"
        before = o.get(url).json()
        t0 = time.time()
        r = o.http.patch(
            url,
            headers=o.auth,
            json={"StageName": "Closed Won", "Amount": 1234.5, "CloseDate": "2025-02-03", "IsWon": True},
        )
        assert r.status_code == 204 and r.content == b"" and "Sforce-Limit-Info" in r.headers
        after = json.loads(o.get(url).text, parse_float=Decimal)
        assert (after["StageName"], after["Amount"], after["CloseDate"], after["IsWon"]) == (
            "Closed Won",
            Decimal("1234.5"),
            "2025-02-03",
            True,
        )
        assert after["Name"] == before["Name"] and after["CreatedDate"] == before["CreatedDate"]
        assert (
            DATETIME_RE.match(after["SystemModstamp"])
            and after["LastModifiedDate"] == after["SystemModstamp"]
        )
        stamp = dt.datetime.fromisoformat(after["SystemModstamp"]).timestamp()
        assert abs(stamp - t0) < 5 and after["SystemModstamp"] > before["SystemModstamp"]
        # the incremental cursor sees the change: only this record is at or after its new stamp
        since = after["SystemModstamp"][:19] + "Z"
        ids = [
            x["Id"]
            for x in o.records(f"SELECT Id FROM Opportunity WHERE SystemModstamp >= {since}", "queryAll")
        ]
        assert ids == ["006000000000001"]
        assert (
            o.http.patch(
                f"{V}/sobjects/Contact/003000000000000/", headers=o.auth, json={"Title": "VP"}
            ).status_code
            == 204
        )  # trailing slash, another object
        # errors, with Salesforce's codes
        cases = [
            ({"Bogus": 1}, 400, "INVALID_FIELD"),
            ({"SystemModstamp": "2024-01-01T00:00:00Z"}, 400, "INVALID_FIELD_FOR_INSERT_UPDATE"),
            ({"Amount": "lots"}, 400, "JSON_PARSER_ERROR"),
            ({"IsWon": "yes"}, 400, "JSON_PARSER_ERROR"),
            ([1], 400, "JSON_PARSER_ERROR"),
        ]
        for body, status, code in cases:
            r = o.http.patch(url, headers=o.auth, json=body)
            assert (r.status_code, r.json()[0]["errorCode"]) == (status, code), body
        assert (
            o.http.patch(url, headers=o.auth, content=b"{nope").json()[0]["errorCode"] == "JSON_PARSER_ERROR"
        )
        r = o.http.patch(f"{V}/sobjects/Account/001000000000009", headers=o.auth, json={"Name": "x"})
        assert (r.status_code, r.json()[0]["errorCode"]) == (404, "ENTITY_IS_DELETED")
        assert o.http.patch(f"{V}/sobjects/Account/001nope", headers=o.auth, json={}).status_code == 404
        assert o.http.patch(url, json={"Name": "x"}).status_code == 401
        assert json.loads(o.get(url).text, parse_float=Decimal)["Amount"] == Decimal(
            "1234.5"
        )  # errors change nothing


# ---- faults ------------------------------------------------------------------------------------------------


def test_drift_faults_on_query_records(org):
    org.admin(
        "POST",
        "faults",
        [
            {"kind": "drift_add_field", "path": "/query", "field": "Surprise__c", "value": 1},
            {"kind": "drift_change_type", "path": "/query", "field": "Amount"},
        ],
    )
    recs = org.query("SELECT Id, Amount FROM Opportunity WHERE Amount != null").json()["records"]
    assert all(r["Surprise__c"] == 1 and isinstance(r["Amount"], str) for r in recs)
    assert list(recs[0])[:3] == ["attributes", "Id", "Amount"]


def test_repeat_next_fault_makes_a_pagination_loop(org):
    headers = BATCH_200
    first = org.query("SELECT Id FROM Account", headers=headers).json()
    org.admin("POST", "faults", {"kind": "repeat_next", "path": "/query/01g", "count": 1})
    second = org.get(first["nextRecordsUrl"], headers=headers).json()
    assert second["nextRecordsUrl"] == first["nextRecordsUrl"] and second["done"] is False
    org.admin("POST", "faults", {"kind": "repeat_next", "count": 1})
    r = org.query("SELECT Id FROM Contact")
    assert r.json()["nextRecordsUrl"] == f"{V}/query?q=SELECT+Id+FROM+Contact"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (503, "SERVER_UNAVAILABLE"),
        (500, "UNKNOWN_EXCEPTION"),
        (401, "INVALID_SESSION_ID"),
        (403, "REQUEST_LIMIT_EXCEEDED"),
        (429, "REQUEST_LIMIT_EXCEEDED"),
    ],
)
def test_injected_errors_carry_salesforce_bodies(org, status, code):
    org.admin("POST", "faults", {"kind": "error", "status": status, "path": "/query", "count": 1})
    r = org.query("SELECT Id FROM Account LIMIT 1")
    assert r.status_code == status
    body = r.json()
    assert isinstance(body, list) and body[0]["errorCode"] == code and body[0]["message"]
    assert "Retry-After" not in r.headers and "Sforce-Limit-Info" in r.headers
    assert org.query("SELECT Id FROM Account LIMIT 1").status_code == 200  # count=1: the next call is fine
    org.admin("POST", "faults", {"kind": "error", "status": status, "retry_after": "3", "count": 1})
    assert org.query("SELECT Id FROM Account LIMIT 1").headers["Retry-After"] == "3"


def test_unknown_setting_is_refused(tmp_path):
    with pytest.raises(ValueError):
        sf.create_app(tmp_path, tmp_path, sf.make_credentials(), {"nope": 1})


# ---- throughput --------------------------------------------------------------------------------------------


def test_serves_faster_than_ingest(tmp_path):
    app, creds, state = start(tmp_path, n_accounts=30_000, n_opps=10, n_contacts=1)
    with serve(app) as origin:
        o = Org(origin, creds, state)
        t0 = time.perf_counter()
        recs = o.records(
            "SELECT Id, Name, Type, Industry, BillingCountry, OwnerId, SystemModstamp "
            "FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z "
            "ORDER BY SystemModstamp, Id"
        )
        elapsed = time.perf_counter() - t0
    assert len(recs) == 27_000
    assert len(recs) / elapsed > 20_000, f"{len(recs) / elapsed:.0f} records/s"
