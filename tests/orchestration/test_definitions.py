"""The Dagster definitions load; the asset graph (every key and every edge) matches the committed snapshot,
and lineage runs unbroken from each raw table to the ERP write.

When the graph changes on purpose: `UPDATE_SNAPSHOTS=1 pytest tests/orchestration/test_definitions.py`, then
review the diff of asset_graph.json like any other code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).with_name("asset_graph.json")


@pytest.fixture(scope="module")
def graph():
    from orchestration.definitions import defs

    return defs, defs.resolve_asset_graph()


def _snapshot(asset_graph) -> dict:
    nodes = {}
    for key in sorted(asset_graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = asset_graph.get(key)
        nodes[key.to_user_string()] = {
            "group": node.group_name,
            "parents": sorted(p.to_user_string() for p in node.parent_keys),
        }
    return {"assets": nodes, "checks": len(asset_graph.asset_check_keys)}


def test_the_asset_graph_matches_its_snapshot(graph) -> None:
    _, asset_graph = graph
    current = _snapshot(asset_graph)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    added = sorted(set(current["assets"]) - set(expected["assets"]))
    removed = sorted(set(expected["assets"]) - set(current["assets"]))
    changed = sorted(k for k in set(current["assets"]) & set(expected["assets"])
                     if current["assets"][k] != expected["assets"][k])
    assert not (added or removed or changed) and current["checks"] == expected["checks"], (
        f"asset graph differs from {SNAPSHOT.name}: added {added}, removed {removed}, changed {changed}, "
        f"checks {current['checks']} vs {expected['checks']}")


def test_every_raw_table_feeds_its_staging_model_and_lineage_reaches_the_erp_write(graph) -> None:
    from ingestion.pipelines import VENDORS
    from ingestion.run import make_source
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY, raw_key

    _, asset_graph = graph
    for vendor in VENDORS:
        for table in make_source(vendor).resources:
            key = raw_key(vendor, table)
            assert asset_graph.has(key), f"no asset for the raw table {key.to_user_string()}"
            children = asset_graph.get(key).child_keys
            assert children and all(c.path[0] == "staging" for c in children), (key, children)
            assert asset_graph.get(key).freshness_policy is not None, f"{key.to_user_string()} has no freshness policy"
    # raw → staging → … → sync → plan → ERP write, without a gap
    upstream = asset_graph.get(ERP_WRITE_KEY).parent_keys
    assert upstream == {PLAN_KEY}
    seen, frontier = set(), {PLAN_KEY}
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier |= set(asset_graph.get(key).parent_keys) - seen if asset_graph.has(key) else set()
    for key in (dg.AssetKey(["sync", "sync_erp__billing_schedule_corrections_v1"]),
                dg.AssetKey(["reconciliation", "recon_billing_schedule_drift"]),
                raw_key("ironclad", "records"), raw_key("netsuite", "billing_schedule_line")):
        assert key in seen, f"{key.to_user_string()} is not upstream of the plan"


def test_jobs_schedule_and_dbt_tests_as_checks(graph) -> None:
    defs, asset_graph = graph
    assert {job.name for job in defs.jobs} >= {"nightly_refresh", "finance_corrections", "amendment_propagation"}
    assert [s.cron_schedule for s in defs.schedules] == ["0 2 * * *"]
    checks = {c.name for c in asset_graph.asset_check_keys}
    assert any(name.startswith("unique_finance_exceptions") for name in checks), sorted(checks)[:5]


def test_amendment_propagation_runs_what_an_amendment_touches(graph) -> None:
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY, raw_key

    defs, _ = graph
    job = defs.resolve_job_def("amendment_propagation")
    keys = set(job.asset_layer.executable_asset_keys)
    assert {raw_key("ironclad", "records"), PLAN_KEY, ERP_WRITE_KEY,
            dg.AssetKey(["canonical", "dim_contracts"])} <= keys
    assert raw_key("kantata", "time_entries") not in keys and raw_key("netsuite", "invoice") not in keys
    # only what lies between the Ironclad records and the plan: the marts for BI wait for the next refresh
    assert dg.AssetKey(["marts", "contract_to_cash_kpis"]) not in keys
    assert dg.AssetKey(["reconciliation", "finance_exceptions"]) in keys  # the plan reads the drift impacts
    assert {s.name: s.job_name for s in defs.sensors} == {
        "ironclad_amendment_approvals": "amendment_propagation",
        "kantata_milestone_completions": "milestone_refresh",
        "netsuite_invoice_and_payment_status": "erp_status_refresh"}


@pytest.mark.parametrize(("job_name", "loaded", "not_loaded"), [
    ("milestone_refresh", {("kantata", "stories"), ("kantata", "story_state_changes")},
     {("kantata", "time_entries"), ("ironclad", "records")}),
    ("erp_status_refresh", {("netsuite", "invoice"), ("netsuite", "invoice_line"), ("netsuite", "customer_payment"),
                            ("netsuite", "payment_application")},
     {("netsuite", "billing_schedule"), ("kantata", "stories")}),
])
def test_event_refreshes_load_their_tables_and_rebuild_the_marts_and_kpis_but_never_write(
        graph, job_name: str, loaded: set, not_loaded: set) -> None:
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY, raw_key

    defs, _ = graph
    keys = set(defs.resolve_job_def(job_name).asset_layer.executable_asset_keys)
    assert {raw_key(*t) for t in loaded} <= keys and not {raw_key(*t) for t in not_loaded} & keys
    assert {dg.AssetKey(["reconciliation", "finance_exceptions"]), dg.AssetKey(["marts", "contract_to_cash_kpis"])} <= keys
    assert not {PLAN_KEY, ERP_WRITE_KEY} & keys
