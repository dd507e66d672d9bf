"""Plan: per-line operations that bring each drifting ERP billing schedule to the desired set of the pinned
sync feed (sync_erp__billing_schedule_corrections v1 + its headers), diffed against the ERP's live state.

The feed says WHAT the non-invoiced lines should be (the rules live in dbt); the plan only works out HOW to
get there from what the ERP holds right now: create a missing line, update a line whose amount or date
differs, cancel a non-invoiced line the desired set does not have. Invoiced lines are never touched; which
lines are invoiced is the rules' decision too (a line whose invoice was voided is not: erp_state.py).

A schedule is blocked (never written; a dead letter when applied) when the ERP schedule's currency is not
the contract's (no implicit FX), the contract's currency is unknown to the ERP, an amount has more decimals
than the currency's minor unit, or a line the feed wants to change has been invoiced since the feed was built.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .erp_client import ErpClient
from .erp_state import LiveSchedule, read_currencies, read_invoices_invoicing_nothing, read_schedules
from .errors import FeedError
from .store import Store, digest, now

FEED = "sync.sync_erp__billing_schedule_corrections_v1"
HEADERS = "sync.sync_erp__billing_schedule_correction_headers_v1"


@dataclass
class Plan:
    plan_id: str
    prepared_by: str
    as_of_date: Any
    schedules: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    scope: list[str] | None = None  # the CLM contract ids the plan was limited to; None = every contract

    @property
    def items_digest(self) -> str:
        return items_digest(self.items)

    def impact_by_currency(self) -> dict[str, Decimal]:
        """Σ of the items' amount changes per currency, in currency order."""
        totals: dict[str, Decimal] = {}
        for item in self.items:
            totals[item["currency_code"]] = totals.get(item["currency_code"], Decimal(0)) + Decimal(item["amount_change"])
        return dict(sorted(totals.items()))


def items_digest(items: list[dict[str, Any]]) -> str:
    keys = ("item_key", "op", "erp_line", "before_amount", "before_date", "after_amount", "after_date")
    return digest(sorted([[_text(i[k]) for k in keys] for i in items]))


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return None if value is None else str(value)


def read_feed(store: Store) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    try:
        headers = store.rows(
            f"select h.*, e.impact_amount_reporting from {HEADERS} h left join ("
            "  select contract_key, impact_amount_reporting from reconciliation.finance_exceptions"
            "  where exception_type = 'billing_schedule_drift' and status = 'open') e using (contract_key) "
            "order by h.contract_key")
        lines = store.rows(f"select * from {FEED} order by contract_key, line_key")
    except Exception as exc:
        raise FeedError(f"cannot read the sync feed {FEED} ({type(exc).__name__}: {str(exc).splitlines()[0]})") from exc
    by_contract: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_contract.setdefault(line["contract_key"], []).append(line)
    return headers, by_contract


def _places(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def make_plan(store: Store, client: ErpClient, *, prepared_by: str, contracts: list[str] | None = None) -> Plan:
    """The plan for every drifting schedule of the feed, or only for the given CLM contracts (an amendment's
    run plans its own contract, so the auto-apply policy never sweeps unrelated drift along with it)."""
    headers, lines_by_contract = read_feed(store)
    scope = sorted(set(contracts)) if contracts is not None else None
    if scope is not None:
        headers = [h for h in headers if h["clm_contract_id"] in scope]
    plan = Plan(f"plan-{now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}", prepared_by,
                headers[0]["as_of_date"] if headers else None, scope=scope)
    if not headers:
        return plan
    currencies = read_currencies(client)
    currency_by_id = {c.id: c for c in currencies.values()}
    # a line linked to an invoice the rules take as invoicing nothing (voided) is a non-invoiced line
    live = read_schedules(client, [h["erp_billing_schedule_external_id"] for h in headers],
                          read_invoices_invoicing_nothing(store))
    for header in headers:
        desired = lines_by_contract.get(header["contract_key"], [])
        total = sum((Decimal(line["line_amount"]) for line in desired), Decimal(0))
        if total != Decimal(header["desired_open_amount"]):
            raise FeedError("the sync feed's lines do not add up to their header (Σ lines ≠ desired_open_amount)",
                            contract=header["clm_contract_id"], lines=total, header=header["desired_open_amount"])
        schedule = live.get(header["erp_billing_schedule_external_id"])
        blocked = _blocked(header, desired, schedule, currencies, currency_by_id)
        # one schedule write: the desired set (version) from the ERP state the plan saw (its lastModifiedDate),
        # so duplicate plans of one event share it, while a later plan against a changed ERP gets a new one
        seen = "".join(ch for ch in schedule.last_modified if ch.isdigit()) if schedule else "new"
        write_key = f"{header['erp_billing_schedule_external_id']}@{header['desired_version']}@{seen}"
        items = _items(plan.plan_id, write_key, header, desired, schedule)
        if not items:
            continue  # the ERP already holds the desired set (e.g. corrected since the last ingest)
        plan.schedules.append({
            "plan_id": plan.plan_id, "write_key": write_key, "contract_key": header["contract_key"],
            "clm_contract_id": header["clm_contract_id"],
            "schedule_external_id": header["erp_billing_schedule_external_id"],
            "erp_billing_schedule_id": schedule.record_id if schedule else None,
            "erp_last_modified": schedule.last_modified if schedule else None,
            "currency_code": header["currency_code"], "desired_version": header["desired_version"],
            "contract_version_number": header["contract_version_number"],
            "desired_lines": [{"key": ln["line_key"], "amount": format(Decimal(ln["line_amount"]).normalize(), "f"),
                               "date": str(ln["line_date"])} for ln in desired],
            "impact_amount": sum((i["amount_change"] for i in items), Decimal(0)),
            "impact_amount_reporting": header.get("impact_amount_reporting"),
            "blocked_reason": blocked,
        })
        plan.items += items
    return plan


def _blocked(header: dict[str, Any], desired: list[dict[str, Any]], schedule: LiveSchedule | None,
             currencies: dict[str, Any], currency_by_id: dict[str, Any]) -> str | None:
    code = header["currency_code"]
    if code not in currencies:
        return f"the contract currency {code} is unknown to the ERP"
    if schedule is not None and schedule.currency_id and schedule.currency_id in currency_by_id \
            and currency_by_id[schedule.currency_id].code != code:
        return (f"currency mismatch: the contract is in {code}, the ERP schedule in "
                f"{currency_by_id[schedule.currency_id].code} (no implicit FX)")
    precision = currencies[code].precision
    for line in desired:
        if _places(Decimal(line["line_amount"])) > precision:
            return f"line {line['line_key']}: {line['line_amount']} has more decimals than {code} allows ({precision})"
    if schedule is not None:
        invoiced = {ln.key for ln in schedule.lines if ln.invoiced}
        for line in desired:
            if line["line_key"] in invoiced:
                return f"line {line['line_key']} was invoiced in the ERP after the feed was built; rebuild first"
    return None


def _items(plan_id: str, write_key: str, header: dict[str, Any], desired: list[dict[str, Any]],
           schedule: LiveSchedule | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    open_lines = schedule.open_lines() if schedule else []
    by_key: dict[str | None, Any] = {}
    extra = []
    for line in open_lines:
        if line.key is not None and line.key not in by_key:
            by_key[line.key] = line
        else:
            extra.append(line)  # a second line with the same key, or a line without a key

    def item(line_key: str, op: str, erp_line: Any, before: Any, after: dict[str, Any] | None) -> dict[str, Any]:
        before_amount = before.amount if before else None
        after_amount = Decimal(after["line_amount"]) if after else None
        return {
            "plan_id": plan_id, "item_key": f"{write_key}/{line_key}", "write_key": write_key,
            "contract_key": header["contract_key"], "schedule_external_id": header["erp_billing_schedule_external_id"],
            "line_key": line_key, "op": op, "erp_line": erp_line,
            "before_amount": before_amount, "before_date": before.date if before else None,
            "after_amount": after_amount, "after_date": after["line_date"] if after else None,
            "amount_change": (after_amount or Decimal(0)) - (before_amount or Decimal(0)),
            "currency_code": header["currency_code"],
            "causing_amendment_key": after.get("causing_amendment_key") if after else None,
            "clm_amendment_id": after.get("clm_amendment_id") if after else None,
        }

    wanted = {line["line_key"] for line in desired}
    for line in desired:
        current = by_key.get(line["line_key"])
        if current is None:
            items.append(item(line["line_key"], "create", None, None, line))
        elif current.amount != Decimal(line["line_amount"]) or str(current.date) != str(line["line_date"]):
            items.append(item(line["line_key"], "update", current.line, current, line))
    for key, current in by_key.items():
        if key not in wanted:
            items.append(item(key, "cancel", current.line, current, None))
    for current in extra:
        items.append(item(f"{current.key or 'no-key'}#line{current.line}", "cancel", current.line, current, None))
    return items


def save(store: Store, plan: Plan, feed: str = FEED) -> None:
    """Store the plan (append-only: a plan is never changed; a new run makes a new plan)."""
    store.insert("plans", [{"plan_id": plan.plan_id, "created_at": now(), "prepared_by": plan.prepared_by,
                            "as_of_date": plan.as_of_date, "feed": feed, "schedule_count": len(plan.schedules),
                            "item_count": len(plan.items), "items_digest": plan.items_digest,
                            "scope": ",".join(plan.scope) if plan.scope is not None else None}])
    store.insert("plan_schedules", plan.schedules)
    store.insert("plan_items", plan.items)


def load(store: Store, plan_id: str) -> Plan:
    from .errors import PlanNotFoundError

    rows = store.rows("select * from reverse_etl.plans where plan_id = ?", [plan_id])
    if not rows:
        raise PlanNotFoundError(f"no plan {plan_id!r} in the warehouse", plan=plan_id)
    scope = rows[0].get("scope")
    plan = Plan(plan_id, rows[0]["prepared_by"], rows[0]["as_of_date"],
                scope=[c for c in scope.split(",") if c] if scope is not None else None)
    plan.schedules = store.rows("select * from reverse_etl.plan_schedules where plan_id = ? order by write_key",
                                [plan_id])
    plan.items = store.rows("select * from reverse_etl.plan_items where plan_id = ? order by item_key", [plan_id])
    return plan
