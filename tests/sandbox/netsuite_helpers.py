"""Helpers for the NetSuite simulator tests: a loopback uvicorn server and a small generated firm."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from core.settings import netsuite_assertion_form
from sandbox.firm.schema import SCHEMAS

UTC = dt.UTC
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)
N_CUSTOMERS = 250
N_INVOICES = 100
LINES_PER_INVOICE = 12


def get_token(origin: str, creds: dict[str, str]) -> str:
    """A token of the integration `creds` (make_credentials()'s reader or writer, private key included), its
    client assertion signed by the platform's own code (core.settings.netsuite_assertion_form)."""
    url = f"{origin}/services/rest/auth/oauth2/v1/token"
    form = netsuite_assertion_form(creds["client_id"], creds["certificate_id"], creds["private_key"], url)
    response = httpx.post(url, data=form)
    response.raise_for_status()
    return response.json()["access_token"]


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMAS["netsuite"][table], orient="row")


def firm_tables() -> dict[str, list[dict[str, Any]]]:
    """A small firm: 3 currencies, 250 customers, 10 projects, 3 billing schedules (one line invoiced),
    100 invoices of 12 lines, 10 payments, 5 journals."""
    cur = [
        {
            "id": 1,
            "symbol": "USD",
            "name": "US Dollar",
            "currencyprecision": 2,
            "isbasecurrency": "T",
            "lastmodifieddate": T0,
        },
        {
            "id": 2,
            "symbol": "EUR",
            "name": "Euro",
            "currencyprecision": 2,
            "isbasecurrency": "F",
            "lastmodifieddate": T0,
        },
        {
            "id": 3,
            "symbol": "JPY",
            "name": "Yen",
            "currencyprecision": 0,
            "isbasecurrency": "F",
            "lastmodifieddate": T0,
        },
    ]
    rates = [
        {
            "id": 1,
            "basecurrency": 1,
            "transactioncurrency": 2,
            "exchangerate": Decimal("1.08500000"),
            "effectivedate": dt.date(2024, 1, 1),
            "lastmodifieddate": T0,
        },
        {
            "id": 2,
            "basecurrency": 1,
            "transactioncurrency": 3,
            "exchangerate": Decimal("0.00680000"),
            "effectivedate": dt.date(2024, 1, 1),
            "lastmodifieddate": T0,
        },
    ]
    customers = [
        {
            "id": i,
            "entityid": f"CUST{i:04d}",
            "companyname": f"Customer {i}",
            "externalid": f"SF-ACC-{i}",
            "currency": 1 + i % 3,
            "subsidiary": 1,
            "billcountry": "US",
            "custentity_c2c_region": "NA",
            "isinactive": "F",
            "datecreated": T0,
            "lastmodifieddate": T0 + dt.timedelta(hours=i),
        }
        for i in range(1, N_CUSTOMERS + 1)
    ]
    jobs = [
        {
            "id": 1000 + i,
            "entityid": f"PRJ{i}",
            "companyname": f"Project {i}",
            "externalid": f"KAN-WS-{i}",
            "parent": i,
            "customer": i,
            "currency": 1,
            "jobbillingtype": "FBM",
            "startdate": dt.date(2024, 1, i),
            "projectedenddate": None,
            "isinactive": "F",
            "datecreated": T0,
            "lastmodifieddate": T0,
        }
        for i in range(1, 11)
    ]
    schedules = [
        {
            "id": 1,
            "externalid": "BS-1",
            "name": "Project 1 schedule",
            "scheduletype": "STD",
            "frequency": "CUSTOM",
            "job": 1001,
            "currency": 1,
            "isinactive": "F",
            "datecreated": T0,
            "lastmodifieddate": T0,
        },
        {
            "id": 2,
            "externalid": "BS-2",
            "name": "Project 2 yen",
            "scheduletype": "STD",
            "frequency": "CUSTOM",
            "job": 1002,
            "currency": 3,
            "isinactive": "F",
            "datecreated": T0,
            "lastmodifieddate": T0,
        },
        {
            "id": 3,
            "externalid": None,
            "name": "No external id",
            "scheduletype": "STD",
            "frequency": "CUSTOM",
            "job": None,
            "currency": None,
            "isinactive": "F",
            "datecreated": T0,
            "lastmodifieddate": T0,
        },
    ]
    lines = [
        {
            "id": 11,
            "billingschedule": 1,
            "line": 1,
            "recurrencedate": dt.date(2024, 1, 31),
            "amount": Decimal("1000.00"),
            "custcol_c2c_line_key": "K1-1",
            "invoice": 5001,
            "lastmodifieddate": T0,
        },
        *[
            {
                "id": 10 + n,
                "billingschedule": 1,
                "line": n,
                "recurrencedate": dt.date(2024, n, 28),
                "amount": Decimal("1000.50"),
                "custcol_c2c_line_key": f"K1-{n}",
                "invoice": None,
                "lastmodifieddate": T0,
            }
            for n in (2, 3, 4)
        ],
        {
            "id": 21,
            "billingschedule": 2,
            "line": 1,
            "recurrencedate": dt.date(2024, 3, 31),
            "amount": Decimal(50000),
            "custcol_c2c_line_key": "K2-1",
            "invoice": None,
            "lastmodifieddate": T0,
        },
        {
            "id": 31,
            "billingschedule": 3,
            "line": 1,
            "recurrencedate": dt.date(2024, 6, 30),
            "amount": Decimal(10),
            "custcol_c2c_line_key": None,
            "invoice": None,
            "lastmodifieddate": T0,
        },
    ]
    transactions, tlines, links = [], [], []
    for k in range(N_INVOICES):
        tid = 5001 + k
        transactions.append(
            {
                "id": tid,
                "tranid": f"INV{tid}",
                "type": "CustInvc",
                "trandate": dt.date(2024, 2, 1) + dt.timedelta(days=k % 28),
                "entity": 1 + k % 10,
                "job": 1001 + k % 10,
                "currency": 1,
                "exchangerate": Decimal(1),
                "status": "Open",
                "foreigntotal": Decimal("1200.00"),
                "memo": None if k % 2 else f"memo {k}",
                "createddate": T0,
                "lastmodifieddate": T0 + dt.timedelta(days=k // 10, minutes=k),
            }
        )
        for n in range(1, LINES_PER_INVOICE + 1):
            tlines.append(
                {
                    "id": tid * 100 + n,
                    "transaction": tid,
                    "linesequencenumber": n,
                    "item": "Services",
                    "entity": 1 + k % 10,
                    "quantity": Decimal("2.5"),
                    "rate": Decimal("40.00"),
                    "foreignamount": Decimal("100.00"),
                    "taxcode": "S",
                    "foreigntaxamount": Decimal(0),
                    "custcol_c2c_line_key": f"L{tid}-{n}",
                    "accountingperiod": "Feb 2024",
                    "memo": None,
                }
            )
    for k in range(10):
        pid = 6001 + k
        transactions.append(
            {
                "id": pid,
                "tranid": f"PYMT{pid}",
                "type": "CustPymt",
                "trandate": dt.date(2024, 3, 1),
                "entity": 1 + k,
                "job": None,
                "currency": 1,
                "exchangerate": Decimal(1),
                "status": "Deposited",
                "foreigntotal": Decimal("1200.00"),
                "memo": None,
                "createddate": T0,
                "lastmodifieddate": T0,
            }
        )
        links.append(
            {
                "previousdoc": 5001 + k,
                "nextdoc": pid,
                "linktype": "Payment",
                "foreignamount": Decimal("1200.00"),
                "linkdate": dt.date(2024, 3, 1),
            }
        )
    for k in range(5):
        jid = 7001 + k
        transactions.append(
            {
                "id": jid,
                "tranid": f"JE{jid}",
                "type": "Journal",
                "trandate": dt.date(2024, 3, 31),
                "entity": None,
                "job": None,
                "currency": 1,
                "exchangerate": Decimal(1),
                "status": "Approved",
                "foreigntotal": Decimal(500),
                "memo": "revenue",
                "createddate": T0,
                "lastmodifieddate": T0,
            }
        )
        for n, amount in ((1, Decimal(500)), (2, Decimal(-500))):
            tlines.append(
                {
                    "id": jid * 100 + n,
                    "transaction": jid,
                    "linesequencenumber": n,
                    "item": "4000 Revenue",
                    "entity": 1 if n == 1 else 1001,  # a customer, then a project
                    "quantity": None,
                    "rate": None,
                    "foreignamount": amount,
                    "taxcode": None,
                    "foreigntaxamount": None,
                    "custcol_c2c_line_key": None,
                    "accountingperiod": "Mar 2024",
                    "memo": "rev rec",
                }
            )
    return {
        "currency": cur,
        "currencyrate": rates,
        "customer": customers,
        "job": jobs,
        "billingschedule": schedules,
        "billingschedulerecurrence": lines,
        "transaction": transactions,
        "transactionline": tlines,
        "previoustransactionlink": links,
    }


def write_firm(firm: Path) -> Path:
    """Write the firm's NetSuite parquet files under `<firm>/netsuite/`; return `firm`."""
    folder = firm / "netsuite"
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in firm_tables().items():
        _frame(table, rows).write_parquet(folder / f"{table}.parquet")
    return firm
