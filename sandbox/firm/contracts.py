"""Customers, SOWs and change orders of the synthetic firm, and the contract terms in force.

This is the generator's own bookkeeping of the contract side (version order, rates, milestones, caps,
fees). The platform derives the same facts from the vendors' records in dbt; tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .basics import Country, Currency, add_months, months_between, round_half_up_div


@dataclass
class Customer:
    idx: int
    name: str
    country: Country
    currency: Currency
    industry: str
    sf_id: str
    ns_id: int
    created: dt.date
    sf_deleted: bool = False  # soft-deleted in the CRM (visible only through queryAll)
    in_crm: bool = True  # False: an ERP customer whose CRM account does not exist (unmatched)


@dataclass
class Milestone:
    mid: str  # "M1"…; the line key is the milestone id f"{ironclad_id}-{mid}"
    name: str
    amount: int  # minor units
    planned: dt.date


@dataclass
class ChangeOrder:
    number: int
    effective: dt.date
    status: str  # approved | draft | in_review
    approved_at: dt.datetime | None
    ironclad_id: str = ""
    uuid: str = ""
    rates: dict[str, int] = field(default_factory=dict)
    milestones: dict[str, Milestone] = field(default_factory=dict)  # changed or added
    removed: list[str] = field(default_factory=list)
    cap: int | None = None
    fee: int | None = None
    start: dt.date | None = None  # a new start date of the SOW (the terms' dates, rolled up like the rest)
    end: dt.date | None = None  # a new end date
    psa_updated_on: dt.date | None = None  # when the PSA rate card took its rates (None: never)
    erp_propagated: bool = True  # False: the ERP billing schedule never took this change order


@dataclass
class Contract:
    idx: int
    customer: Customer
    model: str  # time_and_materials | fixed_fee | retainer
    currency: Currency
    start: dt.date
    end: dt.date
    signed_at: dt.datetime
    ironclad_id: str
    uuid: str
    opp_sf_id: str
    rates: dict[str, int] = field(default_factory=dict)  # version 0
    milestones: dict[str, Milestone] = field(default_factory=dict)  # version 0
    fee: int | None = None
    cap: int | None = None
    cos: list[ChangeOrder] = field(default_factory=list)
    scenarios: set[str] = field(default_factory=set)
    has_project: bool = True
    crm_account_dangling: bool = False  # its salesforceAccountId points to no Account
    ns_job_id: int = 0
    ns_schedule_id: int = 0
    signed_start: dt.date | None = (
        None  # the signed dates when a change order moved them (start/end are current)
    )
    signed_end: dt.date | None = None
    short_entry: tuple[str, dt.date] | None = (
        None  # (role, day): that day's time of the role lasts a few minutes
    )

    # ---- versions ---------------------------------------------------------------------------------------
    def effective_of(self, co: ChangeOrder) -> dt.date:
        """A change order effective before the SOW starts takes effect on the start date (ruling 12)."""
        return max(co.effective, self.start)

    def approved(self) -> list[ChangeOrder]:
        """Approved change orders in version order: effective date, approval time, number."""
        return sorted(
            (c for c in self.cos if c.status == "approved"),
            key=lambda c: (self.effective_of(c), c.approved_at, c.number),
        )

    def rate_schedule(self, role: str) -> list[tuple[dt.date, int]]:
        """(effective_from, rate) for one role, in version order; a later version on the same day wins."""
        out: list[tuple[dt.date, int]] = []
        if role in self.rates:
            out.append((self.start, self.rates[role]))
        for co in self.approved():
            if role in co.rates:
                eff = self.effective_of(co)
                if out and out[-1][0] == eff:
                    out[-1] = (eff, co.rates[role])
                else:
                    out.append((eff, co.rates[role]))
        return out

    def roles(self) -> set[str]:
        roles = set(self.rates)
        for co in self.approved():
            roles |= set(co.rates)
        return roles

    def rate_on(self, role: str, day: dt.date) -> int | None:
        rate = None
        for start, value in self.rate_schedule(role):
            if start <= day:
                rate = value
        return rate

    def _terms_on(self, attr: str, day: dt.date) -> int | None:
        value = getattr(self, attr)
        for co in self.approved():
            if self.effective_of(co) <= day and getattr(co, attr) is not None:
                value = getattr(co, attr)
        return value

    def cap_on(self, day: dt.date) -> int | None:
        return self._terms_on("cap", day)

    def fee_on(self, day: dt.date) -> int | None:
        return self._terms_on("fee", day)

    def current_milestones(self) -> dict[str, tuple[Milestone, ChangeOrder | None]]:
        """Milestones of the current version (all approved change orders), with the last one changing each."""
        current: dict[str, tuple[Milestone, ChangeOrder | None]] = {
            m: (ms, None) for m, ms in self.milestones.items()
        }
        for co in self.approved():
            for mid, ms in co.milestones.items():
                current[mid] = (ms, co)
            for mid in co.removed:
                current.pop(mid, None)
        return current

    def milestone_key(self, mid: str) -> str:
        return f"{self.ironclad_id}-{mid}"

    # ---- retainer months (ruling 4) ----------------------------------------------------------------------
    def dates_known(self, on: dt.date, erp_only: bool = False) -> tuple[dt.date, dt.date]:
        """(start, end) as known on a day: the signed dates, moved by the change orders approved by then."""
        start, end = self.signed_start or self.start, self.signed_end or self.end
        for co in self.approved():
            if co.approved_at.date() > on or (erp_only and not co.erp_propagated):
                continue
            start, end = co.start or start, co.end or end
        return start, end

    def retainer_lines(self) -> dict[str, tuple[int, dt.date]]:
        """The expected retainer lines of the current version: key -> (amount, date)."""
        out = {}
        for m in months_between(self.start, self.end):
            day = max(self.start, m)
            out[m.strftime("%Y-%m")] = (prorate(self.fee_on(day) or 0, m, self.start, self.end), day)
        return out


def prorate(fee: int, month: dt.date, start: dt.date, end: dt.date) -> int:
    """A retainer month's fee for the calendar days of `month` that [start, end] covers (ruling 4): fee × days
    covered ÷ days in the month, rounded half away from zero at the minor unit."""
    last = add_months(month, 1) - dt.timedelta(days=1)
    covered = (min(end, last) - max(start, month)).days + 1
    return round_half_up_div(fee * covered, last.day)
