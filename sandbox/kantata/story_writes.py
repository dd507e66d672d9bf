"""Story updates: `PUT /stories/{id}.json` with root key `story` (JSON or Rails form
`story[state]=completed`), what a project manager's "mark milestone complete" sends. In memory only, like
time entry writes.

Permitted attributes (a subset of the vendor's UpdateStory body that the stories table holds): title,
story_type, state, status, start_date, due_date, billable, fixed_fee, budget_estimate_in_cents, archived;
others are ignored (Rails strong parameters). `status` wins over `state` when both are sent (vendor: the
status's category is applied to `state`; without task status sets the category is the status itself).

A change of `state` adds one `story_state_changes` row (the vendor creates them itself: they cannot be
written directly). Any change bumps `updated_at` (whole seconds, always later than before); a write that
changes nothing saves nothing, as Rails does. Validation failures raise `Invalid` (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .store import Store
from .writes import _bool, _bumped, _date, _err, _int

# vendor UpdateStory `state`: tasks, deliverables and milestones
WORK_STATES = ("not started", "started", "needs info", "completed")
# issues without a task status set (with one they take WORK_STATES; we accept both)
ISSUE_STATES = (
    "new",
    "reopened",
    "in progress",
    "blocked",
    "fixed",
    "duplicate",
    "can't repro",
    "resolved",
    "won't fix",
)
# departure: the firm records a client's acceptance of a milestone as state "accepted", which the vendor
# docs do not list
FIRM_STATES = ("accepted",)
STORY_TYPES = ("task", "deliverable", "milestone", "issue")
WRITABLE = (
    "title",
    "story_type",
    "state",
    "start_date",
    "due_date",
    "billable",
    "fixed_fee",
    "budget_estimate_in_cents",
    "archived",
)


def allowed_states(story_type: str | None) -> tuple[str, ...]:
    if story_type == "issue":
        return ISSUE_STATES + WORK_STATES
    return WORK_STATES + FIRM_STATES


def coerce(attrs: dict[str, Any]) -> dict[str, Any]:
    """The permitted attributes, typed as the stories table holds them."""
    attrs = dict(attrs)
    if str(attrs.get("status") or "").strip():
        attrs["state"] = attrs["status"]
    out: dict[str, Any] = {}
    for name in WRITABLE:
        if name not in attrs:
            continue
        value = attrs[name]
        if name in ("start_date", "due_date"):
            out[name] = _date(name, value, optional=True)
        elif name in ("billable", "fixed_fee", "archived"):
            out[name] = None if value is None else _bool(name, value)
        elif name == "budget_estimate_in_cents":
            out[name] = None if value is None or value == "" else _int(name, value)
        else:  # title, story_type, state
            out[name] = "" if value is None else str(value).strip()
    return out


def _check(story: dict[str, Any], changes: dict[str, Any], status_sent: bool) -> None:
    if "title" in changes and not story["title"]:
        raise _err("title", "can't be blank")
    if "story_type" in changes and story["story_type"] not in STORY_TYPES:
        raise _err("story_type", "is not included in the list")
    if ("state" in changes or "story_type" in changes) and story["state"] not in allowed_states(
        story["story_type"]
    ):
        raise _err("status" if status_sent else "state", "is not included in the list")


class StoryWriter:
    """Validates and applies story updates against the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def update(self, rid: str, attrs: Any) -> int | None:
        """Apply `attrs` to story `rid`; returns its position, None when there is no such story."""
        with self.store.write_lock:
            positions = self.store.by_ids("stories", [rid])
            if not positions:
                return None
            if not isinstance(attrs, dict):
                raise _err("story", "is missing (send the attributes under the root key `story`)")
            position = positions[0]
            current = self.store.tables["stories"].mirror.row(position, named=True)
            changes = coerce(attrs)
            _check({**current, **changes}, changes, bool(str(attrs.get("status") or "").strip()))
            changes = {k: v for k, v in changes.items() if v != current.get(k)}
            if not changes:
                return position
            stamp = _bumped(current.get("updated_at"))
            changes["updated_at"] = stamp
            self.store.update("stories", position, changes)
            if "state" in changes:
                self.store.insert("story_state_changes", [self._state_change(rid, changes["state"], stamp)])
            return position

    def _state_change(self, story_id: str, state: str, stamp: dt.datetime) -> dict[str, Any]:
        """A new row whose id is past every existing numeric id (so never one of the generated ids)."""
        last = self.store.scalar("select coalesce(max(try_cast(id as bigint)), 0) from story_state_changes")
        return {
            "id": str(int(last) + 1),
            "story_id": story_id,
            "state": state,
            "created_at": stamp,
            "updated_at": stamp,
        }
