"""The Ironclad amendment sensor: one run request per approved change-order revision; evaluating again from
its cursor (Ironclad's filter is inclusive) asks for nothing new; approving a draft asks for exactly one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

pytestmark = pytest.mark.integration


def _ironclad_ids(sandbox, record_ids: set[str]) -> dict[str, str]:
    with sandbox.client("ironclad") as client:
        return {rid: client.get(f"/records/{rid}").json()["ironcladId"] for rid in record_ids}


def _evaluate(cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
    from orchestration.defs.automation import ironclad_amendment_approvals

    context = dg.build_sensor_context(cursor=cursor)
    requests = [r for r in ironclad_amendment_approvals(context) if isinstance(r, dg.RunRequest)]
    return requests, context.cursor


def test_one_run_per_approved_amendment_and_none_twice(erp_sandbox, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.lib.business_events import amendments_since

    (tmp_path / "sandbox").mkdir()
    shutil.copy(erp_sandbox.sandbox_dir / "endpoints.json", tmp_path / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    amendments = amendments_since(None)
    approved = [a for a in amendments if a["properties"]["approvalStatus"]["value"] == "approved"]
    draft = next(a for a in amendments if a["properties"]["approvalStatus"]["value"] == "draft")

    started, cursor = _evaluate(None)  # first tick: no runs for history, the cursor moves to now
    assert started == [] and cursor == max(a["lastUpdated"] for a in amendments)

    first, cursor = _evaluate("1970-01-01T00:00:00.000Z")  # a replay of the whole history
    keys = [r.run_key for r in first]
    assert len(keys) == len(set(keys)) == len(approved) > 0
    assert {r.tags["c2c/amendment"] for r in first} == {a["ironcladId"] for a in approved}
    parents = {a["ironcladId"]: a["parentId"] for a in approved}
    contract_ids = _ironclad_ids(erp_sandbox, set(parents.values()))
    assert {r.tags["c2c/amendment"]: r.tags["c2c/contracts"] for r in first} == {
        amendment: contract_ids[parent] for amendment, parent in parents.items()}
    assert cursor == max(a["lastUpdated"] for a in amendments)

    again, cursor_again = _evaluate(cursor)  # a repeated poll: only the boundary record comes back, same key
    assert {r.run_key for r in again} <= set(keys) and cursor_again == cursor

    with erp_sandbox.client("ironclad") as client:
        try:
            answer = client.patch(f"/records/{draft['id']}", json={"addProperties": {
                "approvalStatus": {"type": "string", "value": "approved"}}})
            assert answer.status_code == 200, answer.text
            new, _ = _evaluate(cursor)
            fresh = [r for r in new if r.run_key not in keys]
            assert [r.tags["c2c/amendment"] for r in fresh] == [draft["ironcladId"]]
            assert _evaluate(cursor)[0][-1].run_key == fresh[0].run_key  # the same event again: the same key
        finally:
            client.patch(f"/records/{draft['id']}", json={"addProperties": {
                "approvalStatus": {"type": "string", "value": "draft"}}})
