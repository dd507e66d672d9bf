"""The Salesforce source end to end against the tiny sandbox over loopback: counts per raw table, reruns
that load nothing, exactly the updated records (through Salesforce's own PATCH), and every fault the
simulator injects — throttling, 5xx, dropped connections, expired sessions, malformed / truncated pages,
pagination loops, schema drift — plus a multi-page walk with short pages against a larger org."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

import sandbox.salesforce as sf
from core.errors import typed_cause as _typed_cause
from core.retry import Verdict
from ingestion.common.errors import (
    AuthError,
    IngestionError,
    MalformedPageError,
    PaginationLoopError,
    SchemaContractError,
    ThrottledError,
)
from ingestion.run import run_vendor
from ingestion.salesforce.helpers import build_soql, classify, read_envelope, soql_datetime
from ingestion.salesforce.settings import OBJECTS
from tests.conftest import RunningSandbox
from tests.ingestion.conftest import FAST, table_rows
from tests.sandbox.loopback import serve
from tests.sandbox.salesforce_helpers import write_firm

pytestmark = pytest.mark.integration
DATASET = "raw_salesforce"
TABLES = {spec.table: sobject for sobject, spec in OBJECTS.items()}  # account -> Account, …


def run(**kwargs: Any) -> dict[str, int]:
    """One run of the real source; rows loaded per table (empty when nothing was loaded)."""
    return run_vendor("salesforce", say=lambda _: None, source_kwargs={"policy": FAST, **kwargs}).rows


def failed_run(**kwargs: Any) -> IngestionError:
    with pytest.raises(Exception) as info:
        run(**kwargs)
    cause = _typed_cause(info.value)
    assert cause is not None, f"no typed cause in {info.value!r}"
    return cause


def live_rows(data_dir: Path) -> dict[str, int]:
    """Rows per raw table with IsDeleted = false (the manifest counts live records)."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {DATASET}.{t} where not is_deleted").fetchone()[0]
                for t in TABLES}
    finally:
        con.close()


def expected(sandbox: RunningSandbox) -> dict[str, int]:
    return {table: sandbox.manifest["counts"]["salesforce"][sobject] for table, sobject in TABLES.items()}


class Org:
    """Salesforce's own REST API on the shared sandbox, for record updates (never creates or deletes)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        ep = sandbox.endpoints["salesforce"]
        self.base = f"{ep['base_url']}/services/data/v{ep['api_version']}"
        self.http = httpx.Client(timeout=10)
        token = self.http.post(ep["token_request"]["url"], data=ep["token_request"]["form"]).json()
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def ids(self, sobject: str, n: int) -> list[str]:
        soql = f"SELECT Id FROM {sobject} ORDER BY Id LIMIT {n}"
        return [r["Id"] for r in self.http.get(f"{self.base}/query", params={"q": soql},
                                                headers=self.headers).json()["records"]]

    def get(self, sobject: str, record_id: str) -> dict[str, Any]:
        return self.http.get(f"{self.base}/sobjects/{sobject}/{record_id}", headers=self.headers).json()

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        r = self.http.patch(f"{self.base}/sobjects/{sobject}/{record_id}", json=fields, headers=self.headers)
        assert r.status_code == 204, r.text

    def touch(self, sobject: str, record_id: str) -> None:
        """An edit that changes no business value (Name set to itself): only the modstamps move."""
        self.update(sobject, record_id, {"Name": self.get(sobject, record_id)["Name"]})


@pytest.fixture()
def org(tiny_sandbox: RunningSandbox) -> Any:
    o = Org(tiny_sandbox)
    yield o
    o.http.close()


# ---- loads -----------------------------------------------------------------------------------------------


def test_full_load_matches_the_manifest_and_a_rerun_loads_nothing(ingest_dir: Path, tiny_sandbox) -> None:
    first = run()
    assert set(first) == set(TABLES)
    assert live_rows(ingest_dir) == expected(tiny_sandbox)
    assert table_rows(ingest_dir, DATASET) == first  # soft-deleted rows arrive too, flagged
    con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
    try:
        types = dict(con.execute("select table_name || '.' || column_name, data_type from "
                                 "information_schema.columns where table_schema = ?", [DATASET]).fetchall())
        assert types["opportunity.amount"] == "DECIMAL(38,9)"
        assert not [c for c, t in types.items() if t in ("DOUBLE", "FLOAT", "REAL")]
        assert types["opportunity.close_date"] == "DATE" and types["opportunity.is_won"] == "BOOLEAN"
        assert types["account.system_modstamp"] == "TIMESTAMP WITH TIME ZONE"
        assert "account.attributes" not in types  # the {type, url} envelope is not data
        assert con.execute(f"select count(*) from {DATASET}.account where is_deleted").fetchone()[0] >= 1
        amounts = [r[0] for r in con.execute(f"select amount from {DATASET}.opportunity").fetchall()]
        assert all(isinstance(a, Decimal) for a in amounts if a is not None)
    finally:
        con.close()
    assert sum(run().values()) == 0


def test_after_n_updates_the_next_run_loads_exactly_n(ingest_dir: Path, org: Org) -> None:
    run()
    contact = org.ids("Contact", 1)[0]
    title = org.get("Contact", contact)["Title"]
    try:
        org.update("Contact", contact, {"Title": "Chief Test Officer"})
        for record_id in org.ids("Opportunity", 2):
            org.touch("Opportunity", record_id)
        assert run() == {"contact": 1, "opportunity": 2}
        con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
        try:
            assert con.execute(f"select title from {DATASET}.contact where id = ?", [contact]).fetchone() == (
                "Chief Test Officer",)
        finally:
            con.close()
        assert sum(run().values()) == 0  # the boundary row re-read by the inclusive filter is not loaded again
    finally:
        org.update("Contact", contact, {"Title": title})


# ---- faults ----------------------------------------------------------------------------------------------


def test_request_limit_403_is_throttling_with_backoff_then_retry_after(ingest_dir: Path, admin, tiny_sandbox) -> None:
    sleeps: list[float] = []
    a = admin("salesforce")
    a.add_fault(kind="error", status=403, count=2, path="/queryAll")
    run(sleep=sleeps.append)
    assert len(sleeps) == 2 and all(0 <= s <= FAST.cap_seconds for s in sleeps)  # full jitter, no header
    a.add_fault(kind="error", status=403, count=1, path="/queryAll", retry_after="1")
    sleeps.clear()
    run(sleep=sleeps.append)
    assert sleeps == [1.0]
    assert live_rows(ingest_dir) == expected(tiny_sandbox)


def test_throttling_past_the_budget_fails_typed(ingest_dir: Path, admin) -> None:
    admin("salesforce").add_fault(kind="error", status=403, count=50, path="/queryAll")
    error = failed_run(sleep=lambda _: None)
    assert isinstance(error, ThrottledError) and "REQUEST_LIMIT_EXCEEDED" in str(error)


def test_5xx_and_dropped_connections_are_retried(ingest_dir: Path, admin, tiny_sandbox) -> None:
    a = admin("salesforce")
    sleeps: list[float] = []
    a.add_fault(kind="error", status=503, count=2, path="/queryAll")
    run(sleep=sleeps.append)
    assert len(sleeps) == 2
    assert live_rows(ingest_dir) == expected(tiny_sandbox)
    a.add_fault(kind="drop", count=2, path="/queryAll")  # headers sent, then the connection closes mid-body
    sleeps.clear()
    run(sleep=sleeps.append)
    assert len(sleeps) == 2 and a.faults()[-1]["applied"] == 2


def test_a_session_expired_mid_run_is_refreshed(ingest_dir: Path, admin, tiny_sandbox) -> None:
    a = admin("salesforce")
    a.stats(reset=True)
    a.add_fault(kind="error", status=503, count=1, path="/queryAll")
    run(sleep=lambda _: a.expire_tokens())  # every session dies while the source waits to retry
    assert a.stats()["by_status"].get("401", 0) >= 1  # INVALID_SESSION_ID, then a new token
    assert live_rows(ingest_dir) == expected(tiny_sandbox)


def test_rejected_credentials_fail_fast_naming_the_setting(ingest_dir: Path) -> None:
    path = ingest_dir / "sandbox" / "endpoints.json"
    endpoints = json.loads(path.read_text())
    endpoints["salesforce"]["token_request"]["form"]["client_secret"] = "wrong"
    path.write_text(json.dumps(endpoints))
    error = failed_run()
    assert isinstance(error, AuthError) and "client_secret" in str(error) and "wrong" not in str(error)


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_bad_page_fails_typed_loads_nothing_and_a_clean_run_loads_everything(
        kind: str, ingest_dir: Path, admin, tiny_sandbox) -> None:
    a = admin("salesforce")
    a.add_fault(kind=kind, count=6, path="/queryAll")  # more than the one re-read per page
    error = failed_run()
    assert isinstance(error, MalformedPageError)
    assert error.vendor == "salesforce" and error.resource in TABLES and error.context["page"] == 1
    assert f"salesforce/{error.resource}" in str(error) and "page=1" in str(error) and "cursor=" in str(error)
    assert not (ingest_dir / "warehouse.duckdb").exists() or table_rows(ingest_dir, DATASET) == {}
    a.clear_faults()
    run()
    assert live_rows(ingest_dir) == expected(tiny_sandbox)


def test_a_failed_incremental_run_does_not_advance_the_cursor(ingest_dir: Path, admin, org: Org) -> None:
    run()
    record_id = org.ids("Opportunity", 1)[0]
    org.touch("Opportunity", record_id)
    admin("salesforce").add_fault(kind="truncate", count=20, path="/queryAll")
    assert isinstance(failed_run(), MalformedPageError)
    admin("salesforce").clear_faults()
    assert run() == {"opportunity": 1}  # the change was not lost behind an advanced cursor


def test_a_repeated_next_link_is_a_pagination_loop(ingest_dir: Path, admin) -> None:
    admin("salesforce").add_fault(kind="repeat_next", count=3, path="/queryAll")
    error = failed_run()
    assert isinstance(error, PaginationLoopError) and error.resource in TABLES


def test_an_added_field_evolves_the_raw_table(ingest_dir: Path, admin, org: Org) -> None:
    run()
    con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
    try:  # the boundary rows the inclusive cursor re-reads, per table
        boundary = {t: {r[0] for r in con.execute(f"select id from {DATASET}.{t} where system_modstamp = "
                                                  f"(select max(system_modstamp) from {DATASET}.{t})").fetchall()}
                    for t in TABLES}
    finally:
        con.close()
    touched = org.ids("Account", 1)[0]
    org.touch("Account", touched)
    admin("salesforce").add_fault(kind="drift_add_field", path="/queryAll", field="Region__c", value="EMEA")
    result = run_vendor("salesforce", say=lambda _: None, source_kwargs={"policy": FAST})
    # the touched account, and every boundary row: the added field changed their content, so they load
    # again (RELIABILITY.md F21: only content already loaded is skipped)
    reloaded = {t: ids | ({touched} if t == "account" else set()) for t, ids in boundary.items()}
    assert result.rows == {t: len(ids) for t, ids in reloaded.items() if ids}
    assert "account.region__c" in result.schema_changes
    con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
    try:
        assert {r[0] for r in con.execute(f"select id from {DATASET}.account where region__c = 'EMEA'").fetchall()} \
            == reloaded["account"]
    finally:
        con.close()


@pytest.mark.parametrize("field", ["Amount", "Id"])
def test_a_money_or_key_type_change_is_a_contract_error(field: str, ingest_dir: Path, admin) -> None:
    admin("salesforce").add_fault(kind="drift_change_type", path="/queryAll", field=field)
    error = failed_run()
    assert isinstance(error, SchemaContractError) and field in str(error)
    assert not (ingest_dir / "warehouse.duckdb").exists() or table_rows(ingest_dir, DATASET) == {}


# ---- paging over many short pages (a larger org than tiny, on its own simulator) --------------------------


def test_walks_many_short_pages_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = sf.make_credentials()
    firm = write_firm(tmp_path / "sf", n_accounts=950, n_opps=12, n_contacts=5)  # every 10th account deleted
    app, state = sf.create_app(firm, tmp_path / "state", creds, {"short_page_rate": 0.5})
    with serve(app) as origin:
        (tmp_path / "data" / "sandbox").mkdir(parents=True)
        (tmp_path / "data" / "sandbox" / "endpoints.json").write_text(
            json.dumps({"salesforce": sf.describe(origin, creds, state)}))
        monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path / "data"))
        said: list[str] = []
        result = run_vendor("salesforce", say=said.append, source_kwargs={"policy": FAST, "page_size": 200})
        assert result.rows == {"account": 950, "opportunity": 12, "contact": 5}
        assert live_rows(tmp_path / "data") == {"account": 855, "opportunity": 11, "contact": 5}
        done = next(m for m in said if "salesforce/account: done" in m)
        assert int(done.split(" in ")[1].split()[0]) >= 5  # 950 rows at ≤ 200 a page, some pages short
        assert sum(run_vendor("salesforce", say=said.append).rows.values()) == 0


# ---- the pure parts ------------------------------------------------------------------------------------------


def _response(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(("status", "body", "verdict"), [
    (200, {"records": []}, Verdict.OK),
    (403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], Verdict.THROTTLED),
    (403, [{"message": "no", "errorCode": "INSUFFICIENT_ACCESS"}], Verdict.FAIL),
    (401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], Verdict.REAUTH),
    (429, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
     Verdict.THROTTLED),
    (503, [{"message": "Server temporarily unavailable", "errorCode": "SERVER_UNAVAILABLE"}], Verdict.RETRY),
    (500, [{"message": "x", "errorCode": "UNKNOWN_EXCEPTION"}], Verdict.RETRY),
    (400, [{"message": "x", "errorCode": "MALFORMED_QUERY"}], Verdict.FAIL),
    (400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}], Verdict.FAIL),
])
def test_classify(status: int, body: Any, verdict: Verdict) -> None:
    assert classify(_response(status, body)) is verdict


def test_incremental_soql() -> None:
    since = dt.datetime(2024, 5, 1, 10, 2, 3, 456000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert soql_datetime(since) == "2024-05-01T08:02:03Z"  # documented literal form, cut to the second
    assert soql_datetime("2024-05-01T08:02:03.456+00:00") == "2024-05-01T08:02:03Z"
    soql = build_soql("Opportunity", OBJECTS["Opportunity"], since)
    assert soql.startswith("SELECT Id, AccountId, Name, StageName, Amount, ")
    assert soql.endswith(" FROM Opportunity WHERE SystemModstamp >= 2024-05-01T08:02:03Z "
                         "ORDER BY SystemModstamp ASC, Id ASC")


@pytest.mark.parametrize("body", [
    [], {"done": True, "totalSize": 0}, {"records": [], "totalSize": 0},
    {"records": [], "done": False, "totalSize": 5},
    {"records": [], "done": False, "totalSize": 5, "nextRecordsUrl": "https://evil.example.com/x"},
])
def test_envelope_that_is_not_a_query_page_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedPageError, match="salesforce/account"):
        read_envelope(body, resource="account", page=3, cursor="2024-01-01T00:00:00Z")
