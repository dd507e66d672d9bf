"""RELIABILITY.md F1–F5, F7, F11–F13, F15 (test_apply_sandbox.py), F22 against the sandbox NetSuite over
loopback. Each ends with the ERP in the approved state (or the failed part kept for review), 0 duplicate
writes (the simulator's committed-write counter), nothing lost (the ledger and dead letters)."""

from __future__ import annotations

import email.utils
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reverse_etl import runs
from reverse_etl.errors import FeedError

from .conftest import Env, Sleeps

pytestmark = pytest.mark.integration
PUT = r"/record/v1/billingSchedule/eid:"
REPO = Path(__file__).resolve().parents[2]


def _all_verified(retl: Env, plan) -> None:
    report = retl.verify(plan.plan_id).public()
    assert report["ok"] and report["verified"] == len(plan.schedules), report


def test_f1_429_with_retry_after_waits_as_told_and_posts_everything_once(retl: Env) -> None:
    plan = retl.approved_plan()
    retl.admin.add_fault(kind="error", status=429, retry_after="7", path=PUT, method="PUT", count=2)
    when = email.utils.formatdate(time.time() + 7, usegmt=True)
    retl.admin.add_fault(kind="error", status=429, retry_after=when, path=PUT, method="PUT", count=1, after=2)
    sleeps = Sleeps()
    report = retl.apply(plan.plan_id, sleep=sleeps)
    assert report.status == "complete" and report.written == len(plan.items)
    assert sleeps.count(7.0) == 2 and any(5.5 <= s <= 7.0 for s in sleeps if s != 7.0), sleeps
    assert report.erp["throttled"] == 3
    assert retl.admin.stats()["peak_in_flight"] <= 5  # no concurrency increase
    _all_verified(retl, plan)
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules


def test_f2_429_without_retry_after_backs_off_and_ends_partial_when_the_budget_is_spent(retl: Env) -> None:
    plan = retl.approved_plan()
    retl.admin.add_fault(kind="error", status=429, path=PUT, method="PUT", count=3)
    sleeps = Sleeps()
    report = retl.apply(plan.plan_id, sleep=sleeps)
    assert report.status == "complete" and len(sleeps) == 3
    assert all(0 <= s <= 30 for s in sleeps)  # full jitter under the cap, no Retry-After to honour
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules


def test_f2_when_the_retry_budget_is_spent_the_run_is_partial_and_a_rerun_posts_the_rest(retl: Env) -> None:
    plan = retl.approved_plan()
    stuck = plan.schedules[0]["schedule_external_id"]
    retl.admin.add_fault(kind="error", status=429, path=PUT + stuck, method="PUT")
    report = retl.apply(plan.plan_id, sleep=Sleeps(), max_attempts=3)
    stuck_items = sum(1 for i in plan.items if i["schedule_external_id"] == stuck)
    assert (report.status, report.failed, report.written) == ("partial", stuck_items, len(plan.items) - stuck_items)
    retl.admin.clear_faults()
    resumed = retl.apply(plan.plan_id)
    assert (resumed.status, resumed.written, resumed.skipped) == ("complete", stuck_items,
                                                                  len(plan.items) - stuck_items)
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules
    _all_verified(retl, plan)


def test_f3_f4_5xx_and_lost_answers_after_commit_are_rechecked_never_reposted(retl: Env) -> None:
    plan = retl.approved_plan()
    retl.admin.add_fault(kind="error", status=503, path=PUT, method="PUT", count=2)
    retl.admin.add_fault(kind="error", status=502, path=PUT, method="PUT", count=1, after=2)
    retl.admin.add_fault(kind="commit_then_drop", path=PUT, method="PUT", count=3, after=3)  # rules count each PUT
    report = retl.apply(plan.plan_id, sleep=Sleeps())
    assert report.status == "complete" and report.written == len(plan.items)
    assert report.schedules.get("landed") == 3, report.schedules  # the three lost answers, found by re-reading
    assert report.erp["rechecks"] >= 6
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules, "a write whose answer was lost was sent again"
    _all_verified(retl, plan)
    outcomes = retl.sql("select outcome, count(*) from reverse_etl.write_ledger where phase = 'outcome' "
                        "group by 1 order by 1")
    assert outcomes == [("landed", 3), ("written", retl.sandbox.drifting_schedules - 3)]


def test_f4_every_answer_lost_every_write_landed_once(retl: Env) -> None:
    plan = retl.approved_plan()
    retl.admin.add_fault(kind="commit_then_drop", path=PUT, method="PUT")
    report = retl.apply(plan.plan_id, sleep=Sleeps())
    assert report.schedules == {"landed": retl.sandbox.drifting_schedules} and report.written == len(plan.items)
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules
    _all_verified(retl, plan)


def _apply_process(env: Env, plan_id: str) -> subprocess.Popen:
    environment = {**os.environ, "C2C_DATA_DIR": str(env.data_dir), "REVERSE_ETL__MAX_CONCURRENCY": "1"}
    return subprocess.Popen([sys.executable, "-m", "reverse_etl", "apply", plan_id, "--json"], cwd=REPO,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_f5_kill_9_mid_apply_then_resume_posts_the_rest_once(retl: Env, seed: int) -> None:
    plan = retl.approved_plan()
    retl.admin.settings(latency_seconds=0.25)  # one write at a time, each in flight for 0.25 s
    rng = random.Random(seed)
    kill_after = rng.randint(1, 5)  # committed writes before the kill
    process = _apply_process(retl, plan.plan_id)
    deadline = time.time() + 60
    while retl.admin.writes()["total"] < kill_after and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0, 0.25))  # somewhere inside the next write (or the ledger entry after it)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before_resume = retl.admin.writes()["total"]
    assert 0 < before_resume < 7, f"the kill did not land mid-apply ({before_resume} writes)"

    resume = _apply_process(retl, plan.plan_id)
    out, err = resume.communicate(timeout=120)
    assert resume.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "complete"
    assert result["written"] + result["skipped"] == len(plan.items)
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules, "a write was posted twice across the kill"
    _all_verified(retl, plan)
    assert runs.ledger_intact(retl.data_dir)[0]


def _tamper_feed(retl: Env, sql: str, params: list | None = None) -> None:
    retl.sql(sql, params)


def test_f7_repeated_and_out_of_order_triggers_change_each_schedule_once(retl: Env) -> None:
    plans = [retl.approved_plan() for _ in range(3)]  # the same amendment event, three times
    reports = [retl.apply(p.plan_id) for p in (plans[2], plans[0], plans[1])]
    assert reports[0].written == len(plans[2].items)
    assert [r.written for r in reports[1:]] == [0, 0] and [r.erp["writes_sent"] for r in reports[1:]] == [0, 0]
    assert [r.schedules for r in reports[1:]] == [{"already_applied": retl.sandbox.drifting_schedules}] * 2
    assert sorted(retl.committed_writes().values()) == [1] * retl.sandbox.drifting_schedules


def test_f7_an_older_contract_version_arriving_after_a_newer_one_is_ignored_and_logged(retl: Env) -> None:
    old = retl.approved_plan()
    target = old.schedules[0]
    _tamper_feed(retl, "update sync.sync_erp__billing_schedule_correction_headers_v1 set "
                 "contract_version_number = contract_version_number + 1, desired_version = 'newer', "
                 "desired_open_amount = desired_open_amount + 1 where contract_key = ?", [target["contract_key"]])
    _tamper_feed(retl, "update sync.sync_erp__billing_schedule_corrections_v1 set desired_version = 'newer', "
                 "line_amount = line_amount + 1 where contract_key = ? and line_key = (select min(line_key) from "
                 "sync.sync_erp__billing_schedule_corrections_v1 where contract_key = ?)",
                 [target["contract_key"], target["contract_key"]])
    new = retl.approved_plan()
    assert retl.apply(new.plan_id).status == "complete"
    late = retl.apply(old.plan_id)
    assert late.schedules.get("superseded") == 1 and late.written == 0
    assert retl.sql("select detail from reverse_etl.write_ledger where plan_id = ? and outcome = 'superseded'",
                    [old.plan_id])
    assert retl.verify(new.plan_id).public()["ok"]


def test_f11_a_concurrent_edit_is_not_overwritten_it_becomes_a_write_conflict(retl: Env) -> None:
    plan = retl.approved_plan()
    edited = next(s for s in plan.schedules if s["erp_billing_schedule_id"])
    retl.admin.concurrent_edit("billingSchedule", int(edited["erp_billing_schedule_id"]))
    retl.admin.stats(reset=True)
    report = retl.apply(plan.plan_id)
    edited_items = [i for i in plan.items if i["write_key"] == edited["write_key"]]
    assert report.conflicts == len(edited_items) and report.written == len(plan.items) - len(edited_items)
    assert edited["erp_billing_schedule_id"] not in retl.committed_writes()  # not overwritten
    others = len(plan.schedules) - 1  # one write per schedule not edited, 1 re-read (+ token)
    assert retl.admin.stats()["requests"] <= others + 2, "retry storm"
    retl.rebuild()
    conflicts = retl.open_exceptions("write_conflict")
    assert [c[0] for c in conflicts] == sorted(i["item_key"] for i in edited_items)
    assert {c[1] for c in conflicts} == {edited["schedule_external_id"]}
    assert sum(c[2] for c in conflicts) == sum(i["amount_change"] for i in edited_items)

    # finance re-plans from the ERP as it is now: the conflict is corrected and resolves
    fresh = retl.approved_plan()
    assert retl.apply(fresh.plan_id).status == "complete"
    retl.rebuild()
    assert retl.open_exceptions("write_conflict") == []


def test_f12_currency_mismatch_or_unknown_code_is_rejected_before_the_push(retl: Env) -> None:
    headers = retl.sql("select contract_key, currency_code from "
                       "sync.sync_erp__billing_schedule_correction_headers_v1 order by contract_key")
    (unknown_key, _), (mismatch_key, ccy) = headers[0], headers[1]
    other = "USD" if ccy != "USD" else "EUR"
    for table in ("sync.sync_erp__billing_schedule_correction_headers_v1", "sync.sync_erp__billing_schedule_corrections_v1"):
        _tamper_feed(retl, f"update {table} set currency_code = 'XYZ' where contract_key = ?", [unknown_key])
        _tamper_feed(retl, f"update {table} set currency_code = ? where contract_key = ?", [other, mismatch_key])
    plan = retl.approved_plan()
    blocked = {s["contract_key"]: s["blocked_reason"] for s in plan.schedules if s["blocked_reason"]}
    assert "unknown to the ERP" in blocked[unknown_key]
    assert "currency mismatch" in blocked[mismatch_key] and "no implicit FX" in blocked[mismatch_key]
    report = retl.apply(plan.plan_id)
    assert report.schedules == {"rejected": 2, "written": len(plan.schedules) - 2}
    assert len(retl.committed_writes()) == len(plan.schedules) - 2
    assert retl.sql("select count(*) from reverse_etl.dead_letters where http_status is null") == [(2,)]
    retl.rebuild()
    rejected = retl.open_exceptions("write_rejected")
    assert len(rejected) == sum(1 for i in plan.items if i["contract_key"] in blocked)


def test_f13_amounts_respect_the_minor_unit_and_lines_add_up_to_the_header(retl: Env) -> None:
    key = retl.sql("select contract_key from sync.sync_erp__billing_schedule_correction_headers_v1 "
                   "where desired_line_count > 0 order by contract_key limit 1")[0][0]
    line = retl.sql("select line_key from sync.sync_erp__billing_schedule_corrections_v1 where contract_key = ? "
                    "order by line_key limit 1", [key])[0][0]
    _tamper_feed(retl, "update sync.sync_erp__billing_schedule_corrections_v1 set line_amount = line_amount + 0.001 "
                 "where contract_key = ? and line_key = ?", [key, line])
    with pytest.raises(FeedError, match="do not add up"):
        retl.plan()
    _tamper_feed(retl, "update sync.sync_erp__billing_schedule_correction_headers_v1 set "
                 "desired_open_amount = desired_open_amount + 0.001 where contract_key = ?", [key])
    plan = retl.approved_plan()
    reason = next(s["blocked_reason"] for s in plan.schedules if s["contract_key"] == key)
    assert "more decimals than" in reason
    assert retl.apply(plan.plan_id).schedules == {"rejected": 1, "written": len(plan.schedules) - 1}
    for item in plan.items:  # every amount is an exact decimal, never a float
        assert type(item["amount_change"]).__name__ == "Decimal"


def test_f22_a_poison_schedule_is_dead_lettered_the_others_post_and_it_alerts_after_k_runs(retl: Env) -> None:
    plan = retl.approved_plan()
    poison = plan.schedules[-1]["schedule_external_id"]
    retl.admin.add_fault(kind="error", status=400, path=PUT + poison + r"\b", method="PUT")
    first = retl.apply(plan.plan_id, alert_after_rejections=2)
    others = len(plan.schedules) - 1
    assert first.schedules == {"rejected": 1, "written": others} and first.alerts == []
    body = retl.sql("select error_body, rejection_number from reverse_etl.dead_letters")
    assert len(body) == 1 and body[0][1] == 1 and "o:errorDetails" in body[0][0]
    second = retl.apply(plan.plan_id, alert_after_rejections=2)  # the next run retries it (only it)
    assert second.schedules == {"rejected": 1, "already_applied": others}
    assert len(second.alerts) == 1 and poison in second.alerts[0]
    assert len(retl.committed_writes()) == others and all(n == 1 for n in retl.committed_writes().values())
    retl.rebuild()
    rejected = retl.open_exceptions("write_rejected")
    assert rejected and {r[1] for r in rejected} == {poison} and all("rejected 2 time(s)" in r[3] for r in rejected)
