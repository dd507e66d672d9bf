"""`propagation` (BENCHMARKS.md): seconds from a change order approved in the sandbox CLM to the corrected
schedule read back from the sandbox ERP, auto-apply policy on, at `small` (must p50 ≤ 60 s, aim ≤ 15 s);
and the orchestration overhead: the same steps run by Dagster ÷ run directly.

Set-up: the firm generated, the sandbox up, the chain run once directly and its 21 planted drifts corrected
(so each later plan holds only the new change), the auto-apply policy on (REVERSE_ETL__AUTO_APPLY_MAX_IMPACT).
Each round changes an approved fixed-fee change order in Ironclad (a milestone amount + 1 000, as an
approver's edit would) and then alternates:
- A (Dagster): the Ironclad sensor is evaluated once and its run request executes `amendment_propagation`
  in-process (a run key already launched is skipped, as the daemon does);
- B (direct): the same steps without Dagster: `run_vendor("ironclad")`, the same dbt selection (between the
  Ironclad records and the plan, `c2c.transform.build`), `runs.plan` of the amended contract, the policy's
  approval, `apply`.
Each is timed from the Ironclad edit to the moment the ERP's schedule line reads back with the new amount.
Then `--daemon-rounds` more through `dagster-daemon run` (what `make ui` runs): the sensor's poll interval, the
run queue and the run's own process included — the latency a user sees (`p50_seconds_daemon`).

    python -m benchmarks.propagation [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from core.paths import REPO_ROOT, warehouse_path
from core.settings import netsuite_sandbox

from .common import report

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")
# the models amendment_propagation builds: downstream of the Ironclad records and upstream of the plan
BETWEEN_IRONCLAD_AND_THE_PLAN = " ".join(
    f"source:ironclad.records+,+{model}" for model in (
        "finance_exceptions", "sync_erp__billing_schedule_corrections", "sync_erp__billing_schedule_correction_headers"))


def _ironclad(endpoints: dict[str, Any]) -> httpx.Client:
    ep = endpoints["ironclad"]
    token = httpx.post(ep["token_request"]["url"], data=ep["token_request"]["form"]).json()["access_token"]
    return httpx.Client(base_url=ep["base_url"], headers={"Authorization": f"Bearer {token}", **ep["headers"]},
                        timeout=30)


def _erp_amount(endpoints: dict[str, Any], line_key: str) -> Decimal | None:
    ep = endpoints["netsuite"]
    reader = netsuite_sandbox(ep, "m2m")  # signs its client assertion as the platform's reader does
    token = httpx.post(reader.token_url, data=reader.token_form()).json()["access_token"]  # type: ignore[misc]
    answer = httpx.post(ep["base_url"] + "/query/v1/suiteql?limit=5",
                        headers={"Authorization": f"Bearer {token}", "Prefer": "transient"},
                        json={"q": f"SELECT amount FROM billingschedulerecurrence WHERE custcol_c2c_line_key = '{line_key}' "
                                   "AND invoice IS NULL"}, timeout=30).json()
    items = answer.get("items") or []
    return Decimal(str(items[0]["amount"])) if items else None


def _candidates(data_dir: Path, endpoints: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(record id, property, line key, old value) of approved milestone change orders whose line is open."""
    import duckdb

    con = duckdb.connect(str(warehouse_path(data_dir)))
    try:
        rows = con.execute("select id, ironclad_id, properties from raw_ironclad.records where type = 'amendment'"
                           ).fetchall()
    finally:
        con.close()
    out = []
    for record_id, ironclad_id, props in rows:
        props = json.loads(props) if isinstance(props, str) else props
        if (props.get("approvalStatus") or {}).get("value") != "approved":
            continue
        parent = None
        for name, prop in props.items():
            if name.startswith("milestone_") and name.endswith("_amount"):
                milestone = name[len("milestone_"):-len("_amount")]
                parent = parent or _contract_of(data_dir, record_id)
                line_key = f"{parent}-{milestone}"
                if parent and _erp_amount(endpoints, line_key) is not None:
                    out.append((record_id, name, line_key, prop["value"]))
    return out


def _contract_of(data_dir: Path, amendment_id: str) -> str | None:
    import duckdb

    con = duckdb.connect(str(warehouse_path(data_dir)))
    try:
        row = con.execute("select p.ironclad_id from raw_ironclad.records a join raw_ironclad.records p "
                          "on p.id = a.parent_id where a.id = ?", [amendment_id]).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def _wait_for(endpoints: dict[str, Any], line_key: str, amount: Decimal, deadline: float) -> bool:
    while time.time() < deadline:
        if _erp_amount(endpoints, line_key) == amount:
            return True
        time.sleep(0.2)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--daemon-rounds", type=int, default=3, help="rounds through dagster-daemon (0: none)")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["REVERSE_ETL__AUTO_APPLY_MAX_IMPACT"] = "1000000000"
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        manifest = generate(args.size, 42, base / "sandbox")
        os.environ["C2C_DATA_DIR"] = str(base)
        home = base / "dagster"
        home.mkdir()
        shutil.copy(REPO_ROOT / "orchestration" / "instance" / "dagster.yaml", home)
        os.environ["DAGSTER_HOME"] = str(home)
        endpoints = up(base, log=lambda _: None)
        dagster_s, direct_s = [], []
        try:
            import dagster as dg

            from ingestion.run import run_vendor
            from orchestration.definitions import defs
            from orchestration.defs.automation import ironclad_amendment_approvals
            from reverse_etl import runs
            from transform_runner import build, build_changed

            def direct_chain(contract: str | None) -> None:
                marks = [("start", time.time())]
                run_vendor("ironclad", say=lambda _: None)
                marks.append(("ingest", time.time()))
                build(base, as_of=manifest["as_of"], select=BETWEEN_IRONCLAD_AND_THE_PLAN, unit_tests=False)
                marks.append(("dbt", time.time()))
                made = runs.plan(base, contracts=[contract] if contract else None)
                marks.append(("plan", time.time()))
                if made.items and runs.auto_approve_plan(made.plan_id, base)[0]:
                    runs.apply_plan(made.plan_id, base, say=lambda _: None)
                marks.append(("apply", time.time()))
                print("  steps: " + ", ".join(f"{name} {t - marks[k][1]:.1f}s"
                                              for k, (name, t) in enumerate(marks[1:])), flush=True)

            for vendor in VENDORS:  # baseline: the chain once, the planted drifts corrected
                run_vendor(vendor, say=lambda _: None)
            build_changed(base, as_of=manifest["as_of"])
            baseline = runs.plan(base)
            runs.approve_plan(baseline.plan_id, "finance.controller@example.com", data_dir=base)  # sandbox demo
            runs.apply_plan(baseline.plan_id, base, say=lambda _: None)
            run_vendor("netsuite", say=lambda _: None)
            build_changed(base, as_of=manifest["as_of"])
            instance = dg.DagsterInstance.get()
            cursor = None
            context = dg.build_sensor_context(instance=instance, cursor=cursor)
            list(ironclad_amendment_approvals(context))  # the sensor's cursor past every existing change order
            cursor = context.cursor
            job = defs.resolve_job_def("amendment_propagation")
            launched: set[str] = set()
            candidates = _candidates(base, endpoints)
            with _ironclad(endpoints) as client:
                for i in range(min(args.rounds * 2, len(candidates))):
                    record_id, prop, line_key, old = candidates[i]
                    new = {"amount": float(Decimal(str(old["amount"])) + 1000), "currency": old["currency"]}
                    t0 = time.time()
                    client.patch(f"/records/{record_id}", json={"addProperties": {
                        prop: {"type": "monetary_amount", "value": new}}}).raise_for_status()
                    if i % 2 == 0:
                        context = dg.build_sensor_context(instance=instance, cursor=cursor)
                        requests = [r for r in ironclad_amendment_approvals(context) if isinstance(r, dg.RunRequest)]
                        cursor = context.cursor
                        for request in requests:
                            if request.run_key in launched:  # a daemon skips a run key it has launched
                                continue
                            launched.add(request.run_key)
                            result = job.execute_in_process(instance=instance, tags=request.tags, run_config={
                                "loggers": {"console": {"config": {"log_level": "ERROR"}}}})
                            steps = instance.get_run_step_stats(result.run_id)
                            print("  steps: " + ", ".join(f"{s.step_key} {s.end_time - s.start_time:.1f}s"
                                                          for s in steps if s.end_time and s.start_time), flush=True)
                    else:
                        direct_chain(_contract_of(base, record_id))
                        # the direct round's edit is an approval too: move the sensor's cursor past it (a
                        # daemon would launch it; here the direct path has already propagated it)
                        context = dg.build_sensor_context(instance=instance, cursor=cursor)
                        launched |= {r.run_key for r in ironclad_amendment_approvals(context)
                                     if isinstance(r, dg.RunRequest)}
                        cursor = context.cursor
                    ok = _wait_for(endpoints, line_key, Decimal(str(new["amount"])), time.time() + 120)
                    seconds = time.time() - t0
                    (dagster_s if i % 2 == 0 else direct_s).append(seconds)
                    print(f"round {i // 2 + 1} {'dagster' if i % 2 == 0 else 'direct '}: {line_key} "
                          f"{old['amount']} -> {new['amount']} read back from the ERP in {seconds:.1f}s "
                          f"({'ok' if ok else 'NOT CORRECTED'})", flush=True)
            daemon_s = _daemon_rounds(base, endpoints, candidates[args.rounds * 2:][:args.daemon_rounds])
        finally:
            down(base)
    pairs = min(len(dagster_s), len(direct_s))
    ratios = [dagster_s[k] / direct_s[k] for k in range(pairs)] or [float("nan")]
    report("propagation", ratios, {"size": args.size, "p50_seconds_dagster": round(statistics.median(dagster_s), 1),
                                   "p50_seconds_direct": round(statistics.median(direct_s), 1),
                                   "ratio_is": "Dagster ÷ direct (orchestration overhead)",
                                   "p50_seconds_daemon": round(statistics.median(daemon_s), 1) if daemon_s else None,
                                   "max_seconds_daemon": round(max(daemon_s), 1) if daemon_s else None,
                                   "daemon_is": "dagster-daemon: sensor poll + run queue + run process + the run",
                                   "target": "p50 must <= 60 s, aim <= 15 s"})


def _daemon_rounds(base: Path, endpoints: dict[str, Any], candidates: list, timeout: float = 240) -> list[float]:
    """The latency a user sees: `dagster-daemon run` polls the Ironclad sensor, queues and launches the run in
    its own process; each round edits a change order and waits for the ERP line. Run after the in-process
    rounds (the daemon would also pick up the direct path's edits)."""
    if not candidates:
        return []
    repo = REPO_ROOT
    bin_dir = Path(sys.executable).parent
    log_path = base / "logs" / "benchmark-daemon.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    with log_path.open("w") as log:
        daemon = subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=repo, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    seconds: list[float] = []
    try:
        deadline = time.time() + timeout
        while "ironclad_amendment_approvals skipped: cursor set" not in log_path.read_text():
            if time.time() > deadline or daemon.poll() is not None:
                raise RuntimeError(f"dagster-daemon did not tick the Ironclad sensor; see {log_path}")
            time.sleep(0.5)
        with _ironclad(endpoints) as client:
            for k, (record_id, prop, line_key, old) in enumerate(candidates):
                new = {"amount": float(Decimal(str(old["amount"])) + 1000), "currency": old["currency"]}
                t0 = time.time()
                client.patch(f"/records/{record_id}", json={"addProperties": {
                    prop: {"type": "monetary_amount", "value": new}}}).raise_for_status()
                ok = _wait_for(endpoints, line_key, Decimal(str(new["amount"])), time.time() + timeout)
                seconds.append(time.time() - t0)
                print(f"daemon round {k + 1}: {line_key} {old['amount']} -> {new['amount']} read back from the ERP in "
                      f"{seconds[-1]:.1f}s ({'ok' if ok else 'NOT CORRECTED'})", flush=True)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(60)
    return seconds


if __name__ == "__main__":
    main()
