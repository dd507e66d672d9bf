"""The whole graph materializes in-process on the tiny sandbox (dlt → dbt with its tests as checks → the
correction plan), then the `finance_corrections` job approves, applies and verifies that plan and the
sandbox ERP holds the corrected schedules. Uses the second sandbox (it writes to the ERP)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_nightly_refresh_then_finance_corrections(erp_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.definitions import defs
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY
    from sandbox.admin import Admin

    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        admin.clear_faults()
        admin.reset_account()
    erp_sandbox.copy_client_files(tmp_path)
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()

    nightly = defs.resolve_job_def("nightly_refresh").execute_in_process(instance=instance)
    assert nightly.success
    plan_event = instance.get_latest_materialization_event(PLAN_KEY)
    metadata = plan_event.asset_materialization.metadata
    plan_id = metadata["plan_id"].value
    assert metadata["schedules"].value == 7 and metadata["items"].value > 0
    assert "IC-" in metadata["plan"].value  # the plan as a table, for the UI
    checks = [e.event_specific_data for e in nightly.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [c.check_name for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR]
    assert len(checks) > 300 and not failed, failed

    corrections = defs.resolve_job_def("finance_corrections").execute_in_process(
        instance=instance,
        run_config={"ops": {"reverse_etl__erp__billing_schedules": {"config": {
            "plan_id": plan_id, "approver": "finance.controller@example.com"}}}})
    assert corrections.success
    written = instance.get_latest_materialization_event(ERP_WRITE_KEY).asset_materialization.metadata
    assert written["status"].value == "complete" and written["verified_schedules"].value == 7
    assert written["conflicts"].value == 0 and written["rejected"].value == 0
    anchors = [json.loads(line) for line in (tmp_path / "reverse_etl" / "ledger_anchors.jsonl").read_text().splitlines()]
    applied = [a for a in anchors if a["op"] == "apply"][-1]  # the head anchored outside the warehouse
    assert (written["ledger_entry_id"].value, written["ledger_head_hash"].value) == (
        applied["last_entry_id"], applied["head_hash"])
    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        assert sorted(admin.writes()["writes"].values()) == [1] * 7  # each schedule written once
        admin.reset_account()  # the next user of this sandbox starts from the planted drifts
