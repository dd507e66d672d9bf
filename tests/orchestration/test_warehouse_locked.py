"""RELIABILITY.md F19 for a Dagster run: with the DuckDB warehouse held by another process, the ingestion step and
the dbt step each wait within the bound (C2C_WAREHOUSE_CONNECT_ATTEMPTS), then fail with the clear lock error
naming the holder — nothing loaded or built, the raw tables as they were; once the holder has gone the same
run succeeds and loads nothing twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from core import warehouse
from tests.warehouse_faults import held

pytestmark = pytest.mark.integration
MODEL = dg.AssetKey(["staging", "stg_kantata__users"])


@pytest.fixture
def data_dir(tiny_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir reading the tiny sandbox, Kantata ingested once."""
    from ingestion.run import run_vendor

    base = tmp_path / "data"
    (base / "sandbox").mkdir(parents=True)
    for name in ("endpoints.json", "manifest.json"):
        shutil.copy(tiny_sandbox.sandbox_dir / name, base / "sandbox" / name)
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "3")
    run_vendor("kantata", say=lambda _: None)
    return base


def _raw_rows(base: Path) -> dict[str, int]:
    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    try:
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'raw_kantata' "
                             "and table_name not like '\\_dlt%' escape '\\'").fetchall()
        return {t: con.execute(f'select count(*) from raw_kantata."{t}"').fetchone()[0] for (t,) in tables}
    finally:
        con.close()


def _run(selection: list[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    from orchestration.definitions import defs

    return defs.resolve_job_def("nightly_refresh").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=selection, raise_on_error=False)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures, "no step failed"
    error = failures[0].step_failure_data.error
    return f"{error.message} {error.cause.message if error.cause else ''}"


def test_a_held_warehouse_fails_the_run_clearly_and_the_rerun_succeeds(data_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.defs.ingestion.assets import ingestion_assets

    kantata = next(a for a in ingestion_assets if a.node_def.name == "dlt_kantata")
    before = _raw_rows(data_dir)
    assert before
    waits: list[float] = []
    monkeypatch.setattr(warehouse, "_sleep", waits.append)
    with held(data_dir / "warehouse.duckdb") as holder:
        ingest = _run([*kantata.keys, MODEL])
        build = _run([MODEL])
    for result in (ingest, build):
        assert not result.success
        message = _failure(result)
        assert "is in use by another process" in message and f"PID {holder.pid}" in message, message
    assert len(waits) == 4  # 3 attempts each: the ingestion step, then the dbt step
    assert [e.step_key for e in ingest.all_events if e.is_step_failure] == ["dlt_kantata"]  # dbt did not run
    assert _raw_rows(data_dir) == before

    rerun = _run([*kantata.keys, MODEL])  # the holder has gone
    assert rerun.success
    assert _raw_rows(data_dir) == before  # nothing new in the sandbox: nothing loaded twice
    assert any(e.is_step_success and e.step_key.startswith("dbt_models") for e in rerun.all_events)
