"""The whole graph materializes in-process on the tiny sandbox (dlt → dbt with its tests as checks → the
correction plan); `finance_corrections` refuses, before any ERP request, a run without a plan id and a plan
nobody signed; the sandbox's demo approver signs the plan (the reverse ETL's approval API, its key), and
`finance_corrections` with the plan id applies and verifies it: the sandbox ERP holds the corrected schedules,
and the write's metadata holds the ledger head anchored outside the warehouse. Uses the second sandbox (it
writes to the ERP)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_nightly_refresh_then_finance_corrections(erp_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.definitions import defs
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY
    from reverse_etl.runs import approve_plan
    from sandbox.admin import Admin

    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        admin.clear_faults()
        admin.reset_account()
    erp_sandbox.copy_client_files(tmp_path)
    schedules = erp_sandbox.drifting_schedules  # what the full plan corrects
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()

    nightly = defs.resolve_job_def("nightly_refresh").execute_in_process(instance=instance)
    assert nightly.success
    plan_event = instance.get_latest_materialization_event(PLAN_KEY)
    metadata = plan_event.asset_materialization.metadata
    plan_id = metadata["plan_id"].value
    assert metadata["schedules"].value == schedules and metadata["items"].value > 0
    assert "IC-" in metadata["plan"].value  # the plan as a table, for the UI
    checks = [e.event_specific_data for e in nightly.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [c.check_name for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    assert len(checks) > 300 and not failed, failed

    def finance_corrections(config: dict) -> dg.ExecuteInProcessResult:
        return defs.resolve_job_def("finance_corrections").execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"ops": {"reverse_etl__erp__billing_schedules": {"config": config}}})

    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        admin.stats(reset=True)
        for config, refusal in (({}, "needs the plan id in its run config"),
                                ({"plan_id": plan_id}, "the plan is not approved")):
            refused = finance_corrections(config)
            failures = [e.step_failure_data.error.to_string() for e in refused.all_events if e.is_step_failure]
            assert not refused.success and refusal in failures[0], failures
        assert admin.stats()["requests"] == 0, "a refused finance run called the ERP"

    signed = approve_plan(plan_id, "finance.controller@example.com", data_dir=tmp_path)  # the sandbox's demo key
    assert signed["policy"] == "signed"
    corrections = finance_corrections({"plan_id": plan_id})
    assert corrections.success
    written = instance.get_latest_materialization_event(ERP_WRITE_KEY).asset_materialization.metadata
    assert written["status"].value == "complete" and written["verified_schedules"].value == schedules
    assert written["conflicts"].value == 0 and written["rejected"].value == 0
    assert written["approver"].value == "finance.controller@example.com"
    anchors = [json.loads(line) for line in (tmp_path / "reverse_etl" / "ledger_anchors.jsonl").read_text().splitlines()]
    applied = [a for a in anchors if a["op"] == "apply"][-1]  # the head anchored outside the warehouse
    assert (written["ledger_entry_id"].value, written["ledger_head_hash"].value) == (
        applied["last_entry_id"], applied["head_hash"])
    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        assert sorted(admin.writes()["writes"].values()) == [1] * schedules  # each schedule written once
        admin.reset_account()  # the next user of this sandbox starts from the planted drifts
