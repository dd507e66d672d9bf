"""The reverse-ETL store: the ledger's hash chain detects edits and removals; a busy warehouse is a clear error;
a read-only store never creates a warehouse nor its schema."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from reverse_etl.errors import WarehouseBusyError
from reverse_etl.store import Store


def _entries(store: Store, n: int) -> None:
    for i in range(n):
        store.record(plan_id="p", write_key=f"BS-{i}@v@1", contract_key="c", schedule_external_id=f"BS-{i}",
                     phase="intent", attempt=1)
        store.record(plan_id="p", write_key=f"BS-{i}@v@1", contract_key="c", schedule_external_id=f"BS-{i}",
                     phase="outcome", outcome="written", wait=False)


def test_the_ledger_chain_detects_an_edit_and_a_removed_row(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        _entries(store, 5)
        assert store.ledger_intact() == (True, "intact")
        assert [e["entry_id"] for e in store.ledger()] == list(range(1, 11))
    con = duckdb.connect(str(path))
    con.execute("update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = 4")
    con.close()
    with Store(path) as store:
        intact, why = store.ledger_intact()
        assert not intact and "entry 4" in why and "content changed" in why
    con = duckdb.connect(str(path))
    con.execute("update reverse_etl.write_ledger set outcome = 'written' where entry_id = 4")
    con.execute("delete from reverse_etl.write_ledger where entry_id = 7")
    con.close()
    with Store(path) as store:
        intact, why = store.ledger_intact()
        assert not intact and "entry 8" in why and "removed" in why


def test_a_second_store_appending_between_our_entries_keeps_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Store(path) as first:
        _entries(first, 2)
        with Store(path) as second:  # same process, same file: the cached tail must not fork the chain
            _entries(second, 2)
        _entries(first, 2)
        assert first.ledger_intact() == (True, "intact")
        assert len(first.ledger()) == 12


def test_a_warehouse_held_by_another_process_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "2")
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", (f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('held', flush=True); time.sleep(30)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match=f"in use by another process .*PID {holder.pid}"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()


def test_a_read_only_store_creates_neither_the_warehouse_nor_its_schema(tmp_path: Path) -> None:
    from core.errors import WarehouseMissingError

    path = tmp_path / "data" / "warehouse.duckdb"
    with pytest.raises(WarehouseMissingError):
        Store(path, read_only=True)
    assert not path.parent.exists()
    path.parent.mkdir()
    duckdb.connect(str(path)).close()
    with Store(path, read_only=True) as store:
        assert store.has_tables is False
    con = duckdb.connect(str(path))
    assert con.execute("select count(*) from information_schema.schemata where schema_name = 'reverse_etl'"
                       ).fetchone()[0] == 0
    con.close()
