"""Incremental canonical time entries stay equal to a full rebuild: after a late change in the PSA, and after
a retroactive change to a contract's rate (which must re-price that contract's old time)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from ingestion.run import run_vendor
from transform_runner import build, run_dbt

from .conftest import ingest_into

pytestmark = pytest.mark.integration
COLUMNS = "psa_time_entry_id, contract_key, role, work_date, minutes, is_billable, applied_bill_rate_amount, " \
          "contract_bill_rate_amount, is_invoiced, updated_at"


def _rows(data_dir: Path, sql: str, *params: Any) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _entries(data_dir: Path) -> list[tuple]:
    return _rows(data_dir, f"select {COLUMNS} from canonical.fct_time_entries order by psa_time_entry_id")


def _full_rebuild_equals_incremental(data_dir: Path, as_of: str) -> list[tuple]:
    incremental = _entries(data_dir)
    result = run_dbt(["run", "--full-refresh", "--select", "fct_time_entries"], data_dir=data_dir, as_of=as_of)
    assert result.success
    assert _entries(data_dir) == incremental, "the incremental build differs from a full rebuild"
    return incremental


def test_incremental_time_entries_equal_a_full_rebuild(tiny_sandbox, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = tiny_sandbox.manifest["as_of"]
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    ingest_into(tiny_sandbox, tmp_path)
    assert build(tmp_path, as_of=as_of).success
    before = _entries(tmp_path)

    # 1) a late change in the PSA: one entry's notes change (its row reloads); nothing else moves
    kantata = tiny_sandbox.endpoints["kantata"]
    entry_id = next(row[0] for row in before if not row[8])  # invoiced entries cannot be edited
    with httpx.Client(base_url=kantata["base_url"], headers={"Authorization": f"Bearer {kantata['access_token']}"},
                      timeout=30) as client:
        assert client.put(f"/time_entries/{entry_id}.json",
                          json={"time_entry": {"notes": "late edit"}}).status_code == 200
    assert run_vendor("kantata", say=lambda _: None).rows == {"time_entries": 1}
    assert build(tmp_path, as_of=as_of).success
    assert len(_full_rebuild_equals_incremental(tmp_path, as_of)) == len(before)

    # 2) a retroactive rate change: an approved change order's rate moves; old time must be re-priced
    amendment, prop, old = _an_approved_rate_change(tmp_path)
    amount = Decimal(str(old["amount"]))
    new_value = {"amount": float(amount + 7), "currency": old["currency"]}
    with tiny_sandbox.client("ironclad") as client:
        try:
            patched = client.patch(f"/records/{amendment}", json={
                "addProperties": {prop: {"type": "monetary_amount", "value": new_value}}})
            assert patched.status_code == 200, patched.text
            run_vendor("ironclad", say=lambda _: None)
            assert build(tmp_path, as_of=as_of).success
            after = _full_rebuild_equals_incremental(tmp_path, as_of)
            assert after != before, "the retroactive rate change re-priced nothing"
        finally:
            client.patch(f"/records/{amendment}", json={
                "addProperties": {prop: {"type": "monetary_amount", "value": old}}})
    with httpx.Client(base_url=kantata["base_url"], headers={"Authorization": f"Bearer {kantata['access_token']}"},
                      timeout=30) as client:
        client.put(f"/time_entries/{entry_id}.json", json={"time_entry": {"notes": before_notes(tiny_sandbox, entry_id)}})


def _an_approved_rate_change(data_dir: Path) -> tuple[str, str, dict[str, Any]]:
    import json

    rows = _rows(data_dir, "select id, properties from raw_ironclad.records where type = 'amendment'")
    for record_id, properties in rows:
        props = json.loads(properties)
        if props.get("approvalStatus", {}).get("value") != "approved":
            continue
        for name, prop in props.items():
            if name.startswith("rate_") and prop.get("type") == "monetary_amount":
                return record_id, name, prop["value"]
    raise AssertionError("the tiny firm has no approved rate change order")


def before_notes(tiny_sandbox, entry_id: str) -> str:
    import polars as pl

    table = pl.read_parquet(tiny_sandbox.sandbox_dir / "firm" / "kantata" / "time_entries.parquet")
    return table.filter(pl.col("id") == entry_id)["notes"][0]
