"""The `reverse_etl` schema of the warehouse: plans, their schedules and items, approvals, the write ledger
and dead letters. Every table is append-only: rows are inserted, never updated or deleted (NIST AU-9). The
write ledger is also chained with HMAC-SHA256 under a key the warehouse does not hold (ledger_key.py): each
entry's hash covers its content and the previous entry's hash. Each apply and verify anchors the chain's
head outside the warehouse (ledger_anchors.py). An edited, reordered or removed entry, a deleted tail or a
chain recomputed without the key is detected, naming the first bad entry: `Store.ledger_intact()`.

One connection, used under a lock. The apply's worker threads append to the write ledger through one ledger
thread that group-commits whatever is queued: an intent is committed (durable) before its request is sent,
and five writers finishing together cost one commit, not five.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

import duckdb

from core import warehouse

from . import ledger_chain
from .ledger_chain import GENESIS, canonical_json

DDL = """
create schema if not exists reverse_etl;
create table if not exists reverse_etl.plans (
    plan_id varchar primary key,
    created_at timestamp not null,
    prepared_by varchar not null,
    as_of_date date,
    feed varchar not null,
    schedule_count integer not null,
    item_count integer not null,
    items_digest varchar not null
);
-- the contracts a plan was limited to (comma-separated CLM ids; null = every contract in the feed);
-- added after the first release, hence the alter for warehouses made before it
alter table reverse_etl.plans add column if not exists scope varchar;
create table if not exists reverse_etl.plan_schedules (
    plan_id varchar not null,
    write_key varchar not null,
    contract_key varchar not null,
    clm_contract_id varchar not null,
    schedule_external_id varchar not null,
    erp_billing_schedule_id varchar,
    erp_last_modified varchar,
    currency_code varchar not null,
    desired_version varchar not null,
    contract_version_number integer,
    desired_lines json not null,
    impact_amount decimal(38, 9) not null,
    impact_amount_reporting decimal(38, 9),
    blocked_reason varchar,
    primary key (plan_id, write_key)
);
create table if not exists reverse_etl.plan_items (
    plan_id varchar not null,
    item_key varchar not null,
    write_key varchar not null,
    contract_key varchar not null,
    schedule_external_id varchar not null,
    line_key varchar not null,
    op varchar not null,
    erp_line integer,
    before_amount decimal(38, 9),
    before_date date,
    after_amount decimal(38, 9),
    after_date date,
    amount_change decimal(38, 9) not null,
    currency_code varchar not null,
    causing_amendment_key varchar,
    clm_amendment_id varchar,
    primary key (plan_id, item_key)
);
create table if not exists reverse_etl.approvals (
    approval_id varchar primary key,
    plan_id varchar not null,
    approver varchar not null,
    approved_at timestamp not null,
    scope json,
    items_digest varchar not null,
    policy varchar not null
);
-- an approver's approval is signed (reverse_etl/approvers.py): the exact text signed, its Ed25519 signature and
-- the fingerprint of the registered key it verifies with (added later, hence the alters)
alter table reverse_etl.approvals add column if not exists signed_payload varchar;
alter table reverse_etl.approvals add column if not exists signature varchar;
alter table reverse_etl.approvals add column if not exists key_fingerprint varchar;
create table if not exists reverse_etl.write_ledger (
    entry_id bigint primary key,
    recorded_at timestamp not null,
    plan_id varchar not null,
    write_key varchar not null,
    contract_key varchar not null,
    schedule_external_id varchar not null,
    phase varchar not null,
    attempt integer,
    outcome varchar,
    http_status integer,
    erp_record_id varchar,
    erp_last_modified varchar,
    detail varchar,
    prev_hash varchar not null,
    entry_hash varchar not null
);
create table if not exists reverse_etl.dead_letters (
    recorded_at timestamp not null,
    plan_id varchar not null,
    write_key varchar not null,
    contract_key varchar not null,
    schedule_external_id varchar not null,
    http_status integer,
    error_body varchar,
    rejection_number integer not null
);
"""

SUCCESS = ("written", "landed", "already_applied")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def digest(rows: list[Any]) -> str:
    return hashlib.sha256(canonical_json(rows).encode()).hexdigest()


@dataclass
class Store:
    path: Path
    read_only: bool = False  # reads only: opened read-only, the schema neither created nor migrated
    create: bool = True  # False: a missing warehouse is an error (core.errors.WarehouseMissingError)
    data_dir: Path | None = None  # where the ledger's key file and anchors are (default: the warehouse's dir)

    def __post_init__(self) -> None:
        # the platform's one way in (core/warehouse.py): a busy file is waited for, then a typed error naming
        # its holder; a corrupt, refused or (read-only) missing file is a typed error too
        self.conn = warehouse.open_duckdb(self.path, read_only=self.read_only, create=self.create)
        self.lock = threading.RLock()
        self._tail: tuple[int, str] | None = None  # (entry_id, entry_hash) of the ledger's last entry
        self._key: bytes | None = None  # the ledger's HMAC key, read (or made) on the first append
        self._queue: list[tuple[dict[str, Any], threading.Event]] = []
        self._queue_lock = threading.Lock()
        self._queue_ready = threading.Condition(self._queue_lock)
        self._writer: threading.Thread | None = None
        self._stopping = False
        self._failure: BaseException | None = None
        if self.read_only:
            self.has_tables = bool(self.conn.execute(
                "select 1 from information_schema.tables where table_schema = 'reverse_etl' "
                "and table_name = 'plans'").fetchall())
        else:
            with self.lock:
                self.conn.execute(DDL)
            self.has_tables = True

    def close(self) -> None:
        if self._writer is not None:
            self.flush()
            with self._queue_lock:
                self._stopping = True
                self._queue_ready.notify()
            self._writer.join()
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- generic ---------------------------------------------------------------------------------------
    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        if self._writer is not None:
            self.flush()  # read your own ledger writes
        with self.lock:
            cur = self.conn.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        sql = f"insert into reverse_etl.{table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
        with self.lock:
            self.conn.execute("begin")
            try:
                self.conn.executemany(sql, [[_param(r[c]) for c in cols] for r in rows])
                self.conn.execute("commit")
            except BaseException:
                self.conn.execute("rollback")
                raise

    # ---- the write ledger ------------------------------------------------------------------------------
    def record(self, *, plan_id: str, write_key: str, contract_key: str, schedule_external_id: str, phase: str,
               attempt: int | None = None, outcome: str | None = None, http_status: int | None = None,
               erp_record_id: str | None = None, erp_last_modified: str | None = None,
               detail: str | None = None, wait: bool = True) -> None:
        """Append one ledger entry (intent before a request, outcome after it), chained to the previous one.

        Entries are group-committed by one ledger thread: whatever is queued when it wakes is written in one
        transaction. `wait=True` (an intent) returns only once the entry is committed; `wait=False` (an
        outcome) returns at once — a crash before it lands leaves an intent without outcome, which the next
        run re-reads from the ERP anyway. `flush()` waits for everything queued."""
        entry = {"recorded_at": now(), "plan_id": plan_id, "write_key": write_key, "contract_key": contract_key,
                 "schedule_external_id": schedule_external_id, "phase": phase, "attempt": attempt,
                 "outcome": outcome, "http_status": http_status, "erp_record_id": erp_record_id,
                 "erp_last_modified": erp_last_modified, "detail": detail}
        done = threading.Event()
        with self._queue_lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_ledger, name="ledger", daemon=True)
                self._writer.start()
            self._queue.append((entry, done))
            self._queue_ready.notify()
        if wait:
            done.wait()
            self._raise_failure()

    def flush(self) -> None:
        with self._queue_lock:
            pending = [done for _, done in self._queue]
        for done in pending:
            done.wait()
        with self.lock:  # the batch being written when the queue was read
            pass
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise RuntimeError(f"the write ledger could not be written: {self._failure}") from self._failure

    def _write_ledger(self) -> None:
        while True:
            with self._queue_lock:
                while not self._queue and not self._stopping:
                    self._queue_ready.wait()
                if not self._queue and self._stopping:
                    return
                batch, self._queue = self._queue, []
            try:
                with self.lock:
                    self._append(batch)
            except BaseException as exc:  # noqa: BLE001 - kept and raised to the callers that wait
                self._failure = exc
            finally:
                for _, done in batch:
                    done.set()

    def _base(self) -> Path:
        return self.data_dir or self.path.parent

    def _ledger_key(self, *, create: bool) -> bytes | None:
        if self._key is None:
            from .ledger_key import ledger_key

            self._key = ledger_key(self._base(), create=create)
        return self._key

    def _append(self, batch: list[tuple[dict[str, Any], threading.Event]]) -> None:
        key = self._ledger_key(create=True)
        assert key is not None
        for _ in range(3):
            entry_id, prev = self._tail if self._tail else self._read_tail()
            rows = []
            for entry, _ in batch:
                entry_id += 1
                row = {"entry_id": entry_id, **entry, "prev_hash": prev}
                row["entry_hash"] = prev = ledger_chain.chain_hash(key, prev, row)
                rows.append(row)
            cols = list(rows[0])
            self.conn.execute("begin")
            try:
                self.conn.executemany(f"insert into reverse_etl.write_ledger ({', '.join(cols)}) "
                                      f"values ({', '.join('?' * len(cols))})", [[r[c] for c in cols] for r in rows])
                self.conn.execute("commit")
            except duckdb.ConstraintException:  # another writer appended since the tail was read
                self.conn.execute("rollback")
                self._tail = None
                continue
            except BaseException:
                self.conn.execute("rollback")
                raise
            self._tail = (rows[-1]["entry_id"], rows[-1]["entry_hash"])
            return
        raise RuntimeError("could not append to reverse_etl.write_ledger: its tail keeps moving")

    def _read_tail(self) -> tuple[int, str]:
        # max + 1, not a sequence: DuckDB does not make a sequence's position durable across a crash
        # (kill -9 mid-apply), while the rows are
        last = self.conn.execute("select entry_id, entry_hash from reverse_etl.write_ledger "
                                 "order by entry_id desc limit 1").fetchall()
        return (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)

    def ledger(self, plan_id: str | None = None) -> list[dict[str, Any]]:
        where, params = ("where plan_id = ?", [plan_id]) if plan_id else ("", [])
        return self.rows(f"select * from reverse_etl.write_ledger {where} order by entry_id", params)

    def ledger_head(self) -> tuple[int, str]:
        """(entry id, hash) of the ledger's last entry, everything queued written first; (0, GENESIS) when empty."""
        if self._writer is not None:
            self.flush()
        with self.lock:
            return self._read_tail()

    def anchor(self, plan_id: str, op: str) -> dict[str, Any]:
        """Append the chain's head to the anchor file outside the warehouse (fsynced); return the anchor."""
        from . import ledger_anchors

        entry_id, head = self.ledger_head()
        return ledger_anchors.append(self._base(), op=op, plan_id=plan_id, last_entry_id=entry_id, head_hash=head)

    def ledger_intact(self) -> tuple[bool, str]:
        """(True, "intact"), or False and the first bad entry (ledger_chain.check says what it looks for)."""
        from . import ledger_anchors

        entries = self.rows("select * from reverse_etl.write_ledger order by entry_id")
        key = self._ledger_key(create=False)
        try:
            anchors = ledger_anchors.read(self._base())
        except ValueError as exc:
            return False, f"the ledger's anchors cannot be read: {exc}"
        return ledger_chain.check(entries, key, anchors)

    def last_outcomes(self, write_keys: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """The latest ledger entry of each write key (any plan): its outcome, or an intent without one."""
        rows = self.rows("select * from reverse_etl.write_ledger qualify row_number() over "
                         "(partition by write_key order by entry_id desc) = 1")
        wanted = set(write_keys) if write_keys is not None else None
        return {r["write_key"]: r for r in rows if wanted is None or r["write_key"] in wanted}

    def rejections(self, write_key: str) -> int:
        return int(self.rows("select count(*) as n from reverse_etl.dead_letters where write_key = ?",
                             [write_key])[0]["n"])


def _param(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return value


def plain(value: Any) -> Any:
    """Decimal → str for JSON output."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
