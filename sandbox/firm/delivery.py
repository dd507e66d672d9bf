"""Delivery in the PSA: consultants, projects, staffing, daily time entries (vectorised), expenses and
milestone completions. Amounts stay in integer minor units; time in whole minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .basics import COUNTRIES, CURRENCIES, PRICED_ROLES, ROLES, Currency, add_business_days, local_minor
from .cases import SHORT_ENTRY_MINUTES
from .contracts import Contract
from .plan import AS_OF, Firm

EPOCH = np.datetime64("1970-01-01", "D")
MINUTES = np.array([60, 90, 120, 150, 180, 240, 300, 360, 420, 480, 50, 55, 70, 100, 125])
MINUTE_P = np.array([8, 8, 10, 8, 10, 12, 8, 10, 8, 10, 2, 2, 2, 1, 1], dtype=float)
MINUTE_P /= MINUTE_P.sum()


@dataclass
class Consultant:
    idx: int
    name: str
    role: str
    cost_usd: int
    country: str


@dataclass
class Project:
    idx: int
    contract: Contract | None
    title: str
    currency: Currency
    start: dt.date
    end: dt.date
    staff: list[Consultant]
    kind: str = "contract"  # contract | internal (no contract) | dangling (points to a missing SOW)
    default_rate: int = 0  # minor units/h, the rate card's default (applied to roles not on the card)
    psa_rates: dict[str, int] = field(default_factory=dict)  # the PSA rate card on the as-of date
    must_days: dict[str, list[dt.date]] = field(default_factory=dict)  # role -> days someone must log time
    role_from: dict[str, dt.date] = field(
        default_factory=dict
    )  # a role a change order added works from its date


@dataclass
class MilestoneDelivery:
    contract: Contract
    mid: str
    completed: dt.date | None
    accepted: dt.date | None
    invoiced_on: dt.date | None
    story_id: str = ""  # the PSA story (Kantata) of this milestone


@dataclass
class Delivery:
    consultants: list[Consultant]
    projects: list[Project]
    time: pl.DataFrame  # one row per time entry (see build_time)
    expenses: pl.DataFrame
    milestones: list[MilestoneDelivery]


def psa_schedule(c: Contract, role: str) -> list[tuple[dt.date, int]]:
    """The rates the PSA applied for a role over time: the signed rate, then each approved change order's
    rate from the day the PSA admin entered it (never, for a stale rate card)."""
    out: list[tuple[dt.date, int]] = []
    if role in c.rates:
        out.append((c.start, c.rates[role]))
    for co in c.approved():
        if role in co.rates and co.psa_updated_on is not None:
            out.append((co.psa_updated_on, co.rates[role]))
    out.sort(key=lambda x: x[0])  # stable: version order kept among same-day updates, the last wins
    return out


def build_delivery(firm: Firm, rng: np.random.Generator) -> Delivery:
    size = firm.size
    n_consultants = max(14, int(size.customers * 1.6))
    consultants = []
    for i in range(n_consultants):
        role = PRICED_ROLES[i % len(PRICED_ROLES)] if i % 17 else "data_scientist"
        consultants.append(
            Consultant(i, f"Consultant {i:05d}", role, ROLES[role][2], COUNTRIES[i % len(COUNTRIES)].code)
        )
    by_role: dict[str, list[Consultant]] = {}
    for c in consultants:
        by_role.setdefault(c.role, []).append(c)
    projects: list[Project] = []
    for c in firm.contracts:
        if not c.has_project:
            continue
        roles = sorted(c.roles()) if c.model == "time_and_materials" else list(PRICED_ROLES)
        # every role a change order re-prices is staffed, and works on the day the change takes effect
        must: dict[str, list[dt.date]] = {}
        for co in c.cos:
            for role in co.rates:
                must.setdefault(role, []).append(co.effective)
        k = int(rng.integers(2, 5))
        others = [r for r in rng.choice(roles, size=len(roles), replace=False) if r not in must]
        chosen = sorted(must) + others[: max(0, k - len(must))]
        staff = [by_role[r][int(rng.integers(0, len(by_role[r])))] for r in chosen]
        if "tm_unpriced_role" in c.scenarios:
            staff.append(by_role["data_scientist"][0])
        p = Project(
            len(projects) + 1,
            c,
            f"{c.customer.name} – {c.ironclad_id}",
            c.currency,
            c.start,
            min(c.end, AS_OF),
            staff,
            default_rate=local_minor(200, c.currency),
            must_days=must,
        )
        if c.model == "time_and_materials":
            added = [
                (c.effective_of(co), role) for co in c.approved() for role in co.rates if role not in c.rates
            ]
            p.role_from = {role: day for day, role in sorted(added, reverse=True)}
        if c.model == "time_and_materials":
            rates = {r: rate_at(psa_schedule(c, r), AS_OF) for r in sorted(c.roles())}
            p.psa_rates = {r: v for r, v in rates.items() if v is not None}
        projects.append(p)
    for kind in ("internal", "dangling"):
        for i in range(size.plant):
            cur = CURRENCIES["USD"]
            start = AS_OF - dt.timedelta(days=int(rng.integers(60, 200)))
            staff = [consultants[int(j)] for j in rng.choice(n_consultants, size=2, replace=False)]
            title = (
                "Internal – practice development" if kind == "internal" else "Migration wave (unsigned SOW)"
            )
            projects.append(
                Project(len(projects) + 1, None, f"{title} {i + 1}", cur, start, AS_OF, staff, kind=kind)
            )
    time = build_time(firm, projects, rng)
    expenses = build_expenses(projects, rng)
    milestones = build_milestones(firm, rng)
    return Delivery(consultants, projects, time, expenses, milestones)


def rate_at(schedule: list[tuple[dt.date, int]], day: dt.date) -> int | None:
    rate = None
    for start, value in schedule:
        if start <= day:
            rate = value
    return rate


def build_time(firm: Firm, projects: list[Project], rng: np.random.Generator) -> pl.DataFrame:
    # scenario projects log three times as densely (so that short windows, e.g. between a change order's
    # effective date and its approval, hold time at every size); the total stays near the size's target
    weights = {p.idx: 3.0 if p.contract and p.contract.scenarios else 1.0 for p in projects}
    per_weight = firm.size.time_entries / max(1.0, sum(weights.values()))
    cols: dict[str, list[np.ndarray]] = {"project": [], "consultant": [], "day": []}
    for p in projects:
        days = np.arange(np.datetime64(p.start), np.datetime64(p.end) + 1)
        days = days[np.is_busday(days)]
        if not len(days):
            continue
        target = per_weight * weights[p.idx] * rng.uniform(0.6, 1.4)
        # entries per person per working day; above 1 some days carry a second entry (another task)
        f = min(2.0, target / (len(p.staff) * len(days)))
        for person in p.staff:
            mine = days
            if person.role in p.role_from:
                mine = days[days >= np.datetime64(p.role_from[person.role])]
            mask = rng.random(len(mine)) < f
            must = [np.datetime64(day) for day in p.must_days.get(person.role, []) if p.start <= day <= p.end]
            if must:
                mask |= np.isin(mine, np.array(must, dtype="datetime64[D]"))
            picked = mine[mask]
            if f > 1.0:
                picked = np.sort(np.concatenate([picked, mine[rng.random(len(mine)) < f - 1.0]]))
            cols["project"].append(np.full(len(picked), p.idx))
            cols["consultant"].append(np.full(len(picked), person.idx))
            cols["day"].append(picked)
    project = np.concatenate(cols["project"])
    n = len(project)
    frame = pl.DataFrame(
        {
            "project": project,
            "consultant": np.concatenate(cols["consultant"]),
            "date": np.concatenate(cols["day"]).astype("datetime64[D]"),
            "minutes": rng.choice(MINUTES, size=n, p=MINUTE_P),
            "u_billable": rng.random(n),
            "u_created": rng.integers(0, 4, size=n),
            "u_hour": rng.integers(16, 20, size=n),
            "u_note": rng.integers(0, 6, size=n),
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    frame = _short_entries(frame, projects)
    pinfo = pl.DataFrame(
        {
            "project": [p.idx for p in projects],
            "contract": [p.contract.idx if p.contract else 0 for p in projects],
            "model": [p.contract.model if p.contract else "internal" for p in projects],
            "currency": [p.currency.code for p in projects],
            "default_rate": [p.default_rate for p in projects],
        }
    )
    role_of = {c.idx: c.role for p in projects for c in p.staff}
    cost_of = {c.idx: c.cost_usd for p in projects for c in p.staff}
    frame = frame.join(pinfo, on="project", how="left").with_columns(
        pl.col("consultant").replace_strict(role_of, return_dtype=pl.String).alias("role"),
        pl.col("consultant").replace_strict(cost_of, return_dtype=pl.Int64).alias("cost_usd"),
    )
    contract_by_idx = {p.contract.idx: p.contract for p in projects if p.contract}
    psa_rows, contract_rows = [], []
    for c in contract_by_idx.values():
        if c.model != "time_and_materials":
            continue
        for role in sorted(c.roles()):
            psa_rows += [(c.idx, role, d, r) for d, r in psa_schedule(c, role)]
            contract_rows += [(c.idx, role, d, r) for d, r in c.rate_schedule(role)]
    sched_schema = {"contract": pl.Int64, "role": pl.String, "date": pl.Date, "rate": pl.Int64}
    psa = pl.DataFrame(psa_rows, schema=sched_schema, orient="row").sort("date")
    contract_rates = pl.DataFrame(contract_rows, schema=sched_schema, orient="row").sort("date")
    frame = frame.sort("date")
    # both sides are sorted on date; join_asof cannot verify that within `by` groups, hence check_sortedness=False
    frame = frame.join_asof(
        psa.rename({"rate": "psa_rate"}),
        on="date",
        by=["contract", "role"],
        strategy="backward",
        check_sortedness=False,
    )
    frame = frame.join_asof(
        contract_rates.rename({"rate": "contract_rate"}),
        on="date",
        by=["contract", "role"],
        strategy="backward",
        check_sortedness=False,
    )
    cost_minor = pl.DataFrame(
        [
            (code, usd, local_minor(usd, cur, step=1 if cur.minor == 0 else cur.base_unit))
            for code, cur in CURRENCIES.items()
            for usd in sorted(set(cost_of.values()))
        ],
        schema={"currency": pl.String, "cost_usd": pl.Int64, "cost_rate": pl.Int64},
        orient="row",
    )
    month0 = AS_OF.replace(day=1)
    frame = (
        frame.join(cost_minor, on=["currency", "cost_usd"], how="left")
        .with_columns(
            billable=(pl.col("model") == "time_and_materials") & (pl.col("u_billable") < 0.92),
            applied_rate=pl.when(pl.col("model") == "time_and_materials")
            .then(pl.coalesce("psa_rate", "default_rate"))
            .otherwise(0),
        )
        .with_columns(
            is_invoiced=pl.col("billable") & (pl.col("date") < month0),
        )
        .sort(["project", "consultant", "date"])
        .with_row_index("entry", offset=1)
    )
    return frame.drop("u_billable")


def _short_entries(frame: pl.DataFrame, projects: list[Project]) -> pl.DataFrame:
    """The planted short entries (cases.py, ruling 9): a few billable minutes of a role on one day."""
    rows = [
        (p.idx, person.idx, p.contract.short_entry[1])
        for p in projects
        if p.contract and p.contract.short_entry
        for person in p.staff
        if person.role == p.contract.short_entry[0]
    ]
    if not rows:
        return frame
    hit = pl.struct("project", "consultant", "date").is_in(
        pl.DataFrame(
            rows, schema={"project": pl.Int64, "consultant": pl.Int64, "date": pl.Date}, orient="row"
        )
        .to_struct()
        .implode()
    )
    return frame.with_columns(
        minutes=pl.when(hit).then(SHORT_ENTRY_MINUTES).otherwise("minutes"),
        u_billable=pl.when(hit).then(0.0).otherwise("u_billable"),
    )


def build_expenses(projects: list[Project], rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    month0 = AS_OF.replace(day=1)
    for p in projects:
        months = max(1, (p.end - p.start).days // 30)
        for _ in range(months):
            person = p.staff[int(rng.integers(0, len(p.staff)))]
            day = p.start + dt.timedelta(days=int(rng.integers(0, max(1, (p.end - p.start).days + 1))))
            billable = bool(p.contract and p.contract.model == "time_and_materials" and rng.random() < 0.7)
            amount = local_minor(
                int(rng.integers(40, 900)),
                p.currency,
                step=1 if p.currency.minor == 0 else p.currency.base_unit // 100 or 1,
            )
            category = ["Travel", "Lodging", "Meals", "Software", "Mileage"][int(rng.integers(0, 5))]
            rows.append(
                (
                    p.idx,
                    person.idx,
                    day,
                    category,
                    amount,
                    p.currency.code,
                    billable,
                    billable and day < month0,
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "project": pl.Int64,
            "consultant": pl.Int64,
            "date": pl.Date,
            "category": pl.String,
            "amount": pl.Int64,
            "currency": pl.String,
            "billable": pl.Boolean,
            "is_invoiced": pl.Boolean,
        },
        orient="row",
    ).with_row_index("expense", offset=1)


def build_milestones(firm: Firm, rng: np.random.Generator) -> list[MilestoneDelivery]:
    out = []
    for c in firm.contracts:
        if c.model != "fixed_fee" or not c.has_project:
            continue
        every = dict(c.milestones)
        for co in c.approved():
            every.update(co.milestones)
        current = c.current_milestones()
        for mid in sorted(every):
            ms = current[mid][0] if mid in current else every[mid]
            planned = c.milestones[mid].planned if mid in c.milestones else ms.planned
            completed = accepted = invoiced = None
            if (
                planned <= AS_OF - dt.timedelta(days=2)
                or "ff_not_invoiced" in c.scenarios
                and planned <= AS_OF
            ):
                jitter = 0 if "ff_not_invoiced" in c.scenarios else int(rng.integers(-3, 3))
                completed = min(planned + dt.timedelta(days=jitter), AS_OF)
                acc = completed + dt.timedelta(days=int(rng.integers(0, 8)))
                accepted = acc if acc <= AS_OF else None
                inv = add_business_days(completed, int(rng.integers(1, 5)))
                invoiced = inv if inv <= AS_OF else None
                if "ff_not_invoiced" in c.scenarios:
                    invoiced = None
                if "ff_removed_completed" in c.scenarios and mid not in current:
                    invoiced = accepted = None
            out.append(MilestoneDelivery(c, mid, completed, accepted, invoiced, str(700000 + len(out) + 1)))
    return out
