"""`dbt build` (models, data tests, unit tests) on the tiny firm's raw tables succeeds with no failure,
and the canonical layer keeps every record (nothing silently dropped)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from transform_runner import build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tiny_warehouse: Path, tiny_sandbox) -> Path:
    summary = build(tiny_warehouse, as_of=tiny_sandbox.manifest["as_of"])
    assert summary.success, summary.text()
    assert summary.counts.get("model", {}).get("success", 0) > 10
    assert summary.counts.get("unit_test", {}).get("pass", 0) > 0, "unit tests ran"
    return tiny_warehouse


def _count(data_dir: Path, sql: str) -> int:
    # same configuration as the in-process dbt connection (DuckDB refuses a second, read-only one)
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_canonical_keeps_every_record(built: Path, tiny_sandbox) -> None:
    counts = tiny_sandbox.manifest["counts"]
    assert _count(built, "select count(*) from canonical.fct_time_entries") == counts["kantata"]["time_entries"]
    assert _count(built, "select count(*) from canonical.dim_projects") == counts["kantata"]["workspaces"]
    sows = _count(built, "select count(*) from raw_ironclad.records where type = 'sow'")
    assert _count(built, "select count(*) from canonical.dim_contracts where contract_type = 'sow'") == sows


def test_no_float_money_in_canonical(built: Path) -> None:
    floats = _count(built, "select count(*) from information_schema.columns where table_schema = 'canonical' "
                           "and data_type in ('DOUBLE', 'FLOAT', 'REAL')")
    assert floats == 0


def test_finance_exceptions_equal_the_ground_truth_tiny(built: Path, tiny_sandbox) -> None:
    from tests.sandbox.truth import differences
    from tests.transform.ground_truth import open_exceptions, read_duckdb

    found = open_exceptions(read_duckdb(built))
    problems = differences(tiny_sandbox.manifest["breaks"], found)
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems[:25])


def test_money_identity_tests_pass_and_catch_a_changed_line(built: Path, tiny_sandbox) -> None:
    """Our generic tests (transform/tests/generic) hold on the firm, and sums_match fails once an invoice
    line no longer adds up to its invoice (the line is put back afterwards)."""
    from transform_runner import run_dbt

    as_of = tiny_sandbox.manifest["as_of"]
    select = ["--select", "test_name:sums_match test_name:sum_at_most test_name:expression_is_true"]
    passed = run_dbt(["test", *select], data_dir=built, as_of=as_of)
    assert passed.success and len(passed.result.results) >= 6

    con = duckdb.connect(str(built / "warehouse.duckdb"))
    try:
        key = con.execute("select min(invoice_line_key) from canonical.fct_invoice_lines").fetchone()[0]
        con.execute("update canonical.fct_invoice_lines set line_amount = line_amount + 1 "
                    "where invoice_line_key = ?", [key])
    finally:
        con.close()
    try:
        broken = run_dbt(["test", "--select", "test_name:sums_match"], data_dir=built, as_of=as_of)
        failed = {r.node.name for r in broken.result.results if r.status == "fail"}
        assert not broken.success and any(name.startswith("sums_match_fct_invoices") for name in failed), failed
    finally:
        con = duckdb.connect(str(built / "warehouse.duckdb"))
        try:
            con.execute("update canonical.fct_invoice_lines set line_amount = line_amount - 1 "
                        "where invoice_line_key = ?", [key])
        finally:
            con.close()
