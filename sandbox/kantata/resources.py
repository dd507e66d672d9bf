"""What each Kantata OX resource is: its table, sort orders, filters (incl. the vendor's default filters),
`include` associations and `search` columns.

Orders and defaults follow the vendor's per-endpoint OpenAPI (api-evangelist/mavenlink `openapi/*.yml`); where
it names no order (account_memberships, rate_card_versions) `id:asc` is our choice. Every order tie-breaks on
the numeric id. Filters build DuckDB SQL fragments with `?` parameters over the table's own columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Clause = tuple[str, list[object]]
FilterFn = Callable[[Mapping[str, str]], list[Clause]]

TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y", "on"})
ID_SORT = "try_cast(id as bigint) asc nulls last, id asc"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class ParamError(ValueError):
    """A query parameter the vendor would reject (400 with a validation error)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name} {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Include:
    """One `include=` association. kind: belongs_to (fk on the primary), has_many (fk on the target, the primary
    gets `<ids_field>`), external_references (by subject), subject (polymorphic, on external_references)."""

    target: str
    kind: str = "belongs_to"
    fk: str | None = None
    ids_field: str | None = None


@dataclass(frozen=True)
class Resource:
    key: str  # the top-level key and the path segment, e.g. "time_entries"
    default_order: str
    orders: dict[str, str]  # order name -> SQL expression
    filters: tuple[FilterFn, ...] = ()
    includes: dict[str, Include] = field(default_factory=dict)
    search: tuple[str, ...] = ()
    subject_type: str | None = None  # ExternalReference.subject_type of this resource
    as_string: frozenset[str] = frozenset()  # integer table columns the vendor serves as strings
    required: tuple[str, ...] = ()  # query parameters the endpoint requires


# --------------------------------------------------------------------------------------- parameter parsing
def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUE_WORDS


def id_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_datetime(name: str, value: str, utc_offset: dt.timezone) -> dt.datetime:
    """ISO 8601 with or without offset (none = the account's time zone); a bare date is its midnight."""
    # an unencoded "+01:00" offset arrives as " 01:00"
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ParamError(name, "must be an ISO 8601 datetime, e.g. 2024-03-01T00:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=utc_offset)
    return parsed.astimezone(dt.UTC)


def parse_date(name: str, value: str) -> dt.date:
    if not _DATE.match(value.strip()):
        raise ParamError(name, "must be a date in YYYY-MM-DD format")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ParamError(name, "must be a valid date") from None


def _floor_second(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def _ceil_second(value: dt.datetime) -> dt.datetime:
    floor = _floor_second(value)
    return floor if floor == value else floor + dt.timedelta(seconds=1)


def time_window(column: str, after: str | None, before: str | None, offset: dt.timezone) -> list[Clause]:
    """`<x>_after` / `<x>_before` on the value as served (whole seconds): strict, like the vendor."""
    clauses: list[Clause] = []
    if after:
        bound = _floor_second(parse_datetime(f"{column.removesuffix('_at')}_after", after, offset))
        clauses.append((f"{column} >= ?", [bound + dt.timedelta(seconds=1)]))
    if before:
        bound = _ceil_second(parse_datetime(f"{column.removesuffix('_at')}_before", before, offset))
        clauses.append((f"{column} < ?", [bound]))
    return clauses


def date_between(name: str, column: str, value: str) -> list[Clause]:
    """`a:b` (inclusive); either side may be blank (no bound)."""
    start, sep, end = value.partition(":")
    if not sep:
        raise ParamError(name, "must be two dates separated by a colon, e.g. 2024-01-01:2024-03-31")
    clauses: list[Clause] = []
    if start.strip():
        clauses.append((f"{column} >= ?", [parse_date(name, start)]))
    if end.strip():
        clauses.append((f"{column} <= ?", [parse_date(name, end)]))
    return clauses


def _eq(param: str, column: str) -> FilterFn:
    def apply(params: Mapping[str, str]) -> list[Clause]:
        value = params.get(param)
        return [(f"{column} = ?", [value.strip()])] if value is not None and value.strip() else []

    return apply


def _in(param: str, column: str) -> FilterFn:
    def apply(params: Mapping[str, str]) -> list[Clause]:
        value = params.get(param)
        return [(f"{column} in (select unnest(?::varchar[]))", [id_list(value)])] if value else []

    return apply


def _bool(param: str, column: str) -> FilterFn:
    def apply(params: Mapping[str, str]) -> list[Clause]:
        value = params.get(param)
        if value is None or not value.strip():
            return []
        return [(f"coalesce({column}, false) = ?", [truthy(value)])]

    return apply


def _invoiced(params: Mapping[str, str]) -> list[Clause]:
    """`invoiced` / `uninvoiced`: presence filters ("always processed as true; the value is ignored")."""
    clauses: list[Clause] = []
    if "invoiced" in params:
        clauses.append(("coalesce(is_invoiced, false)", []))
    if "uninvoiced" in params:
        clauses.append(("not coalesce(is_invoiced, false)", []))
    return clauses


_LIVE_WORKSPACE = "workspace_id not in (select id from workspaces where coalesce(archived, false))"


def _hide_archived_workspaces(param: str) -> FilterFn:
    """Default filter: rows of archived projects are hidden unless `<param>=true`."""

    def apply(params: Mapping[str, str]) -> list[Clause]:
        return [] if truthy(params.get(param)) else [(_LIVE_WORKSPACE, [])]

    return apply


def _archived(default_include_param: str, only_param: str | None = None) -> FilterFn:
    """`archived=include|only|exclude`, else `<default_include_param>=true` (default: archived hidden)."""

    def apply(params: Mapping[str, str]) -> list[Clause]:
        mode = (params.get("archived") or "").strip().lower()
        if only_param and truthy(params.get(only_param)):
            mode = "only"
        if mode not in ("include", "only", "exclude"):
            mode = "include" if truthy(params.get(default_include_param)) else "exclude"
        if mode == "include":
            return []
        return [("coalesce(archived, false)" if mode == "only" else "not coalesce(archived, false)", [])]

    return apply


def _between(param: str, column: str) -> FilterFn:
    def apply(params: Mapping[str, str]) -> list[Clause]:
        value = params.get(param)
        return date_between(param, column, value) if value else []

    return apply


def _story_types(params: Mapping[str, str]) -> list[Clause]:
    clauses = _eq("story_type", "story_type")(params)
    if params.get("story_types"):
        clauses.append(("story_type in (select unnest(?::varchar[]))", [id_list(params["story_types"])]))
    return clauses


def _subject_id(params: Mapping[str, str]) -> list[Clause]:
    value = params.get("subject_id")
    if value is None or not value.strip():
        return []
    try:
        return [("subject_id = ?", [int(value.strip())])]
    except ValueError:
        raise ParamError("subject_id", "must be an integer") from None


# ------------------------------------------------------------------------------------------- resources
_CREATED_UPDATED = {"created_at": "created_at", "updated_at": "updated_at"}
_EXT_REFS = Include(
    target="external_references", kind="external_references", ids_field="external_reference_ids"
)

RESOURCES: dict[str, Resource] = {
    r.key: r
    for r in (
        Resource(
            key="workspaces",
            default_order="updated_at:desc",
            orders={
                **_CREATED_UPDATED,
                "due_date": "due_date",
                "start_date": "start_date",
                "title": "title",
                "price": "price_in_cents",
            },
            filters=(_archived("include_archived"), _eq("stage", "stage")),
            includes={"external_references": _EXT_REFS},
            search=("title", "description"),
            subject_type="Workspace",
        ),
        Resource(
            key="stories",
            default_order="updated_at:desc",
            orders={**_CREATED_UPDATED, "due_date": "due_date", "start_date": "start_date"},
            filters=(
                _archived("show_archived", only_param="only_archived"),
                _hide_archived_workspaces("show_from_archived_workspaces"),
                _eq("workspace_id", "workspace_id"),
                _in("with_projects", "workspace_id"),
                _story_types,
                _eq("with_parent_id", "parent_id"),
                _eq("state", "state"),
            ),
            includes={
                "workspace": Include("workspaces", fk="workspace_id"),
                "parent": Include("stories", fk="parent_id"),
                "external_references": _EXT_REFS,
            },
            search=("title",),
            subject_type="Story",
        ),
        Resource(
            key="story_state_changes",
            default_order="created_at:asc",
            orders={"created_at": "created_at"},
            filters=(_eq("story_id", "story_id"),),
            includes={"story": Include("stories", fk="story_id")},
        ),
        Resource(
            key="users",
            default_order="alphabetical:asc",
            orders={"alphabetical": "lower(full_name)"},
            filters=(_eq("by_email_address", "email_address"),),
            includes={"external_references": _EXT_REFS},
            search=("full_name",),
            subject_type="User",
        ),
        Resource(
            key="account_memberships",
            default_order="id:asc",
            orders={"id": "try_cast(id as bigint)", **_CREATED_UPDATED},
            filters=(_eq("user_id", "user_id"), _in("for_user_ids", "user_id")),
            includes={
                "user": Include("users", fk="user_id"),
                "default_role": Include("roles", fk="default_role_id"),
            },
        ),
        Resource(
            key="roles",
            default_order="alphabetical:asc",
            orders={"alphabetical": "lower(name)"},
            includes={"external_references": _EXT_REFS},
            search=("name",),
            subject_type="Role",
        ),
        Resource(
            key="rate_card_versions",
            default_order="id:asc",
            orders={"id": "try_cast(id as bigint)", **_CREATED_UPDATED},
            filters=(_eq("rate_card_id", "cast(rate_card_id as varchar)"),),
            includes={
                "rate_card_roles": Include(
                    "rate_card_roles",
                    kind="has_many",
                    fk="rate_card_version_id",
                    ids_field="rate_card_role_ids",
                )
            },
            as_string=frozenset({"rate_card_id"}),  # vendor RateCardVersion.rate_card_id is a string
        ),
        Resource(
            key="rate_card_roles",
            default_order="created_at:asc",
            orders={"created_at": "created_at"},
            filters=(_eq("rate_card_version_id", "rate_card_version_id"), _in("with_role_ids", "role_id")),
            includes={
                "role": Include("roles", fk="role_id"),
                "rate_card_version": Include("rate_card_versions", fk="rate_card_version_id"),
            },
        ),
        Resource(
            key="time_entries",
            default_order="date_performed:desc",
            orders={**_CREATED_UPDATED, "date_performed": "date_performed"},
            filters=(
                _hide_archived_workspaces("from_archived_workspaces"),
                _eq("workspace_id", "workspace_id"),
                _in("workspace_ids", "workspace_id"),
                _in("with_user_ids", "user_id"),
                _between("date_performed_between", "date_performed"),
                _invoiced,
                _bool("billable", "billable"),
            ),
            includes={
                "workspace": Include("workspaces", fk="workspace_id"),
                "story": Include("stories", fk="story_id"),
                "user": Include("users", fk="user_id"),
                "role": Include("roles", fk="role_id"),
                "external_references": _EXT_REFS,
            },
            subject_type="TimeEntry",
        ),
        Resource(
            key="expenses",
            default_order="date:desc",
            orders={
                "created_at": "created_at",
                "date": "date",
                "amount": "amount_in_cents",
                "category": "category",
                "notes": "notes",
            },
            filters=(
                _hide_archived_workspaces("from_archived_workspaces"),
                _eq("workspace_id", "workspace_id"),
                _between("date_expensed_between", "date"),
                _invoiced,
            ),
            includes={
                "workspace": Include("workspaces", fk="workspace_id"),
                "user": Include("users", fk="user_id"),
                "external_references": _EXT_REFS,
            },
            subject_type="Expense",
        ),
        Resource(
            key="external_references",
            default_order="last_synced_at:desc",
            orders={"created_at": "created_at", "last_synced_at": "last_synced_at"},
            filters=(
                _eq("subject_type", "subject_type"),
                _subject_id,
                _eq("service_name", "service_name"),
                _eq("service_model", "service_model"),
                _eq("service_model_ref", "service_model_ref"),
                _eq("status", "status"),
                _eq("external_status", "external_status"),
            ),
            includes={"subject": Include("", kind="subject")},
            required=("subject_type",),
        ),
    )
}

# ExternalReference.subject_type -> the resource that holds such subjects
SUBJECT_RESOURCES: dict[str, str] = {r.subject_type: r.key for r in RESOURCES.values() if r.subject_type}
TABLES: list[str] = list(RESOURCES)
