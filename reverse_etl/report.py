"""The correction plan as people read it: one row per line operation, then the money impact per currency and
the blocked schedules. `c2c reverse-etl plan|show`, the demo and the Dagster plan asset all render it here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _money(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():,f}"


def plan_table(plan: Any, limit: int = 60) -> str:
    """The plan as a readable table: one row per line operation, then totals per currency."""
    scope = f" (contracts {', '.join(plan.scope)})" if plan.scope is not None else ""
    if not plan.items:
        return (f"plan {plan.plan_id}{scope}: nothing to correct (every ERP schedule already holds its desired "
                "lines)")
    clm = {s["contract_key"]: s["clm_contract_id"] for s in plan.schedules}
    blocked = {s["write_key"]: s["blocked_reason"] for s in plan.schedules if s["blocked_reason"]}
    head = ("contract", "line", "op", "before", "after", "change", "ccy", "change order")
    rows = [(clm.get(i["contract_key"], "?"), i["line_key"], i["op"] + (" (BLOCKED)" if i["write_key"] in blocked else ""),
             f"{_money(i['before_amount'])} {i['before_date'] or ''}".strip(),
             f"{_money(i['after_amount'])} {i['after_date'] or ''}".strip(),
             _money(i["amount_change"]), i["currency_code"], i["clm_amendment_id"] or "") for i in plan.items]
    shown = rows[:limit]
    widths = [max(len(str(r[k])) for r in [head, *shown]) for k in range(len(head))]
    lines = [(f"plan {plan.plan_id}{scope} (prepared by {plan.prepared_by}, as of {plan.as_of_date}): "
             f"{len(plan.items)} line operations on {len(plan.schedules)} billing schedules")]
    for row in [head, *shown]:
        lines.append("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths)))
    if len(rows) > limit:
        lines.append(f"  … {len(rows) - limit} more (--json lists every item)")
    lines.append("money impact: " + ", ".join(f"{_money(v)} {k}" for k, v in plan.impact_by_currency().items()))
    for key, reason in blocked.items():
        lines.append(f"BLOCKED {key}: {reason}")
    return "\n".join(lines)
