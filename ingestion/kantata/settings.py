"""Kantata OX constants: paging, the resources walked (query parameters, field types, money fields) and the
incremental cursor's start. No logic here (helpers.py and __init__.py hold it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa

from ingestion.common.pages import TS

VENDOR = "kantata"
PAGE_SIZE = 200  # brainstem's max_per_page
CURSOR = "updated_at"
INITIAL_UPDATED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than any record: the first run is full
STRICT_FILTER_SLACK = dt.timedelta(seconds=1)  # `updated_after` is strict: re-read the boundary second
BASE_UNIT = "currency_base_unit"
ASC_BY_UPDATE = {"order": "updated_at:asc"}
EXTERNAL_REFERENCE_SUBJECT_TYPES = ("Workspace", "Story")  # the subjects that carry cross-system links

STR, INT, BOOL, DATE = pa.string(), pa.int64(), pa.bool_(), pa.date32()
STAMPS = {"created_at": TS, "updated_at": TS}


@dataclass(frozen=True)
class Money:
    """An integer subunit field and the exact decimal column added beside it (`cents / base unit`)."""

    cents: str  # the vendor's integer field, kept as is
    name: str  # the added MONEY column
    base_from: str | None = None  # side-loaded type holding the base unit (None: the record's own field)
    base_key: str | None = None  # the record's foreign key into that side-loaded type


@dataclass(frozen=True)
class Spec:
    """One Kantata list endpoint = one raw table."""

    name: str
    types: dict[str, pa.DataType]
    params: dict[str, str] = field(default_factory=dict)  # un-hiding flags, order, include
    money: tuple[Money, ...] = ()
    walks: tuple[dict[str, str], ...] = ({},)  # one walk per entry (external_references: per subject type)

    @property
    def money_fields(self) -> tuple[str, ...]:
        """Fields held to the money contract (exact integers): the subunits and their base unit."""
        own_base = (BASE_UNIT,) if any(m.base_from is None for m in self.money) else ()
        return tuple(m.cents for m in self.money) + own_base


# Orders: `updated_at:asc` where the endpoint offers it (a record updated mid-walk moves to the end, where the
# walk still reads it); `created_at:asc` where that is the stable alternative; else the vendor default
# (users, roles: `alphabetical` only). Every endpoint rejects an order it does not offer.
SPECS: tuple[Spec, ...] = (
    Spec("workspaces", {
        "id": STR, "title": STR, "description": STR, "start_date": DATE, "due_date": DATE,
        "price_in_cents": INT, "currency": STR, BASE_UNIT: INT, "currency_symbol": STR, "rate_card_id": INT,
        "archived": BOOL, "stage": STR, **STAMPS},
        params={"include_archived": "true", **ASC_BY_UPDATE},
        money=(Money("price_in_cents", "price"),)),
    Spec("stories", {
        "id": STR, "workspace_id": STR, "parent_id": STR, "title": STR, "story_type": STR, "state": STR,
        "start_date": DATE, "due_date": DATE, "billable": BOOL, "fixed_fee": BOOL,
        "budget_estimate_in_cents": INT, "archived": BOOL, **STAMPS},
        params={"show_archived": "true", "show_from_archived_workspaces": "true", "include": "workspace",
                **ASC_BY_UPDATE},
        # a story carries no currency: its budget is in the subunits of its workspace's currency
        money=(Money("budget_estimate_in_cents", "budget_estimate", base_from="workspaces",
                     base_key="workspace_id"),)),
    Spec("story_state_changes", {"id": STR, "story_id": STR, "state": STR, **STAMPS},
         params={"order": "created_at:asc"}),
    Spec("users", {
        "id": STR, "full_name": STR, "email_address": STR, "headline": STR, "country": STR,
        "classification": STR, **STAMPS}),
    Spec("account_memberships", {
        "id": STR, "user_id": STR, "default_role_id": STR, "cost_rate_in_cents": INT, "currency": STR,
        BASE_UNIT: INT, **STAMPS},
        params=dict(ASC_BY_UPDATE),
        money=(Money("cost_rate_in_cents", "cost_rate"),)),
    Spec("roles", {"id": STR, "name": STR, **STAMPS}),
    Spec("rate_card_versions", {
        "id": STR, "rate_card_id": STR, "default_rate": INT, "currency": STR, BASE_UNIT: INT, **STAMPS},
        params=dict(ASC_BY_UPDATE),
        money=(Money("default_rate", "default_rate_amount"),)),
    Spec("rate_card_roles", {
        "id": STR, "rate_card_version_id": STR, "role_id": STR, "rate": INT, **STAMPS},
        params={"order": "created_at:asc", "include": "rate_card_version"},
        # `rate` is in the subunits of its version's currency
        money=(Money("rate", "rate_amount", base_from="rate_card_versions",
                     base_key="rate_card_version_id"),)),
    Spec("time_entries", {
        "id": STR, "workspace_id": STR, "story_id": STR, "user_id": STR, "role_id": STR,
        "date_performed": DATE, "time_in_minutes": INT, "billable": BOOL, "rate_in_cents": INT,
        "cost_rate_in_cents": INT, "currency": STR, BASE_UNIT: INT, "currency_symbol": STR,
        "is_invoiced": BOOL, "invoice_id": STR, "approved": BOOL, "taxable": BOOL, "notes": STR, **STAMPS},
        params={"from_archived_workspaces": "true", **ASC_BY_UPDATE},
        money=(Money("rate_in_cents", "rate"), Money("cost_rate_in_cents", "cost_rate"))),
    Spec("expenses", {
        "id": STR, "workspace_id": STR, "user_id": STR, "date": DATE, "category": STR, "notes": STR,
        "amount_in_cents": INT, "currency": STR, BASE_UNIT: INT, "is_billable": BOOL, "is_invoiced": BOOL,
        "invoice_id": STR, **STAMPS},
        params={"from_archived_workspaces": "true", "order": "created_at:asc"},
        money=(Money("amount_in_cents", "amount"),)),
    Spec("external_references", {
        "id": STR, "subject_type": STR, "subject_id": INT, "service_name": STR, "service_model": STR,
        "service_model_ref": STR, "status": STR, "external_status": STR, "locked": BOOL, **STAMPS,
        "last_synced_at": TS},
        params={"order": "created_at:asc"},
        walks=tuple({"subject_type": t} for t in EXTERNAL_REFERENCE_SUBJECT_TYPES)),  # required filter
)
RESOURCES: tuple[str, ...] = tuple(s.name for s in SPECS)
