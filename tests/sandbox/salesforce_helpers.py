"""Helpers for the Salesforce simulator tests: a small firm on disk and the app on real loopback HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from sandbox.firm.schema import SCHEMAS

UTC = dt.UTC
BASE = dt.datetime(2024, 1, 1, tzinfo=UTC)


def _id(prefix: str, n: int) -> str:
    return f"{prefix}{n:012d}"


def accounts(n: int, deleted_every: int = 10) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        stamp = BASE + dt.timedelta(minutes=i, microseconds=123456)
        rows.append(
            {
                "Id": _id("001", i),
                "Name": f"Account {i:05d}" if i % 7 else f"acme {i:05d}",
                "Type": "Customer" if i % 2 else None,
                "Industry": "Consulting",
                "BillingCountry": "US",
                "CurrencyIsoCode": "USD",
                "OwnerId": _id("005", 1),
                "CreatedDate": BASE,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                "IsDeleted": bool(deleted_every) and i % deleted_every == deleted_every - 1,
            }
        )
    return rows


def opportunities(n: int, account_count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        stamp = BASE + dt.timedelta(hours=i)
        rows.append(
            {
                "Id": _id("006", i),
                "AccountId": _id("001", i % account_count),
                "Name": f"Deal {i} O'Brien",
                "StageName": "Closed Won" if i % 3 == 0 else "Prospecting",
                "Amount": None
                if i % 5 == 4
                else Decimal(f"{1000 * i + 1234}.567")
                if i % 2
                else Decimal(120000),
                "CurrencyIsoCode": "EUR",
                "CloseDate": dt.date(2024, 1, 1) + dt.timedelta(days=i),
                "IsWon": i % 3 == 0,
                "IsClosed": i % 3 == 0,
                "Type": "New Business",
                "CreatedDate": BASE,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                "IsDeleted": i == n - 1,
            }
        )
    return rows


def contacts(n: int) -> list[dict[str, Any]]:
    return [
        {
            "Id": _id("003", i),
            "AccountId": _id("001", i),
            "FirstName": "Ann",
            "LastName": f"Lee{i}",
            "Email": f"ann{i}@example.com",
            "Title": "CFO" if i % 2 else "cto",
            "CreatedDate": BASE,
            "LastModifiedDate": BASE,
            "SystemModstamp": BASE + dt.timedelta(seconds=i),
            "IsDeleted": False,
        }
        for i in range(n)
    ]


def write_firm(root: Path, n_accounts: int = 25, n_opps: int = 12, n_contacts: int = 5) -> Path:
    """A firm directory with the three Salesforce tables (schema exactly as sandbox/firm/schema.py)."""
    firm = root / "firm"
    (firm / "salesforce").mkdir(parents=True, exist_ok=True)
    data = {
        "Account": accounts(n_accounts),
        "Opportunity": opportunities(n_opps, max(1, n_accounts)),
        "Contact": contacts(n_contacts),
    }
    for table, rows in data.items():
        frame = pl.DataFrame(rows, schema=SCHEMAS["salesforce"][table])
        frame.write_parquet(firm / "salesforce" / f"{table}.parquet")
    return firm
