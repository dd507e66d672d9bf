"""Shared set-up of the reverse-ETL benchmarks (`writeback`, `recovery`): a generated firm on a running sandbox,
many drifting NetSuite billing schedules, and an approved plan on a fresh, identical state for every timed apply.

- `start`: generate the firm (`small`, seed 42), start the sandbox, NetSuite latency 0 while setting up.
- `warm`: make every billing schedule drift (the admin's concurrent edit with change "amount": one minor unit
  added to its first non-invoiced line; schedules with no open line are refused and left alone), ingest all
  four vendors and build once into a snapshot data dir.
- `prepare`: the state every timed apply starts from: the NetSuite account reset to the generated firm, the same
  edits again, a copy of the snapshot data dir (the write ledger is per warehouse and skips a write key that
  succeeded in any earlier plan, so each apply needs a warehouse that has never applied), the NetSuite ingest
  and the production build (`build_changed`), then `plan` and an approval.
The ingest, build and plan run in a child process: the in-process dbt build keeps the warehouse file open (and
DuckDB-locked) after it returns, and the timed applies of `recovery` are other processes.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")
APPROVER = "finance.controller@example.com"  # the sandbox's demo approver (sandbox/approvers.py)


@dataclass
class Bench:
    base: Path  # the temp dir
    sandbox: Path  # the sandbox's data dir (firm, state, run files)
    manifest: dict[str, Any]
    admin: Any  # sandbox.admin.Admin("netsuite")
    schedule_ids: list[int] = field(default_factory=list)
    snapshot: Path | None = None

    @property
    def endpoints_file(self) -> Path:
        return self.sandbox / "sandbox" / "endpoints.json"


@dataclass
class Prepared:
    data_dir: Path
    plan_id: str
    schedules: int  # schedules in the plan (one write each)
    items: int  # line operations
    edited: int  # schedules the concurrent edit changed
    refused: int  # schedules it refused (no open line)


def start(base: Path, size: str = "small", seed: int = 42, say: Callable[[str], None] = print) -> Bench:
    import polars as pl

    from sandbox.admin import Admin
    from sandbox.firm.generate import generate
    from sandbox.server import up

    sandbox = base / "sandbox-data"
    manifest = generate(size, seed, sandbox / "sandbox")
    up(sandbox, log=lambda _: None)
    bench = Bench(base, sandbox, manifest, Admin("netsuite", sandbox, timeout=60.0))
    bench.admin.settings(latency_seconds=0)
    firm = sandbox / "sandbox" / "firm" / "netsuite" / "billingschedule.parquet"
    bench.schedule_ids = sorted(int(i) for i in pl.read_parquet(firm, columns=["id"])["id"].to_list())
    say(f"firm {size} (seed {seed}): {len(bench.schedule_ids)} billing schedules, sandbox up")
    return bench


def stop(bench: Bench | None, base: Path) -> None:
    from sandbox.server import down

    if bench is not None:
        bench.admin.close()
    down(base / "sandbox-data")


def drift(bench: Bench) -> tuple[int, int]:
    """The concurrent edit with change "amount" on every billing schedule: (edited, refused)."""
    from sandbox.server import SandboxError

    edited = refused = 0
    for record_id in bench.schedule_ids:
        try:
            bench.admin._call("POST", "/netsuite/concurrent-edit",
                              {"type": "billingSchedule", "id": record_id, "change": "amount"})
            edited += 1
        except SandboxError:  # e.g. 400 "no line that is not invoiced"
            refused += 1
    return edited, refused


def fresh_dir(bench: Bench, name: str, source: Path | None = None) -> Path:
    path = bench.base / name
    if path.exists():
        shutil.rmtree(path)
    if source is not None:
        shutil.copytree(source, path, symlinks=True)
    else:
        (path / "sandbox").mkdir(parents=True)
    shutil.copy(bench.endpoints_file, path / "sandbox" / "endpoints.json")
    # the approvers' registry and the demo approver's key, which the sandbox wrote beside its endpoints
    shutil.copy(bench.endpoints_file.with_name("approvers.toml"), path / "sandbox" / "approvers.toml")
    shutil.copytree(bench.endpoints_file.with_name("approver-keys"), path / "sandbox" / "approver-keys",
                    dirs_exist_ok=True)
    return path


def ingest_and_build(data_dir: Path, as_of: str, vendors: tuple[str, ...]) -> None:
    from ingestion.run import run_vendor
    from transform_runner import build_changed

    os.environ["C2C_DATA_DIR"] = str(data_dir)
    for vendor in vendors:
        run_vendor(vendor, say=lambda _: None)
    _plan, summary = build_changed(data_dir, as_of=as_of)
    if not summary.success:
        raise SystemExit(summary.text())


def ingest_build_plan(data_dir: Path, as_of: str) -> tuple[str, int, int]:
    """NetSuite ingest, production build, `plan` and an approval: (plan id, schedules, line operations)."""
    from reverse_etl import runs

    ingest_and_build(data_dir, as_of, ("netsuite",))
    plan = runs.plan(data_dir)
    if plan.schedules:
        runs.approve_plan(plan.plan_id, APPROVER, data_dir=data_dir)
    return plan.plan_id, len(plan.schedules), len(plan.items)


def in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """Run fn(*args) in a fresh (spawned) process, so every file it opened is closed when it returns."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def warm(bench: Bench, say: Callable[[str], None] = print) -> None:
    edited, refused = drift(bench)
    bench.snapshot = fresh_dir(bench, "snapshot")
    in_child(ingest_and_build, bench.snapshot, bench.manifest["as_of"], VENDORS)
    say(f"snapshot: {edited} schedules drifted ({refused} refused: no open line), all four vendors ingested and built")


def prepare(bench: Bench, name: str) -> Prepared:
    """Reset the account, drift again, copy the snapshot, ingest NetSuite, build, plan, approve."""
    assert bench.snapshot is not None, "warm() first"
    bench.admin.settings(latency_seconds=0)
    bench.admin.reset_account()
    edited, refused = drift(bench)
    data_dir = fresh_dir(bench, name, bench.snapshot)
    plan_id, schedules, items = in_child(ingest_build_plan, data_dir, bench.manifest["as_of"])
    if not schedules:
        raise SystemExit("the plan is empty: the edits made no schedule drift")
    os.environ["C2C_DATA_DIR"] = str(data_dir)
    return Prepared(data_dir, plan_id, schedules, items, edited, refused)


def duplicates(writes: dict[str, Any]) -> int:
    """Σ (n − 1) over the committed-write counter's schedules written n > 1 times."""
    return sum(int(n) - 1 for n in writes.get("writes", {}).values() if int(n) > 1)


def status_counts(stats: dict[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in (stats.get("by_status") or {}).items()}
