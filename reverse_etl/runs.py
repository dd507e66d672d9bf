"""The four steps as functions over the data dir's warehouse and the configured ERP — what `c2c reverse-etl`
and the Dagster assets call (Dagster code stays wiring)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.paths import warehouse_path
from core.retry import RetryPolicy

from .apply import Applier, ApplyReport, VerifyReport, verify
from .approval import approve, approved_scope, approver_of, auto_approve, configured_threshold
from .approvers import key_file_for, load_private_key, load_registry
from .erp_client import ErpClient
from .errors import PlanNotFoundError
from .plan import Plan, load, make_plan, save
from .settings import Knobs, netsuite_writer
from .store import Store


def warehouse(data_dir: Path | None = None) -> Path:
    return warehouse_path(data_dir)


@contextmanager
def opened(data_dir: Path | None = None, *, read_only: bool = False) -> Iterator[Store]:
    """The store of the data dir's warehouse, which must exist (the reverse ETL never creates one: its feed is
    built there by `c2c transform`); `read_only` for commands that only read."""
    store = Store(warehouse(data_dir), read_only=read_only, create=False)
    try:
        yield store
    finally:
        store.close()


def erp_client(knobs: Knobs, **kwargs: Any) -> ErpClient:
    return ErpClient(netsuite_writer(), max_concurrency=knobs.max_concurrency, timeout=knobs.timeout_seconds,
                     policy=RetryPolicy(max_attempts=knobs.max_attempts), **kwargs)


def plan(data_dir: Path | None = None, knobs: Knobs | None = None, contracts: list[str] | None = None) -> Plan:
    knobs = knobs or Knobs.load()
    with opened(data_dir) as store, erp_client(knobs) as client:
        result = make_plan(store, client, prepared_by=knobs.preparer, contracts=contracts)
        save(store, result)
        return result


def show(plan_id: str, data_dir: Path | None = None) -> tuple[Plan, dict[str, Any]]:
    with opened(data_dir, read_only=True) as store:
        if not store.has_tables:
            raise PlanNotFoundError(f"no plan {plan_id!r}: the warehouse holds no plans yet", plan=plan_id)
        found = load(store, plan_id)
        approvals = store.rows("select approver, approved_at, scope, policy from reverse_etl.approvals "
                               "where plan_id = ? order by approved_at", [plan_id])
        outcomes = store.rows("select outcome, count(*) as n from reverse_etl.write_ledger where plan_id = ? "
                              "and phase = 'outcome' group by outcome order by outcome", [plan_id])
        return found, {"approvals": approvals, "outcomes": {r["outcome"]: r["n"] for r in outcomes}}


def approve_plan(plan_id: str, approver: str, contracts: list[str] | None = None, data_dir: Path | None = None,
                 *, key_file: Path | None = None, passphrase: bytes | None = None) -> dict[str, Any]:
    """Sign and record an approval as the registered approver, with their private key (`key_file`, else the
    setting reverse_etl.approver_key_file, else — the sandbox's registry only — the sandbox's demo key)."""
    registry = load_registry(data_dir)
    with opened(data_dir) as store:
        found = load(store, plan_id)
        approver_of(found, approver, registry)  # a name that may not approve is refused before a key is read
        key = load_private_key(key_file_for(approver, registry, key_file, data_dir), passphrase)
        return approve(store, found, approver=approver, private_key=key, registry=registry, contracts=contracts)


def auto_approve_plan(plan_id: str, data_dir: Path | None = None) -> tuple[bool, str]:
    """Approve by the auto-apply policy when the configured threshold (reverse_etl.auto_apply_max_impact)
    covers the plan; apply checks the policy again against the configuration."""
    with opened(data_dir) as store:
        return auto_approve(store, load(store, plan_id), configured_threshold())


def apply_plan(plan_id: str, data_dir: Path | None = None, knobs: Knobs | None = None,
               say: Callable[[str], None] = print) -> ApplyReport:
    knobs = knobs or Knobs.load()
    with opened(data_dir) as store:
        found = load(store, plan_id)
        approved_scope(store, found, data_dir=data_dir)  # refuse before even building the ERP client
        with erp_client(knobs) as client:
            return Applier(store, client, found, max_concurrency=knobs.max_concurrency,
                           alert_after_rejections=knobs.alert_after_rejections, say=say, data_dir=data_dir).run()


def verify_plan(plan_id: str, data_dir: Path | None = None, knobs: Knobs | None = None) -> VerifyReport:
    knobs = knobs or Knobs.load()
    with opened(data_dir) as store, erp_client(knobs) as client:
        return verify(store, client, load(store, plan_id))


def ledger_intact(data_dir: Path | None = None) -> tuple[bool, str]:
    with opened(data_dir) as store:
        return store.ledger_intact()
