"""finance_exceptions keeps its history across builds (an incremental model with an enforced contract): on a COPY
of the tiny warehouse, a first build finds the ground truth; then one billing-schedule drift is removed at its
source (the ERP's planned lines are set to the corrected schedule, as the reverse-ETL job would) and a second
build resolves exactly that break, keeping every id and first_seen_at; putting the drift back reopens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.transform.warehouse_copy import query as _query
from transform_runner import build

pytestmark = pytest.mark.integration


def _exceptions(data_dir: Path) -> dict[str, dict[str, Any]]:
    return {row["exception_id"]: row for row in _query(data_dir, "select * from reconciliation.finance_exceptions")}


def _build(data_dir: Path, as_of: str) -> None:
    summary = build(data_dir, as_of=as_of)
    assert summary.success, summary.text()


def _a_drift_the_erp_can_fix_in_place(data_dir: Path) -> tuple[str, list[dict[str, Any]]]:
    """A drifting contract whose desired lines are exactly its planned ERP lines with other amounts or dates
    (no line to add or cancel), and the raw line updates that make the ERP hold the corrected schedule."""
    candidates = _query(data_dir, """
        with desired as (
            select contract_key, clm_contract_id, line_key, line_amount, line_date
            from sync.sync_erp__billing_schedule_corrections_v1
        ),
        planned as (
            select contract_key, line_key, erp_line_id from canonical.fct_billing_schedule_lines where status = 'planned'
        ),
        drifting as (
            select contract_key from sync.sync_erp__billing_schedule_correction_headers_v1
        ),
        unmatched as (
            select coalesce(desired.contract_key, planned.contract_key) as contract_key
            from desired
            full outer join planned on planned.contract_key = desired.contract_key and planned.line_key = desired.line_key
            where desired.line_key is null or planned.line_key is null
        )
        select desired.clm_contract_id, planned.erp_line_id, desired.line_amount, desired.line_date
        from desired
        inner join planned on planned.contract_key = desired.contract_key and planned.line_key = desired.line_key
        where desired.contract_key in (select contract_key from drifting)
            and desired.contract_key not in (select contract_key from unmatched where contract_key is not null)
        order by desired.clm_contract_id, planned.erp_line_id
    """)
    assert candidates, "the tiny firm has no billing-schedule drift that updating planned lines fixes"
    contract = candidates[0]["clm_contract_id"]
    return contract, [row for row in candidates if row["clm_contract_id"] == contract]


def _set_raw_lines(data_dir: Path, lines: list[dict[str, Any]]) -> None:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        for line in lines:
            con.execute("update raw_netsuite.billing_schedule_line set amount = ?, recurrencedate = ? where id = ?",
                        [line["line_amount"], line["line_date"], line["erp_line_id"]])
    finally:
        con.close()


def test_a_removed_break_is_resolved_and_history_is_kept(warehouse_copy: Path, tiny_sandbox) -> None:
    from tests.sandbox.truth import differences
    from tests.transform.ground_truth import open_exceptions

    as_of = tiny_sandbox.manifest["as_of"]
    _build(warehouse_copy, as_of)
    first = _exceptions(warehouse_copy)
    assert first and all(row["status"] == "open" and row["resolved_at"] is None for row in first.values())
    assert all(row["first_seen_at"] == row["last_seen_at"] for row in first.values())
    problems = differences(tiny_sandbox.manifest["breaks"], open_exceptions(list(first.values())))
    assert not problems, "the first build is not the ground truth:\n" + "\n".join(problems[:25])

    # the correction lands in the ERP: its planned lines now hold the desired amounts and dates
    contract, corrected = _a_drift_the_erp_can_fix_in_place(warehouse_copy)
    original = _query(warehouse_copy, "select id as erp_line_id, amount as line_amount, recurrencedate as line_date "
                                      "from raw_netsuite.billing_schedule_line where id in ("
                                      + ", ".join("?" for _ in corrected) + ")", *[r["erp_line_id"] for r in corrected])
    drift = [key for key, row in first.items()
             if row["exception_type"] == "billing_schedule_drift" and row["clm_contract_id"] == contract]
    assert len(drift) == 1
    fixed_id = drift[0]
    _set_raw_lines(warehouse_copy, corrected)

    _build(warehouse_copy, as_of)  # incremental: finance_exceptions merges with its history
    second = _exceptions(warehouse_copy)
    assert set(second) == set(first), "the same breaks keep the same ids (and nothing new appeared)"
    resolved = second[fixed_id]
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    assert resolved["first_seen_at"] == first[fixed_id]["first_seen_at"]
    assert resolved["last_seen_at"] == first[fixed_id]["last_seen_at"], "a resolved break was not seen again"
    assert resolved["resolved_at"] > resolved["last_seen_at"]
    assert resolved["impact_amount"] == first[fixed_id]["impact_amount"], "a resolved break keeps its last values"
    for key, row in second.items():
        if key == fixed_id:
            continue
        assert row["status"] == "open" and row["resolved_at"] is None, (key, row)
        assert row["first_seen_at"] == first[key]["first_seen_at"], (key, row)
        assert row["last_seen_at"] > first[key]["last_seen_at"], (key, row)
    assert not _query(warehouse_copy, "select 1 from sync.sync_erp__billing_schedule_corrections_v1 "
                                      "where clm_contract_id = ?", contract), "the corrected schedule is still fed"

    # the ERP line is edited back: the same break reopens under the same id, first seen kept
    _set_raw_lines(warehouse_copy, original)
    _build(warehouse_copy, as_of)
    third = _exceptions(warehouse_copy)
    assert set(third) == set(first)
    reopened = third[fixed_id]
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    assert reopened["first_seen_at"] == first[fixed_id]["first_seen_at"]
    assert reopened["last_seen_at"] > second[fixed_id]["resolved_at"]
    assert all(row["status"] == "open" for row in third.values())
