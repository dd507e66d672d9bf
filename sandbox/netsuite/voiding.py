"""Voiding an invoice, as NetSuite does it: one rule shared by the simulator's void action (ar_actions.py) and
the generator (sandbox/firm/wire_erp.py), on plain rows of the SuiteQL tables `transaction` / `transactionline`.

NetSuite [O: N/transaction module; "Void Transactions Using Reversing Journals" preference]: voiding sets the
transaction's total and every line to zero and keeps the record, with status Voided (CustInvc:V); an invoice
can only be voided directly (with the reversing-journal preference on, invoices have no Void at all), which
takes the invoice's own GL impact, its revenue, out of the period it was posted in. After the void nothing
that touches the GL can change. The sandbox keeps revenue in journal lines (the revenue postings the platform
reads), so it books the revenue the void takes away as a journal reversing the invoice's lines in the
invoice's own accounting period ("Void of INV-…"): a departure in form (NetSuite removes the invoice's GL lines
and writes no journal), not in effect on revenue by period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

VOIDED = "Voided"
REJECTED = "Rejected"
JOURNAL = "Journal"
JOURNAL_STATUS = "Approved for Posting"  # as the firm's revenue journals (sandbox/firm/wire_erp.py)
REVENUE_ITEM = "Services revenue"


@dataclass
class Voided:
    invoice: dict[str, Any]  # the invoice row after the void (status Voided, total 0)
    lines: list[dict[str, Any]]  # its lines after the void (amounts and quantities 0)
    journal: dict[str, Any] | None  # the reversing revenue journal (None when the invoice had no revenue)
    journal_lines: list[dict[str, Any]]


def void_invoice(
    invoice: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    journal_id: int,
    first_line_id: int,
    at: dt.datetime,
) -> Voided:
    """Void `invoice` (a `transaction` row) with its `transactionline` rows at `at` (UTC, whole seconds); the
    reversing journal gets `journal_id` and its lines consecutive ids from `first_line_id`."""
    memo = f"Void of {invoice['tranid']}"
    voided = {**invoice, "status": VOIDED, "foreigntotal": Decimal(0), "lastmodifieddate": at}
    zeroed = [
        {
            **ln,
            "quantity": Decimal(0) if ln.get("quantity") is not None else None,
            "foreignamount": Decimal(0),
            "foreigntaxamount": Decimal(0) if ln.get("foreigntaxamount") is not None else None,
        }
        for ln in lines
    ]
    reversed_lines = []
    for ln in sorted(lines, key=lambda x: x["linesequencenumber"]):
        amount = Decimal(ln["foreignamount"] or 0)
        if amount == 0:
            continue
        reversed_lines.append(
            {
                "id": first_line_id + len(reversed_lines),
                "transaction": journal_id,
                "linesequencenumber": len(reversed_lines) + 1,
                "item": REVENUE_ITEM,
                "entity": ln["entity"],
                "quantity": None,
                "rate": None,
                "foreignamount": -amount,
                "taxcode": None,
                "foreigntaxamount": None,
                "custcol_c2c_line_key": None,
                "accountingperiod": ln["accountingperiod"],
                "memo": memo,
            }
        )
    journal = None
    if reversed_lines:
        journal = {
            "id": journal_id,
            "tranid": f"VOID-{invoice['tranid']}",
            "type": JOURNAL,
            "trandate": at.date(),
            "entity": invoice["entity"],
            "job": invoice["job"],
            "currency": invoice["currency"],
            "exchangerate": invoice["exchangerate"],
            "status": JOURNAL_STATUS,
            "foreigntotal": sum((ln["foreignamount"] for ln in reversed_lines), Decimal(0)),
            "memo": memo,
            "createddate": at,
            "lastmodifieddate": at,
        }
    return Voided(voided, zeroed, journal, reversed_lines)
