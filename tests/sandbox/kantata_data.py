"""A small Kantata firm for the simulator tests, written as parquet exactly as sandbox/firm/schema.py says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from sandbox.firm.schema import SCHEMAS

UTC = dt.UTC


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


WORKSPACES = ["100001", "100002", "100003", "100004"]  # 100004 is archived
ARCHIVED_WORKSPACE = "100004"
N_TIME_ENTRIES = 45


def build_tables() -> dict[str, list[dict[str, Any]]]:
    """A small firm: 4 projects (one archived, currencies USD/EUR/JPY/KWD), stories with sub-stories, time
    entries with ties on date and updated_at, rate cards with two versions, links to Ironclad."""
    t0 = ts("2024-01-02T09:00:00")
    currencies = [("USD", 100, "$"), ("EUR", 100, "€"), ("JPY", 1, "¥"), ("KWD", 1000, "KD")]
    workspaces = [
        {
            "id": wid,
            "title": f"Project {name}",
            "description": f"Delivery for {name}",
            "start_date": dt.date(2024, 1, 1 + i),
            "due_date": None if i == 2 else dt.date(2024, 12, 1 + i),
            "price_in_cents": 12_500_000 * (i + 1),
            "currency": cur,
            "currency_base_unit": unit,
            "currency_symbol": sym,
            "rate_card_id": 1 if i < 2 else 2,
            "archived": wid == ARCHIVED_WORKSPACE,
            "stage": "project" if i != 1 else "estimate",
            "created_at": t0 + dt.timedelta(days=i),
            "updated_at": t0 + dt.timedelta(days=10 + i),
        }
        for i, (wid, name, (cur, unit, sym)) in enumerate(
            zip(WORKSPACES, ["Acme", "Globex", "Initech", "Umbrella"], currencies, strict=True)
        )
    ]
    stories = []
    for i in range(10):
        wid = WORKSPACES[i % 4]
        stories.append(
            {
                "id": str(700 + i),
                "workspace_id": wid,
                "parent_id": str(700 + i - 4) if i >= 8 else None,
                "title": ("Milestone " if i % 3 == 0 else "Design task ") + str(i),
                "story_type": "milestone" if i % 3 == 0 else "task",
                "state": ["not started", "started", "completed"][i % 3],
                "start_date": dt.date(2024, 2, 1 + i),
                "due_date": dt.date(2024, 3, 1 + i),
                "billable": i != 5,
                "fixed_fee": i % 3 == 0,
                "budget_estimate_in_cents": 100_000 * i,
                "archived": i == 7,
                "created_at": t0 + dt.timedelta(hours=i),
                "updated_at": t0 + dt.timedelta(days=20, hours=i % 4),
            }
        )
    changes = [
        {
            "id": str(5000 + i),
            "story_id": str(700 + i % 3),
            "state": ["started", "completed", "accepted"][i % 3],
            "created_at": t0 + dt.timedelta(days=30 + i),
            "updated_at": t0 + dt.timedelta(days=30 + i),
        }
        for i in range(5)
    ]
    users = [
        {
            "id": str(12 + i),
            "full_name": name,
            "email_address": f"{name.split()[0].lower()}@firm.example",
            "headline": "Consultant",
            "country": "US",
            "classification": "maven",
            "created_at": t0,
            "updated_at": t0 + dt.timedelta(days=i),
        }
        for i, name in enumerate(["Zoe Adams", "alan Brook", "Mia Chen"])
    ]
    roles = [
        {"id": str(30 + i), "name": name, "created_at": t0, "updated_at": t0 + dt.timedelta(days=i)}
        for i, name in enumerate(["Senior Consultant", "analyst", "Consultant"])
    ]
    memberships = [
        {
            "id": str(900 + i),
            "user_id": str(12 + i),
            "default_role_id": str(30 + i),
            "cost_rate_in_cents": 9000 + i,
            "currency": "USD",
            "currency_base_unit": 100,
            "created_at": t0,
            "updated_at": t0 + dt.timedelta(days=i),
        }
        for i in range(3)
    ]
    versions = [
        {
            "id": "61",
            "rate_card_id": 1,
            "default_rate": 15000,
            "currency": "USD",
            "currency_base_unit": 100,
            "created_at": ts("2023-12-01T00:00:00"),
            "updated_at": ts("2023-12-01T00:00:00"),
        },
        {
            "id": "62",
            "rate_card_id": 1,
            "default_rate": 16000,
            "currency": "USD",
            "currency_base_unit": 100,
            "created_at": ts("2024-03-05T00:00:00"),
            "updated_at": ts("2024-03-05T00:00:00"),
        },
        {
            "id": "63",
            "rate_card_id": 2,
            "default_rate": 20000,
            "currency": "JPY",
            "currency_base_unit": 1,
            "created_at": ts("2023-12-01T00:00:00"),
            "updated_at": ts("2023-12-01T00:00:00"),
        },
    ]
    rate_roles = [
        {
            "id": str(800 + i),
            "rate_card_version_id": vid,
            "role_id": rid,
            "rate": rate,
            "created_at": ts("2023-12-01T00:00:00") + dt.timedelta(minutes=i // 2),  # pairs tie on created_at
            "updated_at": ts("2023-12-01T00:00:00"),
        }
        for i, (vid, rid, rate) in enumerate(
            [
                ("61", "30", 21000),
                ("61", "31", 12000),
                ("62", "30", 23550),
                ("62", "31", 13000),
                ("63", "32", 30000),
            ]
        )
    ]
    entries = []
    for i in range(N_TIME_ENTRIES):
        wid = WORKSPACES[i % 4]
        story = next((s for s in stories if s["workspace_id"] == wid and not s["archived"]), None)
        entries.append(
            {
                "id": str(40_000_000 + i),
                "workspace_id": wid,
                "story_id": story["id"] if story and i % 7 else None,
                "user_id": str(12 + i % 3),
                "role_id": str(30 + i % 3) if i % 11 else None,
                "date_performed": dt.date(2024, 3, 1) + dt.timedelta(days=i % 9),
                "time_in_minutes": 15 * (1 + i % 8),
                "billable": i % 6 != 0,
                "rate_in_cents": 0 if i % 6 == 0 else 21000,
                "cost_rate_in_cents": 9000,
                "currency": "USD",
                "currency_base_unit": 100,
                "currency_symbol": "$",
                "is_invoiced": i % 5 == 0,
                "invoice_id": str(3000 + i) if i % 5 == 0 else None,
                "approved": i % 2 == 0,
                "taxable": False,
                "notes": f"Work item {i}" if i % 4 else "",
                "created_at": ts("2024-03-01T10:00:00") + dt.timedelta(hours=i),
                # pairs share an updated_at second (ties broken by id); one carries sub-second precision
                "updated_at": ts("2024-03-10T08:00:00")
                + dt.timedelta(minutes=30 * (i // 2), microseconds=500_000 * (i == 7)),
            }
        )
    expenses = [
        {
            "id": str(9_000_000 + i),
            "workspace_id": WORKSPACES[i % 4],
            "user_id": "12",
            "date": dt.date(2024, 3, 1 + i),
            "category": "Travel",
            "notes": f"Trip {i}",
            "amount_in_cents": 12345 * (i + 1),
            "currency": "USD",
            "currency_base_unit": 100,
            "is_billable": True,
            "is_invoiced": i == 0,
            "invoice_id": None,
            "created_at": t0,
            "updated_at": t0 + dt.timedelta(days=i),
        }
        for i in range(6)
    ]
    refs = [
        {
            "id": str(600 + i),
            "subject_type": "Workspace",
            "subject_id": int(wid),
            "service_name": "ironclad",
            "service_model": "sow",
            "service_model_ref": f"IC-{10 + i}",
            "status": "successful",
            "external_status": "active",
            "locked": False,
            "created_at": t0,
            "updated_at": t0 + dt.timedelta(days=i),
            "last_synced_at": t0 + dt.timedelta(days=i),
        }
        for i, wid in enumerate(WORKSPACES[:3])
    ] + [
        {
            "id": "610",
            "subject_type": "Story",
            "subject_id": 700,
            "service_name": "ironclad",
            "service_model": "milestone",
            "service_model_ref": "IC-10-M1",
            "status": "successful",
            "external_status": None,
            "locked": True,
            "created_at": t0,
            "updated_at": t0,
            "last_synced_at": None,
        },
        {
            "id": "611",
            "subject_type": "Workspace",
            "subject_id": 100001,
            "service_name": "netsuite",
            "service_model": "job",
            "service_model_ref": "5001",
            "status": "pending",
            "external_status": None,
            "locked": False,
            "created_at": t0,
            "updated_at": t0,
            "last_synced_at": t0,
        },
    ]
    return {
        "workspaces": workspaces,
        "stories": stories,
        "story_state_changes": changes,
        "users": users,
        "account_memberships": memberships,
        "roles": roles,
        "rate_card_versions": versions,
        "rate_card_roles": rate_roles,
        "time_entries": entries,
        "expenses": expenses,
        "external_references": refs,
    }


def write_firm(root: Path, tables: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    """Write `<root>/kantata/<table>.parquet` exactly as sandbox/firm/schema.py describes them."""
    tables = tables if tables is not None else build_tables()
    (root / "kantata").mkdir(parents=True, exist_ok=True)
    for name, schema in SCHEMAS["kantata"].items():
        pl.DataFrame(tables.get(name, []), schema=schema, orient="row").write_parquet(
            root / "kantata" / f"{name}.parquet"
        )
    return root
