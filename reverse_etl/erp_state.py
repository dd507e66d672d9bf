"""The ERP's live billing schedules, read through SuiteQL at plan, apply and verify time — never the
warehouse copy (ARCHITECTURE.md: plan from the live state). Batched: one query per chunk of schedules, so
re-reading before writing costs a fraction of the write budget.

Which lines are invoiced is the rules' decision, not the invoice link's: a line linked to an invoice that
invoices nothing (voided or rejected, CONTRACT_TO_CASH.md rulings 8 and 11) is a non-invoiced line, as in
the dbt models. The plan, the apply and the verify pass the ids of those invoices, read from the sync feed
(`read_invoices_invoicing_nothing`), to `read_schedules`; every other invoice link counts as invoiced."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .erp_client import ErpClient
from .errors import FeedError
from .store import Store, iter_chunks

CHUNK = 200
INVOICES_INVOICING_NOTHING = "sync.sync_erp__invoices_invoicing_nothing_v1"


@dataclass(frozen=True)
class LiveLine:
    line: int
    key: str | None
    amount: Decimal
    date: date
    invoice: str | None
    invoice_counts: bool = True  # False: the linked invoice invoices nothing (the sync feed lists it)

    @property
    def invoiced(self) -> bool:
        return self.invoice is not None and self.invoice_counts


@dataclass
class LiveSchedule:
    record_id: str
    external_id: str
    last_modified: str
    currency_id: str | None
    lines: list[LiveLine] = field(default_factory=list)

    def open_lines(self) -> list[LiveLine]:
        return [line for line in self.lines if not line.invoiced]

    def open_state(self) -> list[tuple[str | None, str, str]]:
        """The non-invoiced lines as (key, amount, date), sorted: what a correction must make equal."""
        return sorted((ln.key, format(ln.amount.normalize(), "f"), ln.date.isoformat()) for ln in self.open_lines())


def desired_state(lines: list[dict[str, Any]]) -> list[tuple[str | None, str, str]]:
    return sorted((ln["key"], format(Decimal(str(ln["amount"])).normalize(), "f"), str(ln["date"])) for ln in lines)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_invoices_invoicing_nothing(store: Store) -> frozenset[str]:
    """The ERP invoice ids the rules take as invoicing nothing (the pinned sync feed of the last build)."""
    try:
        rows = store.rows(f"select erp_invoice_id from {INVOICES_INVOICING_NOTHING}")
    except Exception as exc:
        raise FeedError(f"cannot read the sync feed {INVOICES_INVOICING_NOTHING} ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0]}); run `c2c transform` first") from exc
    return frozenset(str(r["erp_invoice_id"]) for r in rows)


def read_schedules(client: ErpClient, external_ids: list[str],
                   invoicing_nothing: frozenset[str] = frozenset()) -> dict[str, LiveSchedule]:
    """The live schedules with these external ids (absent ones are missing from the result); a line linked
    to an invoice of `invoicing_nothing` is not invoiced."""
    found: dict[str, LiveSchedule] = {}
    for chunk in iter_chunks(sorted(set(external_ids)), CHUNK):
        ids = ", ".join(_quote(e) for e in chunk)
        rows = client.suiteql(
            "SELECT b.id AS schedule_id, b.externalid, b.currency, "
            "TO_CHAR(b.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS schedule_lmd, r.line, "
            "r.custcol_c2c_line_key AS line_key, r.amount, TO_CHAR(r.recurrencedate, 'YYYY-MM-DD') AS line_date, "
            "r.invoice FROM billingschedule b LEFT JOIN billingschedulerecurrence r ON r.billingschedule = b.id "
            f"WHERE b.externalid IN ({ids}) ORDER BY b.id, r.line", what="billing schedules (live)")
        for row in rows:
            schedule = found.get(row["externalid"])
            if schedule is None:
                schedule = found[row["externalid"]] = LiveSchedule(
                    str(row["schedule_id"]), row["externalid"], row["schedule_lmd"], row.get("currency"))
            if row.get("line") is not None:
                invoice = None if row.get("invoice") is None else str(row["invoice"])
                schedule.lines.append(LiveLine(int(row["line"]), row.get("line_key"), Decimal(str(row["amount"])),
                                               date.fromisoformat(row["line_date"]), invoice,
                                               invoice not in invoicing_nothing))
    return found


@dataclass(frozen=True)
class ErpCurrency:
    id: str
    code: str
    precision: int


def read_currencies(client: ErpClient) -> dict[str, ErpCurrency]:
    """The ERP's currencies by ISO code (its precision is the minor unit it accepts)."""
    rows = client.suiteql("SELECT id, symbol, currencyprecision FROM currency", what="currencies")
    return {r["symbol"]: ErpCurrency(str(r["id"]), r["symbol"], int(r.get("currencyprecision") or 2)) for r in rows}


def read_jobs(client: ErpClient, external_ids: list[str]) -> dict[str, str]:
    """Project (job) internal ids by external id (the contract's CLM id): a new schedule is applied to it."""
    found: dict[str, str] = {}
    for chunk in iter_chunks(sorted(set(external_ids)), CHUNK):
        ids = ", ".join(_quote(e) for e in chunk)
        for row in client.suiteql(f"SELECT id, externalid FROM job WHERE externalid IN ({ids})", what="projects"):
            found[row["externalid"]] = str(row["id"])
    return found
