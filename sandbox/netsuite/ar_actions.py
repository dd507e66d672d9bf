"""Accounts-receivable actions of a finance user in NetSuite's UI (admin only: none of our integrations makes
them; the platform reads their effects back through SuiteQL and the record API).

- `record_payment`: a customer payment (CustPymt) applied to one invoice (a previoustransactionlink row); the
  invoice's status becomes "Paid In Full" once the applied amounts cover its total, else stays "Open".
- `set_status`: the user changes an invoice's status, e.g. approves a "Pending Approval" invoice ("Open"), or
  voids it as NetSuite does (voiding.py: total and lines to zero, its revenue reversed by a journal in its
  period); a voided invoice cannot change any more.

Each action is validated completely, then applied in one DuckDB transaction (all or nothing; persisted in the
state file; the SuiteQL/record cache is dropped) and bumps the lastModifiedDate of every transaction it
changes to max(now, previous + 1 s), UTC, whole seconds (the billing-schedule writes' rule).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .store import Store
from .voiding import VOIDED, void_invoice
from .write_fields import next_last_modified

INVOICE, PAYMENT = "CustInvc", "CustPymt"
OPEN, PAID, PENDING, REJECTED = "Open", "Paid In Full", "Pending Approval", "Rejected"
# NetSuite's invoice statuses (transaction status CustInvc:A, :B, :D, :E, :V)
INVOICE_STATUSES = (OPEN, PAID, PENDING, REJECTED, VOIDED)
PAYMENT_STATUS = "Deposited"  # customer payments as the generator writes them (sandbox/firm/wire_erp.py)
LINK_TYPE = "Payment"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = "%Y-%m-%dT%H:%M:%SZ"


class ActionError(Exception):
    """A refused action: `status` (400 or 404) and a message for the admin caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> ActionError:
    return ActionError(400, message)


def _invoice_id(ident: Any) -> int:
    try:
        return int(str(ident).strip())
    except ValueError:
        raise ActionError(404, f"Invoice {ident} does not exist.") from None


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _bad(f'amount must be a decimal string such as "123.45", not {value!r}')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise _bad(f'amount must be a decimal string such as "123.45", not {value!r}') from None
    if not amount.is_finite():
        raise _bad(f"amount must be a finite number, not {value!r}")
    return amount


def _date(value: Any) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(f"date must be YYYY-MM-DD, not {value!r}")


def _money(value: Decimal, places: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places)))


class InvoiceActions:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _invoice(cur: Any, invoice_id: int) -> dict[str, Any]:
        cur.execute('SELECT * FROM "transaction" WHERE id = ?', [invoice_id])
        rows = cur.fetchall()
        if not rows:
            raise ActionError(404, f"Invoice {invoice_id} does not exist.")
        invoice = dict(zip([d[0] for d in cur.description], rows[0]))
        if invoice["type"] != INVOICE:
            raise _bad(f"Transaction {invoice_id} is not an invoice (its type is {invoice['type']}).")
        applied = cur.execute(
            "SELECT coalesce(sum(foreignamount), 0) FROM previoustransactionlink WHERE previousdoc = ?",
            [invoice_id],
        ).fetchone()[0]
        invoice["applied"] = Decimal(applied)
        invoice["total"] = Decimal(invoice["foreigntotal"] or 0)
        prec = cur.execute(
            "SELECT currencyprecision FROM currency WHERE id = ?", [invoice["currency"]]
        ).fetchall()
        invoice["places"] = int(prec[0][0]) if prec and prec[0][0] is not None else 2
        return invoice

    def record_payment(self, ident: Any, amount: Any = None, date: Any = None) -> dict[str, Any]:
        """A customer payment of `amount` (default: the open balance) on `date` (default: today, UTC)."""
        invoice_id = _invoice_id(ident)
        wanted = None if amount is None else _amount(amount)
        day = _date(date)
        with self.store.transaction() as cur:
            inv = self._invoice(cur, invoice_id)
            places, balance = inv["places"], inv["total"] - inv["applied"]
            if inv["status"] == PAID:
                raise _bad(
                    f"Invoice {invoice_id} is already Paid In Full (open balance {_money(balance, places)})."
                )
            if inv["status"] != OPEN:
                raise _bad(
                    f"Invoice {invoice_id} is {inv['status']}: only an Open invoice can receive a payment "
                    "(approve it first)."
                )
            paid = balance if wanted is None else wanted
            if paid <= 0:
                raise _bad(
                    f"The payment amount must be greater than 0, not {amount if wanted is not None else paid}."
                )
            if paid != paid.quantize(Decimal(1).scaleb(-places)):
                raise _bad(
                    f"Invalid amount {amount}: the invoice's currency allows at most {places} decimal place(s)."
                )
            if paid > balance:
                raise _bad(
                    f"The payment amount {amount} exceeds the open balance of invoice {invoice_id} "
                    f"({_money(balance, places)})."
                )
            payment_id = int(cur.execute('SELECT coalesce(max(id), 0) + 1 FROM "transaction"').fetchone()[0])
            while cur.execute(
                'SELECT 1 FROM "transaction" WHERE tranid = ?', [f"PYMT-{payment_id}"]
            ).fetchall():
                payment_id += 1
            now = next_last_modified(None)
            payment = {
                "id": payment_id,
                "tranid": f"PYMT-{payment_id}",
                "type": PAYMENT,
                "trandate": day,
                "entity": inv["entity"],
                "job": inv["job"],
                "currency": inv["currency"],
                "exchangerate": inv["exchangerate"],
                "status": PAYMENT_STATUS,
                "foreigntotal": paid,
                "memo": f"Payment for {inv['tranid']}",
                "createddate": now,
                "lastmodifieddate": now,
            }
            cur.execute(
                f'INSERT INTO "transaction" ({", ".join(payment)}) VALUES ({", ".join("?" * len(payment))})',
                list(payment.values()),
            )
            cur.execute(
                "INSERT INTO previoustransactionlink (previousdoc, nextdoc, linktype, foreignamount, linkdate) "
                "VALUES (?, ?, ?, ?, ?)",
                [invoice_id, payment_id, LINK_TYPE, paid, day],
            )
            applied = inv["applied"] + paid
            status = PAID if applied >= inv["total"] else OPEN
            lmd = next_last_modified(inv["lastmodifieddate"])
            cur.execute(
                'UPDATE "transaction" SET status = ?, lastmodifieddate = ? WHERE id = ?',
                [status, lmd, invoice_id],
            )
        return {
            "payment_id": str(payment_id),
            "invoice_id": str(invoice_id),
            "invoice_status": status,
            "applied": _money(paid, places),
            "open_balance": _money(inv["total"] - applied, places),
            "lastModifiedDate": lmd.strftime(ISO_DATETIME),
        }

    def set_status(self, ident: Any, status: Any) -> dict[str, Any]:
        """The user sets the invoice's status (approve, reject, void, …); it must fit the payments applied."""
        invoice_id = _invoice_id(ident)
        if status not in INVOICE_STATUSES:
            raise _bad(
                f"{status!r} is not a NetSuite invoice status; use one of: {', '.join(INVOICE_STATUSES)}."
            )
        with self.store.transaction() as cur:
            inv = self._invoice(cur, invoice_id)
            if inv["status"] == VOIDED:
                raise _bad(f"Invoice {invoice_id} is Voided: a voided transaction cannot change any more.")
            places, applied, total = inv["places"], inv["applied"], inv["total"]
            balance = _money(total - applied, places)
            if status == PAID and applied < total:
                raise _bad(
                    f"Invoice {invoice_id} becomes Paid In Full when payments cover it: record a payment "
                    f"(open balance {balance})."
                )
            if status == OPEN and applied >= total:
                raise _bad(
                    f"Invoice {invoice_id} is fully paid (open balance {balance}): its status is Paid In Full."
                )
            if status in (PENDING, REJECTED, VOIDED) and applied > 0:
                raise _bad(
                    f"Invoice {invoice_id} has payments applied ({_money(applied, places)}): it cannot become "
                    f"{status}."
                )
            lmd = next_last_modified(inv["lastmodifieddate"])
            journal = None
            if status == VOIDED:
                journal = _void(cur, inv, lmd)
            else:
                cur.execute(
                    'UPDATE "transaction" SET status = ?, lastmodifieddate = ? WHERE id = ?',
                    [status, lmd, invoice_id],
                )
        answer = {
            "invoice_id": str(invoice_id),
            "previous_status": inv["status"],
            "status": status,
            "lastModifiedDate": lmd.strftime(ISO_DATETIME),
        }
        if status == VOIDED:
            answer["voiding_journal_id"] = str(journal) if journal is not None else None
        return answer


def _void(cur: Any, inv: dict[str, Any], at: dt.datetime) -> int | None:
    """Void the invoice as NetSuite does (voiding.py): total and lines to zero, status Voided, and its revenue
    reversed by a journal in the invoice's period. Returns the journal's id (None: the invoice had no revenue)."""
    columns = [d[0] for d in cur.execute('SELECT * FROM "transaction" LIMIT 0').description]
    invoice = {k: inv[k] for k in columns}
    cur.execute(
        'SELECT * FROM transactionline WHERE "transaction" = ? ORDER BY linesequencenumber', [inv["id"]]
    )
    names = [d[0] for d in cur.description]
    lines = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    journal_id = int(cur.execute('SELECT coalesce(max(id), 0) + 1 FROM "transaction"').fetchone()[0])
    first_line = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM transactionline").fetchone()[0])
    done = void_invoice(invoice, lines, journal_id=journal_id, first_line_id=first_line, at=at)
    cur.execute(
        'UPDATE "transaction" SET status = ?, foreigntotal = ?, lastmodifieddate = ? WHERE id = ?',
        [done.invoice["status"], done.invoice["foreigntotal"], at, inv["id"]],
    )
    for ln in done.lines:
        cur.execute(
            "UPDATE transactionline SET quantity = ?, foreignamount = ?, foreigntaxamount = ? WHERE id = ?",
            [ln["quantity"], ln["foreignamount"], ln["foreigntaxamount"], ln["id"]],
        )
    if done.journal is None:
        return None
    for table, row in [("transaction", done.journal)] + [
        ("transactionline", ln) for ln in done.journal_lines
    ]:
        names = ", ".join(f'"{k}"' for k in row)
        cur.execute(
            f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(row))})', list(row.values())
        )
    return journal_id
