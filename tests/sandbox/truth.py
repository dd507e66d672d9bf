"""An independent recomputation of every planted break from the generated vendor records.

It reads only what the four systems would serve (the parquet tables under firm/), never the generator's
own objects, and applies CONTRACT_TO_CASH.md's rules in plain Python, so a test can hold the manifest to
the data it describes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

MINOR = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3}
INVOICED_NOTHING = ("Voided", "Rejected")  # ruling 8; every other status counts as invoiced (ruling 11)


def exact_round(value: Fraction, currency: str) -> Decimal:
    """Half-up (away from zero) at the minor unit, exactly (no intermediate decimal context)."""
    scale = 10 ** MINOR[currency]
    scaled = value * scale
    q, r = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * r >= scaled.denominator:
        q += 1
    q = q if scaled >= 0 else -q
    return Decimal(q).scaleb(-MINOR[currency]).quantize(Decimal(1).scaleb(-MINOR[currency]))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def load(firm: Path) -> dict[str, dict[str, pl.DataFrame]]:
    return {
        v.name: {p.stem: pl.read_parquet(p) for p in v.glob("*.parquet")}
        for v in firm.iterdir()
        if v.is_dir()
    }


class Contract:
    def __init__(self, sow: dict[str, Any], amendments: list[dict[str, Any]]) -> None:
        props = sow["properties"]
        self.ic = sow["ironcladId"]
        self.model = props["billingModel"]["value"]
        self.currency = props["contractCurrency"]["value"]
        self.start = day(props["startDate"]["value"])
        self.end = day(props["endDate"]["value"])
        self.account = props["salesforceAccountId"]["value"]
        approved = [a for a in amendments if a["properties"]["approvalStatus"]["value"] == "approved"]
        # a change order effective before the SOW starts takes effect on the start date, after version 0 (ruling 12)
        approved.sort(
            key=lambda a: (
                max(day(a["properties"]["effectiveDate"]["value"]), self.start),
                a["properties"]["approvedAt"]["value"],
                a["properties"]["changeOrderNumber"]["value"],
            )
        )
        amended = {name for a in approved for name in a["properties"]}
        signed = {
            n: (p["originalValue"] if "originalValue" in p else p["value"])
            for n, p in props.items()
            if "originalValue" in p or n not in amended
        }
        self.versions = [(self.start, signed)] + [
            (
                max(day(a["properties"]["effectiveDate"]["value"]), self.start),
                {n: p["value"] for n, p in a["properties"].items()},
            )
            for a in approved
        ]

    @staticmethod
    def _money(value: Any) -> Fraction:
        return Fraction(Decimal(str(value["amount"])))

    def rate_schedule(self, role: str) -> list[tuple[dt.date, Fraction]]:
        out: list[tuple[dt.date, Fraction]] = []
        for eff, terms in self.versions:
            if f"rate_{role}" in terms:
                out.append((eff, self._money(terms[f"rate_{role}"])))
        return out

    def rate_on(self, role: str, on: dt.date) -> Fraction | None:
        rate = None
        for eff, value in self.rate_schedule(role):
            if eff <= on:
                rate = value
        return rate

    def roles(self) -> set[str]:
        return {
            name.removeprefix("rate_")
            for _, terms in self.versions
            for name in terms
            if name.startswith("rate_")
        }

    def retainer_lines(self) -> dict[str, tuple[Fraction, dt.date]]:
        """Ruling 4: one line per month; a partial month is fee × days covered ÷ days in the month, rounded once
        at the line, dated on the start date (first month) or the month's first day, at the fee in force then."""
        out = {}
        for m in months(self.start, self.end):
            last = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            covered = (min(self.end, last) - max(self.start, m)).days + 1
            when = max(self.start, m)
            fee = self.term_on("retainerFee", when) or Fraction(0)
            out[m.strftime("%Y-%m")] = (Fraction(exact_round(fee * covered / last.day, self.currency)), when)
        return out

    def term_on(self, name: str, on: dt.date) -> Fraction | None:
        value = None
        for eff, terms in self.versions:
            if eff <= on and name in terms:
                value = self._money(terms[name])
        return value

    def milestones(self) -> dict[str, tuple[Fraction, dt.date]]:
        out: dict[str, dict[str, Any]] = {}
        for _, terms in self.versions:
            for name, value in terms.items():
                m = re.fullmatch(r"milestone_(\w+?)_(amount|date|removed)", name)
                if not m:
                    continue
                mid, what = m.groups()
                if what == "removed":
                    out.pop(mid, None)
                else:
                    out.setdefault(mid, {})[what] = value
        return {f"{self.ic}-{mid}": (self._money(v["amount"]), day(v["date"])) for mid, v in out.items()}


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, cur = [], start.replace(day=1)
    while cur <= end:
        out.append(cur)
        cur = (cur.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def recompute(firm: Path, as_of: dt.date) -> list[dict[str, Any]]:
    t = load(firm)
    sf, ic, ka, ns = t["salesforce"], t["ironclad"], t["kantata"], t["netsuite"]
    docs = [json.loads(d) for d in ic["records"]["doc"]]
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in docs:
        if d.get("parentLinkType") == "amendment":
            children[d["parentId"]].append(d)
    contracts = {d["ironcladId"]: Contract(d, children[d["id"]]) for d in docs if d["type"] == "sow"}
    out: list[dict[str, Any]] = []

    def brk(
        kind: str, ids: dict[str, str], c: Contract | None, impact: Fraction | int, key: str | None = None
    ) -> None:
        cur = c.currency if c else None
        out.append(
            {
                "kind": kind,
                "ids": ids,
                "key": key,
                "contract_currency": cur,
                "impact": str(exact_round(Fraction(impact), cur)) if cur else "0",
            }
        )

    refs = ka["external_references"]
    ws_ref = dict(
        refs.filter((pl.col("subject_type") == "Workspace") & (pl.col("service_model") == "sow"))
        .select(pl.col("subject_id").cast(pl.String), "service_model_ref")
        .iter_rows()
    )
    ws_contract = {w: contracts[r] for w, r in ws_ref.items() if r in contracts}
    role_slug = {rid: slug(name) for rid, name in ka["roles"].select("id", "name").iter_rows()}
    # time entries of T&M contracts: superseded rates and unpriced time
    te = ka["time_entries"].filter(pl.col("billable"))
    value60: dict[str, Fraction] = defaultdict(Fraction)  # delivered at contract rates, × 60
    earned: dict[tuple[str, dt.date], Fraction] = defaultdict(Fraction)
    for entry, ws, role_id, performed, minutes, cents, base in te.select(
        "id",
        "workspace_id",
        "role_id",
        "date_performed",
        "time_in_minutes",
        "rate_in_cents",
        "currency_base_unit",
    ).iter_rows():
        c = ws_contract.get(ws)
        if c is None or c.model != "time_and_materials":
            continue
        applied = Fraction(cents, base)
        earned[(c.ic, performed.replace(day=1))] += applied * minutes / 60
        rate = c.rate_on(role_slug[role_id], performed)
        if rate is None:
            brk("unmatched_entity", {"ironclad": c.ic, "kantata": entry}, c, 0, "time_entry")
            continue
        value60[c.ic] += rate * minutes
        if abs(rate - applied) >= Fraction(
            1, 10 ** MINOR[c.currency]
        ):  # even when the money rounds to 0 (ruling 9)
            brk(
                "time_at_superseded_rate",
                {"ironclad": c.ic, "kantata": entry},
                c,
                (rate - applied) * minutes / 60,
            )
    # milestones
    inv_ids = set(
        ns["transaction"].filter((pl.col("type") == "CustInvc") & ~pl.col("status").is_in(INVOICED_NOTHING))[
            "id"
        ]
    )
    invoiced_keys = set(
        ns["transactionline"]
        .filter(pl.col("transaction").is_in(inv_ids))["custcol_c2c_line_key"]
        .drop_nulls()
    )
    story_key = dict(
        refs.filter(pl.col("service_model") == "milestone")
        .select(pl.col("subject_id").cast(pl.String), "service_model_ref")
        .iter_rows()
    )
    state_on: dict[tuple[str, str], dt.date] = {
        (s, st): ts.date()
        for s, st, ts in ka["story_state_changes"].select("story_id", "state", "created_at").iter_rows()
    }
    completed_value: dict[str, Fraction] = defaultdict(Fraction)
    for story, key in story_key.items():
        c = contracts.get(key.rsplit("-M", 1)[0])
        current = c.milestones() if c else {}
        if key not in current:
            continue
        done = state_on.get((story, "completed"))
        accepted = state_on.get((story, "accepted"))
        if accepted:
            earned[(c.ic, accepted.replace(day=1))] += current[key][0]
        if done:
            completed_value[c.ic] += current[key][0]
            late = int(np.busday_count(done + dt.timedelta(days=1), as_of + dt.timedelta(days=1))) > 5
            if late and key not in invoiced_keys:
                brk("milestone_not_invoiced", {"ironclad": c.ic, "kantata": story}, c, current[key][0], key)
    # billing-schedule drift
    job_ic = dict(ns["job"].select("id", "externalid").iter_rows())
    lines = ns["billingschedulerecurrence"]
    for sid, job in ns["billingschedule"].select("id", "job").iter_rows():
        c = contracts[job_ic[job]]
        mine = lines.filter(pl.col("billingschedule") == sid)
        if c.model == "fixed_fee":
            expected = c.milestones()
        else:
            expected = c.retainer_lines()
        invoiced = {
            k: Fraction(a)
            for k, a, inv in mine.select("custcol_c2c_line_key", "amount", "invoice").iter_rows()
            if inv in inv_ids
        }
        desired = set()
        for key, (amount, when) in expected.items():
            if key in invoiced:
                if invoiced[key] != amount:
                    desired.add((f"{key}-adj", amount - invoiced[key], as_of))
            else:
                desired.add((key, amount, when))
        desired |= {(f"{k}-adj", -a, as_of) for k, a in invoiced.items() if k not in expected}
        actual = {
            (k, Fraction(a), d)
            for k, a, d, inv in mine.select(
                "custcol_c2c_line_key", "amount", "recurrencedate", "invoice"
            ).iter_rows()
            if inv not in inv_ids
        }

        def compared(lines: set[tuple[str, Fraction, dt.date]]) -> set[tuple[str, Fraction, dt.date | None]]:
            return {(k, a, None if k.endswith("-adj") else d) for k, a, d in lines}  # ruling 2

        if compared(desired) != compared(actual):
            brk(
                "billing_schedule_drift",
                {"ironclad": c.ic, "netsuite": str(sid)},
                c,
                sum(a for _, a, _ in desired) - sum(a for _, a, _ in actual),
            )
    # over cap
    exp = ka["expenses"].filter(pl.col("is_billable"))
    for ws, cents, base in exp.select("workspace_id", "amount_in_cents", "currency_base_unit").iter_rows():
        if ws in ws_contract:
            value60[ws_contract[ws].ic] += Fraction(cents, base) * 60
    for c in contracts.values():
        cap = c.term_on("notToExceed", as_of)
        if cap is None:
            continue
        delivered = value60[c.ic] / 60 + completed_value[c.ic]
        if c.model == "retainer":
            delivered += sum(a for k, (a, _) in c.retainer_lines().items() if k <= f"{as_of:%Y-%m}")
        if exact_round(delivered - cap, c.currency) > 0:
            brk("over_cap", {"ironclad": c.ic}, c, delivered - cap)
    # coverage and links
    linked = set(ws_ref.values())
    accounts = set(sf["Account"].filter(~pl.col("IsDeleted"))["Id"])
    for c in contracts.values():
        if c.ic not in linked:
            brk("contract_without_project", {"ironclad": c.ic}, c, 0)
        if c.account not in accounts:
            brk("unmatched_entity", {"ironclad": c.ic}, c, 0, "sow")
    for ws in ka["workspaces"]["id"]:
        if ws not in ws_ref:
            brk("project_without_contract", {"kantata": ws}, None, 0)
        elif ws not in ws_contract:
            brk("unmatched_entity", {"kantata": ws}, None, 0, "workspace")
    version_card = dict(ka["rate_card_versions"].select("id", "rate_card_id").iter_rows())
    card_rates: dict[int, dict[str, Fraction]] = defaultdict(dict)
    bases = dict(ka["rate_card_versions"].select("id", "currency_base_unit").iter_rows())
    card_default = {
        version_card[v]: Fraction(rate, bases[v])
        for v, rate in ka["rate_card_versions"].select("id", "default_rate").iter_rows()
    }
    for version, role_id, rate in (
        ka["rate_card_roles"].select("rate_card_version_id", "role_id", "rate").iter_rows()
    ):
        card_rates[version_card[version]][role_slug[role_id]] = Fraction(rate, bases[version])
    for ws, card in ka["workspaces"].select("id", "rate_card_id").iter_rows():
        c = ws_contract.get(ws)
        if c is None or card is None or c.model != "time_and_materials":
            continue
        for role in sorted(c.roles()):
            rate = card_rates[card].get(
                role, card_default[card]
            )  # the card's row, else its default rate (ruling 7)
            in_force = c.rate_on(role, as_of)
            if in_force is not None and in_force != rate:
                brk("rate_card_mismatch", {"ironclad": c.ic, "kantata": ws}, c, 0, role)
    for cid, ext in ns["customer"].select("id", "externalid").iter_rows():
        if ext not in accounts:
            brk("unmatched_entity", {"netsuite": str(cid)}, None, 0, "customer")
    for jid, ext in job_ic.items():
        if ext not in contracts:
            brk("unmatched_entity", {"netsuite": str(jid)}, None, 0, "job")
    # revenue vs delivery
    for c in contracts.values():
        if c.model == "retainer":
            for key, (amount, _) in c.retainer_lines().items():
                if key <= f"{as_of:%Y-%m}":
                    earned[(c.ic, dt.date.fromisoformat(f"{key}-01"))] += amount
    journals = set(ns["transaction"].filter(pl.col("type") == "Journal")["id"])
    posted: dict[tuple[str, dt.date], Fraction] = defaultdict(Fraction)
    for job, period, amount in (
        ns["transactionline"]
        .filter(pl.col("transaction").is_in(journals))
        .select("entity", "accountingperiod", "foreignamount")
        .iter_rows()
    ):
        posted[(job_ic[job], dt.date.fromisoformat(period + "-01"))] += Fraction(amount)
    ic_job = {v: k for k, v in job_ic.items()}
    for key in sorted(set(posted) | set(earned)):
        c = contracts[key[0]]
        diff = Fraction(exact_round(Fraction(posted.get(key, 0)), c.currency)) - Fraction(
            exact_round(earned.get(key, Fraction(0)), c.currency)
        )
        if diff:
            brk(
                "revenue_vs_delivery",
                {"ironclad": c.ic, "netsuite": str(ic_job[c.ic])},
                c,
                diff,
                key[1].strftime("%Y-%m"),
            )
    return out


def identity(b: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...], str | None]:
    return (b["kind"], tuple(sorted((k, str(v)) for k, v in b["ids"].items())), b.get("key"))


def differences(manifest: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> list[str]:
    """Readable differences between two lists of breaks (empty when they agree to the minor unit)."""
    a = {identity(b): b for b in manifest}
    b = {identity(x): x for x in recomputed}
    problems = []
    for k in sorted(set(a) - set(b)):
        problems.append(
            f"in the manifest but not in the data: {k} impact {a[k]['impact']} (cause {a[k].get('cause')})"
        )
    for k in sorted(set(b) - set(a)):
        problems.append(f"in the data but not in the manifest: {k} impact {b[k]['impact']}")
    for k in sorted(set(a) & set(b)):
        if (
            Decimal(a[k]["impact"]) != Decimal(b[k]["impact"])
            or a[k]["contract_currency"] != b[k]["contract_currency"]
        ):
            problems.append(
                f"impact differs for {k}: manifest {a[k]['impact']} {a[k]['contract_currency']}, "
                f"recomputed {b[k]['impact']} {b[k]['contract_currency']}"
            )
    if len(a) != len(manifest):
        problems.append("the manifest lists the same break twice")
    return problems
