"""Plan → approve → apply → verify against the sandbox NetSuite over loopback: every planted
billing_schedule_drift corrected, each schedule written once, and the next build shows none left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reverse_etl import runs
from reverse_etl.errors import ApprovalError

from .conftest import APPROVER, Env

pytestmark = pytest.mark.integration


def test_plan_lists_line_operations_from_the_live_erp(retl: Env) -> None:
    plan = retl.plan()
    drifting = {k for (k,) in retl.sql("select erp_billing_schedule_external_id from "
                                       "sync.sync_erp__billing_schedule_correction_headers_v1")}
    assert {s["schedule_external_id"] for s in plan.schedules} == drifting and len(drifting) == retl.sandbox.drifting_schedules
    assert {i["op"] for i in plan.items} == {"create", "update", "cancel"}
    for item in plan.items:
        before, after = item["before_amount"] or Decimal(0), item["after_amount"] or Decimal(0)
        assert item["amount_change"] == after - before
    # the plan is stored, append-only, and its totals per schedule are the drift impacts the rules found
    stored = dict(retl.sql("select schedule_external_id || '@' || desired_version, impact_amount "
                           "from reverse_etl.plan_schedules where plan_id = ?", [plan.plan_id]))
    headers = dict(retl.sql("select erp_billing_schedule_external_id || '@' || desired_version, impact_amount "
                            "from sync.sync_erp__billing_schedule_correction_headers_v1"))
    assert stored == headers
    assert retl.admin.writes()["total"] == 0, "planning wrote to the ERP"


def test_a_plan_limited_to_contracts_holds_only_their_schedules_and_is_stored_with_its_scope(retl: Env) -> None:
    everything = retl.plan()
    chosen = sorted({s["clm_contract_id"] for s in everything.schedules})[:2]
    scoped = runs.plan(retl.data_dir, contracts=[chosen[1], chosen[0], "IC-NOT-A-CONTRACT"])
    assert {s["clm_contract_id"] for s in scoped.schedules} == set(chosen)
    def ops(plan: object, keys: set[str]) -> list[tuple]:
        return sorted((i["item_key"], i["op"], i["amount_change"]) for i in plan.items if i["contract_key"] in keys)

    keys = {s["contract_key"] for s in scoped.schedules}
    assert ops(scoped, keys) == ops(everything, keys) and len(scoped.items) == len(ops(scoped, keys)) > 0
    stored, _ = runs.show(scoped.plan_id, retl.data_dir)
    assert stored.scope == sorted([*chosen, "IC-NOT-A-CONTRACT"]) and everything.scope is None
    assert runs.show(everything.plan_id, retl.data_dir)[0].scope is None
    assert runs.plan(retl.data_dir, contracts=[]).items == []  # an empty scope plans nothing, not everything
    assert retl.admin.writes()["total"] == 0, "planning wrote to the ERP"


def test_plan_approve_apply_verify_corrects_every_drift_exactly_once(retl: Env) -> None:
    plan = retl.approved_plan()
    report = retl.apply(plan.plan_id)
    assert (report.status, report.written, report.conflicts, report.rejected) == ("complete", len(plan.items), 0, 0)
    writes = retl.committed_writes()
    assert sorted(writes.values()) == [1] * len(plan.schedules), writes
    assert report.erp["peak_in_flight"] <= 5
    assert retl.verify(plan.plan_id).public() == {"plan_id": plan.plan_id, "verified": retl.sandbox.drifting_schedules, "mismatched": [],
                                                    "not_written": 0, "ok": True}

    again = retl.apply(plan.plan_id)  # a repeated trigger: nothing is sent twice
    assert (again.written, again.skipped, again.erp["writes_sent"]) == (0, len(plan.items), 0)
    assert retl.committed_writes() == writes

    retl.rebuild()
    assert retl.sql("select count(*) from reconciliation.recon_billing_schedule_drift") == [(0,)]
    assert retl.open_exceptions("billing_schedule_drift") == []
    assert retl.sql("select count(*) from reconciliation.finance_exceptions where exception_type = "
                    "'billing_schedule_drift' and status = 'resolved'") == [(retl.sandbox.drifting_schedules,)]
    assert retl.plan().items == []
    assert runs.ledger_intact(retl.data_dir) == (True, "intact")


def test_apply_refuses_without_a_valid_approval_and_calls_nothing(retl: Env) -> None:
    plan = retl.plan()
    retl.admin.stats(reset=True)
    with pytest.raises(ApprovalError, match="not approved"):
        runs.apply_plan(plan.plan_id, retl.data_dir)
    with pytest.raises(ApprovalError, match="cannot approve"):
        runs.approve_plan(plan.plan_id, plan.prepared_by, data_dir=retl.data_dir)
    # an approval recorded by the preparer some other way is ignored (forgeries: test_approvals.py)
    retl.sql("insert into reverse_etl.approvals (approval_id, plan_id, approver, approved_at, items_digest, policy) "
             "values ('apr-x', ?, ?, now(), 'x', 'manual')", [plan.plan_id, plan.prepared_by])
    with pytest.raises(ApprovalError, match="own preparer"):
        runs.apply_plan(plan.plan_id, retl.data_dir)
    # approved, then the items changed (a row slipped into the plan): stale approval
    runs.approve_plan(plan.plan_id, APPROVER, data_dir=retl.data_dir)
    retl.sql("insert into reverse_etl.plan_items select plan_id, item_key || '-x', write_key, contract_key, "
             "schedule_external_id, line_key || '-x', op, erp_line, before_amount, before_date, after_amount + 1, "
             "after_date, amount_change + 1, currency_code, causing_amendment_key, clm_amendment_id "
             "from reverse_etl.plan_items where plan_id = ? limit 1", [plan.plan_id])
    with pytest.raises(ApprovalError, match="changed after the approval"):
        runs.apply_plan(plan.plan_id, retl.data_dir)
    assert retl.admin.stats()["requests"] == 0, "a refused apply called the ERP"


def test_approval_of_chosen_contracts_applies_only_those(retl: Env) -> None:
    plan = retl.plan()
    chosen = sorted({s["clm_contract_id"] for s in plan.schedules})[:2]
    runs.approve_plan(plan.plan_id, APPROVER, chosen, data_dir=retl.data_dir)
    report = retl.apply(plan.plan_id)
    written = {s["schedule_external_id"] for s in plan.schedules if s["clm_contract_id"] in chosen}
    assert report.schedules == {"written": 2}
    assert len(retl.committed_writes()) == 2
    assert {r[0] for r in retl.sql("select distinct schedule_external_id from reverse_etl.write_ledger "
                                   "where phase = 'outcome'")} == written


def test_auto_apply_policy_is_off_by_default_and_honours_its_threshold(retl: Env,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = retl.plan()
    assert runs.auto_approve_plan(plan.plan_id, retl.data_dir) == (
        False, "auto-apply is off (reverse_etl.auto_apply_max_impact is not set)")
    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1")
    assert runs.auto_approve_plan(plan.plan_id, retl.data_dir)[0] is False
    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1000000")
    approved, why = runs.auto_approve_plan(plan.plan_id, retl.data_dir)
    assert approved, why
    assert retl.apply(plan.plan_id).status == "complete"
    assert retl.sql("select approver, policy from reverse_etl.approvals where plan_id = ?", [plan.plan_id]) == [
        ("policy:auto-apply", "auto_apply_max_impact=1000000")]


def test_the_write_credentials_are_the_reverse_etl_integrations_not_ingestions(retl: Env) -> None:
    import json
    from pathlib import Path

    import jwt

    from ingestion.common.settings import resolve
    from reverse_etl.settings import netsuite_writer

    reader, writer = resolve("netsuite"), netsuite_writer()
    endpoints = json.loads((retl.data_dir / "sandbox" / "endpoints.json").read_text())["netsuite"]
    kids = [jwt.get_unverified_header(s.token_form()["client_assertion"])["kid"] for s in (reader, writer)]
    assert kids == [endpoints["m2m"]["certificate_id"], endpoints["write_m2m"]["certificate_id"]]
    assert kids[0] != kids[1]
    plan = retl.approved_plan()
    retl.apply(plan.plan_id)
    secret = "".join(Path(endpoints["write_m2m"]["private_key_file"]).read_text().splitlines()[1:-1])
    dumped = " ".join(str(r) for t in ("plans", "plan_schedules", "plan_items", "approvals", "write_ledger",
                                       "dead_letters") for r in retl.sql(f"select * from reverse_etl.{t}"))
    assert secret not in dumped and secret[:40] not in dumped


def test_a_line_whose_invoice_was_voided_is_not_invoiced_and_the_correction_converges(retl: Env) -> None:
    """Rulings 8 and 11: after finance voids the invoice of a schedule line, the rules take the line as not
    invoiced (it stays as the ERP has it: the same amount and date as expected). The plan neither blocks the
    schedule nor duplicates the line; after plan → approve → apply the next build finds no drift and plans
    nothing."""
    picked = retl.sql(
        "select l.erp_billing_schedule_external_id, l.line_key, l.erp_invoice_id "
        "from reconciliation.recon_billing_schedule_drift d "
        "join canonical.fct_billing_schedule_lines l on l.contract_key = d.contract_key and l.status = 'invoiced' "
        "join intermediate.int_billing_lines_expected e on e.contract_key = l.contract_key "
        "  and e.line_key = l.line_key and e.expected_amount = l.line_amount and e.expected_date = l.line_date "
        "join canonical.fct_invoices i on i.erp_invoice_id = l.erp_invoice_id and i.paid_amount = 0 "
        "where (select count(*) from canonical.fct_billing_schedule_lines o where o.erp_invoice_id = l.erp_invoice_id) = 1 "
        "order by 1, 2 limit 1")
    assert picked, "the tiny firm has a drifting schedule with an unpaid invoiced line"
    (schedule_eid, line_key, invoice_id), = picked
    retl.admin.set_invoice_status(invoice_id, "Voided")
    retl.rebuild()
    assert retl.sql("select is_invoice_linked, is_invoiced from intermediate.int_billing_lines_invoiced "
                    "where erp_invoice_id = ?", [invoice_id]) == [(True, False)]

    plan = retl.approved_plan()
    schedule = next(s for s in plan.schedules if s["schedule_external_id"] == schedule_eid)
    assert schedule["blocked_reason"] is None
    assert [i for i in plan.items if i["schedule_external_id"] == schedule_eid and i["line_key"] == line_key] == []
    report = retl.apply(plan.plan_id)
    assert (report.status, report.rejected, report.conflicts) == ("complete", 0, 0)
    assert retl.verify(plan.plan_id).public()["ok"]

    retl.rebuild()
    assert retl.sql("select count(*) from reconciliation.recon_billing_schedule_drift") == [(0,)]
    assert retl.plan().items == []


def test_corrections_converge_the_next_days_build_plans_nothing(retl: Env) -> None:
    """On the firm with every planted case (partial retainer months, voided and re-issued invoices, an
    adjustment the ERP already holds, off-card roles): after plan → approve → apply → verify, the next day's
    build (as-of + 1) finds no drift and plans nothing — adjustment lines are dated on the as-of date when
    first written and then compare on key and amount only (ruling 2)."""
    plan = retl.approved_plan()
    assert any(i["line_key"].endswith("-adj") and i["op"] == "create" for i in plan.items)
    assert retl.apply(plan.plan_id).status == "complete"
    assert retl.verify(plan.plan_id).public()["ok"] is True
    next_day = (dt.date.fromisoformat(retl.as_of) + dt.timedelta(days=1)).isoformat()
    retl.rebuild(as_of=next_day)
    assert retl.sql("select count(*) from reconciliation.recon_billing_schedule_drift") == [(0,)]
    assert retl.sql("select count(*) from sync.sync_erp__billing_schedule_correction_headers_v1") == [(0,)]
    assert retl.open_exceptions("billing_schedule_drift") == []
    assert retl.plan().items == []
