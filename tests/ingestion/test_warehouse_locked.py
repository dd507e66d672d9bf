"""RELIABILITY.md F19 for ingestion: a DuckDB warehouse held by another process is waited for within the bound
(C2C_WAREHOUSE_CONNECT_ATTEMPTS), then a clear error naming the holder — before anything is extracted; never
corruption; once the holder has gone the rerun loads everything once. A file taken while a vendor is being
extracted costs only a retried load of the package already normalized."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from c2c.cli import main
from core import warehouse
from ingestion.pipelines import make_pipeline
from ingestion.run import run_vendor
from tests.ingestion.conftest import table_rows
from tests.warehouse_faults import LockHolder, held

pytestmark = pytest.mark.integration


@pytest.fixture
def reference(tiny_sandbox, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Kantata's raw tables as a plain ingest into a fresh data dir loads them."""
    import shutil

    base = tmp_path_factory.mktemp("kantata-reference")
    (base / "sandbox").mkdir()
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", base / "sandbox" / "endpoints.json")
    with monkeypatch.context() as m:
        m.setenv("C2C_DATA_DIR", str(base))
        run_vendor("kantata", say=lambda _: None)
    return table_rows(base, "raw_kantata")


def _pending() -> list[str]:
    """Load packages extracted but not loaded (dlt loads them first on the next run)."""
    pipeline = make_pipeline("kantata")
    return [*pipeline.list_extracted_load_packages(), *pipeline.list_normalized_load_packages()]


def test_a_held_warehouse_fails_ingest_clearly_before_any_extract_and_the_rerun_loads_once(
        ingest_dir: Path, reference: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "3")
    waits: list[float] = []
    monkeypatch.setattr(warehouse, "_sleep", waits.append)
    path = ingest_dir / "warehouse.duckdb"
    warehouse.open_duckdb(path).close()
    with held(path) as holder:
        result = CliRunner().invoke(main, ["ingest", "kantata", "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["type"] == "WarehouseBusyError" and f"PID {holder.pid}" in error["message"]
    assert "still after 3 attempts" in error["message"] and len(waits) == 2
    assert table_rows(ingest_dir, "raw_kantata") == {}  # nothing extracted, nothing half-loaded
    assert not _pending(), "a package was left pending"

    result = CliRunner().invoke(main, ["ingest", "kantata"])  # the holder has gone
    assert result.exit_code == 0, result.output
    assert table_rows(ingest_dir, "raw_kantata") == reference
    rerun = run_vendor("kantata", say=lambda _: None)
    assert sum(rerun.rows.values()) == 0 and table_rows(ingest_dir, "raw_kantata") == reference


def test_ingest_waits_while_the_warehouse_is_held_and_goes_on_when_it_is_free(
        ingest_dir: Path, reference: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ingest_dir / "warehouse.duckdb"
    warehouse.open_duckdb(path).close()
    with held(path) as holder:
        monkeypatch.setattr(warehouse, "_sleep", holder.release_on_wait())
        result = CliRunner().invoke(main, ["ingest", "kantata"])
    assert result.exit_code == 0, result.output
    assert holder.waits == 1 and table_rows(ingest_dir, "raw_kantata") == reference


def test_a_warehouse_taken_during_the_extract_costs_only_a_retried_load(
        ingest_dir: Path, reference: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ingest_dir / "warehouse.duckdb"
    warehouse.open_duckdb(path).close()
    with LockHolder(path, later=True) as holder:
        def say(line: str) -> None:  # the first resource read: another process takes the file
            if " done — " in line and not holder.holding and not holder.waits:
                holder.take()

        monkeypatch.setattr(warehouse, "_sleep", holder.release_on_wait())
        result = run_vendor("kantata", say=say)
    assert holder.waits == 1, "the load was not retried"
    assert result.rows == reference and table_rows(ingest_dir, "raw_kantata") == reference
    assert not _pending(), "a package was left pending"
