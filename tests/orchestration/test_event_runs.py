"""Business events → sensors → runs, end to end on a tiny sandbox of this module's own (these tests change the
vendors: a milestone completed in Kantata, a payment received in NetSuite, a change order edited in Ironclad).

Each test: the sensor's first tick sets its cursor; the user acts in the vendor; the sensor asks for exactly
one run (and nothing when evaluated again); the run's job executes in-process; the warehouse (or the ERP)
shows the effect, and the run touched only what its job selects."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import dagster as dg
import duckdb
import pytest

from tests.conftest import RunningSandbox, running_sandbox

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def events_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The tiny firm, its simulators up, ingested and built once (directly: the set-up is not under test)."""
    from ingestion.pipelines import VENDORS
    from ingestion.run import run_vendor
    from transform_runner import build_changed

    with running_sandbox(tmp_path_factory.mktemp("events"), data_dir_env=True) as sandbox:
        for vendor in VENDORS:
            run_vendor(vendor, say=lambda _: None)
        _, summary = build_changed(sandbox.data_dir, as_of=sandbox.manifest["as_of"])
        assert summary.success, summary.text()
        yield sandbox


@pytest.fixture
def instance(events_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    monkeypatch.setenv("C2C_DATA_DIR", str(events_sandbox.data_dir))
    return dg.DagsterInstance.ephemeral()


def _sql(sandbox: RunningSandbox, query: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(sandbox.data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def _tick(sensor: Callable, instance: dg.DagsterInstance, cursor: str | None) -> tuple[list[dg.RunRequest], str]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    requests = [r for r in sensor(context) if isinstance(r, dg.RunRequest)]
    return requests, context.cursor


def _run(job_name: str, instance: dg.DagsterInstance, request: dg.RunRequest) -> set[str]:
    """Execute the request's job in-process; the asset keys it materialized."""
    from orchestration.definitions import defs

    result = defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, tags=request.tags, run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    assert result.success
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
            for e in [e.event_specific_data.materialization]}


def test_a_completed_milestone_launches_one_refresh_that_shows_it(events_sandbox, instance) -> None:
    from orchestration.defs.automation import kantata_milestone_completions

    requests, cursor = _tick(kantata_milestone_completions, instance, None)
    assert requests == []  # the first tick only sets the cursor: history is the nightly run's business
    story_id, milestone_id = _sql(events_sandbox, """
        select s.id, m.milestone_id from raw_kantata.stories s
        join intermediate.int_psa_stories_linked_to_milestones m on m.story_id = s.id
        where s.story_type = 'milestone' and s.state = 'not started' order by s.id limit 1""")[0]

    with events_sandbox.client("kantata") as kantata:
        answer = kantata.put(f"/stories/{story_id}.json", json={"story": {"state": "completed"}})
    assert answer.status_code == 200, answer.text

    requests, cursor = _tick(kantata_milestone_completions, instance, cursor)
    assert len(requests) == 1 and requests[0].tags["c2c/stories"] == str(story_id)
    assert requests[0].tags["c2c/events"] == "1"
    assert _tick(kantata_milestone_completions, instance, cursor)[0] == []  # polled again: nothing new

    done = _run("milestone_refresh", instance, requests[0])
    assert {"raw/kantata/stories", "raw/kantata/story_state_changes", "canonical/fct_milestone_completions",
            "reconciliation/finance_exceptions", "marts/contract_to_cash_kpis"} <= done
    assert not {"raw/kantata/time_entries", "reverse_etl/erp/billing_schedule_plan",
                "reverse_etl/erp/billing_schedules"} & done
    assert _sql(events_sandbox, "select milestone_id, psa_story_state, completed_date from "
                                "canonical.fct_milestone_completions where psa_story_id = ?", [str(story_id)]) == [
        (milestone_id, "completed", dt.datetime.now(dt.UTC).date())]


def test_a_payment_launches_one_refresh_that_shows_the_invoice_paid(events_sandbox, instance) -> None:
    from orchestration.defs.automation import netsuite_invoice_and_payment_status
    from sandbox.admin import Admin

    requests, cursor = _tick(netsuite_invoice_and_payment_status, instance, None)
    assert requests == []
    invoice_id = _sql(events_sandbox, "select id from raw_netsuite.invoice where status = 'Open' order by id limit 1")[0][0]
    with Admin("netsuite", events_sandbox.data_dir) as admin:
        paid = admin.record_payment(invoice_id)
    assert paid["invoice_status"] == "Paid In Full"

    requests, cursor = _tick(netsuite_invoice_and_payment_status, instance, cursor)
    assert len(requests) == 1
    assert requests[0].tags["c2c/documents"] == f"customer_payment:{paid['payment_id']},invoice:{invoice_id}"
    assert _tick(netsuite_invoice_and_payment_status, instance, cursor)[0] == []
    with Admin("netsuite", events_sandbox.data_dir) as admin:  # saved again, status unchanged: not an event
        assert admin.set_invoice_status(invoice_id, "Paid In Full")["previous_status"] == "Paid In Full"
    unchanged, cursor_after = _tick(netsuite_invoice_and_payment_status, instance, cursor)
    assert unchanged == [] and cursor_after != cursor  # the cursor moved past the save

    done = _run("erp_status_refresh", instance, requests[0])
    assert {"raw/netsuite/invoice", "raw/netsuite/customer_payment", "raw/netsuite/payment_application",
            "canonical/fct_invoices", "canonical/fct_payments", "marts/contract_to_cash_kpis"} <= done
    assert not {"raw/netsuite/billing_schedule", "reverse_etl/erp/billing_schedules"} & done
    assert _sql(events_sandbox, "select status from canonical.fct_invoices where erp_invoice_id = ?",
                [str(invoice_id)]) == [("Paid In Full",)]
    assert _sql(events_sandbox, "select sum(applied_amount) from canonical.fct_payments where erp_payment_id = ?",
                [str(paid["payment_id"])]) == [(Decimal(paid["applied"]),)]


def test_an_approved_change_order_corrects_its_contracts_schedule_only(events_sandbox, instance,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.defs.automation import ironclad_amendment_approvals
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY
    from sandbox.admin import Admin

    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1000000000")  # the finance policy: auto-apply
    requests, cursor = _tick(ironclad_amendment_approvals, instance, None)
    assert requests == []
    record_id, prop, contract, line_key, old = _open_milestone_change(events_sandbox)
    new = Decimal(str(old["amount"])) + 1000
    with Admin("netsuite", events_sandbox.data_dir) as admin, events_sandbox.client("ironclad") as ironclad:
        admin.writes(reset=True)
        ironclad.patch(f"/records/{record_id}", json={"addProperties": {prop: {
            "type": "monetary_amount", "value": {"amount": float(new), "currency": old["currency"]}}}}
                       ).raise_for_status()

        requests, cursor = _tick(ironclad_amendment_approvals, instance, cursor)
        assert len(requests) == 1 and requests[0].tags["c2c/contracts"] == contract
        done = _run("amendment_propagation", instance, requests[0])
        assert "marts/contract_to_cash_kpis" not in done  # BI marts wait for the next refresh

        plan = instance.get_latest_materialization_event(PLAN_KEY).asset_materialization.metadata
        assert plan["scope"].value == contract
        written = instance.get_latest_materialization_event(ERP_WRITE_KEY).asset_materialization.metadata
        assert written["status"].value == "complete" and written["approver"].value == "policy:auto-apply"
        assert list(admin.writes()["writes"].values()) == [1]  # one schedule (the amended contract's), once
    assert _erp_open_amount(events_sandbox, line_key) == new


def test_two_interleaved_amendment_runs_each_apply_their_own_plan(events_sandbox, tmp_path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Run A plans its contract; run B plans another before A's write step starts (the duckdb pool serialises
    steps, not runs); A's write applies A's plan — read from A's own event log — not the newer plan of B."""
    from orchestration.definitions import defs
    from orchestration.defs.automation import ironclad_amendment_approvals
    from orchestration.lib.keys import ERP_WRITE_KEY, PLAN_KEY
    from reverse_etl import runs
    from sandbox.admin import Admin

    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1000000000")  # the finance policy: auto-apply
    instance = dg.DagsterInstance.local_temp(str(tmp_path))  # file storage: two runs at once
    changes = _open_milestone_changes(events_sandbox, 2)
    (_, _, first, first_line, _), (_, _, second, second_line, _) = changes
    _, cursor = _tick(ironclad_amendment_approvals, instance, None)
    launched: dict[str, dg.RunRequest] = {}
    wanted: dict[str, Decimal] = {}
    with events_sandbox.client("ironclad") as ironclad:
        for record_id, prop, contract, line_key, old in changes:
            wanted[line_key] = Decimal(str(old["amount"])) + 1000
            ironclad.patch(f"/records/{record_id}", json={"addProperties": {prop: {
                "type": "monetary_amount", "value": {"amount": float(wanted[line_key]), "currency": old["currency"]}}}}
                           ).raise_for_status()
            requests, cursor = _tick(ironclad_amendment_approvals, instance, cursor)
            # the cursor is inclusive: the previous change order comes again, with the run key Dagster already
            # launched (and so skips)
            requests = [r for r in requests if r.run_key not in {seen.run_key for seen in launched.values()}]
            assert len(requests) == 1 and requests[0].tags["c2c/contracts"] == contract, [r.tags for r in requests]
            launched[contract] = requests[0]

    # A's plan is recorded in its event log, then A waits until B's plan is recorded too; so A's write step
    # starts after B's plan exists. B waits, at the start of its write step, until A has finished.
    first_planned, second_planned, first_done = threading.Event(), threading.Event(), threading.Event()
    real_handle, real_auto_approve = instance.handle_new_event, runs.auto_approve_plan

    def interleaved_handle(event: Any, *args: Any, **kwargs: Any) -> Any:
        handled = real_handle(event, *args, **kwargs)
        materialization = event.asset_materialization
        if materialization is not None and materialization.asset_key == PLAN_KEY:
            if threading.current_thread().name == "run-A":
                first_planned.set()
                assert second_planned.wait(600), "run B never planned"
            elif threading.current_thread().name == "run-B":
                second_planned.set()
        return handled

    def interleaved_auto_approve(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "run-B":
            assert first_done.wait(600), "run A never finished"
        return real_auto_approve(*args, **kwargs)

    monkeypatch.setattr(instance, "handle_new_event", interleaved_handle)
    monkeypatch.setattr(runs, "auto_approve_plan", interleaved_auto_approve)
    results: dict[str, dg.ExecuteInProcessResult] = {}
    run_ids = {first: str(uuid.uuid4()), second: str(uuid.uuid4())}

    def run(contract: str, done: threading.Event | None = None) -> None:
        try:
            results[contract] = defs.resolve_job_def("amendment_propagation").execute_in_process(
                instance=instance, tags=launched[contract].tags, run_id=run_ids[contract], raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
        finally:
            if done is not None:
                done.set()
            else:
                second_planned.set()  # B ended (failed early?): A goes on, and the asserts below say why

    with Admin("netsuite", events_sandbox.data_dir) as admin:
        admin.writes(reset=True)
        run_a = threading.Thread(target=run, args=(first, first_done), name="run-A")
        run_a.start()
        assert first_planned.wait(600), "run A never planned"
        run_b = threading.Thread(target=run, args=(second,), name="run-B")
        run_b.start()
        run_a.join(900)
        run_b.join(900)
        writes = admin.writes()["writes"]
    latest = instance.get_latest_materialization_event(PLAN_KEY)
    assert latest is not None and latest.run_id == run_ids[second], "the runs did not interleave"

    for contract in (first, second):
        result = results[contract]
        assert result.success, contract
        events = {e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
                  for e in result.get_asset_materialization_events()}
        plan, written = events[PLAN_KEY], events[ERP_WRITE_KEY]
        assert plan["scope"].value == contract
        assert written["plan_id"].value == plan["plan_id"].value, f"the run of {contract} applied another plan"
        assert written["status"].value == "complete" and written["written"].value > 0
    assert sorted(writes.values()) == [1, 1]  # each contract's schedule, once
    assert _erp_open_amount(events_sandbox, first_line) == wanted[first_line]
    assert _erp_open_amount(events_sandbox, second_line) == wanted[second_line]


def _erp_open_amount(sandbox: RunningSandbox, line_key: str) -> Decimal | None:
    with sandbox.client("netsuite") as netsuite:
        items = netsuite.post("/query/v1/suiteql", headers={"Prefer": "transient"}, json={
            "q": f"SELECT amount FROM billingschedulerecurrence WHERE custcol_c2c_line_key = '{line_key}' "
                 "AND invoice IS NULL"}).json()["items"]
    return Decimal(items[0]["amount"]) if items else None


def _open_milestone_change(sandbox: RunningSandbox) -> tuple[str, str, str, str, dict[str, Any]]:
    """(record id, property, contract, line key, old value) of a milestone an approved change order sets whose
    ERP schedule line is not invoiced yet."""
    return _open_milestone_changes(sandbox, 1)[0]


def _open_milestone_changes(sandbox: RunningSandbox, n: int) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """`n` such milestones, each of another contract."""
    rows = _sql(sandbox, "select a.id, p.ironclad_id, a.properties from raw_ironclad.records a join "
                         "raw_ironclad.records p on p.id = a.parent_id where a.type = 'amendment' order by a.id")
    found: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {}
    for record_id, contract, props in rows:
        props = json.loads(props) if isinstance(props, str) else props
        if contract in found or (props.get("approvalStatus") or {}).get("value") != "approved":
            continue
        for name, prop in sorted(props.items()):
            if name.startswith("milestone_") and name.endswith("_amount"):
                line_key = f"{contract}-{name[len('milestone_'):-len('_amount')]}"
                if _erp_open_amount(sandbox, line_key) is not None:
                    found[contract] = (record_id, name, contract, line_key, prop["value"])
                    break
        if len(found) == n:
            return list(found.values())
    raise AssertionError(f"the tiny firm has fewer than {n} contracts with an approved milestone change order "
                         "and an open ERP line")
