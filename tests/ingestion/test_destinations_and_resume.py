"""The four sources end to end: the tiny sandbox loads into PostgreSQL with the same row counts as into
DuckDB, and an ingest killed mid-load (SIGKILL) or stopped (SIGTERM) resumes on the next run with nothing
lost and nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from ingestion.run import run_vendor
from tests.ingestion.conftest import FAST, table_rows

pytestmark = pytest.mark.integration
VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


def test_postgres_gets_the_same_rows_as_duckdb(ingest_dir: Path, postgres, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn = postgres.create_database("raw_test")
    for vendor in VENDORS:
        run_vendor(vendor, say=lambda _: None, source_kwargs={"policy": FAST})
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", dsn)
    monkeypatch.setenv("C2C_DATA_DIR", str(ingest_dir / "pg"))
    (ingest_dir / "pg" / "sandbox").mkdir(parents=True)
    (ingest_dir / "pg" / "sandbox" / "endpoints.json").write_text((ingest_dir / "sandbox" / "endpoints.json").read_text())
    for vendor in VENDORS:
        run_vendor(vendor, say=lambda _: None, destination="postgres", source_kwargs={"policy": FAST})
    con = psycopg2.connect(dsn)
    try:
        for vendor in VENDORS:
            duck = table_rows(ingest_dir, f"raw_{vendor}")
            with con.cursor() as cur:
                cur.execute("select table_name from information_schema.tables where table_schema = %s "
                            "and table_name not like '\\_dlt%%'", (f"raw_{vendor}",))
                names = sorted(r[0] for r in cur.fetchall())
                pg = {}
                for name in names:
                    cur.execute(f'select count(*) from "raw_{vendor}"."{name}"')
                    pg[name] = cur.fetchone()[0]
            assert pg == duck, vendor
            with con.cursor() as cur:  # money stays exact in PostgreSQL too
                cur.execute("select count(*) from information_schema.columns where table_schema = %s "
                            "and data_type in ('double precision', 'real')", (f"raw_{vendor}",))
                assert cur.fetchone()[0] == 0, f"float columns in raw_{vendor}"
    finally:
        con.close()


def _ingest(data_dir: Path, vendor: str) -> subprocess.Popen:
    env = {**os.environ, "C2C_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "ingestion", vendor], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_an_interrupted_ingest_resumes_without_loss_or_doubles(ingest_dir: Path, tiny_sandbox, admin, sig) -> None:
    manifest = tiny_sandbox.manifest["counts"]["kantata"]
    admin("kantata").settings(latency_seconds=0.02)  # slow pages so the signal lands mid-run
    try:
        proc = _ingest(ingest_dir, "kantata")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (ingest_dir / "dlt" / "kantata").exists():
            time.sleep(0.05)
        time.sleep(1.0)
        proc.send_signal(sig)
        proc.wait(60)
    finally:
        admin("kantata").settings(latency_seconds=0)
    rerun = _ingest(ingest_dir, "kantata")
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    rows = table_rows(ingest_dir, "raw_kantata")
    assert rows["time_entries"] == manifest["time_entries"]
    assert rows["workspaces"] == manifest["workspaces"]
    import duckdb

    con = duckdb.connect(str(ingest_dir / "warehouse.duckdb"), read_only=True)
    try:
        dupes = con.execute("select count(*) - count(distinct id) from raw_kantata.time_entries").fetchone()[0]
    finally:
        con.close()
    assert dupes == 0
