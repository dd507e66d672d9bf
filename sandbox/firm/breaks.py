"""The ground truth: every break the rules of CONTRACT_TO_CASH.md find in the generated firm, computed from
the generator's own bookkeeping (not from the vendor records, and not by the platform's dbt models)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import polars as pl

from .basics import business_days_between, money_str, round_half_up_div
from .cases_erp import REJECTED, VOIDED
from .contracts import Contract
from .delivery import Delivery
from .erp import Erp, Invoice
from .ids import job_id, orphan_job_id, schedule_id, time_entry_id, workspace_id
from .plan import AS_OF, Firm

MILESTONE_THRESHOLD_BUSINESS_DAYS = 5


def _brk(
    kind: str,
    ids: dict[str, Any],
    c: Contract | None,
    impact: int,
    cause: str,
    key: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    currency = c.currency if c else None
    return {
        "kind": kind,
        "ids": {k: str(v) for k, v in ids.items()},
        "key": key,
        "contract_currency": currency.code if currency else None,
        "impact": money_str(impact, currency) if currency else "0",
        "cause": cause,
        **extra,
    }


def _cause(c: Contract | None, fallback: str) -> str:
    return ",".join(sorted(c.scenarios)) if c and c.scenarios else fallback


def find_breaks(firm: Firm, delivery: Delivery, erp: Erp) -> list[dict[str, Any]]:
    by_idx = {c.idx: c for c in firm.contracts}
    out: list[dict[str, Any]] = []
    t = delivery.time.filter(pl.col("billable") & (pl.col("model") == "time_and_materials"))
    # time at a superseded rate / unpriced time
    priced = t.filter(
        pl.col("contract_rate").is_not_null() & (pl.col("contract_rate") != pl.col("applied_rate"))
    )
    for contract, entry, minutes, rate, applied, invoiced in priced.select(
        "contract", "entry", "minutes", "contract_rate", "applied_rate", "is_invoiced"
    ).iter_rows():
        c = by_idx[contract]
        out.append(
            _brk(
                "time_at_superseded_rate",
                {"ironclad": c.ironclad_id, "kantata": time_entry_id(entry)},
                c,
                round_half_up_div((rate - applied) * minutes, 60),
                _cause(c, "?"),
                state="billed" if invoiced else "unbilled",
            )
        )
    for contract, entry in (
        t.filter(pl.col("contract_rate").is_null()).select("contract", "entry").iter_rows()
    ):
        c = by_idx[contract]
        out.append(
            _brk(
                "unmatched_entity",
                {"ironclad": c.ironclad_id, "kantata": time_entry_id(entry)},
                c,
                0,
                _cause(c, "?"),
                key="time_entry",
            )
        )
    # milestones completed but not invoiced
    invoiced_keys = {line.key for inv in erp.invoices if counts_as_invoiced(inv) for line in inv.lines}
    for md in delivery.milestones:
        c = md.contract
        current = c.current_milestones()
        if md.mid not in current or md.completed is None or c.milestone_key(md.mid) in invoiced_keys:
            continue
        if business_days_between(md.completed, AS_OF) > MILESTONE_THRESHOLD_BUSINESS_DAYS:
            out.append(
                _brk(
                    "milestone_not_invoiced",
                    {"ironclad": c.ironclad_id, "kantata": md.story_id},
                    c,
                    current[md.mid][0].amount,
                    _cause(c, "?"),
                    key=c.milestone_key(md.mid),
                )
            )
    out += _drift(firm, erp)
    out += _over_cap(firm, delivery)
    # coverage
    for c in firm.contracts:
        if not c.has_project:
            out.append(_brk("contract_without_project", {"ironclad": c.ironclad_id}, c, 0, _cause(c, "?")))
        if c.crm_account_dangling:
            out.append(
                _brk(
                    "unmatched_entity", {"ironclad": c.ironclad_id}, c, 0, "u_sow_account_dangling", key="sow"
                )
            )
    for p in delivery.projects:
        if p.kind == "internal":
            out.append(
                _brk(
                    "project_without_contract",
                    {"kantata": workspace_id(p.idx)},
                    None,
                    0,
                    "psa_internal_project",
                )
            )
        elif p.kind == "dangling":
            out.append(
                _brk(
                    "unmatched_entity",
                    {"kantata": workspace_id(p.idx)},
                    None,
                    0,
                    "u_workspace_dangling",
                    key="workspace",
                )
            )
        elif p.contract and p.contract.model == "time_and_materials":
            c = p.contract
            for role in sorted(c.roles()) if p.psa_rates else []:
                # the card's row for the role, else its default rate (ruling 7)
                psa_rate = p.psa_rates.get(role, p.default_rate)
                in_force = c.rate_on(role, AS_OF)
                if in_force is not None and in_force != psa_rate:
                    out.append(
                        _brk(
                            "rate_card_mismatch",
                            {"ironclad": c.ironclad_id, "kantata": workspace_id(p.idx)},
                            c,
                            0,
                            _cause(c, "?"),
                            key=role,
                        )
                    )
    for o in firm.orphan_ns_customers:
        out.append(
            _brk("unmatched_entity", {"netsuite": o.ns_id}, None, 0, "u_erp_customer_orphan", key="customer")
        )
    for i in range(firm.size.plant):
        out.append(
            _brk(
                "unmatched_entity",
                {"netsuite": orphan_job_id(len(firm.contracts), i)},
                None,
                0,
                "u_erp_job_orphan",
                key="job",
            )
        )
    out += _revenue(firm, delivery, erp)
    return out


def expected_lines(c: Contract) -> dict[str, tuple[int, dt.date]]:
    if c.model == "fixed_fee":
        return {
            c.milestone_key(mid): (ms.amount, ms.planned) for mid, (ms, _) in c.current_milestones().items()
        }
    return c.retainer_lines()


def counts_as_invoiced(inv: Invoice) -> bool:
    """Voided and rejected invoices invoice nothing; every other status counts (rulings 8 and 11)."""
    return inv.status not in (VOIDED, REJECTED)


def _compared(key: str, amount: int, day: dt.date) -> tuple[str, int, dt.date | None]:
    """Adjustment lines compare on key and amount only (ruling 2)."""
    return (key, amount, None if key.endswith("-adj") else day)


def _drift(firm: Firm, erp: Erp) -> list[dict[str, Any]]:
    out = []
    for c in firm.contracts:
        if c.idx not in erp.schedules:
            continue
        lines = erp.schedules[c.idx]
        expected = expected_lines(c)
        invoiced = {ln.key: ln for ln in lines if ln.invoice and counts_as_invoiced(ln.invoice)}
        desired: set[tuple[str, int, dt.date]] = set()
        for key, (amount, day) in expected.items():
            if key in invoiced:
                if invoiced[key].amount != amount:
                    desired.add((f"{key}-adj", amount - invoiced[key].amount, AS_OF))
            else:
                desired.add((key, amount, day))
        for key, ln in invoiced.items():
            if key not in expected:
                desired.add((f"{key}-adj", -ln.amount, AS_OF))
        actual = {
            (ln.key, ln.amount, ln.date)
            for ln in lines
            if not (ln.invoice and counts_as_invoiced(ln.invoice))
        }
        if {_compared(*x) for x in desired} != {_compared(*x) for x in actual}:
            impact = sum(a for _, a, _ in desired) - sum(a for _, a, _ in actual)
            out.append(
                _brk(
                    "billing_schedule_drift",
                    {"ironclad": c.ironclad_id, "netsuite": schedule_id(c.idx)},
                    c,
                    impact,
                    _cause(c, "?"),
                )
            )
    return out


def _over_cap(firm: Firm, delivery: Delivery) -> list[dict[str, Any]]:
    out = []
    t = delivery.time.filter(pl.col("billable") & pl.col("contract_rate").is_not_null())
    value60 = dict(
        t.group_by("contract").agg((pl.col("contract_rate") * pl.col("minutes")).sum()).iter_rows()
    )
    project_contract = {p.idx: p.contract.idx for p in delivery.projects if p.contract}
    expenses: dict[int, int] = defaultdict(int)
    for project, amount in (
        delivery.expenses.filter(pl.col("billable")).select("project", "amount").iter_rows()
    ):
        if project in project_contract:
            expenses[project_contract[project]] += amount
    completed = defaultdict(int)
    for md in delivery.milestones:
        current = md.contract.current_milestones()
        if md.completed and md.mid in current:
            completed[md.contract.idx] += current[md.mid][0].amount
    for c in firm.contracts:
        cap = c.cap_on(AS_OF)
        if cap is None:
            continue
        delivered60 = value60.get(c.idx, 0) + 60 * (expenses[c.idx] + completed[c.idx])
        if c.model == "retainer":
            delivered60 += 60 * sum(a for k, (a, _) in c.retainer_lines().items() if k <= f"{AS_OF:%Y-%m}")
        impact = round_half_up_div(delivered60 - 60 * cap, 60)
        if delivered60 > 60 * cap and impact != 0:
            out.append(_brk("over_cap", {"ironclad": c.ironclad_id}, c, impact, _cause(c, "?")))
    return out


def delivered_value60(firm: Firm, delivery: Delivery) -> dict[int, int]:
    """Delivered value × 60 per T&M contract (exact integer minor units × 60): time at contract rates plus
    billable expenses. Used to set the planted caps."""
    t = delivery.time.filter(pl.col("billable") & pl.col("contract_rate").is_not_null())
    out = dict(t.group_by("contract").agg((pl.col("contract_rate") * pl.col("minutes")).sum()).iter_rows())
    project_contract = {p.idx: p.contract.idx for p in delivery.projects if p.contract}
    for project, amount in (
        delivery.expenses.filter(pl.col("billable")).select("project", "amount").iter_rows()
    ):
        if project in project_contract:
            cidx = project_contract[project]
            out[cidx] = out.get(cidx, 0) + 60 * amount
    return out


def _revenue(firm: Firm, delivery: Delivery, erp: Erp) -> list[dict[str, Any]]:
    posted: dict[tuple[int, dt.date], int] = defaultdict(int)
    for p in erp.postings:
        posted[(p.contract.idx, p.month)] += p.amount
    for inv in erp.invoices:
        if inv.status == VOIDED:  # the ERP reverses a voided invoice's revenue in its period (voiding.py)
            posted[(inv.contract.idx, inv.date.replace(day=1))] -= sum(ln.amount for ln in inv.lines)
    earned60: dict[tuple[int, dt.date], int] = defaultdict(int)
    t = delivery.time.filter(pl.col("billable") & (pl.col("model") == "time_and_materials")).with_columns(
        month=pl.col("date").dt.truncate("1mo")
    )
    for contract, month, value in (
        t.group_by("contract", "month").agg((pl.col("applied_rate") * pl.col("minutes")).sum()).iter_rows()
    ):
        earned60[(contract, month)] += value
    for md in delivery.milestones:
        current = md.contract.current_milestones()
        if md.accepted and md.mid in current:
            earned60[(md.contract.idx, md.accepted.replace(day=1))] += 60 * current[md.mid][0].amount
    for c in firm.contracts:
        if c.model == "retainer":
            for key, (amount, _) in c.retainer_lines().items():
                if key <= f"{AS_OF:%Y-%m}":
                    earned60[(c.idx, dt.date.fromisoformat(f"{key}-01"))] += 60 * amount
    by_idx = {c.idx: c for c in firm.contracts}
    out = []
    for key in sorted(set(posted) | set(earned60)):
        contract, month = key
        impact = posted.get(key, 0) - round_half_up_div(earned60.get(key, 0), 60)
        if impact:
            c = by_idx[contract]
            out.append(
                _brk(
                    "revenue_vs_delivery",
                    {"ironclad": c.ironclad_id, "netsuite": job_id(c.idx)},
                    c,
                    impact,
                    _cause(c, "?"),
                    key=month.strftime("%Y-%m"),
                )
            )
    return out
