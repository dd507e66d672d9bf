"""An ingest stopped inside dlt's load step (RELIABILITY.md F6), for every vendor: the package that extract
and normalize finished stays pending; the next run loads it before it extracts anything new, and then
extracts; row counts equal the source and no key is loaded twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.pipelines import make_pipeline
from tests.ingestion.conftest import table_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


@pytest.fixture(scope="module")
def uninterrupted(tiny_sandbox, tmp_path_factory: pytest.TempPathFactory):
    """Rows per raw table of an uninterrupted ingest of the same sandbox, per vendor (made on first use)."""
    import shutil

    from ingestion.run import run_vendor

    made: dict[str, dict[str, int]] = {}

    def rows(vendor: str) -> dict[str, int]:
        if vendor not in made:
            base = tmp_path_factory.mktemp(f"uninterrupted-{vendor}")
            (base / "sandbox").mkdir()
            shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", base / "sandbox" / "endpoints.json")
            old = os.environ.get("C2C_DATA_DIR")
            os.environ["C2C_DATA_DIR"] = str(base)
            try:
                run_vendor(vendor, say=lambda _: None)
            finally:
                os.environ["C2C_DATA_DIR"] = old if old is not None else ""
                if old is None:
                    del os.environ["C2C_DATA_DIR"]
            made[vendor] = table_rows(base, f"raw_{vendor}")
        return made[vendor]

    return rows


def _python(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "C2C_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _duplicate_keys(data_dir: Path, vendor: str) -> dict[str, int]:
    """Rows per raw table beyond one per primary key (dlt's schema names the key columns)."""
    schema = make_pipeline(vendor).default_schema
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        out = {}
        for table in schema.data_table_names():
            keys = [c for c, spec in schema.tables[table]["columns"].items() if spec.get("primary_key")]
            if keys:
                columns = ", ".join(f'"{k}"' for k in keys)
                out[table] = con.execute(f'select count(*) - count(distinct ({columns})) from raw_{vendor}."{table}"'
                                         ).fetchone()[0]
        return out
    finally:
        con.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
@pytest.mark.parametrize("vendor", VENDORS)
def test_an_ingest_stopped_inside_the_load_step_loads_the_pending_package_first_on_rerun(
        ingest_dir: Path, tiny_sandbox, uninterrupted, vendor: str, sig: signal.Signals) -> None:
    marker = ingest_dir / "load-started"
    proc = _python(ingest_dir, "tests.ingestion.paused_load", vendor, str(marker))
    deadline = time.monotonic() + 180
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate(timeout=30)[0]
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, out
    if sig == signal.SIGTERM:  # a clear error, not a traceback
        assert "Traceback" not in out and "interrupted" in out, out

    pipeline = make_pipeline(vendor)
    pending = pipeline.list_normalized_load_packages()
    assert len(pending) == 1, (pending, out)

    rerun = _python(ingest_dir, "ingestion", vendor, "--json")
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    result = json.loads(out.strip().splitlines()[-1])[vendor]
    assert result["load_ids"][0] == pending[0]  # the pending package loads before any new extract
    steps = [step.step for step in make_pipeline(vendor).last_trace.steps]
    assert "extract" in steps, steps  # ... and then the run extracts as usual
    assert not make_pipeline(vendor).has_pending_data

    assert table_rows(ingest_dir, f"raw_{vendor}") == uninterrupted(vendor)  # = the source (the sources' tests)
    assert set(_duplicate_keys(ingest_dir, vendor).values()) <= {0}


def test_a_dagster_ingest_after_a_stopped_load_loads_the_pending_package_first_then_extracts(
        ingest_dir: Path, tiny_sandbox, uninterrupted) -> None:
    """The same through the Dagster asset (dagster-dlt's run alone would load the pending package and stop)."""
    import dagster as dg

    from orchestration.definitions import defs

    vendor = "kantata"
    marker = ingest_dir / "load-started"
    proc = _python(ingest_dir, "tests.ingestion.paused_load", vendor, str(marker))
    deadline = time.monotonic() + 180
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate(timeout=30)[0]
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, out
    pending = make_pipeline(vendor).list_normalized_load_packages()
    assert len(pending) == 1, (pending, out)

    result = dg.materialize([a for a in defs.assets if getattr(a, "op", None) and a.op.name == f"dlt_{vendor}"],
                            instance=dg.DagsterInstance.ephemeral(), resources={"dlt": defs.resources["dlt"]})
    assert result.success
    pipeline = make_pipeline(vendor)
    assert not pipeline.has_pending_data
    assert "extract" in [step.step for step in pipeline.last_trace.steps]  # the run went on to extract
    con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
    try:
        loads = [row[0] for row in con.execute(
            f"select load_id from raw_{vendor}._dlt_loads where status = 0 order by inserted_at").fetchall()]
    finally:
        con.close()
    assert loads[0] == pending[0], loads  # the pending package loaded first
    assert table_rows(ingest_dir, f"raw_{vendor}") == uninterrupted(vendor)
    assert set(_duplicate_keys(ingest_dir, vendor).values()) <= {0}
