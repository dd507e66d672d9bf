"""Approve: a named approver approves a plan — whole, or chosen contracts — and the record is append-only.
Apply asks `approved_scope()` first and is refused, before any ERP call, when the plan is unapproved,
approved by the identity that prepared it, or its items changed after the approval (RELIABILITY.md F15).

The optional auto-apply policy approves a plan by itself when the firm configured a money threshold
(`reverse_etl.auto_apply_max_impact`, reporting currency) and the plan's total absolute impact is below it,
nothing in it is blocked, and every schedule's impact is known in the reporting currency. Off by default.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from .errors import ApprovalError
from .plan import Plan, items_digest
from .store import Store, now

POLICY_APPROVER = "policy:auto-apply"


def _scoped(plan: Plan, contracts: list[str] | None) -> list[dict[str, Any]]:
    return [i for i in plan.items if contracts is None or i["contract_key"] in contracts
            or _clm(plan, i["contract_key"]) in contracts]


def _clm(plan: Plan, contract_key: str) -> str | None:
    return next((s["clm_contract_id"] for s in plan.schedules if s["contract_key"] == contract_key), None)


def approve(store: Store, plan: Plan, *, approver: str, contracts: list[str] | None = None,
            policy: str = "manual") -> dict[str, Any]:
    approver = (approver or "").strip()
    if not approver:
        raise ApprovalError("an approval needs the approver's name", plan=plan.plan_id)
    if approver == plan.prepared_by:
        raise ApprovalError(f"{approver!r} prepared this plan and cannot approve it (separation of duties)",
                            plan=plan.plan_id)
    if contracts is not None:
        known = {s["contract_key"] for s in plan.schedules} | {s["clm_contract_id"] for s in plan.schedules}
        unknown = sorted(set(contracts) - known)
        if unknown:
            raise ApprovalError(f"the plan has no schedule for contract(s) {', '.join(unknown)}", plan=plan.plan_id)
    scoped = _scoped(plan, contracts)
    record = {"approval_id": f"apr-{secrets.token_hex(6)}", "plan_id": plan.plan_id, "approver": approver,
              "approved_at": now(), "scope": json.dumps(sorted(contracts)) if contracts is not None else None,
              "items_digest": items_digest(scoped), "policy": policy}
    store.insert("approvals", [record])
    return {**record, "items": len(scoped)}


def approved_scope(store: Store, plan: Plan) -> set[str]:
    """The write keys an approval covers as the plan is now; raises ApprovalError when none does."""
    approvals = store.rows("select * from reverse_etl.approvals where plan_id = ? order by approved_at",
                           [plan.plan_id])
    if not approvals:
        raise ApprovalError("the plan is not approved; nothing was sent to the ERP", plan=plan.plan_id)
    keys: set[str] = set()
    valid = False
    problems = []
    for approval in approvals:
        contracts = json.loads(approval["scope"]) if approval["scope"] else None
        scoped = _scoped(plan, contracts)
        if approval["approver"] == plan.prepared_by:
            problems.append(f"{approval['approval_id']} is by the plan's own preparer")
        elif items_digest(scoped) != approval["items_digest"]:
            problems.append(f"{approval['approval_id']}: the items changed after the approval")
        else:
            valid = True
            keys |= {i["write_key"] for i in scoped}
    if not valid:  # (a valid approval of an empty plan applies nothing, without an error)
        raise ApprovalError("no valid approval: " + "; ".join(problems) + "; nothing was sent to the ERP",
                            plan=plan.plan_id)
    return keys


def auto_approve(store: Store, plan: Plan, threshold: Decimal | None) -> tuple[bool, str]:
    """Approve by policy when configured and the plan qualifies; returns (approved, why)."""
    if threshold is None:
        return False, "auto-apply is off (reverse_etl.auto_apply_max_impact is not set)"
    if not plan.items:
        return False, "the plan has no items"
    if any(s["blocked_reason"] for s in plan.schedules):
        return False, "the plan has blocked schedules"
    impacts = [s["impact_amount_reporting"] for s in plan.schedules]
    if any(v is None for v in impacts):
        return False, "a schedule's impact in the reporting currency is unknown"
    total = sum((abs(Decimal(v)) for v in impacts), Decimal(0))
    if total > threshold:
        return False, f"total impact {total} exceeds the auto-apply threshold {threshold}"
    approve(store, plan, approver=POLICY_APPROVER, policy=f"auto_apply_max_impact={threshold}")
    return True, f"total impact {total} ≤ {threshold}: approved by policy"
