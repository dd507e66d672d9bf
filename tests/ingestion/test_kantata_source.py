"""The Kantata source against the tiny sandbox over loopback: counts equal the manifest, increments load
exactly what changed, every fault ends in a completed run or a typed error with nothing loaded, money is
DECIMAL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from core.errors import typed_cause as _typed_cause
from ingestion.common.errors import (
    AuthError,
    IngestionError,
    MalformedPageError,
    PaginationLoopError,
    SchemaContractError,
)
from ingestion.run import run_vendor
from tests.ingestion.conftest import FAST, table_rows

pytestmark = pytest.mark.integration

MONEY_COLUMNS = {  # raw table -> (added decimal column, integer subunit field it is exact to)
    "workspaces": [("price", "price_in_cents")],
    "stories": [("budget_estimate", "budget_estimate_in_cents")],
    "account_memberships": [("cost_rate", "cost_rate_in_cents")],
    "rate_card_versions": [("default_rate_amount", "default_rate")],
    "rate_card_roles": [("rate_amount", "rate")],
    "time_entries": [("rate", "rate_in_cents"), ("cost_rate", "cost_rate_in_cents")],
    "expenses": [("amount", "amount_in_cents")],
}


def run(**source_kwargs: Any) -> Any:
    return run_vendor("kantata", say=lambda _: None, source_kwargs={"policy": FAST, **source_kwargs})


def failure(**source_kwargs: Any) -> IngestionError:
    """Run and return the typed error that stopped it (dlt wraps it in PipelineStepFailed)."""
    with pytest.raises(Exception) as info:
        run(**source_kwargs)
    cause = _typed_cause(info.value)
    assert cause is not None, f"no typed ingestion error in {info.value!r}"
    return cause


def loaded(data_dir: Path) -> dict[str, int]:
    """Rows in raw_kantata now ({} when nothing was ever loaded)."""
    return table_rows(data_dir, "raw_kantata") if (data_dir / "warehouse.duckdb").exists() else {}


def query(data_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def endpoint(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "sandbox" / "endpoints.json").read_text())["kantata"]


# ---------------------------------------------------------------------------------- loads
def test_full_load_matches_the_manifest_then_increments_load_exactly_what_changed(ingest_dir, tiny_sandbox):
    expected = tiny_sandbox.manifest["counts"]["kantata"]
    first = run()
    assert first.rows == expected
    assert loaded(ingest_dir) == expected

    assert run().rows == {}, "a second run with no source change must load nothing"

    ids = [r[0] for r in query(ingest_dir, "select id from raw_kantata.time_entries where not is_invoiced "
                                           "order by id limit 3")]
    ep = endpoint(ingest_dir)
    with httpx.Client(headers={"Authorization": f"Bearer {ep['access_token']}"}) as http:
        for n, rid in enumerate(ids):
            answer = http.put(f"{ep['base_url']}/time_entries/{rid}.json",
                              json={"time_entry": {"notes": f"edited by the kantata source test {n}"}})
            assert answer.status_code == 200, answer.text
    third = run()
    assert third.rows == {"time_entries": len(ids)}
    assert loaded(ingest_dir) == expected  # merged on id: no duplicates
    notes = dict(query(ingest_dir, "select id, notes from raw_kantata.time_entries where id in "
                                   f"({', '.join(repr(i) for i in ids)})"))
    assert notes == {rid: f"edited by the kantata source test {n}" for n, rid in enumerate(ids)}


def test_money_is_decimal_and_exact_to_the_subunits(ingest_dir):
    run()
    columns = query(ingest_dir, "select table_name, column_name, data_type from information_schema.columns "
                                "where table_schema = 'raw_kantata'")
    types = {(t, c): d for t, c, d in columns}
    assert not [k for k, d in types.items() if d in ("DOUBLE", "FLOAT", "REAL")]
    for table, pairs in MONEY_COLUMNS.items():
        for amount, cents in pairs:
            assert types[(table, amount)] == "DECIMAL(38,9)", (table, amount)
            assert types[(table, cents)] == "BIGINT", (table, cents)
    owner_unit = {  # where each table's base unit lives
        "stories": "join raw_kantata.workspaces o on o.id = t.workspace_id",
        "rate_card_roles": "join raw_kantata.rate_card_versions o on o.id = t.rate_card_version_id",
    }
    for table, pairs in MONEY_COLUMNS.items():
        unit = "o.currency_base_unit" if table in owner_unit else "t.currency_base_unit"
        for amount, cents in pairs:
            total, exact = query(ingest_dir, f"""
                select count(*), count(*) filter (where t.{amount} * {unit} = t.{cents})
                from raw_kantata.{table} t {owner_unit.get(table, '')} where t.{cents} is not null""")[0]
            assert total > 0 and exact == total, (table, amount, total, exact)
    units = dict(query(ingest_dir, "select currency, any_value(currency_base_unit) "
                                   "from raw_kantata.time_entries group by currency"))
    assert (units["JPY"], units["USD"], units["KWD"]) == (1, 100, 1000)
    kwd = query(ingest_dir, "select rate_in_cents, rate from raw_kantata.time_entries "
                            "where currency = 'KWD' and rate_in_cents % 10 <> 0 limit 1")
    for cents, rate in kwd:  # three decimals kept exactly
        assert rate * 1000 == cents
    links = query(ingest_dir, "select distinct subject_type, service_model "
                              "from raw_kantata.external_references order by 1")
    assert links == [("Story", "milestone"), ("Workspace", "sow")]


# ---------------------------------------------------------------------------------- faults that recover
@pytest.mark.parametrize("retry_after", [None, "1"])
def test_throttling_is_retried_with_backoff_or_retry_after(ingest_dir, tiny_sandbox, admin, retry_after):
    admin("kantata").add_fault(kind="error", status=429, count=3, path="time_entries",
                               retry_after=retry_after)
    sleeps: list[float] = []
    result = run(sleep=sleeps.append, objects=["time_entries"])
    assert result.rows == {"time_entries": tiny_sandbox.manifest["counts"]["kantata"]["time_entries"]}
    assert len(sleeps) == 3
    if retry_after:
        assert all(s >= 1.0 for s in sleeps)
    else:
        assert all(0 <= s <= FAST.cap_seconds for s in sleeps)


def test_server_errors_and_dropped_connections_are_retried(ingest_dir, tiny_sandbox, admin):
    admin("kantata").add_fault(kind="error", status=503, count=2, path="time_entries")
    admin("kantata").add_fault(kind="drop", count=2, path="expenses")
    sleeps: list[float] = []
    result = run(sleep=sleeps.append, objects=["time_entries", "expenses"])
    counts = tiny_sandbox.manifest["counts"]["kantata"]
    assert result.rows == {"time_entries": counts["time_entries"], "expenses": counts["expenses"]}
    assert len(sleeps) == 4


def test_drift_add_field_evolves_the_raw_table(ingest_dir, tiny_sandbox, admin):
    admin("kantata").add_fault(kind="drift_add_field", path="time_entries", field="x_billing_region",
                               value="EMEA")
    result = run(objects=["time_entries"])
    assert result.rows == {"time_entries": tiny_sandbox.manifest["counts"]["kantata"]["time_entries"]}
    assert query(ingest_dir, "select distinct x_billing_region from raw_kantata.time_entries") == [("EMEA",)]


# ---------------------------------------------------------------------------------- faults that stop the run
def test_an_expired_token_fails_fast_naming_the_setting(ingest_dir, tiny_sandbox):
    """Kantata has no token endpoint: an expired token is fatal (no retry loop). Expiring tokens is permanent
    for a Kantata simulator, so this uses a private one over the same firm, not the shared sandbox."""
    from sandbox.kantata.app import create_app, make_credentials
    from tests.sandbox.loopback import serve

    creds = make_credentials()
    app, state = create_app(tiny_sandbox.sandbox_dir / "firm", ingest_dir / "state", creds)
    with serve(app) as origin:
        (ingest_dir / "sandbox" / "endpoints.json").write_text(json.dumps({"kantata": {
            "base_url": origin + "/api/v1", "token_request": None, "access_token": creds["access_token"],
            "headers": {}}}))
        assert run(objects=["roles"]).rows == {"roles": tiny_sandbox.manifest["counts"]["kantata"]["roles"]}
        assert httpx.post(origin + "/_sandbox/tokens/expire").json()["expired"] == 1
        error = failure(objects=["time_entries"])
        stats = state.stats.public()
    assert isinstance(error, AuthError)
    assert "access_token" in str(error) and creds["access_token"] not in str(error)
    assert stats["by_status"].get("401") == 1, stats  # one answer, no retry loop
    assert "time_entries" not in loaded(ingest_dir)


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_bad_page_fails_typed_loads_nothing_and_the_cursor_does_not_advance(ingest_dir, tiny_sandbox, admin,
                                                                                 kind):
    admin("kantata").add_fault(kind=kind, path="time_entries", after=1, count=5)  # page 2, > the one re-read
    error = failure()
    assert isinstance(error, MalformedPageError)
    assert (error.vendor, error.resource, error.context.get("page")) == ("kantata", "time_entries", 2)
    assert "kantata/time_entries" in str(error) and "page=2" in str(error)
    assert loaded(ingest_dir) == {}
    admin("kantata").clear_faults()
    assert run().rows == tiny_sandbox.manifest["counts"]["kantata"]


def test_a_repeated_page_is_a_pagination_loop(ingest_dir, admin):
    admin("kantata").add_fault(kind="repeat_next", path="time_entries")
    error = failure(objects=["time_entries"])
    assert isinstance(error, PaginationLoopError)
    assert (error.resource, error.context.get("page")) == ("time_entries", 2)
    assert loaded(ingest_dir) == {}


@pytest.mark.parametrize("field", ["rate_in_cents", "id"])
def test_a_money_or_key_field_changing_type_breaks_the_contract(ingest_dir, admin, field):
    admin("kantata").add_fault(kind="drift_change_type", path="time_entries", field=field)
    error = failure(objects=["time_entries"])
    assert isinstance(error, SchemaContractError)
    assert repr(field) in str(error) and error.resource == "time_entries"
    assert loaded(ingest_dir) == {}
