"""Time entry writes: `PUT /time_entries/{id}.json` (root key `time_entry`) and `POST /time_entries.json`
(one under `time_entry`, or up to 100 under the plural key `time_entries`). In memory only.

Bodies may be JSON or Rails form-encoded (`time_entry[notes]=…`). Unpermitted attributes are ignored (Rails
strong parameters). Validation failures answer 422 with `{"errors":[{"type":"validation","field","message"}]}`.
The body parsing, the coercion functions, `Invalid` and `_bumped` also serve story updates
(story_writes.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl

from sandbox.common.jsonio import loads

from .store import Store

MAX_BULK = 100
WRITABLE = (
    "workspace_id",
    "date_performed",
    "time_in_minutes",
    "billable",
    "rate_in_cents",
    "notes",
    "role_id",
    "story_id",
    "user_id",
)
_FORM_KEY = re.compile(r"^(\w+)\[(\w*)\](?:\[(\w+)\])?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "1", "t", "yes", "on"}
_FALSE = {"false", "0", "f", "no", "off", ""}


class Invalid(ValueError):
    """A 422: one or more validation errors."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']} {e['message']}" for e in errors))
        self.errors = errors


def _err(field: str, message: str) -> Invalid:
    return Invalid([{"type": "validation", "field": field, "message": message}])


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """JSON, or Rails form encoding (`time_entry[x]=1`, `time_entries[][x]=1` starts a new object per repeat)."""
    if not raw.strip():
        return {}
    if "json" in content_type or raw.lstrip()[:1] in (b"{", b"["):
        try:
            body = loads(raw)
        except ValueError:
            raise _err("base", "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _err("base", "the request body must be a JSON object")
        return body
    body: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        match = _FORM_KEY.match(key)
        if not match:
            continue
        root, inner, attr = match.groups()
        if inner == "" and attr:  # time_entries[][notes]=…
            items = body.setdefault(root, [])
            if not items or attr in items[-1]:
                items.append({})
            items[-1][attr] = value
        elif inner:
            body.setdefault(root, {})[inner] = value
    return body


def _id(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not re.fullmatch(r"\d+", str(value).strip()):
        raise _err(field, "is invalid")
    return str(int(str(value).strip()))


def _int(field: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _err(field, "is not a number")
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise _err(field, "is not a number") from None


def _date(field: str, value: Any, *, optional: bool = False) -> dt.date | None:
    """A YYYY-MM-DD value; blank is None when `optional`, else a validation error."""
    text = "" if value is None else str(value).strip()
    if optional and not text:
        return None
    if not _DATE.match(text):
        raise _err(field, "must be a date in YYYY-MM-DD format")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _err(field, "is not a valid date") from None


def _bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _err(field, "is not a boolean")


def coerce(attrs: dict[str, Any]) -> dict[str, Any]:
    """The permitted attributes, typed as the table holds them (ids as strings)."""
    out: dict[str, Any] = {}
    for name in WRITABLE:
        if name not in attrs:
            continue
        value = attrs[name]
        if name.endswith("_id"):
            out[name] = _id(name, value)
        elif name in ("time_in_minutes", "rate_in_cents"):
            out[name] = None if value is None or value == "" else _int(name, value)
        elif name == "billable":
            out[name] = None if value is None else _bool(name, value)
        elif name == "date_performed":
            out[name] = _date(name, value)
        else:  # notes
            out[name] = "" if value is None else str(value)
    return out


class TimeEntryWriter:
    """Validates and applies time entry writes against the store."""

    def __init__(self, store: Store, current_user_id: str | None = None) -> None:
        self.store = store
        self.current_user_id = current_user_id

    def _row(self, table: str, rid: str | None) -> dict[str, Any] | None:
        if rid is None:
            return None
        positions = self.store.by_ids(table, [rid])
        return self.store.tables[table].mirror.row(positions[0], named=True) if positions else None

    def _check(self, entry: dict[str, Any]) -> None:
        """Validation of a complete entry (after defaults / merged with the stored row)."""
        for name in ("workspace_id", "date_performed", "time_in_minutes"):
            if entry.get(name) is None:
                raise _err(name, "can't be blank")
        if entry["time_in_minutes"] <= 0:
            raise _err("time_in_minutes", "must be greater than 0")
        if entry["time_in_minutes"] > 24 * 60:
            raise _err("time_in_minutes", "must be less than or equal to 1440")
        if entry.get("rate_in_cents") is not None and entry["rate_in_cents"] < 0:
            raise _err("rate_in_cents", "must be greater than or equal to 0")
        workspace = self._row("workspaces", entry["workspace_id"])
        if workspace is None:
            raise _err("workspace", "can't be blank")
        if workspace.get("archived"):
            raise _err("workspace", "is archived; time cannot be logged in archived projects")
        if entry.get("story_id") is not None:
            story = self._row("stories", entry["story_id"])
            if story is None:
                raise _err("story", "is invalid")
            if story["workspace_id"] != entry["workspace_id"]:
                raise _err("story", "must belong to the same project as the time entry")
        if entry.get("user_id") is None or self._row("users", entry["user_id"]) is None:
            raise _err("user", "can't be blank")
        if entry.get("role_id") is not None and self._row("roles", entry["role_id"]) is None:
            raise _err("role", "is invalid")

    # ------------------------------------------------------------------------------------------- update
    def update(self, rid: str, attrs: Any) -> int | None:
        """Apply `attrs` to time entry `rid`; returns its position, None when there is no such entry."""
        if not isinstance(attrs, dict):
            raise _err("time_entry", "is missing (send the attributes under the root key `time_entry`)")
        with self.store.write_lock:
            current = self._row("time_entries", rid)
            if current is None:
                return None
            changes = coerce(attrs)
            if current.get("is_invoiced"):
                raise _err("base", "this time entry has been invoiced and can no longer be edited")
            merged = {**current, **changes}
            self._check(merged)
            changes = {k: v for k, v in changes.items() if v != current.get(k)}
            changes["updated_at"] = _bumped(current.get("updated_at"))
            position = self.store.by_ids("time_entries", [rid])[0]
            self.store.update("time_entries", position, changes)
            return position

    # ------------------------------------------------------------------------------------------- create
    def create(self, body: dict[str, Any]) -> list[int]:
        """Create one (`time_entry`) or many (`time_entries`, at most 100, all or nothing)."""
        if "time_entries" in body:
            items = body["time_entries"]
            if not isinstance(items, list) or not items:
                raise _err("time_entries", "must be a non-empty array of time entries")
            if len(items) > MAX_BULK:
                raise _err("time_entries", f"cannot create more than {MAX_BULK} objects in one request")
        elif isinstance(body.get("time_entry"), dict):
            items = [body["time_entry"]]
        else:
            raise _err("time_entry", "is missing (send the attributes under the root key `time_entry`)")
        with self.store.write_lock:
            rows = []
            next_id = (
                int(self.store.scalar("select coalesce(max(try_cast(id as bigint)), 0) from time_entries"))
                + 1
            )
            now = _now()
            for index, attrs in enumerate(items):
                if not isinstance(attrs, dict):
                    raise _err("time_entries", f"item {index} is not an object")
                try:
                    rows.append(self._new_row(str(next_id + index), coerce(attrs), now))
                except Invalid as exc:
                    if len(items) > 1:
                        for error in exc.errors:
                            error["message"] = f"{error['message']} (time_entries[{index}])"
                    raise
            return self.store.insert("time_entries", rows)

    def _new_row(self, rid: str, attrs: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        entry = dict(attrs)
        entry["user_id"] = entry.get("user_id") or self._default_user()
        for name in ("workspace_id", "date_performed", "time_in_minutes"):
            if entry.get(name) is None:
                raise _err(name, "can't be blank")
        membership = self._membership(entry.get("user_id"))
        if entry.get("role_id") is None and membership:
            entry["role_id"] = membership.get("default_role_id")
        self._check(entry)
        workspace = self._row("workspaces", entry["workspace_id"]) or {}
        story = self._row("stories", entry.get("story_id"))
        if entry.get("billable") is None:
            entry["billable"] = (
                bool(story["billable"]) if story and story.get("billable") is not None else True
            )
        if entry.get("rate_in_cents") is None:
            entry["rate_in_cents"] = self._rate(workspace, entry.get("role_id"), entry["date_performed"])
        return {
            "id": rid,
            "workspace_id": entry["workspace_id"],
            "story_id": entry.get("story_id"),
            "user_id": entry["user_id"],
            "role_id": entry.get("role_id"),
            "date_performed": entry["date_performed"],
            "time_in_minutes": entry["time_in_minutes"],
            "billable": entry["billable"],
            "rate_in_cents": entry["rate_in_cents"],
            "cost_rate_in_cents": (membership or {}).get("cost_rate_in_cents") or 0,
            "currency": workspace.get("currency"),
            "currency_base_unit": workspace.get("currency_base_unit"),
            "currency_symbol": workspace.get("currency_symbol"),
            "is_invoiced": False,
            "invoice_id": None,
            "approved": False,
            "taxable": False,
            "notes": entry.get("notes") or "",
            "created_at": now,
            "updated_at": now,
        }

    def _default_user(self) -> str | None:
        if self.current_user_id:
            return str(self.current_user_id)
        return self.store.scalar(
            "select id from users order by try_cast(id as bigint) nulls last, id limit 1"
        )

    def _membership(self, user_id: str | None) -> dict[str, Any] | None:
        groups = self.store.tables["account_memberships"].grouped(("user_id",))
        found = groups.get(user_id or "", [])
        return self.store.tables["account_memberships"].mirror.row(found[0], named=True) if found else None

    def _rate(self, workspace: dict[str, Any], role_id: str | None, performed: dt.date) -> int:
        """The role's rate on the project's rate card version in force on `performed` (else its default rate)."""
        if workspace.get("rate_card_id") is None:
            return 0
        rate = self.store.scalar(
            """
            select coalesce(r.rate, v.default_rate, 0)
            from rate_card_versions v
            left join rate_card_roles r on r.rate_card_version_id = v.id and r.role_id = ?
            where v.rate_card_id = ?
            order by (v.created_at <= ?::date + interval 1 day) desc,
                     case when v.created_at <= ?::date + interval 1 day then v.created_at end desc nulls last,
                     v.created_at asc
            limit 1
            """,
            [role_id, workspace["rate_card_id"], performed, performed],
        )
        return int(rate or 0)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _bumped(previous: dt.datetime | None) -> dt.datetime:
    """Now (whole seconds), but always after the previous value so `updated_after` sees the change."""
    now = _now()
    if previous is not None and previous.replace(microsecond=0) >= now:
        return previous.replace(microsecond=0) + dt.timedelta(seconds=1)
    return now
