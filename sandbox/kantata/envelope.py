"""The Kantata (brainstem) response envelope: paging parameters, `count`/`meta`/`results`, the id-keyed maps
of the primary type and of every side-loaded (`include=`) type.

Paging follows mavenlink/brainstem `query_strategies/base_strategy.rb` and `presenter_collection.rb`:
`per_page` = min(per_page or 20, 200), values < 1 fall back to 20; `limit`+`offset` (both present) win over
`page`/`per_page`; `meta.page_size` is the per_page value either way; `meta.page_number` echoes the `page`
parameter (Ruby `to_i`) and is 0 when nothing matched; `page_count = ceil(count / page_size)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .resources import RESOURCES, SUBJECT_RESOURCES, Resource
from .store import Store

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def to_i(value: str | None, default: int) -> int:
    """Ruby's String#to_i: the leading integer, 0 when there is none."""
    if value is None:
        return default
    match = _LEADING_INT.match(value)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int
    page_number: int  # as reported in meta (the `page` parameter)
    page_size: int  # as reported in meta (the per_page value)


def paging(
    params: Mapping[str, str], default_per_page: int, max_per_page: int, first_page: bool = False
) -> Paging:
    """The slice one request asks for. `first_page` (the repeat_next fault) serves page 1 whatever was asked."""
    per_page = min(to_i(params.get("per_page"), default_per_page), max_per_page)
    if per_page < 1:
        per_page = default_per_page
    page_param = to_i(params.get("page"), 1)
    if first_page:
        return Paging(0, per_page, 1, per_page)
    if params.get("limit") and params.get("offset"):
        limit = min(max(to_i(params.get("limit"), 0), 1), max_per_page)
        return Paging(max(to_i(params.get("offset"), 0), 0), limit, page_param, per_page)
    page = max(page_param, 1)
    return Paging(per_page * (page - 1), per_page, page_param, per_page)


def envelope(
    key: str,
    total: int,
    page: Paging,
    primary: list[dict[str, Any]],
    side: dict[str, dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    """The response body. Side-loaded records of the primary type join the primary map (the primary wins)."""
    body: dict[str, Any] = {
        "count": total,
        "meta": {
            "count": total,
            "page_count": math.ceil(total / page.page_size) if total else 0,
            "page_number": page.page_number if total else 0,
            "page_size": page.page_size,
        },
        "results": [{"key": key, "id": r["id"]} for r in primary],
        key: {r["id"]: r for r in primary},
    }
    for side_key, records in side.items():
        if side_key == key:
            for rid, record in records.items():
                body[key].setdefault(rid, record)
        else:
            body[side_key] = records
    return body


def include_names(value: str | None) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def side_load(
    store: Store, resource: Resource, primary: list[dict[str, Any]], include: str | None, offset_minutes: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """Top-level maps of the requested associations (unknown names are ignored, as brainstem does).

    Adds `<ids_field>` (e.g. `external_reference_ids`) to the primary records for has-many associations.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in include_names(include):
        assoc = resource.includes.get(name)
        if assoc is None:
            continue
        if assoc.kind == "subject":
            _load_subjects(store, primary, out, offset_minutes)
            continue
        bucket = out.setdefault(assoc.target, {})
        if assoc.kind == "belongs_to":
            ids = list(dict.fromkeys(str(r[assoc.fk]) for r in primary if r.get(assoc.fk) is not None))
            positions = store.by_ids(assoc.target, ids)
        else:
            groups = _groups(store, resource, assoc.kind, assoc.target, assoc.fk)
            positions = []
            for record in primary:
                found = groups.get(_group_key(resource, assoc.kind, record["id"]), [])
                positions.extend(found)
                record[assoc.ids_field] = []
                record["_" + assoc.ids_field] = found
            positions = list(dict.fromkeys(positions))
        loaded = store.records(assoc.target, positions, offset_minutes)
        for record in loaded:
            bucket.setdefault(record["id"], record)
        if assoc.kind != "belongs_to":
            by_pos = {p: r["id"] for p, r in zip(positions, loaded, strict=True)}
            for record in primary:
                record[assoc.ids_field] = [by_pos[p] for p in record.pop("_" + assoc.ids_field)]
    return out


def _groups(store: Store, resource: Resource, kind: str, target: str, fk: str | None) -> dict[str, list[int]]:
    table = store.tables[target]
    if kind == "external_references":
        return table.grouped(("subject_type", "subject_id"))
    return table.grouped((fk or "",))


def _group_key(resource: Resource, kind: str, rid: str) -> str:
    return f"{resource.subject_type}\x1f{rid}" if kind == "external_references" else rid


def _load_subjects(
    store: Store,
    primary: list[dict[str, Any]],
    out: dict[str, dict[str, dict[str, Any]]],
    offset_minutes: int,
) -> None:
    """external_references `include=subject`: each reference's subject, in its own type's map."""
    wanted: dict[str, list[str]] = {}
    for record in primary:
        target = SUBJECT_RESOURCES.get(record.get("subject_type") or "")
        if target and record.get("subject_id") is not None:
            wanted.setdefault(target, []).append(str(record["subject_id"]))
    for target, ids in wanted.items():
        bucket = out.setdefault(target, {})
        for record in store.records(target, store.by_ids(target, list(dict.fromkeys(ids))), offset_minutes):
            bucket.setdefault(record["id"], record)


def resource_for(segment: str) -> Resource | None:
    """The resource of a path segment: `time_entries.json` and `time_entries` are the same endpoint."""
    return RESOURCES.get(segment.removesuffix(".json"))
