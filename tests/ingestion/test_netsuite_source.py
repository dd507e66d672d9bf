"""The NetSuite source, run for real against the tiny sandbox over loopback: counts equal the manifest,
incremental runs load exactly what changed (a schedule and its lines), every fault ends in a retry or a typed
error with nothing half loaded, and money stays DECIMAL.

The sandbox is shared by the session: records are never created or deleted here, only touched (a PATCH that
sets a billing schedule's `name` to the value it already has, which moves its `lastmodifieddate`)."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from core.errors import ConfigError
from core.errors import typed_cause as _typed_cause
from core.retry import Verdict
from core.settings import netsuite_sandbox
from ingestion.common.errors import MalformedPageError, PaginationLoopError, SchemaContractError
from ingestion.netsuite import netsuite
from ingestion.netsuite.helpers import build_query, classify, cursor_text, parse_items
from ingestion.netsuite.settings import EXACT, TABLES
from ingestion.pipelines import make_pipeline
from ingestion.run import run_vendor
from tests.conftest import RunningSandbox
from tests.ingestion.conftest import FAST, AfterFirstPage, table_rows

pytestmark = pytest.mark.integration
DATASET = "raw_netsuite"
SCHEDULES = ["billing_schedule", "billing_schedule_line"]
BY_NAME = {t.name: t for t in TABLES}
COUNTED = {t.name: t.record for t in TABLES if t.record}  # raw table -> manifest object
LINES = {  # raw tables the manifest does not count -> their live count, by SuiteQL
    "billing_schedule_line": "SELECT COUNT(*) AS n FROM billingschedulerecurrence",
    "invoice_line": "SELECT COUNT(*) AS n FROM transactionline l JOIN transaction t ON t.id = l.transaction "
                    "WHERE t.type = 'CustInvc'",
    "journal_entry_line": "SELECT COUNT(*) AS n FROM transactionline l JOIN transaction t ON t.id = l.transaction "
                          "WHERE t.type = 'Journal'",
    "payment_application": "SELECT COUNT(*) AS n FROM previoustransactionlink",
}


# ---- helpers ---------------------------------------------------------------------------------------------
def run(**source_kwargs: Any):
    return run_vendor("netsuite", say=lambda m: None, source_kwargs={"policy": FAST, **source_kwargs})


def run_with(progress: Any, **source_kwargs: Any) -> None:
    """A run whose progress object acts between pages (run_vendor brings its own Progress)."""
    make_pipeline("netsuite").run(netsuite(progress=progress, policy=FAST, **source_kwargs))


def query(data_dir: Path, sql: str, *params: Any) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def typed(excinfo: pytest.ExceptionInfo) -> Exception:
    cause = _typed_cause(excinfo.value)
    assert cause is not None, f"no typed ingestion error behind {excinfo.value!r}"
    return cause


class Vendor:
    """The sandbox's NetSuite as a user would call it (fresh token: other tests expire tokens) — through the
    writer integration, since it edits schedules (the ingestion integration may only read)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        entry = sandbox.endpoints["netsuite"]
        self.base = entry["base_url"]
        self.http = httpx.Client(timeout=10)
        writer = netsuite_sandbox(entry, "write_m2m")
        token = self.http.post(writer.token_url, data=writer.token_form())  # type: ignore[misc]
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def suiteql(self, q: str, limit: int = 1000) -> list[dict[str, Any]]:
        answer = self.http.post(f"{self.base}/query/v1/suiteql", params={"limit": limit, "offset": 0},
                                json={"q": q}, headers={**self.headers, "Prefer": "transient"})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    def touch(self, schedule_ids: list[str]) -> None:
        """Move lastModifiedDate without changing the schedule: PATCH its name to its current value."""
        for sid in schedule_ids:
            name = self.suiteql(f"SELECT name FROM billingschedule WHERE id = {int(sid)}")[0]["name"]
            answer = self.http.patch(f"{self.base}/record/v1/billingSchedule/{sid}", json={"name": name},
                                     headers=self.headers)
            assert answer.status_code == 204, answer.text

    def first_schedules(self, n: int) -> list[str]:
        """The schedules the walk reads first (its order: lastmodifieddate, id)."""
        return [r["id"] for r in self.suiteql("SELECT id FROM billingschedule ORDER BY lastmodifieddate, id", n)]

    def count(self, q: str) -> int:
        return int(self.suiteql(q)[0]["n"])

    def close(self) -> None:
        self.http.close()


@pytest.fixture()
def vendor(tiny_sandbox: RunningSandbox):
    v = Vendor(tiny_sandbox)
    yield v
    v.close()


def expected(sandbox: RunningSandbox, vendor: Vendor) -> dict[str, int]:
    counts = sandbox.manifest["counts"]["netsuite"]
    return {**{name: counts[record] for name, record in COUNTED.items()},
            **{name: vendor.count(q) for name, q in LINES.items()}}


def rates(sandbox: RunningSandbox) -> dict[str, int]:
    return {"currency_rate": sandbox.manifest["counts"]["netsuite"]["currencyRate"]}


def lines_of(data_dir: Path, schedule_ids: list[str]) -> int:
    return query(data_dir, f"select count(*) from {DATASET}.billing_schedule_line where billingschedule in "
                           f"({', '.join('?' * len(schedule_ids))})", *schedule_ids)[0][0]


def schedule_ids(data_dir: Path, n: int) -> list[str]:
    return [r[0] for r in query(data_dir, f"select id from {DATASET}.billing_schedule order by id limit ?", n)]


# ---- pure pieces -----------------------------------------------------------------------------------------
def _error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
                                        "title": "x", "status": status,
                                        "o:errorDetails": [{"detail": "x", "o:errorCode": code}]})


@pytest.mark.parametrize("status,code,verdict", [
    (429, "CONCURRENCY_LIMIT_EXCEEDED", Verdict.THROTTLED),
    (400, "SSS_REQUEST_LIMIT_EXCEEDED", Verdict.THROTTLED),
    (401, "INVALID_LOGIN", Verdict.REAUTH),
    (400, "INVALID_PARAMETER", Verdict.FAIL),
    (403, "INSUFFICIENT_PERMISSION", Verdict.FAIL),
    (503, "UNEXPECTED_ERROR", Verdict.RETRY),
    (200, "", Verdict.OK)])
def test_classify(status: int, code: str, verdict: Verdict) -> None:
    assert classify(_error(status, code)) is verdict


def test_query_selects_text_datetimes_filters_inclusively_and_continues_by_keyset() -> None:
    import datetime as dt

    assert cursor_text(dt.datetime(2026, 5, 6, 13, 41, 7, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))) \
        == "2026-05-06 11:41:07"
    q = build_query(BY_NAME["invoice_line"], "2026-01-02 03:04:05", after=("2026-02-01 15:00:00", ("100034", "34")))
    assert "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS transaction_lastmodifieddate" in q
    assert "t.type = 'CustInvc' AND t.lastmodifieddate >= TO_TIMESTAMP('2026-01-02 03:04:05', " in q
    assert ("(t.lastmodifieddate > TO_TIMESTAMP('2026-02-01 15:00:00', 'YYYY-MM-DD HH24:MI:SS') OR "
            "(t.lastmodifieddate = TO_TIMESTAMP('2026-02-01 15:00:00', 'YYYY-MM-DD HH24:MI:SS') AND "
            "(l.transaction > 100034 OR (l.transaction = 100034 AND l.id > 34))))") in q
    assert q.endswith("ORDER BY t.lastmodifieddate, l.transaction, l.id")
    with pytest.raises(ValueError):  # only internal ids are ever embedded
        build_query(BY_NAME["invoice"], "2026-01-02 03:04:05", after=("2026-02-01 15:00:00", ("1 OR 1=1",)))


def test_items_become_typed_rows_and_a_number_where_text_belongs_is_a_contract_error() -> None:
    table = BY_NAME["invoice"]
    item = {"links": [], "id": "7", "foreigntotal": "1234.567", "exchangerate": "3.25", "trandate": "2026-01-31",
            "lastmodifieddate": "2026-02-01 15:00:00", "custbody_new": "x"}
    [row] = parse_items([item], table, page=0, cursor="c")
    assert row == {"id": "7", "foreigntotal": Decimal("1234.567"), "exchangerate": Decimal("3.25"),
                   "trandate": "2026-01-31", "lastmodifieddate": "2026-02-01 15:00:00Z", "custbody_new": "x"}
    with pytest.raises(SchemaContractError, match="foreigntotal"):
        parse_items([{**item, "foreigntotal": Decimal("1234.567")}], table, page=0, cursor="c")
    with pytest.raises(MalformedPageError, match="netsuite/invoice.*no 'id'"):
        parse_items([{k: v for k, v in item.items() if k != "id"}], table, page=3, cursor="c")


def _public_key(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_the_sandbox_reader_signs_ps256_assertions_like_a_configured_account(ingest_dir: Path, tiny_sandbox,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import jwt

    from ingestion.common.settings import resolve
    from sandbox.netsuite.client_assertion import new_integration

    m2m = tiny_sandbox.endpoints["netsuite"]["m2m"]
    sandbox = resolve("netsuite")
    assertion = sandbox.token_form()["client_assertion"]  # type: ignore[misc]
    public = _public_key(Path(m2m["private_key_file"]).read_text())
    claims = jwt.decode(assertion, public, algorithms=["PS256"], audience=m2m["token_url"], issuer=m2m["client_id"])
    assert jwt.get_unverified_header(assertion)["kid"] == m2m["certificate_id"] and claims["exp"] - claims["iat"] <= 3600
    # a configured account: the same code path, from the settings the platform reads
    key = new_integration()
    base = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    for name, value in {"BASE_URL": base, "CLIENT_ID": "cid", "CERTIFICATE_ID": "cert-1",
                        "PRIVATE_KEY": key["private_key"]}.items():
        monkeypatch.setenv(f"SOURCES__NETSUITE__{name}", value)
    configured = resolve("netsuite")
    assertion = configured.token_form()["client_assertion"]  # type: ignore[misc]
    claims = jwt.decode(assertion, key["public_key"], algorithms=["PS256"], audience=f"{base}/auth/oauth2/v1/token",
                        issuer="cid")
    assert jwt.get_unverified_header(assertion)["kid"] == "cert-1" and claims["scope"] == ["rest_webservices"]
    monkeypatch.setenv("SOURCES__NETSUITE__PRIVATE_KEY", "not a key")
    with pytest.raises(ConfigError, match="sources.netsuite.private_key is not an unencrypted PEM") as err:
        resolve("netsuite")
    assert "not a key" not in str(err.value)


# ---- loads -----------------------------------------------------------------------------------------------
def test_full_load_matches_the_manifest_then_reruns_load_nothing(ingest_dir: Path, tiny_sandbox, vendor) -> None:
    want = expected(tiny_sandbox, vendor)
    first = run(page_size=200)  # several pages per large table (and the sandbox's short pages)
    assert first.rows == want
    assert table_rows(ingest_dir, DATASET) == want
    for name, table in BY_NAME.items():  # keys unique and present
        keys = ", ".join(table.keys)
        assert query(ingest_dir, f"select count(distinct ({keys})) from {DATASET}.{name}") == [(want[name],)]
    second = run()  # the boundary rows are re-read (inclusive cursor) and de-duplicated by primary key
    assert second.rows == {}
    assert table_rows(ingest_dir, DATASET) == want


def test_after_n_schedules_change_the_next_run_loads_exactly_them_and_their_lines(ingest_dir: Path, tiny_sandbox,
                                                                                 vendor) -> None:
    run()
    ids = schedule_ids(ingest_dir, 3)
    before = dict(query(ingest_dir, f"select id, lastmodifieddate from {DATASET}.billing_schedule"))
    vendor.touch(ids)
    assert run().rows == {"billing_schedule": 3, "billing_schedule_line": lines_of(ingest_dir, ids)}
    after = dict(query(ingest_dir, f"select id, lastmodifieddate from {DATASET}.billing_schedule"))
    assert {sid for sid in after if after[sid] != before[sid]} == set(ids)
    assert table_rows(ingest_dir, DATASET) == expected(tiny_sandbox, vendor)
    assert run().rows == {}


@pytest.mark.parametrize(("table", "page_size", "cap"), [
    ("billing_schedule", 5, None),
    ("billing_schedule", 2, 5),  # past the cap: the schedule moves from the first query to the last
    ("billing_schedule_line", 10, 50),  # all its lines move, from under one cursor value (a multi-row parent)
])
def test_a_schedule_edited_during_the_walk_does_not_make_it_skip_another(ingest_dir: Path, tiny_sandbox, vendor,
                                                                        admin, caplog: pytest.LogCaptureFixture,
                                                                        table: str, page_size: int,
                                                                        cap: int | None) -> None:
    """Offset paging over live data: saving a schedule of page 0 moves it (and its lines) to the end and shifts
    the rest back, so a row would fall between pages 0 and 1. The walk notices and walks again: every row
    loads once, the saved schedule's in its newest version. With a capped query (SuiteQL answers at most
    `max_results` rows) the moved rows come back in a later keyset query."""
    a = admin("netsuite")
    old = a.settings()["max_results"]
    if cap:
        a.settings(max_results=cap)
    moving = vendor.first_schedules(1)
    try:
        with caplog.at_level(logging.WARNING, logger="ingestion"):
            run_with(AfterFirstPage(lambda: vendor.touch(moving)), page_size=page_size, objects=[table],
                     max_results=cap)
    finally:
        a.settings(max_results=old)
    assert "walking again" in caplog.text
    t = BY_NAME[table]
    keys = ", ".join(t.keys)
    n = vendor.count("SELECT COUNT(*) AS n FROM " + t.source.split(" JOIN ")[0])
    assert query(ingest_dir, f"select count(*), count(distinct ({keys})) from {DATASET}.{table}") == [(n, n)]
    saved = vendor.suiteql(f"SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS t FROM billingschedule "
                           f"WHERE id = {int(moving[0])}")[0]["t"]
    parent = "id" if table == "billing_schedule" else "billingschedule"
    loaded = query(ingest_dir, f"select distinct strftime({t.cursor} at time zone 'UTC', '%Y-%m-%d %H:%M:%S') "
                               f"from {DATASET}.{table} where {parent} = ?", moving[0])
    assert loaded == [(saved,)]


def test_past_the_query_result_cap_the_walk_continues_by_keyset(ingest_dir: Path, tiny_sandbox, admin) -> None:
    a = admin("netsuite")
    old = a.settings()["max_results"]
    a.settings(max_results=500)
    try:
        assert run(objects=["currency_rate"], max_results=500).rows == \
            {"currency_rate": tiny_sandbox.manifest["counts"]["netsuite"]["currencyRate"]}
    finally:
        a.settings(max_results=old)
    n = tiny_sandbox.manifest["counts"]["netsuite"]["currencyRate"]
    assert query(ingest_dir, f"select count(distinct id) from {DATASET}.currency_rate") == [(n,)]


# ---- faults: retried ---------------------------------------------------------------------------------------
def test_throttling_without_retry_after_backs_off(ingest_dir: Path, tiny_sandbox, admin) -> None:
    admin("netsuite").add_fault(kind="error", status=429, count=3, path="suiteql")
    slept: list[float] = []
    assert run(sleep=slept.append, objects=["currency_rate"]).rows == rates(tiny_sandbox)
    assert len(slept) == 3 and all(0 <= s <= FAST.cap_seconds for s in slept)  # full jitter, no Retry-After


def test_throttling_with_retry_after_waits_that_long(ingest_dir: Path, tiny_sandbox, admin) -> None:
    admin("netsuite").add_fault(kind="error", status=429, count=1, retry_after="1", path="suiteql")
    slept: list[float] = []
    assert run(sleep=slept.append, objects=["customer"]).rows == \
        {"customer": tiny_sandbox.manifest["counts"]["netsuite"]["customer"]}
    assert slept == [1.0]


@pytest.mark.parametrize("fault", [{"kind": "error", "status": 503}, {"kind": "error", "status": 500},
                                   {"kind": "drop"}])
def test_5xx_and_dropped_connections_are_retried(ingest_dir: Path, tiny_sandbox, admin, fault: dict) -> None:
    admin("netsuite").add_fault(**fault, count=2, path="suiteql")
    assert run(objects=["currency_rate"]).rows == rates(tiny_sandbox)


def test_expired_token_mid_walk_is_refreshed(ingest_dir: Path, tiny_sandbox, admin) -> None:
    a = admin("netsuite")
    before = a.stats()["by_status"].get("401", 0)
    run_with(AfterFirstPage(a.expire_tokens), page_size=500, objects=["currency_rate"])
    assert a.stats()["by_status"].get("401", 0) == before + 1  # one INVALID_LOGIN, then a fresh token
    assert table_rows(ingest_dir, DATASET) == rates(tiny_sandbox)


# ---- faults: typed errors, nothing loaded, cursor not advanced -----------------------------------------------
def test_malformed_page_fails_the_run_and_loads_nothing(ingest_dir: Path, tiny_sandbox, admin) -> None:
    # currency_rate pages 0 and 1 are fine, page 2 is not JSON, twice (past the one re-read)
    admin("netsuite").add_fault(kind="malformed", after=2, count=2, path="suiteql")
    with pytest.raises(Exception) as excinfo:
        run_with(None, objects=["currency_rate"])
    error = typed(excinfo)
    assert isinstance(error, MalformedPageError)
    assert "netsuite/currency_rate" in str(error) and "page=2" in str(error)
    assert table_rows(ingest_dir, DATASET) == {}  # not even pages 0 and 1
    admin("netsuite").clear_faults()
    assert run(objects=["currency_rate"]).rows == rates(tiny_sandbox)  # a clean run starts from the beginning


def test_truncated_page_fails_and_the_cursor_does_not_advance(ingest_dir: Path, tiny_sandbox, vendor, admin) -> None:
    run(objects=SCHEDULES)
    ids = schedule_ids(ingest_dir, 2)
    vendor.touch(ids)
    admin("netsuite").add_fault(kind="truncate", count=2, path="suiteql")
    with pytest.raises(Exception) as excinfo:
        run(objects=SCHEDULES)
    error = typed(excinfo)
    assert isinstance(error, MalformedPageError) and "page=0" in str(error)
    assert error.vendor == "netsuite" and error.resource in BY_NAME
    admin("netsuite").clear_faults()
    # the failed run moved no cursor: the two changes (and their lines) load now
    assert run(objects=SCHEDULES).rows == {"billing_schedule": 2, "billing_schedule_line": lines_of(ingest_dir, ids)}


def test_repeated_next_link_is_a_pagination_loop(ingest_dir: Path, tiny_sandbox, admin) -> None:
    admin("netsuite").add_fault(kind="repeat_next", count=1, path="suiteql")
    with pytest.raises(Exception) as excinfo:
        run_with(None, objects=["currency_rate"])
    error = typed(excinfo)
    assert isinstance(error, PaginationLoopError) and "netsuite/currency_rate" in str(error) and "page=1" in str(error)
    assert table_rows(ingest_dir, DATASET) == {}


# ---- schema drift ----------------------------------------------------------------------------------------
def test_an_added_field_evolves_the_raw_table(ingest_dir: Path, tiny_sandbox, vendor, admin) -> None:
    run(objects=SCHEDULES)
    newest = f"(select max(lastmodifieddate) from {DATASET}.billing_schedule)"
    boundary = [r[0] for r in query(ingest_dir, f"select id from {DATASET}.billing_schedule "
                                                f"where lastmodifieddate = {newest}")]
    ids = schedule_ids(ingest_dir, 1)
    vendor.touch(ids)
    admin("netsuite").add_fault(kind="drift_add_field", field="custbody_risk", value="high", path="suiteql")
    result = run(objects=SCHEDULES)
    # the touched schedule, and the boundary schedules the cursor re-reads: the added field changed their
    # content, so they load again (RELIABILITY.md F21: only content already loaded is skipped), lines too
    reloaded = sorted(set(ids) | set(boundary))
    assert result.rows == {"billing_schedule": len(reloaded), "billing_schedule_line": lines_of(ingest_dir, reloaded)}
    assert "billing_schedule.custbody_risk" in result.schema_changes
    assert query(ingest_dir, f"select id, custbody_risk from {DATASET}.billing_schedule "
                             "where custbody_risk is not null order by id") == [(i, "high") for i in reloaded]


@pytest.mark.parametrize("field", ["id", "foreigntotal", "amount"])
def test_a_key_or_money_type_change_is_a_contract_error(ingest_dir: Path, tiny_sandbox, admin, field: str) -> None:
    admin("netsuite").add_fault(kind="drift_change_type", field=field, path="suiteql")
    with pytest.raises(Exception) as excinfo:
        run()
    error = typed(excinfo)
    assert isinstance(error, SchemaContractError) and f"field {field!r}" in str(error)
    assert error.vendor == "netsuite" and error.resource in BY_NAME
    assert table_rows(ingest_dir, DATASET) == {}


# ---- money -----------------------------------------------------------------------------------------------
def test_money_is_decimal_in_the_warehouse_and_exact(ingest_dir: Path, tiny_sandbox) -> None:
    run()
    types = {(t, c): d for t, c, d in query(ingest_dir, "select table_name, column_name, data_type from "
                                                        "information_schema.columns where table_schema = ?", DATASET)}
    assert not {k: v for k, v in types.items() if v in ("DOUBLE", "FLOAT", "REAL")}
    for name, table in BY_NAME.items():
        for column, _, kind in table.columns:
            if kind in EXACT:
                assert types[(name, column)] == "DECIMAL(38,9)", (name, column)
        assert types[(name, table.cursor)] == "TIMESTAMP WITH TIME ZONE"
    firm = tiny_sandbox.sandbox_dir / "firm" / "netsuite"
    generated = dict(duckdb.sql(f"select cast(id as varchar), foreigntotal from '{firm}/transaction.parquet'").fetchall())
    loaded = dict(query(ingest_dir, f"select id, foreigntotal from {DATASET}.invoice union all "
                                    f"select id, foreigntotal from {DATASET}.customer_payment union all "
                                    f"select id, foreigntotal from {DATASET}.journal_entry"))
    assert loaded == generated  # same digits (KWD to 3 places, JPY whole)
    assert any(v != v.quantize(Decimal("0.01")) for v in loaded.values() if v is not None)
