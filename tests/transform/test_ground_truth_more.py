"""The proof on more data and on PostgreSQL: the small firm's finance_exceptions equal its manifest, and the
same project built on PostgreSQL (loaded by the same dlt sources) yields the same exceptions as DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from tests.sandbox.truth import differences
from tests.transform.ground_truth import open_exceptions, read_duckdb
from transform_runner import build

pytestmark = pytest.mark.integration
VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


@pytest.mark.slow
def test_small_firm_ground_truth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.run import run_vendor
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    manifest = generate("small", 42, tmp_path / "sandbox")
    try:
        up(tmp_path, log=lambda _: None)
        for vendor in VENDORS:
            run_vendor(vendor, say=lambda _: None)
    finally:
        down(tmp_path)
    summary = build(tmp_path, as_of=manifest["as_of"])
    assert summary.success, summary.text()
    problems = differences(manifest["breaks"], open_exceptions(read_duckdb(tmp_path)))
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems[:25])


def test_postgres_builds_the_same_exceptions(tiny_warehouse: Path, tiny_sandbox, postgres,
                                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ingestion.run import run_vendor

    as_of = tiny_sandbox.manifest["as_of"]
    duck = build(tiny_warehouse, as_of=as_of)
    assert duck.success, duck.text()
    expected = open_exceptions(read_duckdb(tiny_warehouse))

    dsn = postgres.create_database("c2c_transform")
    (tmp_path / "sandbox").mkdir()
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", tmp_path / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", dsn)
    for vendor in VENDORS:
        run_vendor(vendor, say=lambda _: None, destination="postgres")
    for name, value in {"C2C_PG_HOST": "127.0.0.1", "C2C_PG_PORT": str(postgres.port), "C2C_PG_USER": "postgres",
                        "C2C_PG_PASSWORD": "c2c-test-only", "C2C_PG_DATABASE": "c2c_transform"}.items():
        monkeypatch.setenv(name, value)
    pg = build(tmp_path, as_of=as_of, target="postgres")
    assert pg.success, pg.text()
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            cur.execute("select * from reconciliation.finance_exceptions")
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    problems = differences(expected, open_exceptions(rows))
    assert not problems, "PostgreSQL differs from DuckDB:\n" + "\n".join(problems[:25])
    assert len(expected) == len(tiny_sandbox.manifest["breaks"])
