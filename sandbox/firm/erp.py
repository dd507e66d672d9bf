"""The ERP side: billing schedules, invoices (with tax by region), payments, revenue postings and FX, as
finance actually booked them (including the planted omissions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import polars as pl

from .basics import CURRENCIES, REPORTING_CURRENCY, add_months, month_end, months_between, round_half_up_div
from .cases_erp import invoice_cases
from .contracts import Contract, Milestone, prorate
from .delivery import Delivery
from .plan import AS_OF, Firm


@dataclass
class Line:
    key: str
    item: str
    amount: int  # minor
    quantity: Decimal = Decimal(1)
    rate: int | None = None


@dataclass
class Invoice:
    idx: int
    contract: Contract
    date: dt.date
    lines: list[Line]
    paid: list[tuple[dt.date, Decimal]] = field(default_factory=list)  # (day, share of the total paid)
    status: str | None = (
        None  # "Voided" / "Pending Approval" (cases.py); None: Open or Paid In Full by payments
    )
    reissue_of: Invoice | None = None  # the voided invoice this one re-issues


@dataclass
class ScheduleLine:
    key: str
    date: dt.date
    amount: int
    invoice: Invoice | None = None


@dataclass
class Posting:
    contract: Contract
    month: dt.date  # first day
    amount: int
    memo: str


@dataclass
class Erp:
    schedules: dict[int, list[ScheduleLine]]  # contract idx -> lines (fixed fee and retainer only)
    invoices: list[Invoice]
    postings: list[Posting]
    fx: pl.DataFrame  # currency, date, rate (USD per unit)


def milestones_known(c: Contract, on: dt.date, erp_only: bool) -> dict[str, Milestone]:
    """The milestones as known on a day: change orders approved by then (only those the ERP took)."""
    out = dict(c.milestones)
    for co in c.approved():
        if co.approved_at.date() > on or (erp_only and not co.erp_propagated):
            continue
        out.update(co.milestones)
        for mid in co.removed:
            out.pop(mid, None)
    return out


def fee_known(c: Contract, month: dt.date, known_on: dt.date, erp_only: bool = True) -> int:
    fee = c.fee or 0
    for co in c.approved():
        if co.fee is None or c.effective_of(co) > month or co.approved_at.date() > known_on:
            continue
        if erp_only and not co.erp_propagated:
            continue
        fee = co.fee
    return fee


def build_erp(firm: Firm, delivery: Delivery, rng: np.random.Generator) -> Erp:
    invoices: list[Invoice] = []
    schedules: dict[int, list[ScheduleLine]] = {}
    postings: list[Posting] = []
    far = dt.date(2100, 1, 1)

    def new_invoice(c: Contract, day: dt.date, lines: list[Line]) -> Invoice:
        inv = Invoice(len(invoices) + 1, c, day, lines)
        invoices.append(inv)
        return inv

    ms_by_contract: dict[int, dict[str, object]] = {}
    for md in delivery.milestones:
        ms_by_contract.setdefault(md.contract.idx, {})[md.mid] = md
    for c in firm.contracts:
        if c.model == "fixed_fee":
            lines: list[ScheduleLine] = []
            erp_now = milestones_known(c, far, erp_only=True)
            deliveries = ms_by_contract.get(c.idx, {})
            for mid in sorted(set(erp_now) | {m for m, d in deliveries.items() if d.invoiced_on}):
                md = deliveries.get(mid)
                if md is not None and md.invoiced_on:
                    ms = milestones_known(c, md.invoiced_on, erp_only=True)[mid]
                    inv = new_invoice(c, md.invoiced_on, [Line(c.milestone_key(mid), ms.name, ms.amount)])
                    lines.append(ScheduleLine(c.milestone_key(mid), ms.planned, ms.amount, inv))
                else:
                    ms = erp_now[mid]
                    lines.append(ScheduleLine(c.milestone_key(mid), ms.planned, ms.amount))
                if md is not None and md.accepted:
                    amount = milestones_known(c, md.accepted, erp_only=True).get(mid, ms).amount
                    postings.append(
                        Posting(c, md.accepted.replace(day=1), amount, f"Milestone {mid} accepted")
                    )
            schedules[c.idx] = lines + invoice_cases(c, lines, new_invoice, postings)
        elif c.model == "retainer":
            schedules[c.idx] = _retainer(c, new_invoice, postings)
    _time_and_materials(firm, delivery, invoices, postings)
    _plant_revenue(firm, delivery, postings, rng)
    _payments(invoices, rng)
    return Erp(schedules, invoices, postings, _fx(firm, rng))


def _retainer(
    c: Contract, new_invoice: Callable[[Contract, dt.date, list[Line]], Invoice], postings: list[Posting]
) -> list[ScheduleLine]:
    """One line per month, invoiced in advance (on its first day, or the start date) with the dates and fee
    known then; months after the as-of date as the ERP has them now. A partial month is prorated (ruling 4);
    its revenue is posted at month end with the dates known then."""
    far = dt.date(2100, 1, 1)
    lines = []
    first, last = c.dates_known(dt.date.min)
    for m in months_between(min(first, c.start), max(last, c.end)):
        key = m.strftime("%Y-%m")
        start, end = c.dates_known(m) if m <= AS_OF else c.dates_known(far, erp_only=True)
        if not start.replace(day=1) <= m <= end:
            continue
        day = max(start, m)
        fee = fee_known(c, day, known_on=day if m <= AS_OF else far)
        amount = prorate(fee, m, start, end)
        if m > AS_OF:
            lines.append(ScheduleLine(key, day, amount))
            continue
        inv = new_invoice(c, day, [Line(key, "Retainer fee", amount)])
        lines.append(ScheduleLine(key, day, amount, inv))
        posted = prorate(fee, m, *c.dates_known(min(month_end(m), AS_OF)))
        postings.append(Posting(c, m, posted, "Retainer fee earned"))
    return lines


def _time_and_materials(
    firm: Firm, delivery: Delivery, invoices: list[Invoice], postings: list[Posting]
) -> None:
    by_idx = {c.idx: c for c in firm.contracts}
    month0 = AS_OF.replace(day=1)
    t = delivery.time.filter(pl.col("billable")).with_columns(
        month=pl.col("date").dt.truncate("1mo"), value=pl.col("applied_rate") * pl.col("minutes")
    )
    earned = t.group_by("contract", "month").agg(pl.col("value").sum()).sort("contract", "month")
    for contract, month, value in earned.iter_rows():
        end = min(month_end(month), AS_OF)
        postings.append(
            Posting(by_idx[contract], month, round_half_up_div(value, 60), f"T&M revenue to {end}")
        )
    billed = (
        t.filter(pl.col("month") < month0)
        .group_by("contract", "month", "role", "applied_rate")
        .agg(pl.col("value").sum(), pl.col("minutes").sum())
        .sort("contract", "month", "role", "applied_rate")
    )
    exp = (
        delivery.expenses.filter(pl.col("is_invoiced"))
        .join(
            pl.DataFrame(
                {
                    "project": [p.idx for p in delivery.projects],
                    "contract": [p.contract.idx if p.contract else 0 for p in delivery.projects],
                }
            ),
            on="project",
        )
        .with_columns(month=pl.col("date").dt.truncate("1mo"))
        .group_by("contract", "month")
        .agg(pl.col("amount").sum())
    )
    exp_by = {(c, m): a for c, m, a in exp.iter_rows()}
    per_invoice: dict[tuple[int, dt.date], list[Line]] = {}
    for contract, month, role, rate, value, minutes in billed.iter_rows():
        qty = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.0001"))
        per_invoice.setdefault((contract, month), []).append(
            Line(
                f"{month:%Y-%m}:{role}",
                f"Professional services – {role}",
                round_half_up_div(value, 60),
                qty,
                rate,
            )
        )
    for (contract, month), amount in exp_by.items():
        per_invoice.setdefault((contract, month), []).append(
            Line(f"{month:%Y-%m}:expenses", "Reimbursable expenses", amount)
        )
    for contract, month in sorted(per_invoice):
        day = add_months(month, 1) + dt.timedelta(days=3)
        invoices.append(Invoice(len(invoices) + 1, by_idx[contract], day, per_invoice[(contract, month)]))


def _plant_revenue(firm: Firm, delivery: Delivery, postings: list[Posting], rng: np.random.Generator) -> None:
    for c in firm.revenue_plants.get("rev_missing", []):
        mine = [p for p in postings if p.contract is c and p.amount and p.month < AS_OF.replace(day=1)]
        victim = mine[int(rng.integers(0, len(mine)))].month
        postings[:] = [p for p in postings if not (p.contract is c and p.month == victim)]
    for c in firm.revenue_plants.get("rev_wrong", []):
        mine = [p for p in postings if p.contract is c and p.amount]
        victim = mine[int(rng.integers(0, len(mine)))]
        victim.amount += c.currency.base_unit * int(rng.integers(50, 900))
        victim.memo += " (keyed in twice?)"
    for c in firm.revenue_plants.get("rev_extra", []):
        month = add_months(c.start, -1)
        postings.append(
            Posting(
                c,
                month,
                c.currency.base_unit * int(rng.integers(1000, 9000)),
                "Accrual posted before the start",
            )
        )


def _payments(invoices: list[Invoice], rng: np.random.Generator) -> None:
    for inv in invoices:
        if inv.status or inv.date > AS_OF - dt.timedelta(days=20):
            continue
        day = inv.date + dt.timedelta(days=int(rng.integers(10, 41)))
        if day > AS_OF:
            continue
        inv.paid.append((day, Decimal("0.5") if rng.random() < 0.1 else Decimal(1)))


def _fx(firm: Firm, rng: np.random.Generator) -> pl.DataFrame:
    start = min(c.start for c in firm.contracts) - dt.timedelta(days=90)
    days = np.arange(np.datetime64(start), np.datetime64(AS_OF) + 1)
    frames = []
    for code, cur in CURRENCIES.items():
        if code == REPORTING_CURRENCY:
            continue
        base = 1 / float(cur.per_usd)
        walk = np.cumsum(rng.normal(0, 0.003, len(days)))
        rates = base * np.exp(walk - walk.mean())
        frames.append(
            pl.DataFrame(
                {
                    "currency": code,
                    "date": days.astype("datetime64[D]"),
                    "rate": [Decimal(f"{r:.8g}").quantize(Decimal("0.00000001")) for r in rates],
                }
            )
        )
    return pl.concat(frames).with_columns(
        pl.col("date").cast(pl.Date), pl.col("rate").cast(pl.Decimal(20, 8))
    )
