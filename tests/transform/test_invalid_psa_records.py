"""F14 (shared/design/RELIABILITY.md): negative or zero hours, a negative expense and a reversed period in the PSA.

On a copy of the tiny warehouse, raw Kantata rows are edited as a PSA could hold them (the sandbox's API refuses
such writes, as Kantata does, so the fixture is the raw table): each invalid record is quarantined
(int_psa_records_quarantined), reported once in recon_invalid_psa_records and as an open `invalid_psa_record`
exception owned by delivery, counted in the KPI mart, and reaches no rule — every other break, its impact and
the reverse-ETL feed stay exactly as they were, so nothing of it can be planned or pushed. An entry that was
valid and is edited to negative minutes leaves the incremental fct_time_entries; corrected, it comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.transform.warehouse_copy import query
from transform_runner import build

pytestmark = pytest.mark.integration

OTHER_BREAKS = """
    select exception_id, exception_type, impact_amount from reconciliation.finance_exceptions
    where status = 'open' and exception_type <> 'invalid_psa_record' order by exception_id
"""
SYNC_FEED = "select * from sync.sync_erp__billing_schedule_corrections_v1 order by all"
RULE_INPUTS = {
    "time": "select psa_time_entry_id, minutes, contract_bill_rate_amount from canonical.fct_time_entries "
            "order by all",
    "expenses": "select psa_expense_id, expense_amount from canonical.fct_expenses order by all",
}


def _build(data_dir: Path, as_of: str) -> None:
    summary = build(data_dir, as_of=as_of, unit_tests=False)
    assert summary.success, summary.text()


def _next_load_id(data_dir: Path) -> str:
    """A dlt load id newer than every one in the Kantata tables (what the next real load would carry)."""
    newest = query(data_dir, "select max(_dlt_load_id) as id from raw_kantata.time_entries")[0]["id"]
    return f"{float(newest) + 10:.7f}"


def _quarantined(data_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    rows = query(data_dir, "select * from reconciliation.recon_invalid_psa_records")
    return {(row["record_type"], row["psa_record_id"]): row for row in rows}


def _open_invalid(data_dir: Path) -> dict[str, dict[str, Any]]:
    rows = query(data_dir, "select * from reconciliation.finance_exceptions "
                           "where exception_type = 'invalid_psa_record' and status = 'open'")
    return {row["psa_record_id"]: row for row in rows}


def _a_billable_tm_entry(data_dir: Path) -> dict[str, Any]:
    """A billable time entry of a time-and-materials contract, priced today (so it feeds the rules)."""
    rows = query(data_dir, """
        select entries.psa_time_entry_id, entries.minutes
        from canonical.fct_time_entries as entries
        inner join canonical.dim_contracts as contracts on contracts.contract_key = entries.contract_key
        where entries.is_billable and contracts.billing_model = 'time_and_materials'
            and entries.contract_bill_rate_amount is not null
        order by entries.psa_time_entry_id limit 1
    """)
    assert rows, "the tiny firm has no priced billable T&M time"
    return rows[0]


def test_invalid_psa_records_are_quarantined_reported_and_reach_no_rule(warehouse_copy: Path, tiny_sandbox) -> None:
    as_of = tiny_sandbox.manifest["as_of"]
    _build(warehouse_copy, as_of)
    assert not _quarantined(warehouse_copy), "the tiny firm itself holds no invalid PSA record"
    breaks_before = query(warehouse_copy, OTHER_BREAKS)
    feed_before = query(warehouse_copy, SYNC_FEED)
    inputs_before = {name: query(warehouse_copy, sql) for name, sql in RULE_INPUTS.items()}
    assert breaks_before and feed_before

    # new raw rows, as the next Kantata load would bring them: copies of real records with bad values
    entry = _a_billable_tm_entry(warehouse_copy)
    workspace = query(warehouse_copy, "select id, start_date from raw_kantata.workspaces "
                                      "where start_date is not null order by id limit 1")[0]
    load_id = _next_load_id(warehouse_copy)
    query(warehouse_copy, """
        insert into raw_kantata.time_entries
        select * replace (id || '-neg' as id, -90 as time_in_minutes, ? as _dlt_load_id)
        from raw_kantata.time_entries where id = ?
        union all
        select * replace (id || '-zero' as id, 0 as time_in_minutes, ? as _dlt_load_id)
        from raw_kantata.time_entries where id = ?
    """, load_id, entry["psa_time_entry_id"], load_id, entry["psa_time_entry_id"])
    query(warehouse_copy, """
        insert into raw_kantata.expenses
        select * replace (id || '-neg' as id, -amount as amount, -amount_in_cents as amount_in_cents,
                          ? as _dlt_load_id)
        from raw_kantata.expenses where amount > 0 order by id limit 1
    """, load_id)
    expense_id = query(warehouse_copy, "select id from raw_kantata.expenses where id like '%-neg'")[0]["id"]
    query(warehouse_copy, "update raw_kantata.workspaces set due_date = start_date - interval 1 day, "
                          "_dlt_load_id = ? where id = ?", load_id, workspace["id"])

    _build(warehouse_copy, as_of)

    neg, zero = entry["psa_time_entry_id"] + "-neg", entry["psa_time_entry_id"] + "-zero"
    quarantined = _quarantined(warehouse_copy)
    assert {key: row["reason"] for key, row in quarantined.items()} == {
        ("time_entry", neg): "negative_minutes",
        ("time_entry", zero): "zero_minutes",
        ("expense", expense_id): "negative_amount",
        ("workspace", workspace["id"]): "reversed_period",
    }
    assert quarantined[("time_entry", neg)]["record_amount"] < 0
    assert quarantined[("time_entry", neg)]["clm_contract_id"] is not None, "the entry's contract is named"
    assert [row["is_excluded"] for row in quarantined.values()].count(False) == 1  # the workspace: reported

    exceptions = _open_invalid(warehouse_copy)
    assert set(exceptions) == {neg, zero, expense_id, workspace["id"]}
    for row in exceptions.values():
        assert (row["owner_team"], row["severity"], row["impact_amount"]) == ("delivery", "medium", 0)
    assert "-90 minutes" in exceptions[neg]["detail"] and "kept out of the rules" in exceptions[neg]["detail"]

    # nothing of it reached a rule, the reverse-ETL feed or another break
    assert {name: query(warehouse_copy, sql) for name, sql in RULE_INPUTS.items()} == inputs_before
    assert query(warehouse_copy, SYNC_FEED) == feed_before
    assert query(warehouse_copy, OTHER_BREAKS) == breaks_before

    # counted in the KPI mart with the other open exceptions
    kpi = query(warehouse_copy, "select observation_count from marts.contract_to_cash_kpis "
                                "where kpi_name = 'billing_leakage_amount' and kpi_dimension = 'invalid_psa_record'")
    assert kpi == [{"observation_count": 4}]


def test_an_entry_edited_to_negative_leaves_the_rules_and_comes_back_when_fixed(
        warehouse_copy: Path, tiny_sandbox) -> None:
    as_of = tiny_sandbox.manifest["as_of"]
    _build(warehouse_copy, as_of)
    entry = _a_billable_tm_entry(warehouse_copy)
    entry_id = entry["psa_time_entry_id"]
    priced = "select minutes from canonical.fct_time_entries where psa_time_entry_id = ?"

    query(warehouse_copy, "update raw_kantata.time_entries set time_in_minutes = -time_in_minutes, "
                          "_dlt_load_id = ? where id = ?", _next_load_id(warehouse_copy), entry_id)
    _build(warehouse_copy, as_of)  # incremental: the earlier, priced row of the entry must go
    assert query(warehouse_copy, priced, entry_id) == []
    assert _quarantined(warehouse_copy)[("time_entry", entry_id)]["reason"] == "negative_minutes"
    assert set(_open_invalid(warehouse_copy)) == {entry_id}

    query(warehouse_copy, "update raw_kantata.time_entries set time_in_minutes = ?, _dlt_load_id = ? "
                          "where id = ?", entry["minutes"], _next_load_id(warehouse_copy), entry_id)
    _build(warehouse_copy, as_of)
    assert query(warehouse_copy, priced, entry_id) == [{"minutes": entry["minutes"]}]
    assert not _quarantined(warehouse_copy) and not _open_invalid(warehouse_copy)
    resolved = query(warehouse_copy, "select status from reconciliation.finance_exceptions "
                                     "where exception_type = 'invalid_psa_record'")
    assert resolved == [{"status": "resolved"}]
