"""Apply an approved plan exactly once, and verify it.

Per schedule (one NetSuite record write: the upsert `PUT …/billingSchedule/eid:<external id>` with its whole
recurrence sublist), in this order:
1. a write for an older contract version than one already applied to the schedule is skipped as superseded
   (RELIABILITY.md F7); what was already written is found by step 3, not trusted from the ledger alone;
2. a blocked schedule (plan.py) becomes a dead letter without any ERP call (F12, F13);
3. the live schedule is re-read (in chunks, one SuiteQL query each) just before writing: if it already holds
   the desired lines the write is done — a resumed run, a repeated trigger, a duplicate plan or an earlier
   answer that was lost (F4, F5, F7) — and nothing is sent; if its lastModifiedDate moved since the plan it
   is not overwritten — a `write_conflict` (F11);
4. the ledger records the intent before every attempt and the outcome after it; throttling and 5xx are
   retried with backoff; an unknown outcome is re-checked before any resend (F1–F4); a validation error is a
   dead letter with the ERP's body (`write_rejected`), and the other schedules go on (F22).
A run ends `complete`, or `partial` when some writes ran out of retry budget (rerun to finish).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .approval import valid_approvals
from .erp_client import ErpClient, Landed
from .erp_state import (
    LiveSchedule,
    desired_state,
    read_currencies,
    read_invoices_invoicing_nothing,
    read_jobs,
    read_schedules,
)
from .errors import (
    ErpAuthError,
    ErpConflictError,
    ErpConnectionError,
    ErpError,
    ErpRateLimitError,
    ErpValidationError,
)
from .plan import Plan
from .store import SUCCESS, Store, iter_chunks

log = logging.getLogger("reverse_etl")
OUTCOME_COUNTERS = {"written": "written", "landed": "written", "already_applied": "skipped", "superseded": "skipped",
                    "conflict": "conflicts", "rejected": "rejected", "failed": "failed"}


@dataclass
class ApplyReport:
    plan_id: str
    written: int = 0  # items written by this run (incl. writes whose lost answer a re-read confirmed)
    skipped: int = 0  # items already in the ERP (earlier run, other plan, superseded)
    conflicts: int = 0
    rejected: int = 0
    failed: int = 0  # retry budget spent: still pending, rerun to finish
    schedules: dict[str, int] = field(default_factory=dict)  # outcome -> schedules
    resumed_in_flight: int = 0
    alerts: list[str] = field(default_factory=list)
    seconds: float = 0.0
    erp: dict[str, Any] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)  # the chain head anchored after the run (ledger_anchors.py)
    approved_by: list[str] = field(default_factory=list)  # who gave the valid approvals (or policy:auto-apply)

    @property
    def status(self) -> str:
        return "partial" if self.failed else "complete"

    def public(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "status": self.status, "written": self.written, "skipped": self.skipped,
                "conflicts": self.conflicts, "rejected": self.rejected, "failed": self.failed,
                "schedules": self.schedules, "resumed_in_flight": self.resumed_in_flight, "alerts": self.alerts,
                "seconds": round(self.seconds, 2), "erp": self.erp, "ledger": self.ledger,
                "approved_by": self.approved_by}


def _lines(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    value = schedule["desired_lines"]
    return json.loads(value) if isinstance(value, str) else value


def schedule_body(schedule: dict[str, Any], live: LiveSchedule | None, *, currency_id: str | None,
                  job_id: str | None) -> dict[str, Any]:
    """The upsert body that makes the schedule's non-invoiced lines the desired set; invoiced lines are sent
    back unchanged (by line number only), lines to cancel are left out (`?replace=recurrence` drops them). A
    line whose invoice invoices nothing (voided) is a non-invoiced line here, as in the rules."""
    desired = {line["key"]: line for line in _lines(schedule)}
    items: list[dict[str, Any]] = []
    used: set[str] = set()
    for line in live.lines if live else []:
        if line.invoiced:
            items.append({"line": line.line})
        elif line.key in desired and line.key not in used:
            used.add(line.key)
            want = desired[line.key]
            items.append({"line": line.line, "amount": Decimal(want["amount"]), "recurrenceDate": want["date"]})
    for key, want in desired.items():
        if key not in used:
            items.append({"recurrenceDate": want["date"], "amount": Decimal(want["amount"]), "custcol_c2c_line_key": key})
    body: dict[str, Any] = {"recurrence": {"items": items}}
    if live is None:
        body.update({"name": f"{schedule['clm_contract_id']} billing schedule", "scheduleType": {"id": "STD"},
                     "frequency": {"id": "CUSTOM"}, "currency": {"id": currency_id},
                     "project": {"id": job_id} if job_id else {"externalId": schedule["clm_contract_id"]}})
    return body


class Applier:
    def __init__(self, store: Store, client: ErpClient, plan: Plan, *, max_concurrency: int = 5,
                 alert_after_rejections: int = 3, say: Callable[[str], None] = print,
                 data_dir: Path | None = None) -> None:
        self.store, self.client, self.plan = store, client, plan
        self.data_dir = data_dir  # where the approvers' registry of the sandbox is (core/paths.py)
        self.max_concurrency = max_concurrency
        self.alert_after = alert_after_rejections
        self.say = say
        self.report = ApplyReport(plan.plan_id)
        self.items_by_write: dict[str, int] = {}
        for item in plan.items:
            self.items_by_write[item["write_key"]] = self.items_by_write.get(item["write_key"], 0) + 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._currencies: dict[str, Any] | None = None
        self._invoicing_nothing: frozenset[str] = frozenset()  # invoices whose lines are not invoiced (the feed)

    # ---- bookkeeping -----------------------------------------------------------------------------------
    def _ledger(self, schedule: dict[str, Any], phase: str, **fields: Any) -> None:
        self.store.record(plan_id=self.plan.plan_id, write_key=schedule["write_key"],
                          contract_key=schedule["contract_key"], schedule_external_id=schedule["schedule_external_id"],
                          phase=phase, **fields)

    def _outcome(self, schedule: dict[str, Any], outcome: str, **fields: Any) -> None:
        # not awaited: a lost outcome is re-derived from the ERP by the next run
        self._ledger(schedule, "outcome", outcome=outcome, wait=False, **fields)
        n = self.items_by_write.get(schedule["write_key"], 0)
        with self._lock:
            counter = OUTCOME_COUNTERS[outcome]
            setattr(self.report, counter, getattr(self.report, counter) + n)
            self.report.schedules[outcome] = self.report.schedules.get(outcome, 0) + 1

    def _dead_letter(self, schedule: dict[str, Any], status: int | None, body: str | None) -> None:
        number = self.store.rejections(schedule["write_key"]) + 1
        self.store.insert("dead_letters", [{
            "recorded_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "plan_id": self.plan.plan_id,
            "write_key": schedule["write_key"], "contract_key": schedule["contract_key"],
            "schedule_external_id": schedule["schedule_external_id"], "http_status": status, "error_body": body,
            "rejection_number": number}])
        if number >= self.alert_after:
            alert = (f"{schedule['schedule_external_id']} ({schedule['clm_contract_id']}) was rejected {number} times: "
                     "finance must fix it by hand or in the contract")
            log.error(alert)
            with self._lock:
                self.report.alerts.append(alert)

    # ---- the run ---------------------------------------------------------------------------------------
    def run(self) -> ApplyReport:
        t0 = time.perf_counter()
        # refused (ApprovalError) before any ERP request when no approval is valid
        scope, self.report.approved_by = valid_approvals(self.store, self.plan, data_dir=self.data_dir)
        try:
            self._apply(scope)
        except BaseException:
            with contextlib.suppress(Exception):  # whatever the ledger holds by then is anchored too
                self.report.ledger = self.store.anchor(self.plan.plan_id, "apply")
            raise
        self.report.ledger = self.store.anchor(self.plan.plan_id, "apply")
        self.report.seconds = time.perf_counter() - t0
        self.report.erp = self.client.stats.public()
        return self.report

    def _apply(self, scope: set[str]) -> None:
        schedules = [s for s in self.plan.schedules if s["write_key"] in scope]
        self._invoicing_nothing = read_invoices_invoicing_nothing(self.store)
        last = self.store.last_outcomes([s["write_key"] for s in schedules])
        self.report.resumed_in_flight = sum(1 for r in last.values() if r["phase"] == "intent")
        if self.report.resumed_in_flight:
            self.say(f"resuming: {self.report.resumed_in_flight} schedule write(s) were in flight when the last "
                     "run stopped; each is re-read before anything is sent")
        applied = self._applied_versions()
        pending = []
        for schedule in schedules:
            newest = applied.get(schedule["schedule_external_id"], -1)
            if (schedule["contract_version_number"] or 0) < newest:
                log.warning("%s: contract version %s is older than the applied version %s; skipped",
                            schedule["write_key"], schedule["contract_version_number"], newest)
                self._outcome(schedule, "superseded", detail=f"contract version {newest} already applied")
            elif schedule["blocked_reason"]:
                self._outcome(schedule, "rejected", detail=schedule["blocked_reason"])
                self._dead_letter(schedule, None, json.dumps({"blocked_before_push": schedule["blocked_reason"]}))
            else:
                pending.append(schedule)
        self._write_all(pending)
        self.store.flush()

    def _write_all(self, pending: list[dict[str, Any]]) -> None:
        """Write every pending schedule with `max_concurrency` writers kept busy: the live state of each chunk
        is read (one SuiteQL query) while the chunk before it is being written, so reads never stall the
        writers and a schedule's re-read is at most about two chunks old when it is written."""
        chunks = list(iter_chunks(pending, max(10, 10 * self.max_concurrency)))
        reads: dict[int, Future[Any]] = {}
        reads_lock = threading.Lock()
        progress = {"done": 0}

        def chunk_state(k: int) -> Future[Any] | None:
            with reads_lock:
                if k < len(chunks) and k not in reads:
                    reads[k] = reader.submit(self._read_chunk, chunks[k])
                return reads.get(k)

        def task(k: int, schedule: dict[str, Any]) -> None:
            if self._stop.is_set():
                return
            chunk_state(k + 1)  # read ahead
            live, context = chunk_state(k).result()  # type: ignore[union-attr]
            self._write_one(schedule, live.get(schedule["schedule_external_id"]), context)
            with reads_lock:
                progress["done"] += 1
                done = progress["done"]
            if done % len(chunks[0]) == 0 or done == len(pending):
                written = self.report.schedules.get("written", 0) + self.report.schedules.get("landed", 0)
                self.say(f"  {done}/{len(pending)} schedules processed ({written} written)")

        with ThreadPoolExecutor(1, thread_name_prefix="erp-read") as reader, \
                ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="erp-write") as pool:
            futures = [pool.submit(task, k, s) for k, chunk in enumerate(chunks) for s in chunk]
            for future in futures:
                future.result()  # re-raises what stopped a writer (ErpAuthError)

    def _read_chunk(self, chunk: list[dict[str, Any]]) -> tuple[dict[str, LiveSchedule], dict[str, Any]]:
        live = read_schedules(self.client, [s["schedule_external_id"] for s in chunk], self._invoicing_nothing)
        return live, self._create_context(chunk, live)

    def _applied_versions(self) -> dict[str, int]:
        """The highest contract version written to each schedule (any plan)."""
        rows = self.store.rows(
            "select l.schedule_external_id, max(coalesce(s.contract_version_number, 0)) as version "
            "from reverse_etl.write_ledger l join reverse_etl.plan_schedules s "
            "on s.plan_id = l.plan_id and s.write_key = l.write_key "
            f"where l.phase = 'outcome' and l.outcome in {SUCCESS} group by 1")
        return {r["schedule_external_id"]: r["version"] for r in rows}

    def _create_context(self, chunk: list[dict[str, Any]], live: dict[str, LiveSchedule]) -> dict[str, Any]:
        creates = [s for s in chunk if s["schedule_external_id"] not in live]
        if not creates:
            return {}
        if self._currencies is None:
            self._currencies = read_currencies(self.client)
        return {"jobs": read_jobs(self.client, [s["clm_contract_id"] for s in creates]),
                "currencies": self._currencies}

    def _write_one(self, schedule: dict[str, Any], live: LiveSchedule | None, context: dict[str, Any]) -> None:
        if self._stop.is_set():
            return
        desired = desired_state(_lines(schedule))
        if live is not None and live.open_state() == desired:
            self._outcome(schedule, "already_applied", erp_record_id=live.record_id,
                          erp_last_modified=live.last_modified)
            return
        if (live.last_modified if live else None) != schedule["erp_last_modified"]:
            self._outcome(schedule, "conflict", erp_record_id=live.record_id if live else None,
                          erp_last_modified=live.last_modified if live else None,
                          detail=f"lastModifiedDate {schedule['erp_last_modified']} at plan time, "
                                 f"{live.last_modified if live else 'no record'} now: changed in the ERP since the plan")
            return
        state = {"live": live}
        currency = (context.get("currencies") or {}).get(schedule["currency_code"])
        job_id = (context.get("jobs") or {}).get(schedule["clm_contract_id"])

        def make_body() -> dict[str, Any]:
            return schedule_body(schedule, state["live"], currency_id=currency.id if currency else None, job_id=job_id)

        def recheck() -> Landed:
            fresh = read_schedules(self.client, [schedule["schedule_external_id"]],
                                   self._invoicing_nothing).get(schedule["schedule_external_id"])
            if fresh is not None and fresh.open_state() == desired:
                state["landed"] = True
                return Landed.YES
            if (fresh.last_modified if fresh else None) != schedule["erp_last_modified"]:
                return Landed.CONFLICT
            state["live"] = fresh
            return Landed.NO

        try:
            record_id = self.client.upsert_schedule(
                schedule["schedule_external_id"], make_body, recheck=recheck,
                on_attempt=lambda n: self._ledger(schedule, "intent", attempt=n + 1))
        except ErpValidationError as exc:
            self._outcome(schedule, "rejected", http_status=exc.status, detail=exc.body)
            self._dead_letter(schedule, exc.status, exc.body)
        except ErpConflictError as exc:
            self._outcome(schedule, "conflict", detail=str(exc))
        except ErpAuthError as exc:
            self._stop.set()
            self._outcome(schedule, "failed", http_status=exc.status, detail=str(exc))
            raise
        except (ErpRateLimitError, ErpConnectionError, ErpError) as exc:
            self._outcome(schedule, "failed", http_status=exc.status, detail=str(exc))
        else:
            self._outcome(schedule, "landed" if state.get("landed") else "written", erp_record_id=record_id or None)


@dataclass
class VerifyReport:
    plan_id: str
    verified: int = 0
    mismatched: list[str] = field(default_factory=list)
    not_written: int = 0
    ledger: dict[str, Any] = field(default_factory=dict)  # the chain head anchored after the verify entries

    def public(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "verified": self.verified, "mismatched": self.mismatched,
                "not_written": self.not_written, "ok": not self.mismatched}


def verify(store: Store, client: ErpClient, plan: Plan) -> VerifyReport:
    """Re-read every schedule the plan wrote (or found already applied) and compare with its desired lines."""
    report = VerifyReport(plan.plan_id)
    outcomes = store.rows("select write_key, outcome from reverse_etl.write_ledger where plan_id = ? and "
                          f"phase = 'outcome' and outcome in {SUCCESS}", [plan.plan_id])
    done = {r["write_key"] for r in outcomes}
    schedules = [s for s in plan.schedules if s["write_key"] in done]
    report.not_written = len(plan.schedules) - len(schedules)
    live = read_schedules(client, [s["schedule_external_id"] for s in schedules],
                          read_invoices_invoicing_nothing(store))
    for schedule in schedules:
        current = live.get(schedule["schedule_external_id"])
        ok = current is not None and current.open_state() == desired_state(_lines(schedule))
        store.record(plan_id=plan.plan_id, write_key=schedule["write_key"], contract_key=schedule["contract_key"],
                     schedule_external_id=schedule["schedule_external_id"], phase="verify",
                     outcome="verified" if ok else "mismatch",
                     erp_last_modified=current.last_modified if current else None)
        if ok:
            report.verified += 1
        else:
            report.mismatched.append(schedule["schedule_external_id"])
    report.ledger = store.anchor(plan.plan_id, "verify")
    return report
