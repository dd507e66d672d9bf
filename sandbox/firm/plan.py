"""Plans the firm: customers, SOWs in three billing models, change orders, and which contracts carry
which planted cause (a "scenario"). Contracts without a scenario are clean: their change orders are
propagated correctly everywhere, so they must produce no break at all."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from .basics import (
    AS_OF,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    CURRENCIES,
    INDUSTRIES,
    NAME_A,
    NAME_B,
    PRICED_ROLES,
    ROLES,
    add_months,
    local_minor,
    salesforce_id,
    to_ts,
)
from .cases import CASE_COUNTRIES, CASE_SCENARIOS, shape_case
from .contracts import ChangeOrder, Contract, Customer, Milestone
from .sizes import Size

# cause -> billing model. Each is planted `size.plant` times (controls too: they prove no false positives).
SCENARIOS = {
    "tm_stale_rate_card": "time_and_materials",  # PSA rate card never took a change order's rate
    "tm_retro_rate": "time_and_materials",  # change order approved after its effective date
    "tm_unpriced_role": "time_and_materials",  # a role staffed that the contract has no rate for
    "tm_over_cap": "time_and_materials",  # delivered beyond the not-to-exceed cap (a draft raise does not help)
    "tm_cap_raised": "time_and_materials",  # control: over the original cap, but an approved raise covers it
    "tm_same_day": "time_and_materials",  # control: two rate changes effective the same day
    "tm_draft_co": "time_and_materials",  # control: draft / in-review change orders change nothing
    "tm_no_project": "time_and_materials",  # approved SOW with no PSA project
    "ff_amount_stale": "fixed_fee",  # ERP schedule keeps a milestone's old amount
    "ff_added_stale": "fixed_fee",  # ERP schedule lacks a milestone a change order added
    "ff_removed_stale": "fixed_fee",  # ERP schedule keeps a milestone a change order removed
    "ff_date_stale": "fixed_fee",  # ERP schedule keeps a milestone's old date (impact 0)
    "ff_invoiced_changed": "fixed_fee",  # an invoiced milestone's amount changed afterwards: adjustment due
    "ff_not_invoiced": "fixed_fee",  # completed milestone never invoiced (+ a 5-business-day boundary control)
    "ff_removed_completed": "fixed_fee",  # control: a removed milestone completed in the PSA
    "ret_fee_stale": "retainer",  # ERP schedule keeps the old retainer fee for future months
    "ret_midmonth": "retainer",  # control: fee change effective mid-month applies from the next month
    "ret_retro_fee": "retainer",  # fee change effective in the past: invoiced months need adjustments
    **CASE_SCENARIOS,  # the causes the rulings settle (cases.py)
}
REVENUE_SCENARIOS = ("rev_missing", "rev_wrong", "rev_extra")


@dataclass
class Firm:
    size: Size
    seed: int
    as_of: dt.date
    customers: list[Customer]
    contracts: list[Contract]
    orphan_ns_customers: list[Customer]  # ERP customers whose CRM account does not exist
    revenue_plants: dict[str, list[Contract]]
    planner: Planner


class Planner:
    def __init__(self, size: Size, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.ic_seq = 1000
        self.sf_seq = 1
        self.ns_customer_seq = 1000

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def next_ic(self) -> str:
        self.ic_seq += 1
        return f"IC-{self.ic_seq}"

    def next_sf(self, prefix: str) -> str:
        self.sf_seq += 1
        return salesforce_id(prefix, self.sf_seq * 7919 + self.seed)

    # ---- customers --------------------------------------------------------------------------------------
    def customer(self, idx: int) -> Customer:
        # the first customers cover every country (so every size has every currency), the rest are weighted
        country = (
            COUNTRIES[idx - 1] if idx <= len(COUNTRIES) else self.rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        )
        self.ns_customer_seq += 1
        name = f"{self.rng.choice(NAME_A)} {self.rng.choice(NAME_B)} {country.code}-{idx:05d}"
        created = AS_OF - dt.timedelta(days=self.rng.randint(900, 1400))
        return Customer(
            idx,
            name,
            country,
            CURRENCIES[country.currency],
            self.rng.choice(INDUSTRIES),
            self.next_sf("001"),
            self.ns_customer_seq,
            created,
        )

    # ---- contracts ---------------------------------------------------------------------------------------
    def contract(self, idx: int, customer: Customer, model: str, scenario: str | None) -> Contract:
        rng = self.rng
        if scenario:
            start = AS_OF - dt.timedelta(days=rng.randint(240, 420))
        else:
            start = AS_OF - dt.timedelta(days=rng.randint(30, 760))
        start = start.replace(day=1) if model == "retainer" else start
        months = rng.randint(12, 20) if scenario else rng.randint(6, 18)
        end = add_months(start, months) - dt.timedelta(days=1)
        if scenario == "tm_no_project":
            start = AS_OF - dt.timedelta(days=rng.randint(10, 25))
            end = add_months(start, 9)
        signed = start - dt.timedelta(days=rng.randint(5, 30))
        c = Contract(
            idx,
            customer,
            model,
            customer.currency,
            start,
            end,
            to_ts(signed, rng.randint(8, 17), rng.randint(0, 59)),
            self.next_ic(),
            self.uuid(),
            self.next_sf("006"),
        )
        if scenario:
            c.scenarios.add(scenario)
        cur = c.currency
        if model == "time_and_materials":
            for role in rng.sample(PRICED_ROLES, rng.randint(3, 4)):
                c.rates[role] = local_minor(ROLES[role][1] * rng.choice([0.9, 1.0, 1.05, 1.1]), cur)
        elif model == "fixed_fee":
            n = rng.randint(4, 6)
            span = (end - start).days
            for k in range(1, n + 1):
                planned = start + dt.timedelta(days=span * k // (n + 1))
                amount = local_minor(rng.randint(15, 90) * 1000, cur, step=cur.base_unit * 100)
                c.milestones[f"M{k}"] = Milestone(f"M{k}", f"Milestone {k}", amount, planned)
        else:
            c.fee = local_minor(rng.randint(8, 40) * 1000, cur, step=cur.base_unit * 50)
        return c

    def co(
        self,
        c: Contract,
        effective: dt.date,
        approved: dt.date | None,
        status: str = "approved",
        **terms: object,
    ) -> ChangeOrder:
        number = len(c.cos) + 1
        approved_at = to_ts(approved, self.rng.randint(8, 18), self.rng.randint(0, 59)) if approved else None
        co = ChangeOrder(number, effective, status, approved_at, self.next_ic(), self.uuid(), **terms)  # type: ignore[arg-type]
        if co.rates and status == "approved" and co.psa_updated_on is None:
            co.psa_updated_on = max(effective, approved) if approved else None
        c.cos.append(co)
        return co

    def raise_rate(self, c: Contract, role: str, pct: float) -> int:
        base = c.rate_on(role, AS_OF) or c.rates[role]
        step = {0: 100, 2: 500, 3: 125}[c.currency.minor]
        return int(base * (1 + pct) / step) * step + step

    # ---- scenario shaping ----------------------------------------------------------------------------------
    def shape(self, c: Contract) -> None:
        rng = self.rng
        s = next(iter(c.scenarios), None)
        if s in CASE_SCENARIOS:
            shape_case(self, c, s)
            return
        roles = sorted(c.rates)
        mid_term = c.start + (min(c.end, AS_OF) - c.start) / 2
        if c.model == "time_and_materials":
            if s == "tm_stale_rate_card":
                role = roles[0]
                eff = mid_term
                co = self.co(c, eff, eff - dt.timedelta(days=7), rates={role: self.raise_rate(c, role, 0.08)})
                co.psa_updated_on = None
            elif s == "tm_retro_rate":
                role = roles[-1]
                eff = mid_term
                self.co(
                    c,
                    eff,
                    eff + dt.timedelta(days=rng.randint(12, 25)),
                    rates={role: self.raise_rate(c, role, 0.06)},
                )
            elif s == "tm_same_day":
                role = roles[0]
                eff = mid_term
                # CO 1 (number 1) approved LATER than CO 2: version order puts CO 1 last, so its rate wins.
                self.co(c, eff, eff - dt.timedelta(days=3), rates={role: self.raise_rate(c, role, 0.10)})
                self.co(c, eff, eff - dt.timedelta(days=9), rates={role: self.raise_rate(c, role, 0.04)})
                c.cos[0].psa_updated_on = c.cos[1].psa_updated_on = eff
            elif s == "tm_draft_co":
                role = roles[0]
                self.co(c, mid_term, None, status="draft", rates={role: self.raise_rate(c, role, 0.2)})
                self.co(
                    c, mid_term, None, status="in_review", rates={roles[1]: self.raise_rate(c, roles[1], 0.2)}
                )
            elif rng.random() < 0.5 and s not in ("tm_no_project",):
                role = rng.choice(roles)  # an ordinary rate change, propagated on time
                eff = c.start + (min(c.end, AS_OF) - c.start) * rng.uniform(0.3, 0.8)
                self.co(
                    c,
                    eff,
                    eff - dt.timedelta(days=rng.randint(0, 10)),
                    rates={role: self.raise_rate(c, role, 0.05)},
                )
            if s == "tm_unpriced_role":
                pass  # staffing adds a data scientist (see delivery)
        elif c.model == "fixed_fee":
            self.shape_fixed_fee(c, s)
        else:
            self.shape_retainer(c, s)

    def shape_fixed_fee(self, c: Contract, s: str | None) -> None:
        rng = self.rng
        future = [m for m in c.milestones.values() if m.planned > AS_OF + dt.timedelta(days=10)]
        past = [m for m in c.milestones.values() if m.planned < AS_OF - dt.timedelta(days=60)]
        approve = AS_OF - dt.timedelta(days=rng.randint(10, 40))
        cur = c.currency
        if s in ("ff_amount_stale", "ff_date_stale", "ff_removed_stale", "ff_added_stale") and not future:
            last = max(c.milestones.values(), key=lambda m: m.planned)
            last.planned = AS_OF + dt.timedelta(days=rng.randint(30, 90))
            future = [last]
        if s == "ff_amount_stale":
            m = future[0]
            self.co(
                c,
                approve,
                approve,
                erp_propagated=False,
                milestones={m.mid: Milestone(m.mid, m.name, m.amount + cur.base_unit * 2500, m.planned)},
            )
        elif s == "ff_date_stale":
            m = future[0]
            self.co(
                c,
                approve,
                approve,
                erp_propagated=False,
                milestones={m.mid: Milestone(m.mid, m.name, m.amount, m.planned + dt.timedelta(days=21))},
            )
        elif s == "ff_removed_stale":
            self.co(c, approve, approve, erp_propagated=False, removed=[future[0].mid])
        elif s == "ff_added_stale":
            mid = f"M{len(c.milestones) + 1}"
            amount = local_minor(rng.randint(10, 40) * 1000, cur, step=cur.base_unit * 100)
            self.co(
                c,
                approve,
                approve,
                erp_propagated=False,
                milestones={mid: Milestone(mid, "Additional scope", amount, AS_OF + dt.timedelta(days=45))},
            )
        elif s == "ff_invoiced_changed":
            m = past[0] if past else min(c.milestones.values(), key=lambda m: m.planned)
            if not past:
                m.planned = AS_OF - dt.timedelta(days=90)
            self.co(
                c,
                approve,
                approve,
                milestones={m.mid: Milestone(m.mid, m.name, m.amount + cur.base_unit * 1500, m.planned)},
            )
        elif s == "ff_not_invoiced":
            ordered = sorted(c.milestones.values(), key=lambda m: m.planned)
            ordered[0].planned = AS_OF - dt.timedelta(days=40)
            ordered[1].planned = _business_days_before(AS_OF, 5)  # boundary: exactly 5 business days ago
            for m in ordered[2:]:
                if m.planned <= AS_OF:
                    m.planned = AS_OF + dt.timedelta(days=rng.randint(20, 80))
        elif s == "ff_removed_completed":
            m = past[0] if past else min(c.milestones.values(), key=lambda m: m.planned)
            m.planned = min(m.planned, AS_OF - dt.timedelta(days=70))
            self.co(c, AS_OF - dt.timedelta(days=20), AS_OF - dt.timedelta(days=20), removed=[m.mid])
        elif s is None and rng.random() < 0.4 and future:
            m = future[-1]  # an ordinary amount change, propagated to the ERP
            self.co(
                c,
                approve,
                approve,
                milestones={m.mid: Milestone(m.mid, m.name, m.amount + cur.base_unit * 1000, m.planned)},
            )

    def shape_retainer(self, c: Contract, s: str | None) -> None:
        rng = self.rng
        cur = c.currency
        delta = cur.base_unit * 500 * rng.randint(1, 6)
        if c.end < add_months(AS_OF, 3):
            c.end = add_months(AS_OF, rng.randint(4, 8)) - dt.timedelta(days=1)
        if s == "ret_fee_stale":
            eff = add_months(AS_OF, 1)
            self.co(c, eff, AS_OF - dt.timedelta(days=12), fee=c.fee + delta, erp_propagated=False)
        elif s == "ret_midmonth":
            eff = add_months(AS_OF, 1) + dt.timedelta(days=14)
            self.co(c, eff, AS_OF - dt.timedelta(days=5), fee=c.fee + delta)
        elif s == "ret_retro_fee":
            eff = add_months(AS_OF, -2)
            self.co(c, eff, AS_OF - dt.timedelta(days=6), fee=c.fee + delta)
        elif s is None and rng.random() < 0.3:
            eff = add_months(AS_OF, 2)
            self.co(c, eff, AS_OF - dt.timedelta(days=20), fee=c.fee + delta)


def _business_days_before(day: dt.date, n: int) -> dt.date:
    out = day
    while n > 0:
        out -= dt.timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


def plan_firm(size: Size, seed: int) -> Firm:
    p = Planner(size, seed)
    customers = [p.customer(i) for i in range(1, size.customers + 1)]
    rng = p.rng
    wanted: list[tuple[str, str | None]] = [
        (model, s) for s, model in SCENARIOS.items() for _ in range(size.plant)
    ]
    n_total = max(int(size.customers * size.sows_per_customer), len(wanted) + 5 * size.plant + 6)
    models = ["time_and_materials"] * 5 + ["fixed_fee"] * 3 + ["retainer"] * 2
    while len(wanted) < n_total:
        wanted.append((rng.choice(models), None))
    rng.shuffle(wanted)
    contracts: list[Contract] = []
    planted: dict[str, int] = {}
    for idx, (model, scenario) in enumerate(wanted, start=1):
        customer = customers[(idx - 1) % len(customers)] if idx <= len(customers) else rng.choice(customers)
        if scenario in CASE_COUNTRIES:
            k = planted[scenario] = planted.get(scenario, -1) + 1
            want = CASE_COUNTRIES[scenario][k % len(CASE_COUNTRIES[scenario])]
            customer = next(cu for cu in customers if cu.country.code == want)
        c = p.contract(idx, customer, model, scenario)
        p.shape(c)
        if scenario == "tm_no_project":
            c.has_project = False
        contracts.append(c)
    # unmatched cross-system links, planted on clean contracts / extra records
    clean = [c for c in contracts if not c.scenarios]
    dangling = rng.sample(clean, size.plant)
    for c in dangling:
        c.crm_account_dangling = True
        c.scenarios.add("u_sow_account_dangling")
    for c in contracts:
        if "tm_over_cap" in c.scenarios or "tm_cap_raised" in c.scenarios:
            c.cap = 1  # set from delivered value once delivery exists (see delivery.set_caps)
    orphans = []
    for i in range(size.plant):
        o = p.customer(size.customers + 1 + i)
        o.in_crm = False
        orphans.append(o)
    # some deleted CRM accounts without contracts
    for i in range(max(1, size.plant)):
        d = p.customer(size.customers + size.plant + 1 + i)
        d.sf_deleted = True
        customers.append(d)
    revenue: dict[str, list[Contract]] = {}
    pool = [
        c
        for c in contracts
        if not c.scenarios
        and c.model in ("time_and_materials", "retainer")
        and c.start < AS_OF - dt.timedelta(days=95)
    ]
    rng.shuffle(pool)
    for k, name in enumerate(REVENUE_SCENARIOS):
        chosen = pool[k * size.plant : (k + 1) * size.plant]
        for c in chosen:
            c.scenarios.add(name)
        revenue[name] = chosen
    return Firm(size, seed, AS_OF, customers, contracts, orphans, revenue, p)
