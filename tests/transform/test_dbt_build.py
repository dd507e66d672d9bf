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
