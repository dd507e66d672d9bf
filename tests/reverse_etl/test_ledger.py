"""A write ledger nobody can rewrite unnoticed: the chain is HMAC-SHA256 under a key the warehouse does not hold,
and each apply anchors the chain's head outside the warehouse. On a copy of the warehouse each time: an edited
row, a deleted tail, reordered rows, a chain recomputed without the key (or with a guessed one), a rewrite from
an anchored entry on — `ledger_intact()` fails naming the first bad entry. The same through `c2c reverse-etl
apply --json` and `verify` against the sandbox ERP."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from core.errors import ConfigError
from reverse_etl.ledger_chain import GENESIS, _chain_view
from reverse_etl.ledger_chain import canonical_json as _canonical
from reverse_etl.store import Store

from .conftest import Env

WAREHOUSE = "warehouse.duckdb"


def _entries(store: Store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.record(plan_id="p", write_key=f"BS-{i}@v@1", contract_key="c", schedule_external_id=f"BS-{i}",
                     phase="intent", attempt=1)
        store.record(plan_id="p", write_key=f"BS-{i}@v@1", contract_key="c", schedule_external_id=f"BS-{i}",
                     phase="outcome", outcome="written", wait=False)


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir whose ledger holds 14 entries; two applies anchored its head (after 10 and after 14)."""
    monkeypatch.delenv("REVERSE_ETL__LEDGER_KEY", raising=False)
    base = tmp_path / "original"
    with Store(base / WAREHOUSE) as store:
        _entries(store, 5)
        store.anchor("plan-a", "apply")
        _entries(store, 2, start=5)
        store.anchor("plan-b", "apply")
    return base


def _copy(ledger: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(ledger, tmp_path / name))


def _sql(base: Path, *statements: str) -> None:
    con = duckdb.connect(str(base / WAREHOUSE))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _intact(base: Path) -> tuple[bool, str]:
    with Store(base / WAREHOUSE) as store:
        return store.ledger_intact()


def _rechain(base: Path, chain: Any, *, first: int = 1) -> None:
    """Recompute every entry's hashes from `first` on with `chain(prev, entry)` — what someone holding the
    warehouse but not the key would do to hide an edit."""
    con = duckdb.connect(str(base / WAREHOUSE))
    try:
        cur = con.execute("select * from reverse_etl.write_ledger order by entry_id")
        names = [d[0] for d in cur.description]
        prev = GENESIS
        for row in [dict(zip(names, r)) for r in cur.fetchall()]:
            if row["entry_id"] >= first:
                new = chain(prev, row)
                con.execute("update reverse_etl.write_ledger set prev_hash = ?, entry_hash = ? where entry_id = ?",
                            [prev, new, row["entry_id"]])
                prev = new
            else:
                prev = row["entry_hash"]
    finally:
        con.close()


def test_an_intact_ledger_its_key_and_its_anchors(ledger: Path) -> None:
    assert _intact(ledger) == (True, "intact")
    key_file = ledger / "keys" / "ledger.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.parent.stat().st_mode & 0o777 == 0o700
    anchors = [json.loads(line) for line in (ledger / "reverse_etl" / "ledger_anchors.jsonl").read_text().splitlines()]
    assert [(a["op"], a["plan_id"], a["last_entry_id"]) for a in anchors] == [("apply", "plan-a", 10),
                                                                            ("apply", "plan-b", 14)]
    assert (ledger / "reverse_etl" / "ledger_anchors.jsonl").stat().st_mode & 0o777 == 0o600
    with Store(ledger / WAREHOUSE) as store:
        assert store.ledger_head() == (14, anchors[1]["head_hash"])
        dump = json.dumps(store.rows("select * from reverse_etl.write_ledger"), default=str)
    assert key_file.read_text().strip() not in dump  # the warehouse never holds the key


def test_an_edited_row_is_named(ledger: Path, tmp_path: Path) -> None:
    copy = _copy(ledger, tmp_path, "edited")
    _sql(copy, "update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = 4")
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 4: its content changed"), why


def test_a_deleted_tail_is_named(ledger: Path, tmp_path: Path) -> None:
    copy = _copy(ledger, tmp_path, "tail")
    _sql(copy, "delete from reverse_etl.write_ledger where entry_id >= 13")
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 14: missing") and "ends at entry 12" in why, why
    assert "plan-b" in why
    copy = _copy(ledger, tmp_path, "tail-and-more")
    _sql(copy, "delete from reverse_etl.write_ledger where entry_id >= 9")
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 10: missing") and "plan-a" in why, why


def test_reordered_or_removed_rows_are_named(ledger: Path, tmp_path: Path) -> None:
    copy = _copy(ledger, tmp_path, "reordered")
    con = duckdb.connect(str(copy / WAREHOUSE))
    try:
        cur = con.execute("select * from reverse_etl.write_ledger where entry_id in (3, 4) order by entry_id")
        names = [d[0] for d in cur.description]
        third, fourth = (dict(zip(names, r)) for r in cur.fetchall())
        con.execute("delete from reverse_etl.write_ledger where entry_id in (3, 4)")
        for row, entry_id in ((fourth, 3), (third, 4)):  # the two entries swap places
            row = {**row, "entry_id": entry_id}
            con.execute(f"insert into reverse_etl.write_ledger ({', '.join(row)}) values "
                        f"({', '.join('?' * len(row))})", list(row.values()))
    finally:
        con.close()
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 3: its link to the previous entry is broken"), why
    copy = _copy(ledger, tmp_path, "removed")
    _sql(copy, "delete from reverse_etl.write_ledger where entry_id = 7")
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 8: its link") and "removed" in why, why


def test_a_chain_recomputed_without_the_key_is_named(ledger: Path, tmp_path: Path) -> None:
    # the rewrite the old unkeyed chain allowed: a written outcome made rejected, the SHA-256 chain
    # recomputed, the tail row deleted
    copy = _copy(ledger, tmp_path, "unkeyed")
    _sql(copy, "update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = 4",
         "delete from reverse_etl.write_ledger where entry_id = 14")
    _rechain(copy, lambda prev, row: hashlib.sha256((prev + _canonical(_chain_view(row))).encode()).hexdigest())
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 1: its content changed after it was written, or the chain was "
                                         "recomputed without the ledger key"), why
    copy = _copy(ledger, tmp_path, "guessed-key")
    _sql(copy, "update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = 4")
    _rechain(copy, lambda prev, row: hmac.new(b"0" * 32, (prev + _canonical(_chain_view(row))).encode(),
                                              hashlib.sha256).hexdigest())
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 1:"), why


def test_a_rewrite_with_the_key_is_caught_by_the_anchors(ledger: Path, tmp_path: Path) -> None:
    """Even with the key, history an apply anchored cannot be rewritten unnoticed while the anchors stand."""
    copy = _copy(ledger, tmp_path, "keyed-rewrite")
    key = bytes.fromhex((copy / "keys" / "ledger.key").read_text().strip())
    _sql(copy, "update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = 4")
    _rechain(copy, lambda prev, row: hmac.new(key, (prev + _canonical(_chain_view(row))).encode(),
                                              hashlib.sha256).hexdigest(), first=4)
    intact, why = _intact(copy)
    assert not intact and why.startswith("entry 10: it is not the chain head the apply of plan-a"), why


def test_without_its_key_the_ledger_cannot_be_checked(ledger: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    copy = _copy(ledger, tmp_path, "no-key")
    shutil.rmtree(copy / "keys")
    intact, why = _intact(copy)
    assert not intact and "key is missing" in why
    # a configured key (a secret setting) replaces the key file: none is made, and another key fails
    monkeypatch.setenv("REVERSE_ETL__LEDGER_KEY", "k" * 40)
    fresh = tmp_path / "configured"
    with Store(fresh / WAREHOUSE) as store:
        _entries(store, 2)
        assert store.ledger_intact() == (True, "intact")
    assert not (fresh / "keys").exists()
    monkeypatch.setenv("REVERSE_ETL__LEDGER_KEY", "j" * 40)
    assert _intact(fresh)[1].startswith("entry 1:")
    monkeypatch.setenv("REVERSE_ETL__LEDGER_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        _intact(fresh)


@pytest.mark.integration
def test_apply_json_anchors_the_head_and_verify_names_the_first_bad_entry(retl: Env, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from c2c.cli import main

    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["reverse-etl", *args], catch_exceptions=False)
        return result.exit_code, result.stdout

    plan = retl.approved_plan()
    code, out = cli("apply", plan.plan_id, "--json")
    assert code == 0, out
    head = json.loads(out.strip().splitlines()[-1])["ledger"]
    anchors = (retl.data_dir / "reverse_etl" / "ledger_anchors.jsonl").read_text().splitlines()
    assert json.loads(anchors[-1]) == head and head["op"] == "apply" and head["plan_id"] == plan.plan_id
    assert retl.sql("select max(entry_id), max_by(entry_hash, entry_id) from reverse_etl.write_ledger") == [
        (head["last_entry_id"], head["head_hash"])]

    code, out = cli("verify", plan.plan_id, "--json")
    verified = json.loads(out)
    assert code == 0 and verified["ledger_intact"], out
    assert verified["ledger"]["op"] == "verify" and verified["ledger"]["last_entry_id"] > head["last_entry_id"]

    last = verified["ledger"]["last_entry_id"]  # the tail: the verify's entries, anchored by it
    tampered = Path(shutil.copytree(retl.data_dir, tmp_path / "tampered"))
    _sql(tampered, "update reverse_etl.write_ledger set outcome = 'rejected' where entry_id = "
                   "(select min(entry_id) from reverse_etl.write_ledger where outcome = 'written')",
         f"delete from reverse_etl.write_ledger where entry_id = {last}")
    _rechain(tampered, lambda prev, row: hashlib.sha256((prev + _canonical(_chain_view(row))).encode()).hexdigest())
    monkeypatch.setenv("C2C_DATA_DIR", str(tampered))
    code, out = cli("verify", plan.plan_id, "--json")
    result = json.loads(out)
    assert code == 1 and not result["ledger_intact"] and result["ledger_problem"].startswith("entry 1:"), out

    truncated = Path(shutil.copytree(retl.data_dir, tmp_path / "truncated"))
    _sql(truncated, f"delete from reverse_etl.write_ledger where entry_id = {last}")
    monkeypatch.setenv("C2C_DATA_DIR", str(truncated))
    code, out = cli("verify", plan.plan_id)
    assert code == 1 and f"write ledger: entry {last}: missing" in out, out
