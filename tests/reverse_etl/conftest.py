"""Reverse-ETL tests against a sandbox of their own (writes change the ERP, so the session's shared tiny
sandbox stays untouched): the tiny firm ingested and built once ("golden"), then per test a copy of that data
dir and the NetSuite account put back to the generated firm — every test starts from the same drifting
billing schedules (as many as the manifest's billing_schedule_drift breaks)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import RunningSandbox

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")
APPROVER = "finance.controller@example.com"  # the sandbox's demo approver (sandbox/approvers.py)


@pytest.fixture(scope="session")
def golden(erp_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the tiny firm ingested and built (the sync feed holds the planted drifts)."""
    from ingestion.run import run_vendor
    from sandbox.admin import Admin
    from transform_runner import build_changed

    with Admin("netsuite", erp_sandbox.data_dir) as admin:  # other tests may have corrected it
        admin.clear_faults()
        admin.reset_account()
    base = tmp_path_factory.mktemp("retl-golden")
    (base / "sandbox").mkdir()
    erp_sandbox.copy_client_files(base)
    old = os.environ.get("C2C_DATA_DIR")
    os.environ["C2C_DATA_DIR"] = str(base)
    try:
        for vendor in VENDORS:
            run_vendor(vendor, say=lambda _: None)
        _, summary = build_changed(base, as_of=erp_sandbox.manifest["as_of"])
        assert summary.success, summary.text()
    finally:
        if old is None:
            os.environ.pop("C2C_DATA_DIR", None)
        else:
            os.environ["C2C_DATA_DIR"] = old
    return base


@dataclass
class Env:
    data_dir: Path
    sandbox: RunningSandbox
    admin: Any  # sandbox.admin.Admin for NetSuite

    @property
    def as_of(self) -> str:
        return self.sandbox.manifest["as_of"]

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.data_dir / "warehouse.duckdb"))
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()

    def plan(self) -> Any:
        from reverse_etl import runs

        return runs.plan(self.data_dir)

    def approved_plan(self) -> Any:
        from reverse_etl import runs

        made = self.plan()
        runs.approve_plan(made.plan_id, APPROVER, data_dir=self.data_dir)
        return made

    def apply(self, plan_id: str, *, sleep: Any = None, **knobs: Any) -> Any:
        """Apply with knobs (max_concurrency, max_attempts, timeout_seconds, alert_after_rejections) and an
        optional sleep recorder (the waits are asserted, not slept)."""
        from reverse_etl.apply import Applier
        from reverse_etl.plan import load
        from reverse_etl.runs import erp_client, opened
        from reverse_etl.settings import Knobs

        settings = Knobs.load(**knobs)
        with opened(self.data_dir) as store, erp_client(settings, **({"sleep": sleep} if sleep is not None else {})) as client:
            return Applier(store, client, load(store, plan_id), max_concurrency=settings.max_concurrency,
                           alert_after_rejections=settings.alert_after_rejections, say=lambda _: None,
                           data_dir=self.data_dir).run()

    def verify(self, plan_id: str) -> Any:
        from reverse_etl import runs

        return runs.verify_plan(plan_id, self.data_dir)

    def committed_writes(self) -> dict[str, int]:
        return self.admin.writes()["writes"]

    def rebuild(self, as_of: str | None = None) -> Any:
        """The next ingest of the ERP and the next build, as production runs them (on another as-of date when
        given: the next day's build)."""
        from ingestion.run import run_vendor
        from transform_runner import build_changed

        run_vendor("netsuite", say=lambda _: None)
        _, summary = build_changed(self.data_dir, as_of=as_of or self.as_of)
        assert summary.success, summary.text()
        return summary

    def open_exceptions(self, kind: str) -> list[tuple]:
        return self.sql("select grain_key, erp_record_id, impact_amount, detail from "
                        "reconciliation.finance_exceptions where exception_type = ? and status = 'open' "
                        "order by grain_key", [kind])


@pytest.fixture
def retl(erp_sandbox: RunningSandbox, golden: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    from sandbox.admin import Admin

    data_dir = tmp_path / "data"
    shutil.copytree(golden, data_dir, ignore=shutil.ignore_patterns("logs"))
    monkeypatch.setenv("C2C_DATA_DIR", str(data_dir))
    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        admin.clear_faults()
        admin.settings(latency_seconds=0, max_concurrent=5)
        admin.reset_account()
        admin.stats(reset=True)
        try:
            yield Env(data_dir, erp_sandbox, admin)
        finally:
            admin.clear_faults()
            admin.settings(latency_seconds=0, max_concurrent=5)


class Sleeps(list):
    """A sleep stand-in that records the waits instead of sleeping them (a short real pause keeps order)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(0.01)
