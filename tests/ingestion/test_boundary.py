"""The boundary of the inclusive cursor, de-duplicated by content (RELIABILITY.md F21), driven with Arrow
pages: a row re-read at the last cursor value is loaded again only when its group's content changed — a
record, or every line of a parent that replaces its lines as a whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from ingestion.common.boundary import Boundary
from ingestion.common.pages import MONEY, TS

T1, T2, T3 = (dt.datetime(2026, 3, 1, 10, 0, s, tzinfo=dt.UTC) for s in (1, 2, 3))
SCHEMA = pa.schema([("id", pa.string()), ("parent", pa.string()), ("amount", MONEY), ("cursor", TS)])


def page(*rows: tuple[str, str, str, dt.datetime]) -> pa.Table:
    return pa.Table.from_pylist([{"id": i, "parent": p, "amount": Decimal(a), "cursor": c} for i, p, a, c in rows],
                                schema=SCHEMA)


def walk(state: dict[str, Any], *pages: pa.Table, group: tuple[str, ...] = ("id",)) -> list[tuple[str, str]]:
    """(id, amount) of every row the boundary lets through a walk of `pages`."""
    out = Boundary("cursor", group, state).filter(iter(pages))
    return sorted((r["id"], f"{r['amount']:f}".rstrip("0").rstrip(".")) for t in out for r in t.to_pylist())


def test_a_re_edit_at_the_last_cursor_is_loaded_and_an_unchanged_boundary_row_is_not() -> None:
    state: dict[str, Any] = {}
    assert walk(state, page(("a", "p", "1", T1)), page(("b", "p", "2", T2), ("c", "p", "3", T2))) == [
        ("a", "1"), ("b", "2"), ("c", "3")]
    assert state["boundary"]["cursor"] == T2.isoformat() and len(state["boundary"]["groups"]) == 2
    # the next walk re-reads T2: b unchanged, c saved again within the same second, d new
    assert walk(state, page(("b", "p", "2", T2), ("c", "p", "30", T2), ("d", "p", "4", T3))) == [
        ("c", "30"), ("d", "4")]
    assert state["boundary"]["cursor"] == T3.isoformat() and len(state["boundary"]["groups"]) == 1
    assert walk(state, page(("d", "p", "4", T3))) == []  # a rerun without changes loads nothing
    assert walk(state) == [] and state["boundary"]["cursor"] == T3.isoformat()  # nothing read: state kept


def test_a_parent_whose_lines_changed_reloads_all_its_lines_and_an_unchanged_parent_none() -> None:
    state: dict[str, Any] = {}
    lines = page(("1", "P", "10", T2), ("2", "P", "20", T2), ("3", "Q", "5", T2))
    assert len(walk(state, lines, group=("parent",))) == 3
    # P's line 2 changed within the same second: both of P's lines load (the merge replaces P's lines as a
    # whole, so loading line 2 alone would delete line 1); Q's unchanged line does not
    again = page(("1", "P", "10", T2), ("2", "P", "21", T2), ("3", "Q", "5", T2))
    assert walk(state, again, group=("parent",)) == [("1", "10"), ("2", "21")]
    # a line removed from P within the same second: P's remaining line loads, so the merge drops line 2
    assert walk(state, page(("1", "P", "10", T2), ("3", "Q", "5", T2)), group=("parent",)) == [("1", "10")]
    assert walk(state, page(("1", "P", "10", T2), ("3", "Q", "5", T2)), group=("parent",)) == []


def test_rows_read_before_the_boundary_pass_through_for_dlt_to_drop() -> None:
    state: dict[str, Any] = {}
    walk(state, page(("a", "p", "1", T2)))
    earlier = dt.datetime(2026, 3, 1, 10, 0, 1, tzinfo=dt.UTC)  # a vendor whose filter starts a second early
    assert walk(state, page(("z", "p", "9", earlier), ("a", "p", "1", T2))) == [("z", "9")]
    assert state["boundary"]["cursor"] == T2.isoformat()


# ---- against the sandbox: the vendors whose cursor has whole seconds --------------------------------------
def _rows(data_dir, sql: str, *params: Any) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture()
def erp_ingest_dir(erp_sandbox, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data dir reading the ERP sandbox (its account reset before and after: the test edits schedules)."""
    import shutil

    from sandbox.admin import Admin

    (tmp_path / "sandbox").mkdir()
    shutil.copy(erp_sandbox.sandbox_dir / "endpoints.json", tmp_path / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    admin = Admin("netsuite", erp_sandbox.data_dir)
    admin.reset_account()
    try:
        yield tmp_path
    finally:
        admin.reset_account()
        admin.close()


@pytest.mark.integration
def test_netsuite_a_schedule_saved_again_within_the_cursor_second_is_loaded(erp_ingest_dir: Path, erp_sandbox) -> None:
    from ingestion.run import run_vendor
    from sandbox.admin import Admin

    def run() -> dict[str, int]:
        return run_vendor("netsuite", say=lambda _: None,
                          source_kwargs={"objects": ["billing_schedule", "billing_schedule_line"]}).rows

    run()
    [(sid, lines)] = _rows(erp_ingest_dir, "select billingschedule, count(*) from raw_netsuite.billing_schedule_line "
                                          "group by 1 having count(*) filter (where invoice is null) > 0 "
                                          "order by 1 limit 1")
    admin = Admin("netsuite", erp_sandbox.data_dir)
    try:
        admin.concurrent_edit("billingSchedule", int(sid))  # saved now: the schedule is the cursor's boundary
        assert run() == {"billing_schedule": 1, "billing_schedule_line": lines}
        # saved again within the same second (lastModifiedDate stays): a line's amount changed, so every line
        # of the schedule loads (the merge replaces them as a whole); the schedule's own row did not change
        edit = admin.concurrent_edit("billingSchedule", int(sid), change="amount", same_second=True)
        assert run() == {"billing_schedule_line": lines}
        assert _rows(erp_ingest_dir, "select amount from raw_netsuite.billing_schedule_line where billingschedule = ? "
                                     "and line = ?", sid, edit["line"]) == [(Decimal(edit["amount"]),)]
        assert run() == {}  # the unchanged boundary rows are not loaded again
        admin.concurrent_edit("billingSchedule", int(sid), same_second=True)  # the name, same second
        assert run() == {"billing_schedule": 1}
        assert _rows(erp_ingest_dir, "select count(*) from raw_netsuite.billing_schedule_line where billingschedule = ?",
                     sid) == [(lines,)]
    finally:
        admin.close()


@pytest.mark.integration
def test_kantata_time_entries_saved_again_within_the_cursor_second_are_loaded(ingest_dir: Path, admin) -> None:
    from ingestion.run import run_vendor

    def run() -> dict[str, int]:
        return run_vendor("kantata", say=lambda _: None, source_kwargs={"objects": ["time_entries"]}).rows

    run()
    kantata = admin("kantata")
    touched = kantata.touch("time_entries", fraction=0.003, seed=21, notes="first save")["touched"]
    assert touched >= 2 and run() == {"time_entries": touched}  # saved now: they are the cursor's boundary
    kantata.touch("time_entries", fraction=0.003, seed=21, notes="saved again, same second", same_second=True)
    assert run() == {"time_entries": touched}  # updated_at unchanged, content changed: loaded, merged by id
    assert _rows(ingest_dir, "select count(*) from raw_kantata.time_entries where notes = 'saved again, same second'"
                 ) == [(touched,)]
    assert run() == {}  # the unchanged boundary rows are not loaded again
