"""The CRM (Salesforce) and CLM (Ironclad) records of the firm, in the vendors' own field names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import polars as pl

from .basics import ROLES, minor_to_decimal, salesforce_id, to_ts
from .contracts import Contract, Customer
from .plan import AS_OF, Firm
from .tables import frame

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Tim"]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Berners-Lee",
]


def contract_value(c: Contract) -> int:
    if c.model == "fixed_fee":
        return sum(m.amount for m in c.milestones.values())
    if c.model == "retainer":
        return (c.fee or 0) * len({(d.year, d.month) for d in _days(c.start, c.end)})
    return sum(c.rates.values()) * 160  # an estimate: 160 hours per role on the card


def _days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range(0, (b - a).days + 1, 28)] + [b]


def _stamps(created: dt.date, k: int) -> dict[str, dt.datetime]:
    made = to_ts(created, 9 + k % 8, k % 60)
    modified = min(made + dt.timedelta(days=k % 45, minutes=k % 50), to_ts(AS_OF, 20))
    return {
        "CreatedDate": made,
        "LastModifiedDate": modified,
        "SystemModstamp": modified + dt.timedelta(seconds=k % 7),
    }


def salesforce_tables(firm: Firm) -> dict[str, pl.DataFrame]:
    owner = salesforce_id("005", 1)
    accounts, opps, contacts = [], [], []
    for k, cu in enumerate(firm.customers):
        if not cu.in_crm:
            continue
        accounts.append(
            {
                "Id": cu.sf_id,
                "Name": cu.name,
                "Type": "Customer",
                "Industry": cu.industry,
                "BillingCountry": cu.country.code,
                "CurrencyIsoCode": cu.currency.code,
                "OwnerId": owner,
                **_stamps(cu.created, k),
                "IsDeleted": cu.sf_deleted,
            }
        )
        for j in range(1 + k % 3):
            first, last = FIRST[(k + j) % 10], LAST[(k * 3 + j) % 10]
            contacts.append(
                {
                    "Id": salesforce_id("003", k * 10 + j + 1),
                    "AccountId": cu.sf_id,
                    "FirstName": first,
                    "LastName": last,
                    "Email": f"{first}.{last}.{k}@example.com".lower(),
                    "Title": ["CFO", "Controller", "VP Delivery"][j % 3],
                    **_stamps(cu.created + dt.timedelta(days=j), k + j),
                    "IsDeleted": cu.sf_deleted or (k + j) % 29 == 5,
                }
            )
        if k % 4 == 1 and not cu.sf_deleted:  # open pipeline, no contract yet
            opps.append(
                {
                    "Id": salesforce_id("006", 900000 + k),
                    "AccountId": cu.sf_id,
                    "Name": f"{cu.name} – expansion",
                    "StageName": "Proposal/Price Quote",
                    "Amount": Decimal(50000 + 1000 * k) * 1,
                    "CurrencyIsoCode": cu.currency.code,
                    "CloseDate": AS_OF + dt.timedelta(days=30 + k % 60),
                    "IsWon": False,
                    "IsClosed": False,
                    "Type": "Existing Business",
                    **_stamps(AS_OF - dt.timedelta(days=20), k),
                    "IsDeleted": False,
                }
            )
    for c in firm.contracts:
        opps.append(
            {
                "Id": c.opp_sf_id,
                "AccountId": c.customer.sf_id,
                "Name": f"{c.customer.name} – {c.ironclad_id}",
                "StageName": "Closed Won",
                "Amount": minor_to_decimal(contract_value(c), c.currency),
                "CurrencyIsoCode": c.currency.code,
                "CloseDate": c.signed_at.date(),
                "IsWon": True,
                "IsClosed": True,
                "Type": "New Business",
                **_stamps(c.signed_at.date() - dt.timedelta(days=40), c.idx),
                "IsDeleted": False,
            }
        )
    return {
        "Account": frame("salesforce", "Account", accounts),
        "Opportunity": frame("salesforce", "Opportunity", opps),
        "Contact": frame("salesforce", "Contact", contacts),
    }


# ---- Ironclad -------------------------------------------------------------------------------------------


def _iso(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(d: dt.date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def _money(minor: int, c: Contract) -> dict[str, Any]:
    amount = minor_to_decimal(minor, c.currency)
    return {
        "amount": int(amount) if amount == amount.to_integral_value() else float(amount),
        "currency": c.currency.code,
    }


def _prop(kind: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "value": value}


def sow_terms(
    c: Contract,
    rates: dict[str, int],
    milestones: dict,
    cap: int | None,
    fee: int | None,
    removed: list[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """The contract-term properties of a SOW or change order (one property per item: Ironclad arrays hold
    only strings)."""
    props: dict[str, dict[str, Any]] = {}
    if start is not None:
        props["startDate"] = _prop("date", _date(start))
    if end is not None:
        props["endDate"] = _prop("date", _date(end))
    for role, rate in sorted(rates.items()):
        props[f"rate_{role}"] = _prop("monetary_amount", _money(rate, c))
    for mid, ms in sorted(milestones.items()):
        props[f"milestone_{mid}_name"] = _prop("string", ms.name)
        props[f"milestone_{mid}_amount"] = _prop("monetary_amount", _money(ms.amount, c))
        props[f"milestone_{mid}_date"] = _prop("date", _date(ms.planned))
    for mid in removed:
        props[f"milestone_{mid}_removed"] = _prop("boolean", True)
    if cap is not None:
        props["notToExceed"] = _prop("monetary_amount", _money(cap, c))
    if fee is not None:
        props["retainerFee"] = _prop("monetary_amount", _money(fee, c))
    return props


def _record(
    uuid: str, ic: str, kind: str, name: str, updated: dt.datetime, props: dict, **more: Any
) -> dict[str, Any]:
    doc = {
        "id": uuid,
        "ironcladId": ic,
        "type": kind,
        "name": name,
        "lastUpdated": _iso(updated),
        "properties": props,
        "attachments": {},
        "links": [],
        **more,
    }
    return doc


def ironclad_tables(firm: Firm) -> dict[str, pl.DataFrame]:
    rows = []
    msa_of: dict[int, dict[str, Any]] = {}

    def add(doc: dict[str, Any], parent: str | None, agreement: dt.datetime) -> None:
        rows.append(
            {
                "id": doc["id"],
                "ironcladId": doc["ironcladId"],
                "type": doc["type"],
                "name": doc["name"],
                "lastUpdated": dt.datetime.strptime(doc["lastUpdated"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=dt.UTC
                ),
                "parentId": parent,
                "agreementDate": agreement,
                "doc": orjson.dumps(doc).decode(),
            }
        )

    planner = firm.planner
    for c in firm.contracts:
        cu = c.customer
        if cu.idx not in msa_of:
            signed = min(x.signed_at for x in firm.contracts if x.customer is cu) - dt.timedelta(days=30)
            msa = _record(
                planner.uuid(),
                planner.next_ic(),
                "msa",
                f"MSA – {cu.name}",
                signed,
                {
                    "counterpartyName": _prop("string", cu.name),
                    "salesforceAccountId": _prop("string", cu.sf_id),
                    "agreementDate": _prop("date", _date(signed.date())),
                    "governingLaw": _prop("string", cu.country.code),
                },
                contractStatus={"status": "active", "enhancedStatus": "evergreen"},
            )
            msa_of[cu.idx] = msa
            add(msa, None, signed)
        rows_before = len(rows)
        sow = _sow_doc(c, msa_of[cu.idx], firm)
        add(sow, None, c.signed_at)
        for co in c.cos:
            updated = co.approved_at or to_ts(AS_OF - dt.timedelta(days=3), 11)
            props = {
                "counterpartyName": _prop("string", cu.name),
                "changeOrderNumber": _prop("number", co.number),
                "effectiveDate": _prop("date", _date(co.effective)),
                "approvalStatus": _prop("string", co.status),
                **sow_terms(c, co.rates, co.milestones, co.cap, co.fee, co.removed, co.start, co.end),
            }
            if co.approved_at:
                props["approvedAt"] = _prop("date", _iso(co.approved_at))
            doc = _record(
                co.uuid,
                co.ironclad_id,
                "amendment",
                f"Change order {co.number} – {c.ironclad_id}",
                updated,
                props,
                parentId=c.uuid,
                parentLinkType="amendment",
                childIds=[],
                contractStatus={
                    "status": "active" if co.status == "approved" else "indeterminate",
                    "enhancedStatus": "executed" if co.status == "approved" else "unknown",
                },
            )
            add(doc, c.uuid, updated)
        assert len(rows) > rows_before
    return {"records": frame("ironclad", "records", rows)}


def _sow_doc(c: Contract, msa: dict[str, Any], firm: Firm) -> dict[str, Any]:
    cu: Customer = c.customer
    account = cu.sf_id if not c.crm_account_dangling else salesforce_id("001", 10**9 + c.idx)
    props = {
        "counterpartyName": _prop("string", cu.name),
        "salesforceAccountId": _prop("string", account),
        "salesforceOpportunityId": _prop("string", c.opp_sf_id),
        "billingModel": _prop("string", c.model),
        "contractCurrency": _prop("string", c.currency.code),
        "agreementDate": _prop("date", _date(c.signed_at.date())),
        "startDate": _prop("date", _date(c.signed_start or c.start)),
        "endDate": _prop("date", _date(c.signed_end or c.end)),
        "approvalStatus": _prop("string", "approved"),
        "approvedAt": _prop("date", _iso(c.signed_at)),
        "contractValue": _prop("monetary_amount", _money(contract_value(c), c)),
        "roles": _prop("array", sorted(ROLES[r][0] for r in c.rates) or ["n/a"]),
        **sow_terms(c, c.rates, c.milestones, c.cap, c.fee),
    }
    # Ironclad rolls approved amendments up into the parent: the parent shows the current value, with the
    # signed value as originalValue (only on properties that existed at signing).
    signed = sow_terms(
        c, c.rates, c.milestones, c.cap, c.fee, start=c.signed_start or c.start, end=c.signed_end or c.end
    )
    for co in c.approved():
        for name, prop in sow_terms(
            c, co.rates, co.milestones, co.cap, co.fee, co.removed, co.start, co.end
        ).items():
            props[name] = dict(prop)
            if name in signed:
                props[name]["originalValue"] = signed[name]["value"]
    last = max([c.signed_at] + [co.approved_at for co in c.approved()])
    active = c.end >= AS_OF
    return _record(
        c.uuid,
        c.ironclad_id,
        "sow",
        f"SOW – {cu.name} – {c.ironclad_id}",
        last,
        props,
        links=[{"recordId": msa["id"]}],
        childIds=[co.uuid for co in c.cos],
        amendments=[co.ironclad_id for co in c.approved()],
        contractStatus={
            "status": "active" if active else "inactive",
            "enhancedStatus": "active" if active else "inactive",
            "eventDate": f"{(c.start if active else c.end).isoformat()}T00:00:00.000Z",
        },
    )
