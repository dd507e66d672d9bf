"""Planted causes that the rulings of CONTRACT_TO_CASH.md (4, 2, 7, 8, 9, 11, 12) settle: how each contract is
shaped. The ERP side of the invoice cases is booked in erp.py, the PSA side in delivery.py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .basics import AS_OF, PRICED_ROLES, ROLES, add_months, local_minor, to_ts
from .contracts import Contract, Milestone

if TYPE_CHECKING:
    from .plan import Planner

# cause -> billing model. Controls (no break) prove that a rule does not fire where a ruling says it must not.
CASE_SCENARIOS = {
    "ret_start_moved": "retainer",  # a change order moves the start to the 10th; the full month was invoiced (ruling 4)
    "ret_end_moved": "retainer",  # a change order moves the end to the 14th of an invoiced month (ruling 4)
    "ret_partial_months": "retainer",  # control: starts the 17th, ends the 12th, fee changed before the start (4, 12)
    "ff_adj_held": "fixed_fee",  # control: the ERP already holds the adjustment, dated earlier (ruling 2)
    "ff_voided_invoice": "fixed_fee",  # a completed milestone's only invoice was voided (ruling 8)
    "ff_voided_reissued": "fixed_fee",  # control: voided, then re-issued the same day (ruling 8)
    "ff_pending_approval": "fixed_fee",  # control: a milestone invoice pending approval counts (ruling 11)
    "tm_role_added_off_card": "time_and_materials",  # a role a change order added, never on the PSA card (ruling 7)
    "tm_cent_rate": "time_and_materials",  # a one-minor-unit rate change the PSA missed, and a short entry (ruling 9)
    "tm_co_before_start": "time_and_materials",  # control: a change order effective before the SOW starts (ruling 12)
}
# the k-th plant of a cause goes to a customer of COUNTRIES[k % n] (a zero-decimal and a three-decimal currency)
CASE_COUNTRIES = {"tm_cent_rate": ("KW", "JP", "US")}
SHORT_ENTRY_MINUTES = 20  # 1 minor unit × 20/60 h rounds to 0


def shape_case(p: Planner, c: Contract, s: str) -> None:
    {
        "ret_start_moved": _ret_start_moved,
        "ret_end_moved": _ret_end_moved,
        "ret_partial_months": _ret_partial_months,
        "ff_adj_held": _ff_adj_held,
        "ff_voided_invoice": _ff_early_invoice,
        "ff_voided_reissued": _ff_early_invoice,
        "ff_pending_approval": _ff_early_invoice,
        "tm_role_added_off_card": _tm_role_added_off_card,
        "tm_cent_rate": _tm_cent_rate,
        "tm_co_before_start": _tm_co_before_start,
    }[s](p, c)


def _ret_start_moved(p: Planner, c: Contract) -> None:
    first = add_months(AS_OF, -1)  # signed to start on the 1st of last month, invoiced in full that day
    c.signed_start, c.end = first, add_months(first, 12) - dt.timedelta(days=1)
    c.signed_at = to_ts(first - dt.timedelta(days=12), 10)
    c.start = first + dt.timedelta(days=9)
    p.co(c, c.start, first + dt.timedelta(days=19), start=c.start)


def _ret_end_moved(p: Planner, c: Contract) -> None:
    if c.end < add_months(AS_OF, 3):
        c.end = add_months(AS_OF, p.rng.randint(4, 8)) - dt.timedelta(days=1)
    c.signed_end = c.end
    c.end = AS_OF.replace(day=14)  # this month was invoiced in full on its first day
    p.co(c, AS_OF - dt.timedelta(days=5), AS_OF - dt.timedelta(days=5), end=c.end)


def _ret_partial_months(p: Planner, c: Contract) -> None:
    c.start = c.start.replace(day=17)
    c.end = add_months(AS_OF, p.rng.randint(4, 8)).replace(day=12)
    delta = c.currency.base_unit * 500 * p.rng.randint(1, 6)
    p.co(c, c.start - dt.timedelta(days=4), c.start - dt.timedelta(days=3), fee=c.fee + delta)


def _earliest_in_the_past(c: Contract, days: int) -> Milestone:
    m = min(c.milestones.values(), key=lambda m: m.planned)
    m.planned = min(m.planned, AS_OF - dt.timedelta(days=days))
    return m


def _ff_adj_held(p: Planner, c: Contract) -> None:
    m = _earliest_in_the_past(c, 90)
    approve = AS_OF - dt.timedelta(days=p.rng.randint(10, 40))
    bigger = Milestone(m.mid, m.name, m.amount + c.currency.base_unit * 1500, m.planned)
    p.co(c, approve, approve, milestones={m.mid: bigger})


def _ff_early_invoice(p: Planner, c: Contract) -> None:
    _earliest_in_the_past(c, 60)  # completed and invoiced well before the as-of date (erp.py sets the status)


def _tm_role_added_off_card(p: Planner, c: Contract) -> None:
    role = min(set(PRICED_ROLES) - set(c.rates))
    rate = local_minor(ROLES[role][1], c.currency)
    default = local_minor(200, c.currency)  # the PSA card's default rate (delivery.Project.default_rate)
    rate = rate if rate != default else rate + local_minor(5, c.currency)
    eff = c.start + (min(c.end, AS_OF) - c.start) / 2
    co = p.co(c, eff, eff - dt.timedelta(days=5), rates={role: rate})
    co.psa_updated_on = None


def _tm_cent_rate(p: Planner, c: Contract) -> None:
    role = min(c.rates)
    eff = AS_OF - dt.timedelta(days=8)  # a Wednesday: the role works that day (delivery's must_days)
    co = p.co(c, eff, eff - dt.timedelta(days=2), rates={role: (c.rate_on(role, AS_OF) or c.rates[role]) + 1})
    co.psa_updated_on = None
    c.short_entry = (role, eff)


def _tm_co_before_start(p: Planner, c: Contract) -> None:
    role = max(c.rates)
    signed = c.signed_at.date()
    co = p.co(c, signed, signed + dt.timedelta(days=1), rates={role: p.raise_rate(c, role, 0.07)})
    co.psa_updated_on = c.start  # the PSA card took it from the first day
