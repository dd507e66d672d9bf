"""`PATCH /records/{id}` on one record document (pure: dict in, dict changed; the store persists it).

Supported body keys: `addProperties`, `removeProperties`, `name`, `type`, `addPropertiesToAmend`,
`removePropertiesToAmend`. The other keys of the vendor's UpdateRecordMetadata body (links, parent/children)
answer 400 "not supported by the sandbox".

Amendment roll-up (vendor PropertiesToAmend / RollUpConfiguration): an amendment child lists the properties
it replaces on its parent; the parent then shows the child's value with its own beside it as `originalValue`.
The parent's `amendments` names (by ironcladId) its amendment children that are approved: a PATCH that approves
a change order adds it there, one that takes the approval back removes it.
"""

from __future__ import annotations

from typing import Any

from .errors import invalid_param
from .metadata import RecordSchema, check_value

SUPPORTED_KEYS = (
    "addProperties",
    "removeProperties",
    "name",
    "type",
    "addPropertiesToAmend",
    "removePropertiesToAmend",
)
VENDOR_KEYS = (
    "addLinks",
    "removeLinks",
    "setParent",
    "addChildren",
    "removeParent",
    "removeChildren",
)


def validate_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid_param("the request body must be a JSON object", "body")
    for key in body:
        if key in VENDOR_KEYS:
            raise invalid_param(f"{key} is not supported by the sandbox", key)
        if key not in SUPPORTED_KEYS:
            raise invalid_param(f"unknown parameter {key}", key)
    return body


def apply_patch(doc: dict[str, Any], body: dict[str, Any], schema: RecordSchema) -> set[str]:
    """Apply the update to `doc` in place; return the names of the properties it set or removed."""
    changed: set[str] = set()
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise invalid_param("name must be a non-empty string", "name")
        doc["name"] = body["name"]
    if "type" in body:
        if body["type"] not in schema.record_types:
            raise invalid_param(f"unknown record type {body['type']}", "type")
        doc["type"] = body["type"]
    properties: dict[str, Any] = doc.setdefault("properties", {})
    additions = body.get("addProperties") or {}
    if not isinstance(additions, dict):
        raise invalid_param("addProperties must be an object of {type, value}", "addProperties")
    removals = body.get("removeProperties") or []
    if not isinstance(removals, list) or not all(isinstance(r, str) for r in removals):
        raise invalid_param("removeProperties must be a list of property ids", "removeProperties")
    for name, prop in additions.items():
        properties[name] = checked_property(name, prop, schema)
        changed.add(name)
    for name in removals:
        if name not in schema.properties:
            raise invalid_param(f"unknown property {name}", f"properties.{name}")
        if properties.pop(name, None) is not None:
            changed.add(name)
    return changed


def checked_property(name: str, prop: Any, schema: RecordSchema) -> dict[str, Any]:
    param = f"properties.{name}"
    if name not in schema.properties:
        raise invalid_param(f"unknown property {name}", param)
    if not isinstance(prop, dict) or "value" not in prop:
        raise invalid_param(f"property {name} must be an object with type and value", param)
    expected = schema.properties[name]
    ptype = prop.get("type", expected)
    if ptype != expected:
        raise invalid_param(f"invalid type {ptype} for property {name}, expected {expected}", param)
    if not check_value(ptype, prop["value"]):
        raise invalid_param(f"invalid value for property {name} of type {ptype}", param)
    return {"type": ptype, "value": prop["value"]}


def amend_config(
    body: dict[str, Any], schema: RecordSchema, current: dict[str, Any], is_amendment: bool
) -> tuple[dict[str, Any], set[str], set[str]]:
    """The child's roll-up configuration after the update: (config, names added, names removed)."""
    add = body.get("addPropertiesToAmend") or {}
    remove = body.get("removePropertiesToAmend") or []
    if (add or remove) and not is_amendment:
        key = "addPropertiesToAmend" if add else "removePropertiesToAmend"
        raise invalid_param(f"{key} is only valid on a record whose parentLinkType is amendment", key)
    if not isinstance(add, dict):
        raise invalid_param("addPropertiesToAmend must be an object", "addPropertiesToAmend")
    if not isinstance(remove, list) or not all(isinstance(r, str) for r in remove):
        raise invalid_param(
            "removePropertiesToAmend must be a list of property ids", "removePropertiesToAmend"
        )
    config = dict(current)
    for name, rule in add.items():
        if name not in schema.properties:
            raise invalid_param(f"unknown property {name}", f"addPropertiesToAmend.{name}")
        if not isinstance(rule, dict) or rule.get("amendmentType") != "replace":
            raise invalid_param("amendmentType must be replace", f"addPropertiesToAmend.{name}")
        config[name] = {"amendmentType": "replace"}
    removed = {name for name in remove if config.pop(name, None) is not None}
    return config, set(add), removed


def roll_up(
    parent: dict[str, Any], child: dict[str, Any], names: set[str], config: dict[str, Any]
) -> set[str]:
    """Show the child's value of each configured property in `names` on the parent (original kept beside)."""
    rolled: set[str] = set()
    parent_props: dict[str, Any] = parent.setdefault("properties", {})
    for name in sorted(names):
        if (config.get(name) or {}).get("amendmentType") != "replace":
            continue
        new = (child.get("properties") or {}).get(name)
        old = parent_props.get(name)
        if new is None:  # the amendment no longer sets it
            rolled |= revert(parent, {name})
            continue
        entry = {"type": new["type"], "value": new["value"]}
        if old is not None:
            entry["originalValue"] = old.get("originalValue", old.get("value"))
        parent_props[name] = entry
        rolled.add(name)
    return rolled


APPROVAL_PROPERTY, APPROVED = "approvalStatus", "approved"


def is_approved(doc: dict[str, Any]) -> bool:
    return ((doc.get("properties") or {}).get(APPROVAL_PROPERTY) or {}).get("value") == APPROVED


def list_amendments(parent: dict[str, Any], children: list[dict[str, Any]]) -> bool:
    """Set the parent's `amendments` to the ironcladIds of its approved amendment children, in `childIds`
    order (`children` are those docs); True when the list changed."""
    approved = [
        c.get("ironcladId")
        for c in children
        if c.get("parentLinkType") == "amendment" and is_approved(c) and c.get("ironcladId")
    ]
    if approved == list(parent.get("amendments") or []):
        return False
    parent["amendments"] = approved
    return True


def revert(parent: dict[str, Any], names: set[str]) -> set[str]:
    """The parent's amended properties go back to their original values (those that carry one)."""
    reverted: set[str] = set()
    parent_props: dict[str, Any] = parent.setdefault("properties", {})
    for name in sorted(names):
        old = parent_props.get(name)
        if old is not None and "originalValue" in old:
            parent_props[name] = {"type": old["type"], "value": old["originalValue"]}
            reverted.add(name)
    return reverted
