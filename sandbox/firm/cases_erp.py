"""The ERP side of the invoice cases (cases.py): a voided milestone invoice, one voided and re-issued, one
pending approval (rulings 8 and 11), and an adjustment line the ERP already holds (ruling 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from .contracts import Contract

if TYPE_CHECKING:
    from .erp import Invoice, Line, Posting, ScheduleLine

VOIDED, REJECTED, PENDING = (
    "Voided",
    "Rejected",
    "Pending Approval",
)  # NetSuite invoice statuses (voiding.py voids)


def invoice_cases(
    c: Contract,
    lines: list[ScheduleLine],
    new_invoice: Callable[[Contract, dt.date, list[Line]], Invoice],
    postings: list[Posting],
) -> list[ScheduleLine]:
    """Apply a fixed-fee contract's invoice case to its booked invoices; return schedule lines to add."""
    from .erp import Line, Posting, ScheduleLine

    cases = c.scenarios & {"ff_voided_invoice", "ff_voided_reissued", "ff_pending_approval", "ff_adj_held"}
    if not cases:
        return []
    invoiced = sorted((ln for ln in lines if ln.invoice), key=lambda ln: (ln.invoice.date, ln.key))
    if not invoiced:
        raise RuntimeError(
            f"{c.ironclad_id} ({', '.join(sorted(cases))}): no milestone was invoiced to plant the case on"
        )
    first = invoiced[0]
    if "ff_voided_invoice" in cases:
        first.invoice.status = VOIDED  # the schedule line still points to it: that line is no longer invoiced
    if "ff_voided_reissued" in cases:
        voided = first.invoice
        voided.status = VOIDED
        again = new_invoice(
            c, voided.date, [Line(ln.key, ln.item, ln.amount, ln.quantity, ln.rate) for ln in voided.lines]
        )
        again.reissue_of = voided
        first.invoice = again
        # the re-issue books the revenue that the void reversed (voiding.py), in the same period
        postings.append(
            Posting(
                c,
                again.date.replace(day=1),
                sum(ln.amount for ln in again.lines),
                f"Revenue of INV-{again.idx:06d} (re-issue of INV-{voided.idx:06d})",
            )
        )
    if "ff_pending_approval" in cases:
        first.invoice.status = PENDING
    extra = []
    if "ff_adj_held" in cases:
        current = c.current_milestones()
        for ln in invoiced:
            mid = ln.key.removeprefix(f"{c.ironclad_id}-")
            if mid in current and current[mid][0].amount != ln.amount and current[mid][1] is not None:
                # booked the day after the change order's approval, when the adjustment was first desired
                day = current[mid][1].approved_at.date() + dt.timedelta(days=1)
                extra.append(ScheduleLine(f"{ln.key}-adj", day, current[mid][0].amount - ln.amount))
        if not extra:
            raise RuntimeError(
                f"{c.ironclad_id} (ff_adj_held): no invoiced milestone changed after its invoice"
            )
    return extra
