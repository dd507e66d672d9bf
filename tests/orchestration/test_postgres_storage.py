"""Dagster's own storage on PostgreSQL (orchestration/instance/dagster-postgres.yaml, configured by env): a
run of our Ironclad ingest asset is recorded in the test set-up's PostgreSQL server — runs, events, asset
materializations — and read back through a fresh instance."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

pytestmark = pytest.mark.integration
INSTANCE_CONFIG = Path(__file__).resolve().parents[2] / "orchestration" / "instance" / "dagster-postgres.yaml"


def test_runs_and_events_are_kept_in_postgres(postgres, tiny_sandbox, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    from orchestration.definitions import defs
    from orchestration.lib.keys import raw_key
    from tests.postgres import PASSWORD

    database = "dagster_storage"
    postgres.create_database(database)
    for name, value in {"C2C_DAGSTER_PG_HOST": "127.0.0.1", "C2C_DAGSTER_PG_PORT": str(postgres.port),
                        "C2C_DAGSTER_PG_USER": "postgres", "C2C_DAGSTER_PG_PASSWORD": PASSWORD,
                        "C2C_DAGSTER_PG_DB": database}.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(INSTANCE_CONFIG, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    data = tmp_path / "data"
    (data / "sandbox").mkdir(parents=True)
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", data / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(data))

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([a for a in defs.assets if getattr(a, "op", None) and a.op.name == "dlt_ironclad"],
                                instance=instance, resources={"dlt": defs.resources["dlt"]})
        assert result.success
        run_id = result.run_id
    with dg.DagsterInstance.get() as fresh:  # another process would see the same
        assert fresh.get_run_by_id(run_id).is_success
        assert fresh.get_latest_materialization_event(raw_key("ironclad", "records")) is not None
    con = psycopg2.connect(postgres.dsn(database))
    try:
        with con.cursor() as cur:
            cur.execute("select count(*) from runs where run_id = %s", [run_id])
            assert cur.fetchone()[0] == 1
            cur.execute("select count(*) from event_logs where run_id = %s", [run_id])
            assert cur.fetchone()[0] > 5
    finally:
        con.close()
