"""Every stored plan with where it stands — what finance reads before approving or after applying
(`c2c reverse-etl plans`): who prepared it and when, its scope, items and money impact per currency, its
approvals and the write outcomes recorded for it. Read-only; the status is a summary of those facts (whether
an approval is still valid is decided by the apply, approval.py)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .store import Store

# every column: a warehouse made before `scope` was added has none, and a read-only store cannot add it
PLANS = "select * from reverse_etl.plans order by created_at desc, plan_id desc limit ?"


def list_plans(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The newest `limit` plans, newest first, each with impact per currency, approvals and outcomes."""
    if not store.has_tables:
        return []
    plans = store.rows(PLANS, [limit])
    if not plans:
        return []
    ids = [p["plan_id"] for p in plans]
    marks = ", ".join("?" * len(ids))
    impact: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in store.rows(f"select plan_id, currency_code, sum(amount_change) as total from reverse_etl.plan_items "
                          f"where plan_id in ({marks}) group by 1, 2 order by 1, 2", ids):
        impact[row["plan_id"]][row["currency_code"]] = Decimal(row["total"])
    approvals: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.rows(f"select plan_id, approver, approved_at, scope, policy from reverse_etl.approvals "
                          f"where plan_id in ({marks}) order by approved_at", ids):
        approvals[row.pop("plan_id")].append(row)
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for row in store.rows(f"select plan_id, outcome, count(*) as n from reverse_etl.write_ledger where plan_id in "
                          f"({marks}) and phase = 'outcome' group by 1, 2 order by 1, 2", ids):
        outcomes[row["plan_id"]][row["outcome"]] = int(row["n"])
    out = []
    for plan in plans:
        plan_id = plan["plan_id"]
        out.append({"plan_id": plan_id, "prepared_at": plan["created_at"], "prepared_by": plan["prepared_by"],
                    "as_of_date": plan["as_of_date"],
                    "scope": [c for c in plan["scope"].split(",") if c] if plan.get("scope") is not None else None,
                    "schedules": plan["schedule_count"], "items": plan["item_count"],
                    "impact": impact.get(plan_id, {}), "approvals": approvals.get(plan_id, []),
                    "outcomes": outcomes.get(plan_id, {}),
                    "status": _status(plan["item_count"], approvals.get(plan_id), outcomes.get(plan_id))})
    return out


def _status(items: int, approvals: list[dict[str, Any]] | None, outcomes: dict[str, int] | None) -> str:
    if not items:
        return "nothing to correct"
    if outcomes:
        return "applied"
    if approvals:
        return "approved"
    return "awaiting approval"


def plans_table(plans: list[dict[str, Any]]) -> str:
    """The plans as a readable table, one row each, newest first."""
    if not plans:
        return "no plans yet: `c2c reverse-etl plan` makes one"
    head = ("plan", "prepared", "scope", "items/schedules", "money impact", "approvals", "outcomes", "status")
    rows = [head] + [(
        p["plan_id"], f"{p['prepared_at']:%Y-%m-%d %H:%M} by {p['prepared_by']}",
        ", ".join(p["scope"]) if p["scope"] is not None else "all",
        f"{p['items']}/{p['schedules']}",
        "; ".join(f"{v.normalize():,f} {k}" for k, v in p["impact"].items()) or "—",
        "; ".join(a["approver"] for a in p["approvals"]) or "—",
        ", ".join(f"{k} {n}" for k, n in p["outcomes"].items()) or "—",
        p["status"]) for p in plans]
    widths = [max(len(str(r[k])) for r in rows) for k in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\nnext: c2c reverse-etl show <plan> for its items"
