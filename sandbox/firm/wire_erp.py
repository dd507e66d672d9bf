"""The ERP (NetSuite) records of the firm, as SuiteQL tables (lower-case columns, integer internal ids)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from sandbox.netsuite.voiding import VOIDED, void_invoice

from .basics import (
    CURRENCIES,
    REPORTING_CURRENCY,
    minor_to_decimal,
    month_end,
    round_half_up_div,
    salesforce_id,
    to_ts,
)
from .erp import Erp
from .ids import job_id, missing_sow_ref, orphan_job_id, schedule_id, transaction_bases
from .plan import AS_OF, Firm
from .tables import frame

BILLING_TYPE = {"time_and_materials": "TM", "fixed_fee": "FBM", "retainer": "FBI"}
LAST_TS = to_ts(AS_OF, 21)


def netsuite_tables(firm: Firm, erp: Erp) -> dict[str, pl.DataFrame]:
    t0 = to_ts(dt.date(2020, 1, 1))
    currency = [
        {
            "id": c.ns_id,
            "symbol": code,
            "name": code,
            "currencyprecision": c.minor,
            "isbasecurrency": "T" if code == REPORTING_CURRENCY else "F",
            "lastmodifieddate": t0,
        }
        for code, c in CURRENCIES.items()
    ]
    fx = erp.fx.with_row_index("id", offset=1).select(
        id=pl.col("id").cast(pl.Int64),
        basecurrency=pl.lit(CURRENCIES[REPORTING_CURRENCY].ns_id, pl.Int64),
        transactioncurrency=pl.col("currency").replace_strict(
            {k: v.ns_id for k, v in CURRENCIES.items()}, return_dtype=pl.Int64
        ),
        exchangerate=pl.col("rate"),
        effectivedate=pl.col("date"),
        lastmodifieddate=pl.col("date").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=6),
    )
    fx_lookup = {(cur, d): r for cur, d, r in erp.fx.iter_rows()}

    def rate(code: str, day: dt.date) -> Decimal:
        return Decimal(1) if code == REPORTING_CURRENCY else fx_lookup[(code, min(day, AS_OF))]

    customers = []
    for cu in [c for c in firm.customers if not c.sf_deleted] + firm.orphan_ns_customers:
        ts = to_ts(cu.created + dt.timedelta(days=2), 12)
        customers.append(
            {
                "id": cu.ns_id,
                "entityid": f"CUST-{cu.ns_id}",
                "companyname": cu.name,
                "externalid": cu.sf_id if cu.in_crm else salesforce_id("001", 2 * 10**9 + cu.idx),
                "currency": cu.currency.ns_id,
                "subsidiary": 1,
                "billcountry": cu.country.code,
                "custentity_c2c_region": cu.country.region,
                "isinactive": "F",
                "datecreated": ts,
                "lastmodifieddate": ts,
            }
        )
    jobs, schedules, lines = [], [], []
    for c in firm.contracts:
        ts = to_ts(c.signed_at.date() + dt.timedelta(days=1), 13)
        jobs.append(
            {
                "id": job_id(c.idx),
                "entityid": f"PRJ-{c.ironclad_id}",
                "companyname": f"{c.customer.name} – {c.ironclad_id}",
                "externalid": c.ironclad_id,
                "parent": c.customer.ns_id,
                "customer": c.customer.ns_id,
                "currency": c.currency.ns_id,
                "jobbillingtype": BILLING_TYPE[c.model],
                "startdate": c.start,
                "projectedenddate": c.end,
                "isinactive": "F",
                "datecreated": ts,
                "lastmodifieddate": ts,
            }
        )
    for i in range(firm.size.plant):
        cu = firm.customers[i % len(firm.customers)]
        ts = to_ts(AS_OF - dt.timedelta(days=100 + i), 13)
        jobs.append(
            {
                "id": orphan_job_id(len(firm.contracts), i),
                "entityid": f"PRJ-LEGACY-{i + 1}",
                "companyname": f"{cu.name} – legacy project",
                "externalid": missing_sow_ref(500 + i),
                "parent": cu.ns_id,
                "customer": cu.ns_id,
                "currency": cu.currency.ns_id,
                "jobbillingtype": "TM",
                "startdate": AS_OF - dt.timedelta(days=300),
                "projectedenddate": AS_OF - dt.timedelta(days=30),
                "isinactive": "F",
                "datecreated": ts,
                "lastmodifieddate": ts,
            }
        )
    voided_count = sum(1 for inv in erp.invoices if inv.status == VOIDED)  # each may get a reversing journal
    inv_base, pay_base, journal_base = transaction_bases(
        len(erp.invoices),
        sum(len(inv.paid) for inv in erp.invoices),
        len(erp.postings) + voided_count,
    )
    inv_id = {inv.idx: inv_base + inv.idx for inv in erp.invoices}
    by_idx = {c.idx: c for c in firm.contracts}
    line_seq = 0
    for cidx, sched in sorted(erp.schedules.items()):
        c = by_idx[cidx]
        created = to_ts(c.signed_at.date() + dt.timedelta(days=2), 14)
        touched = max(
            [created] + [to_ts(co.approved_at.date(), 17) for co in c.approved() if co.erp_propagated]
        )
        schedules.append(
            {
                "id": schedule_id(cidx),
                "externalid": f"BS-{c.ironclad_id}",
                "name": f"Billing – {c.ironclad_id}",
                "scheduletype": "STD",
                "frequency": "CUSTOM",
                "job": job_id(cidx),
                "currency": c.currency.ns_id,
                "isinactive": "F",
                "datecreated": created,
                "lastmodifieddate": min(touched, LAST_TS),
            }
        )
        for n, ln in enumerate(sorted(sched, key=lambda x: (x.date, x.key)), start=1):
            line_seq += 1
            modified = to_ts(ln.invoice.date, 9) if ln.invoice else touched
            lines.append(
                {
                    "id": line_seq,
                    "billingschedule": schedule_id(cidx),
                    "line": n,
                    "recurrencedate": ln.date,
                    "amount": minor_to_decimal(ln.amount, c.currency),
                    "custcol_c2c_line_key": ln.key,
                    "invoice": inv_id[ln.invoice.idx] if ln.invoice else None,
                    "lastmodifieddate": min(modified, LAST_TS),
                }
            )
    txns, tlines, links = [], [], []
    tl_seq = 0
    pay_seq = pay_base
    for inv in erp.invoices:
        c = inv.contract
        cur = c.currency
        tax_total = 0
        for k, ln in enumerate(inv.lines, start=1):
            tl_seq += 1
            tax = round_half_up_div(ln.amount * int(c.customer.country.tax_rate * 10000), 10000)
            tax_total += tax
            tlines.append(
                {
                    "id": tl_seq,
                    "transaction": inv_id[inv.idx],
                    "linesequencenumber": k,
                    "item": ln.item,
                    "entity": job_id(c.idx),
                    "quantity": ln.quantity,
                    "rate": minor_to_decimal(ln.rate, cur)
                    if ln.rate is not None
                    else minor_to_decimal(ln.amount, cur),
                    "foreignamount": minor_to_decimal(ln.amount, cur),
                    "taxcode": c.customer.country.tax_code,
                    "foreigntaxamount": minor_to_decimal(tax, cur),
                    "custcol_c2c_line_key": ln.key,
                    "accountingperiod": inv.date.strftime("%Y-%m"),
                    "memo": None,
                }
            )
        total = sum(ln.amount for ln in inv.lines) + tax_total
        payments = [(day, round_half_up_div(int(total * share * 2), 2)) for day, share in inv.paid]
        paid = sum(a for _, a in payments)
        ts = to_ts(inv.date, 9)
        memo = f"Re-issue of INV-{inv.reissue_of.idx:06d}" if inv.reissue_of else None
        txns.append(
            {
                "id": inv_id[inv.idx],
                "tranid": f"INV-{inv.idx:06d}",
                "type": "CustInvc",
                "trandate": inv.date,
                "entity": c.customer.ns_id,
                "job": job_id(c.idx),
                "currency": cur.ns_id,
                "exchangerate": rate(cur.code, inv.date),
                "status": inv.status or ("Paid In Full" if paid >= total else "Open"),
                "foreigntotal": minor_to_decimal(total, cur),
                "memo": memo,
                "createddate": ts,
                "lastmodifieddate": min(max([ts] + [to_ts(d, 15) for d, _ in payments]), LAST_TS),
            }
        )
        for day, amount in payments:
            pay_seq += 1
            pts = to_ts(day, 15)
            txns.append(
                {
                    "id": pay_seq,
                    "tranid": f"PYMT-{pay_seq}",
                    "type": "CustPymt",
                    "trandate": day,
                    "entity": c.customer.ns_id,
                    "job": job_id(c.idx),
                    "currency": cur.ns_id,
                    "exchangerate": rate(cur.code, day),
                    "status": "Deposited",
                    "foreigntotal": minor_to_decimal(amount, cur),
                    "memo": f"Payment for INV-{inv.idx:06d}",
                    "createddate": pts,
                    "lastmodifieddate": min(pts, LAST_TS),
                }
            )
            links.append(
                {
                    "previousdoc": inv_id[inv.idx],
                    "nextdoc": pay_seq,
                    "linktype": "Payment",
                    "foreignamount": minor_to_decimal(amount, cur),
                    "linkdate": day,
                }
            )
    for k, post in enumerate(sorted(erp.postings, key=lambda p: (p.contract.idx, p.month, p.memo)), start=1):
        c = post.contract
        day = min(month_end(post.month), AS_OF)
        ts = to_ts(day, 20)
        tl_seq += 1
        txns.append(
            {
                "id": journal_base + k,
                "tranid": f"JE-{k:06d}",
                "type": "Journal",
                "trandate": day,
                "entity": c.customer.ns_id,
                "job": job_id(c.idx),
                "currency": c.currency.ns_id,
                "exchangerate": rate(c.currency.code, day),
                "status": "Approved for Posting",
                "foreigntotal": minor_to_decimal(post.amount, c.currency),
                "memo": post.memo,
                "createddate": ts,
                "lastmodifieddate": min(ts, LAST_TS),
            }
        )
        tlines.append(
            {
                "id": tl_seq,
                "transaction": journal_base + k,
                "linesequencenumber": 1,
                "item": "Services revenue",
                "entity": job_id(c.idx),
                "quantity": None,
                "rate": None,
                "foreignamount": minor_to_decimal(post.amount, c.currency),
                "taxcode": None,
                "foreigntaxamount": None,
                "custcol_c2c_line_key": None,
                "accountingperiod": post.month.strftime("%Y-%m"),
                "memo": post.memo,
            }
        )
    # voided invoices: zeroed, with their revenue reversed, by the simulator's own void (voiding.py)
    journal_seq = journal_base + len(erp.postings)
    voided = {inv_id[inv.idx]: inv for inv in erp.invoices if inv.status == VOIDED}
    row_of = {t["id"]: i for i, t in enumerate(txns) if t["id"] in voided}
    lines_of: dict[int, list[int]] = {}
    for i, ln in enumerate(tlines):
        if ln["transaction"] in voided:
            lines_of.setdefault(ln["transaction"], []).append(i)
    for ident, inv in sorted(voided.items()):
        at = min(to_ts(inv.date, 12), LAST_TS)
        k, mine = row_of[ident], lines_of[ident]
        journal_seq += 1
        done = void_invoice(
            txns[k], [tlines[i] for i in mine], journal_id=journal_seq, first_line_id=tl_seq + 1, at=at
        )
        txns[k] = done.invoice
        for i, ln in zip(mine, done.lines, strict=True):
            tlines[i] = ln
        if done.journal:
            txns.append(done.journal)
            tlines += done.journal_lines
            tl_seq += len(done.journal_lines)
    return {
        "currency": frame("netsuite", "currency", currency),
        "currencyrate": frame("netsuite", "currencyrate", fx),
        "customer": frame("netsuite", "customer", customers),
        "job": frame("netsuite", "job", jobs),
        "billingschedule": frame("netsuite", "billingschedule", schedules),
        "billingschedulerecurrence": frame("netsuite", "billingschedulerecurrence", lines),
        "transaction": frame("netsuite", "transaction", txns),
        "transactionline": frame("netsuite", "transactionline", tlines),
        "previoustransactionlink": frame("netsuite", "previoustransactionlink", links),
    }
