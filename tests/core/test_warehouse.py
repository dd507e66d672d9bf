"""The one access path to the warehouse (core/warehouse.py): a busy file is waited for within a bound, then a
typed error naming its holder; corrupt and refused files are typed errors that change nothing; read-only
opens never create a warehouse; what the platform creates is its owner's only."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pytest

from core import warehouse
from core.errors import (
    WarehouseBusyError,
    WarehouseCorruptError,
    WarehouseMissingError,
    WarehousePermissionError,
)
from tests.warehouse_faults import empty, held, make_warehouse, truncate, unwritable


@pytest.fixture(autouse=True)
def _three_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "3")


def _rows(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("select count(*) from t0").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_busy_warehouse_is_waited_for_then_a_typed_error_naming_its_holder(tmp_path: Path, read_only: bool) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb", tables=1, rows=10)
    waits: list[float] = []
    with held(path) as holder, pytest.raises(WarehouseBusyError) as info:
        warehouse.open_duckdb(path, read_only=read_only, sleep=waits.append)
    assert len(waits) == 2 and all(0 <= w <= 16 for w in waits)  # 3 attempts, 2 backoffs in between
    error = info.value
    assert error.holder_pid == holder.pid and f"PID {holder.pid}" in str(error)
    assert str(path) in str(error) and "still after 3 attempts" in str(error) and "\n" not in str(error)
    assert _rows(path) == 10  # the holder's file is untouched


def test_the_wait_ends_when_the_holder_lets_go(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb", tables=1, rows=10)
    with held(path) as holder:
        con = warehouse.open_duckdb(path, sleep=holder.release_on_wait())
        try:
            assert con.execute("select count(*) from t0").fetchone()[0] == 10
        finally:
            con.close()
    assert holder.waits == 1


@pytest.mark.parametrize("break_it", [truncate, empty], ids=["truncated", "empty"])
@pytest.mark.parametrize("read_only", [False, True])
def test_a_corrupt_file_is_a_typed_error_and_is_left_as_it_was(tmp_path: Path, break_it, read_only: bool) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    break_it(path)
    before = path.read_bytes()
    with pytest.raises(WarehouseCorruptError, match="warehouse.duckdb") as info:
        warehouse.open_duckdb(path, read_only=read_only)
    assert "\n" not in str(info.value) and "restore it from a backup" in str(info.value)
    assert path.read_bytes() == before
    assert not path.with_name(path.name + ".wal").exists()


def test_a_truncated_file_is_refused_even_where_duckdb_would_open_it(tmp_path: Path) -> None:
    """DuckDB reads blocks lazily: cut off only at the tail, the file opens and fails later, mid-query."""
    path = make_warehouse(tmp_path / "warehouse.duckdb", tables=8)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size - 300_000)
    duckdb.connect(str(path), read_only=True).close()  # DuckDB alone does not notice
    with pytest.raises(WarehouseCorruptError, match="truncated"):
        warehouse.open_duckdb(path)


def test_an_unwritable_file_is_a_typed_error_for_writers_and_still_readable(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb", tables=1, rows=10)
    with unwritable(path):
        with pytest.raises(WarehousePermissionError, match="cannot open the warehouse") as info:
            warehouse.open_duckdb(path)
        assert "\n" not in str(info.value)
        con = warehouse.open_duckdb(path, read_only=True)
        try:
            assert con.execute("select count(*) from t0").fetchone()[0] == 10
        finally:
            con.close()


def test_read_only_opens_never_create_a_warehouse(tmp_path: Path) -> None:
    base = tmp_path / "data"
    with pytest.raises(WarehouseMissingError, match="no warehouse at"):
        warehouse.open_duckdb(base / "warehouse.duckdb", read_only=True)
    with pytest.raises(WarehouseMissingError):
        warehouse.preflight(base)
    with warehouse.connect("duckdb", base, read_only=True) as con:
        assert con is None
    assert not base.exists()


def test_what_the_platform_creates_is_its_owners_only(tmp_path: Path) -> None:
    base = tmp_path / "data"
    warehouse.open_duckdb(base / "warehouse.duckdb").close()
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert stat.S_IMODE((base / "warehouse.duckdb").stat().st_mode) == 0o600
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    warehouse.open_duckdb(shared / "warehouse.duckdb").close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # a data dir someone made keeps its mode


def test_a_read_while_this_process_writes_shares_the_open_file(tmp_path: Path) -> None:
    path = make_warehouse(tmp_path / "warehouse.duckdb", tables=1, rows=10)
    writer = warehouse.open_duckdb(path)
    try:
        reader = warehouse.open_duckdb(path, read_only=True)
        assert reader.execute("select count(*) from t0").fetchone()[0] == 10
        reader.close()
    finally:
        writer.close()


def test_failures_passed_on_by_dbt_and_dlt_are_recognised_and_query_errors_are_not() -> None:
    busy = warehouse.warehouse_error(
        'Runtime Error\n  IO Error: Could not set lock on file "/d/warehouse.duckdb": Conflicting lock is held in '
        "/usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency")
    assert isinstance(busy, WarehouseBusyError) and busy.holder_pid == 4242
    assert str(busy).startswith("the warehouse /d/warehouse.duckdb is in use by another process (python3.11, PID 4242)")
    denied = warehouse.warehouse_error(RuntimeError('IO Error: Cannot open file "/d/w.duckdb": Permission denied'))
    assert isinstance(denied, WarehousePermissionError) and denied.path == "/d/w.duckdb"
    wrapped = RuntimeError("load failed")
    wrapped.__cause__ = duckdb.IOException('IO Error: The file "/d/w.duckdb" exists, but it is not a valid DuckDB '
                                           "database file!")
    assert isinstance(warehouse.warehouse_error(wrapped), WarehouseCorruptError)
    assert warehouse.warehouse_error(duckdb.CatalogException("Catalog Error: Table with name x does not exist!")) is None
    assert warehouse.warehouse_error(PermissionError(13, "Permission denied", "/d/dlt/state.json")) is None


def test_the_bound_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "0")
    with pytest.raises(Exception, match="C2C_WAREHOUSE_CONNECT_ATTEMPTS"):
        warehouse.busy_policy()
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "2")
    assert warehouse.busy_policy().max_attempts == 2


def test_a_file_duckdb_itself_shortened_is_not_taken_for_a_truncated_one(tmp_path: Path) -> None:
    """A checkpoint cuts free blocks off the end of the file while the header still counts them."""
    path = tmp_path / "warehouse.duckdb"
    two_tables = ("create table a as select range as i, range::varchar as s from range(400000); "
                  "create table b as select range as i, range::varchar as s from range(400000)")
    for sql in (two_tables, "drop table b", "create table c as select 1 as i; insert into a select * from a limit 10"):
        con = duckdb.connect(str(path))
        con.execute(sql)
        con.close()
    con = duckdb.connect(str(path), read_only=True)
    block_size, total = con.execute("select block_size, total_blocks from pragma_database_size()").fetchone()
    con.close()
    assert path.stat().st_size < warehouse.HEADER_BYTES + block_size * total  # what DuckDB does
    warehouse.open_duckdb(path).close()


def test_an_unreachable_postgresql_warehouse_is_a_typed_error_without_the_password(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from core.errors import WarehouseUnreachableError

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("C2C_PG_PORT", str(port))
    monkeypatch.setenv("C2C_PG_PASSWORD", "not-a-real-secret-7f3a")
    with pytest.raises(WarehouseUnreachableError, match=f"127.0.0.1:{port}") as info, \
            warehouse.connect("postgres"):
        pass
    assert "not-a-real-secret-7f3a" not in str(info.value) and info.value.__cause__ is None
