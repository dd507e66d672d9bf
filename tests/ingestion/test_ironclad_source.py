"""The Ironclad source, run for real against the tiny sandbox over loopback: counts equal the manifest,
incremental runs load exactly what changed, every fault ends in a retry or a typed error with nothing half
loaded, and money inside `properties` stays exact JSON numbers.

The sandbox is shared by the session: records are never created or deleted here, only touched (a PATCH
that sets `counterpartyName` to the value it already has, which bumps `lastUpdated`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from core.errors import typed_cause as _typed_cause
from core.retry import Verdict
from ingestion.common.errors import MalformedPageError, PaginationLoopError, SchemaContractError
from ingestion.ironclad import ironclad
from ingestion.ironclad.helpers import classify, exact_json, since_param
from ingestion.pipelines import make_pipeline
from ingestion.run import run_vendor
from tests.conftest import RunningSandbox
from tests.ingestion.conftest import FAST, AfterFirstPage, table_rows

pytestmark = pytest.mark.integration
DATASET = "raw_ironclad"


# ---- helpers ---------------------------------------------------------------------------------------------
def run(**source_kwargs: Any):
    return run_vendor("ironclad", say=lambda m: None, source_kwargs={"policy": FAST, **source_kwargs})


def run_with(progress: Any, **source_kwargs: Any) -> None:
    """A run whose progress object acts between pages (run_vendor brings its own Progress)."""
    make_pipeline("ironclad").run(ironclad(progress=progress, policy=FAST, **source_kwargs))


def expected(sandbox: RunningSandbox) -> int:
    return sandbox.manifest["counts"]["ironclad"]["records"]


def query(data_dir: Path, sql: str, *params: Any) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


class Vendor:
    """The sandbox's Ironclad API as a user would call it (fresh token: other tests expire tokens)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        entry = sandbox.endpoints["ironclad"]
        self.base = entry["base_url"]
        self.http = httpx.Client(timeout=10)
        token = self.http.post(entry["token_request"]["url"], data=entry["token_request"]["form"])
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}", **entry["headers"]}

    def first_page(self, size: int) -> list[dict[str, Any]]:
        params = {"page": 0, "pageSize": size, "sortField": "lastUpdated", "sortDirection": "ASC"}
        return self.http.get(f"{self.base}/records", params=params, headers=self.headers).json()["list"]

    def touch(self, record_ids: list[str]) -> None:
        """Bump lastUpdated without changing the record: set counterpartyName to its current value."""
        for rid in record_ids:
            doc = self.http.get(f"{self.base}/records/{rid}", headers=self.headers).json()
            body = {"addProperties": {"counterpartyName": doc["properties"]["counterpartyName"]}}
            answer = self.http.patch(f"{self.base}/records/{rid}", json=body, headers=self.headers)
            assert answer.status_code == 200, answer.text

    def close(self) -> None:
        self.http.close()


@pytest.fixture()
def vendor(tiny_sandbox: RunningSandbox):
    v = Vendor(tiny_sandbox)
    yield v
    v.close()


def msa_ids(data_dir: Path, n: int) -> list[str]:
    """MSAs: records with no amendment parent, so a touch changes exactly that record."""
    return [r[0] for r in query(data_dir, f"select id from {DATASET}.records where type = 'msa' "
                                          "order by ironclad_id limit ?", n)]


def typed(excinfo: pytest.ExceptionInfo) -> Exception:
    cause = _typed_cause(excinfo.value)
    assert cause is not None, f"no typed ingestion error behind {excinfo.value!r}"
    return cause


# ---- pure pieces -----------------------------------------------------------------------------------------
def test_exact_json_writes_decimals_as_numbers_with_their_digits() -> None:
    value = {"amount": Decimal("175.50"), "currency": "KWD", "n": 3, "big": Decimal("1E+3"), "neg": Decimal("-0.125"),
             "text": "175.50", "list": [Decimal("0.1"), None, True], "name": "SOW – Ω"}
    text = exact_json(value)
    assert '"amount":175.50' in text and '"big":1000' in text and '"neg":-0.125' in text and '"text":"175.50"' in text
    assert json.loads(text, parse_float=Decimal) == {**value, "big": Decimal(1000)}


def test_since_param_is_inclusive_utc_milliseconds() -> None:
    stamp = dt.datetime(2026, 5, 6, 13, 41, 0, 123999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert since_param(stamp) == "2026-05-06T11:41:00.123Z"  # rounded down: the boundary record is re-read
    assert since_param("2024-01-01T00:00:00Z") == "2024-01-01T00:00:00.000Z"


@pytest.mark.parametrize("status,body,verdict", [
    (401, {"code": "UNAUTHORIZED", "message": "token has expired"}, Verdict.REAUTH),
    (429, {"code": "TOO_MANY_REQUESTS", "message": "rate limit"}, Verdict.THROTTLED),
    (403, {"code": "FORBIDDEN", "message": "scope"}, Verdict.FAIL),
    (400, {"code": "INVALID_PARAM", "message": "x", "param": "page"}, Verdict.FAIL),
    (503, {"code": "INTERNAL_SERVER_ERROR", "message": "x"}, Verdict.RETRY),
    (200, {}, Verdict.OK)])
def test_classify(status: int, body: dict, verdict: Verdict) -> None:
    assert classify(httpx.Response(status, json=body)) is verdict


# ---- loads -----------------------------------------------------------------------------------------------
def test_full_load_matches_the_manifest_then_reruns_load_nothing(ingest_dir: Path, tiny_sandbox) -> None:
    first = run()
    assert first.rows == {"records": expected(tiny_sandbox)}
    assert table_rows(ingest_dir, DATASET) == {"records": expected(tiny_sandbox)}
    assert query(ingest_dir, f"select count(distinct id), count(*) filter (where ironclad_id is null) "
                             f"from {DATASET}.records") == [(expected(tiny_sandbox), 0)]
    second = run()  # the boundary records are re-read (inclusive lastUpdated) and de-duplicated by id
    assert second.rows == {}
    assert table_rows(ingest_dir, DATASET) == {"records": expected(tiny_sandbox)}


def test_after_n_records_change_the_next_run_loads_exactly_n(ingest_dir: Path, tiny_sandbox, vendor) -> None:
    run()
    ids = msa_ids(ingest_dir, 3)
    before = dict(query(ingest_dir, f"select id, last_updated from {DATASET}.records"))
    vendor.touch(ids)
    assert run().rows == {"records": 3}
    after = dict(query(ingest_dir, f"select id, last_updated from {DATASET}.records"))
    assert {rid for rid in after if after[rid] != before[rid]} == set(ids)
    assert table_rows(ingest_dir, DATASET) == {"records": expected(tiny_sandbox)}
    assert run().rows == {}


def test_a_record_edited_during_the_walk_does_not_make_it_skip_another(ingest_dir: Path, tiny_sandbox, vendor,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Offset paging over live data: editing a record of page 0 moves it to the end and shifts the rest one
    place back, so one record would fall between pages 0 and 1. The walk notices and walks again."""
    page0 = vendor.first_page(10)
    moving = next(d["id"] for d in page0 if d["type"] != "amendment")
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        run_with(AfterFirstPage(lambda: vendor.touch([moving])), page_size=10)
    assert "walking again" in caplog.text
    assert query(ingest_dir, f"select count(*), count(distinct id) from {DATASET}.records") == \
        [(expected(tiny_sandbox), expected(tiny_sandbox))]
    # the moved record was read twice in the run (old and new lastUpdated): the merge kept the newest
    newest = vendor.http.get(f"{vendor.base}/records/{moving}", headers=vendor.headers).json()["lastUpdated"]
    loaded = query(ingest_dir, f"select last_updated from {DATASET}.records where id = ?", moving)[0][0]
    assert loaded == dt.datetime.fromisoformat(newest)


# ---- faults: retried ---------------------------------------------------------------------------------------
def test_throttling_without_retry_after_backs_off(ingest_dir: Path, tiny_sandbox, admin) -> None:
    admin("ironclad").add_fault(kind="error", status=429, count=3, path="/records$", method="GET")
    slept: list[float] = []
    assert run(sleep=slept.append).rows == {"records": expected(tiny_sandbox)}
    assert len(slept) == 3 and all(0 <= s <= FAST.cap_seconds for s in slept)  # full jitter, no Retry-After


def test_throttling_with_retry_after_waits_that_long(ingest_dir: Path, tiny_sandbox, admin) -> None:
    admin("ironclad").add_fault(kind="error", status=429, count=1, retry_after="1", path="/records$", method="GET")
    slept: list[float] = []
    assert run(sleep=slept.append).rows == {"records": expected(tiny_sandbox)}
    assert slept == [1.0]


def test_the_rate_limit_bucket_throttles_and_the_run_still_completes(ingest_dir: Path, tiny_sandbox, admin) -> None:
    """The simulator's own pub:records:read bucket (not an injected error): 2 reads a minute, 10-record pages."""
    a = admin("ironclad")
    old = a.settings()["records_read_per_minute"]
    a.settings(records_read_per_minute=2)
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the bucket is a rolling minute: open it instead of waiting
        slept.append(seconds)
        a.settings(records_read_per_minute=old)

    try:
        run_with(None, page_size=10, sleep=sleep)
    finally:
        a.settings(records_read_per_minute=old)
    assert len(slept) >= 1
    assert table_rows(ingest_dir, DATASET) == {"records": expected(tiny_sandbox)}


@pytest.mark.parametrize("fault", [{"kind": "error", "status": 503}, {"kind": "error", "status": 500},
                                   {"kind": "drop"}])
def test_5xx_and_dropped_connections_are_retried(ingest_dir: Path, tiny_sandbox, admin, fault: dict) -> None:
    admin("ironclad").add_fault(**fault, count=2, path="/records$", method="GET")
    assert run().rows == {"records": expected(tiny_sandbox)}


def test_expired_token_mid_walk_is_refreshed(ingest_dir: Path, tiny_sandbox, admin) -> None:
    a = admin("ironclad")
    before = a.stats()["by_status"].get("401", 0)
    run_with(AfterFirstPage(a.expire_tokens), page_size=10)
    assert a.stats()["by_status"].get("401", 0) == before + 1  # one "token has expired", then a fresh token
    assert table_rows(ingest_dir, DATASET) == {"records": expected(tiny_sandbox)}


# ---- faults: typed errors, nothing loaded, cursor not advanced -----------------------------------------------
def test_malformed_page_fails_the_run_and_loads_nothing(ingest_dir: Path, tiny_sandbox, admin) -> None:
    # pages 0 and 1 are fine, page 2 is not JSON, twice (past the one re-read)
    admin("ironclad").add_fault(kind="malformed", after=2, count=2, path="/records$", method="GET")
    with pytest.raises(Exception) as excinfo:
        run_with(None, page_size=10)
    error = typed(excinfo)
    assert isinstance(error, MalformedPageError)
    assert "ironclad/records" in str(error) and "page=2" in str(error)
    assert table_rows(ingest_dir, DATASET) == {}  # not even pages 0 and 1
    assert run().rows == {"records": expected(tiny_sandbox)}  # a clean run starts from the beginning


def test_truncated_page_fails_and_the_cursor_does_not_advance(ingest_dir: Path, tiny_sandbox, admin, vendor) -> None:
    run()
    vendor.touch(msa_ids(ingest_dir, 2))
    admin("ironclad").add_fault(kind="truncate", count=2, path="/records$", method="GET")
    with pytest.raises(Exception) as excinfo:
        run()
    error = typed(excinfo)
    assert isinstance(error, MalformedPageError) and "ironclad/records" in str(error) and "page=0" in str(error)
    assert run().rows == {"records": 2}  # the failed run moved no cursor: the two changes load now


def test_repeated_page_is_a_pagination_loop(ingest_dir: Path, tiny_sandbox, admin) -> None:
    # the second request (page 1) is answered with page 0 again
    admin("ironclad").add_fault(kind="repeat_next", after=1, count=1, path="/records$", method="GET")
    with pytest.raises(Exception) as excinfo:
        run_with(None, page_size=10)
    error = typed(excinfo)
    assert isinstance(error, PaginationLoopError) and "page=1" in str(error)
    assert table_rows(ingest_dir, DATASET) == {}


# ---- schema drift ----------------------------------------------------------------------------------------
def test_an_added_field_evolves_the_raw_table(ingest_dir: Path, tiny_sandbox, admin, vendor) -> None:
    run()
    boundary = {r[0] for r in query(ingest_dir, f"select id from {DATASET}.records where last_updated = "
                                                f"(select max(last_updated) from {DATASET}.records)")}
    touched = msa_ids(ingest_dir, 1)
    vendor.touch(touched)
    admin("ironclad").add_fault(kind="drift_add_field", field="riskScore", value={"level": 3, "score": 0.25},
                                path="/records$", method="GET")
    result = run()
    # the touched record, and the boundary records the inclusive cursor re-reads: the added field changed
    # their content, so they load again (RELIABILITY.md F21: only content already loaded is skipped)
    reloaded = boundary | set(touched)
    assert result.rows == {"records": len(reloaded)} and result.schema_changes == ["records.risk_score"]
    values = query(ingest_dir, f"select id, risk_score from {DATASET}.records where risk_score is not null")
    assert {i for i, _ in values} == reloaded
    assert {v for _, v in values} and all(json.loads(v, parse_float=Decimal) == {"level": 3, "score": Decimal("0.25")}
                                          for _, v in values)


@pytest.mark.parametrize("field", ["id", "ironcladId", "properties"])
def test_a_key_or_money_type_change_is_a_contract_error(ingest_dir: Path, tiny_sandbox, admin, field: str) -> None:
    admin("ironclad").add_fault(kind="drift_change_type", field=field, path="/records$", method="GET")
    with pytest.raises(Exception) as excinfo:
        run()
    error = typed(excinfo)
    assert isinstance(error, SchemaContractError) and "ironclad/records" in str(error)
    assert table_rows(ingest_dir, DATASET) == {}


# ---- money -----------------------------------------------------------------------------------------------
def _amounts(properties: dict[str, Any]) -> dict[str, str]:
    """Every monetary amount of a record as the text of its number (Decimal from the JSON text)."""
    out = {}
    for name, prop in properties.items():
        if prop.get("type") == "monetary_amount":
            for key in ("value", "originalValue"):
                if prop.get(key):
                    out[f"{name}.{key}"] = str(prop[key]["amount"])
    return out


def test_money_stays_exact_json_numbers_and_no_column_is_a_float(ingest_dir: Path, tiny_sandbox) -> None:
    run()
    types = dict(query(ingest_dir, "select column_name, data_type from information_schema.columns "
                                   "where table_schema = ? and table_name = 'records'", DATASET))
    assert not {c: t for c, t in types.items() if t in ("DOUBLE", "FLOAT", "REAL")}, types
    assert types["last_updated"] == "TIMESTAMP WITH TIME ZONE" and types["properties"] == "VARCHAR"

    firm = tiny_sandbox.sandbox_dir / "firm" / "ironclad" / "records.parquet"
    generated = {rid: json.loads(doc, parse_float=Decimal)["properties"]
                 for rid, doc in duckdb.sql(f"select id, doc from '{firm}'").fetchall()}
    loaded = {rid: json.loads(text, parse_float=Decimal)
              for rid, text in query(ingest_dir, f"select id, properties from {DATASET}.records")}
    assert loaded == generated  # touched records keep their properties
    amounts = {rid: _amounts(props) for rid, props in loaded.items()}
    assert sum(len(a) for a in amounts.values()) > 50
    assert amounts == {rid: _amounts(props) for rid, props in generated.items()}  # same digits
    assert any("." in text for a in amounts.values() for text in a.values())  # fractional amounts exist
    # in the warehouse an amount is a JSON number (queryable as DECIMAL), never a JSON string
    kinds = query(ingest_dir, f"select distinct json_type(p.value, '$.value.amount') from {DATASET}.records, "
                              "json_each(properties) as p where p.value->>'$.type' = 'monetary_amount'")
    assert {k for (k,) in kinds} <= {"UBIGINT", "BIGINT", "DOUBLE"}
