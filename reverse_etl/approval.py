"""Approve: a registered approver signs a plan — whole, or chosen contracts — and the record is append-only.
Apply asks `approved_scope()` first and is refused, before any ERP request, when no approval is valid
(RELIABILITY.md F15). An approval is valid when:
- it is signed (Ed25519) by an approver of the registry (reverse_etl/approvers.py) with the finance role, and
  the signature verifies with that approver's registered key;
- what was signed is this plan: its id, the preparer stored with it, the scope, and the digest of the scoped
  items and of the schedules' desired lines as they are now (a later change to any of them voids it);
- the approver is not the plan's preparer — the pipeline identity stored with the plan when it was made
  (plans.prepared_by), compared normalised (approvers.identity).
A row inserted into `reverse_etl.approvals` by hand has no such signature: the pipeline holds no approver's
private key, so neither its credentials nor the warehouse can make one.

The optional auto-apply policy approves a plan by itself when the firm configured a money threshold
(`reverse_etl.auto_apply_max_impact`, reporting currency) and the plan qualifies: nothing in it is blocked,
every schedule's impact in the reporting currency is known and its impact agrees with its items, and the
total absolute impact is within the threshold. Its record (`policy:auto-apply`) is not trusted by itself:
apply re-reads the threshold from the configuration and recomputes the plan's impact. Off by default.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.errors import ConfigError

from .approvers import (
    APPROVING_ROLES,
    Approver,
    Registry,
    fingerprint,
    identity,
    load_registry,
    sign,
    signature_valid,
)
from .errors import ApprovalError
from .plan import Plan, items_digest
from .store import Store, digest, now

POLICY_APPROVER = "policy:auto-apply"
SIGNED = "signed"
PURPOSE = "c2c reverse-etl: approve a billing-schedule correction plan"
# what apply writes for a schedule, besides its items: covered by the approval's digest
SCHEDULE_FIELDS = ("write_key", "contract_key", "clm_contract_id", "schedule_external_id", "erp_last_modified",
                   "currency_code", "desired_version", "contract_version_number", "impact_amount",
                   "impact_amount_reporting", "blocked_reason")


def _scoped(plan: Plan, contracts: list[str] | None) -> list[dict[str, Any]]:
    return [i for i in plan.items if contracts is None or i["contract_key"] in contracts
            or _clm(plan, i["contract_key"]) in contracts]


def _clm(plan: Plan, contract_key: str) -> str | None:
    return next((s["clm_contract_id"] for s in plan.schedules if s["contract_key"] == contract_key), None)


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return None if value is None else str(value)


def approved_digest(plan: Plan, contracts: list[str] | None) -> str:
    """SHA-256 of what an approval covers: the scoped items and the desired lines of their schedules (what
    apply sends). Unkeyed on purpose: the approver's signature over it is the key."""
    scoped = _scoped(plan, contracts)
    keys = {i["write_key"] for i in scoped}
    schedules = []
    for schedule in plan.schedules:
        if schedule["write_key"] in keys:
            lines = schedule["desired_lines"]
            schedules.append([_text(schedule[k]) for k in SCHEDULE_FIELDS]
                             + [json.loads(lines) if isinstance(lines, str) else lines])
    return digest([items_digest(scoped), sorted(schedules, key=lambda s: s[0])])


def approver_of(plan: Plan, approver: str, registry: Registry) -> Approver:
    """The registered approver who may approve this plan; ApprovalError when the name may not."""
    who = identity(approver)
    if not who:
        raise ApprovalError("an approval needs the approver's name", plan=plan.plan_id)
    if who == identity(plan.prepared_by):
        raise ApprovalError(f"{who!r} prepared this plan and cannot approve it (separation of duties)",
                            plan=plan.plan_id)
    entry = registry.get(who)
    if entry is None:
        raise ApprovalError(f"{who!r} is not a registered approver (registry {registry.path})", plan=plan.plan_id)
    if entry.role not in APPROVING_ROLES:
        raise ApprovalError(f"{who!r} has the role {entry.role!r}; plans are approved by the "
                            f"{', '.join(sorted(APPROVING_ROLES))} role", plan=plan.plan_id)
    return entry


def approve(store: Store, plan: Plan, *, approver: str, private_key: Any, registry: Registry,
            contracts: list[str] | None = None) -> dict[str, Any]:
    """Sign and record an approval of the plan (or of chosen contracts) as a registered approver."""
    entry = approver_of(plan, approver, registry)
    who = entry.name
    if fingerprint(private_key.public_key()) != entry.fingerprint:
        raise ApprovalError(f"the signing key is not {who!r}'s registered key ({entry.fingerprint})", plan=plan.plan_id)
    if contracts is not None:
        known = {s["contract_key"] for s in plan.schedules} | {s["clm_contract_id"] for s in plan.schedules}
        unknown = sorted(set(contracts) - known)
        if unknown:
            raise ApprovalError(f"the plan has no schedule for contract(s) {', '.join(unknown)}", plan=plan.plan_id)
    scope = sorted(set(contracts)) if contracts is not None else None
    approved_at = now()
    payload = {"purpose": PURPOSE, "plan_id": plan.plan_id, "prepared_by": plan.prepared_by, "scope": scope,
               "items_digest": approved_digest(plan, scope), "approver": who,
               "approved_at": approved_at.isoformat(timespec="microseconds") + "Z"}
    text, signature = sign(private_key, payload)
    record = {"approval_id": f"apr-{secrets.token_hex(6)}", "plan_id": plan.plan_id, "approver": who,
              "approved_at": approved_at, "scope": json.dumps(scope) if scope is not None else None,
              "items_digest": payload["items_digest"], "policy": SIGNED, "signed_payload": text,
              "signature": signature, "key_fingerprint": entry.fingerprint}
    store.insert("approvals", [record])
    return {**record, "items": len(_scoped(plan, scope))}


def _signed_scope(approval: dict[str, Any], plan: Plan, registry: Callable[[], Registry]) -> list[str] | None:
    """The contracts (None = all) a signed approval covers; raises ValueError saying why it is not valid."""
    if not approval.get("signed_payload") or not approval.get("signature"):
        raise ValueError("it is not signed by a registered approver (approvals are signed with the approver's "
                         "key: `c2c reverse-etl approve`)")
    try:
        payload = json.loads(approval["signed_payload"])
        assert isinstance(payload, dict)
    except (ValueError, AssertionError):
        raise ValueError("its signed record is unreadable") from None
    try:
        approvers = registry()
    except ConfigError as exc:
        raise ValueError(f"its signature cannot be checked: {exc}") from None
    signer = approvers.get(payload.get("approver"))
    if signer is None:
        raise ValueError(f"it is signed as {payload.get('approver')!r}, who is not a registered approver")
    if not signature_valid(signer, approval["signed_payload"], approval["signature"]):
        raise ValueError(f"its signature does not verify with {signer.name!r}'s registered key "
                         f"({signer.fingerprint}): forged, altered, or signed with another key")
    if payload.get("purpose") != PURPOSE or payload.get("plan_id") != plan.plan_id:
        raise ValueError(f"it was signed for plan {payload.get('plan_id')!r}, not this one")
    if identity(payload.get("approver")) == identity(plan.prepared_by):
        raise ValueError("it is by the plan's own preparer")
    if payload.get("prepared_by") != plan.prepared_by:
        raise ValueError(f"it approves a plan prepared by {payload.get('prepared_by')!r}; this plan's preparer is "
                         f"{plan.prepared_by!r}")
    if signer.role not in APPROVING_ROLES:
        raise ValueError(f"{signer.name!r} has the role {signer.role!r}, which does not approve plans")
    scope = payload.get("scope")
    stored_scope = json.loads(approval["scope"]) if approval["scope"] else None
    if (identity(approval["approver"]) != signer.name or stored_scope != scope
            or approval["items_digest"] != payload.get("items_digest")):
        raise ValueError("its record differs from what the approver signed")
    if approved_digest(plan, scope) != payload.get("items_digest"):
        raise ValueError("the items changed after the approval")
    return scope


def approved_scope(store: Store, plan: Plan, *, data_dir: Path | None = None) -> set[str]:
    """The write keys a valid approval covers as the plan is now; raises ApprovalError when none does."""
    return valid_approvals(store, plan, data_dir=data_dir)[0]


def valid_approvals(store: Store, plan: Plan, *, data_dir: Path | None = None) -> tuple[set[str], list[str]]:
    """(the write keys valid approvals cover as the plan is now, who gave them); ApprovalError when none is
    valid. The registry and the auto-apply threshold are read from the configuration now, never from the
    warehouse."""
    approvals = store.rows("select * from reverse_etl.approvals where plan_id = ? order by approved_at",
                           [plan.plan_id])
    if not approvals:
        raise ApprovalError("the plan is not approved; nothing was sent to the ERP", plan=plan.plan_id)
    loaded: dict[str, Registry] = {}

    def registry() -> Registry:
        if "registry" not in loaded:
            loaded["registry"] = load_registry(data_dir)
        return loaded["registry"]

    keys: set[str] = set()
    valid = False
    approvers: list[str] = []
    problems = []
    for approval in approvals:
        if identity(approval["approver"]) == identity(plan.prepared_by):
            problems.append(f"{approval['approval_id']} is by the plan's own preparer")
            continue
        if approval["approver"] == POLICY_APPROVER:
            ok, why = policy_verdict(plan, configured_threshold())
            if not ok:
                problems.append(f"{approval['approval_id']}: the auto-apply policy does not cover the plan now ({why})")
                continue
            scope = None
        else:
            try:
                scope = _signed_scope(approval, plan, registry)
            except ValueError as exc:
                problems.append(f"{approval['approval_id']}: {exc}")
                continue
        valid = True
        keys |= {i["write_key"] for i in _scoped(plan, scope)}
        if identity(approval["approver"]) not in approvers:
            approvers.append(identity(approval["approver"]))
    if not valid:  # (a valid approval of an empty plan applies nothing, without an error)
        raise ApprovalError("no valid approval: " + "; ".join(problems) + "; nothing was sent to the ERP",
                            plan=plan.plan_id)
    return keys, approvers


def configured_threshold() -> Decimal | None:
    from .settings import Knobs

    return Knobs.load().auto_apply_max_impact


def policy_verdict(plan: Plan, threshold: Decimal | None) -> tuple[bool, str]:
    """Whether the auto-apply policy covers the plan as it is, with its impact recomputed from the schedules."""
    if threshold is None:
        return False, "auto-apply is off (reverse_etl.auto_apply_max_impact is not set)"
    if not plan.items:
        return False, "the plan has no items"
    if any(s["blocked_reason"] for s in plan.schedules):
        return False, "the plan has blocked schedules"
    impacts = [s["impact_amount_reporting"] for s in plan.schedules]
    if any(v is None for v in impacts):
        return False, "a schedule's impact in the reporting currency is unknown"
    for schedule in plan.schedules:
        change = sum((Decimal(i["amount_change"]) for i in plan.items if i["write_key"] == schedule["write_key"]),
                     Decimal(0))
        if change != Decimal(schedule["impact_amount"]):
            return False, f"{schedule['write_key']}: its impact is not the sum of its items' amount changes"
    total = sum((abs(Decimal(v)) for v in impacts), Decimal(0))
    if total > threshold:
        return False, f"total impact {total} exceeds the auto-apply threshold {threshold}"
    return True, f"total impact {total} ≤ {threshold}"


def auto_approve(store: Store, plan: Plan, threshold: Decimal | None) -> tuple[bool, str]:
    """Record an approval by policy when configured and the plan qualifies; returns (approved, why)."""
    ok, why = policy_verdict(plan, threshold)
    if not ok:
        return False, why
    store.insert("approvals", [{"approval_id": f"apr-{secrets.token_hex(6)}", "plan_id": plan.plan_id,
                                "approver": POLICY_APPROVER, "approved_at": now(), "scope": None,
                                "items_digest": approved_digest(plan, None),
                                "policy": f"auto_apply_max_impact={threshold}"}])
    return True, f"{why}: approved by policy"
