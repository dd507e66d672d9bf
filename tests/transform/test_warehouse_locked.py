"""RELIABILITY.md F19 for the transform: a DuckDB warehouse held by another process is waited for within the bound
(C2C_WAREHOUSE_CONNECT_ATTEMPTS), then `c2c transform` fails with a clear error naming the holder, before dbt
runs — nothing built, no build state recorded, the raw tables as they were; held and let go meanwhile, the
build goes on. The same failure met by dbt itself (the file taken after the check) is the same typed error."""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from c2c.cli import main
from core import warehouse
from tests.warehouse_faults import LockHolder, held
from transform_runner import changes

build_module = importlib.import_module("transform_runner.build")  # the module (the package exports build())

pytestmark = pytest.mark.integration


@pytest.fixture
def data_dir(tiny_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "data"
    shutil.copytree(tiny_warehouse, base, ignore=shutil.ignore_patterns("logs", "state"))
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    return base


def _schemas(base: Path) -> dict[str, int]:
    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    try:
        return dict(con.execute("select table_schema, count(*) from information_schema.tables group by 1").fetchall())
    finally:
        con.close()


def test_a_held_warehouse_fails_transform_clearly_and_a_build_goes_on_once_it_is_free(
        data_dir: Path, tiny_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = tiny_sandbox.manifest["as_of"]
    path = data_dir / "warehouse.duckdb"
    before = _schemas(data_dir)
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "3")
    waits: list[float] = []
    monkeypatch.setattr(warehouse, "_sleep", waits.append)
    with held(path) as holder:
        result = CliRunner().invoke(main, ["transform", "--as-of", as_of, "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["type"] == "WarehouseBusyError" and f"PID {holder.pid}" in error["message"]
    assert len(waits) == 2 and "dbt build" not in result.output
    assert not changes.state_file(data_dir, "duckdb").exists() and _schemas(data_dir) == before

    with held(path) as holder:  # held again, and let go while transform waits
        monkeypatch.setattr(warehouse, "_sleep", holder.release_on_wait())
        result = CliRunner().invoke(main, ["transform", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    assert holder.waits == 1 and "dbt build succeeded" in result.output
    assert changes.state_file(data_dir, "duckdb").exists() and "canonical" in _schemas(data_dir)


def test_a_warehouse_dbt_finds_held_is_the_same_typed_error(data_dir: Path, tiny_sandbox,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "1")  # dbt-duckdb: one attempt, then 1 s
    monkeypatch.setattr(build_module, "check_warehouse", lambda *_: None)  # taken right after the check
    with LockHolder(data_dir / "warehouse.duckdb") as holder:
        result = CliRunner().invoke(main, ["transform", "--as-of", tiny_sandbox.manifest["as_of"],
                                           "--select", "stg_kantata__users"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: the warehouse ") and f"PID {holder.pid}" in result.stderr
    assert "succeeded" not in result.output
