"""The business events the sensors react to, read from the vendors' APIs with the ingestion clients (the same
settings, retries and error types as `c2c ingest`). Each reader takes the sensor's cursor and returns the
events past it and the next cursor; the sensors (defs/automation.py) only turn them into run requests. With
no cursor (a sensor's first tick) a reader returns no events, only a cursor at now: history is the nightly
run's business.

- Ironclad: change orders approved (one event per change-order revision).
- Kantata OX: milestones completed or accepted (one event per `story_state_changes` row of a milestone story:
  the rows are immutable, so their ids are exact event keys).
- NetSuite: invoices and customer payments whose status changed (invoice approved, paid in full, …). NetSuite
  keeps no change feed a SuiteQL reader can use, so the cursor remembers the last status seen per document
  (the newest `KNOWN_STATUSES`); a document not remembered counts as changed (a new invoice or payment is one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ingestion.common.client import VendorClient
from ingestion.common.settings import resolve
from transform_runner import project_var

FIRST_IRONCLAD_CURSOR = "1970-01-01T00:00:00.000Z"
MILESTONE_STATES = ("completed", "accepted")
BILLING_DOCUMENTS = ("invoice", "customer_payment")  # NetSuite raw tables (ingestion/netsuite/settings.py)
CONTRACTS_TAG = "c2c/contracts"  # the CLM contract ids an amendment run plans (comma-separated)
KNOWN_STATUSES = 20_000  # documents whose last status the NetSuite cursor remembers (≈ 1 MB of cursor at most)


@dataclass(frozen=True)
class Event:
    key: str  # unique per event: the sensors' run keys are built from it
    tags: dict[str, str] = field(default_factory=dict)


@contextmanager
def _client(vendor: str) -> Iterator[VendorClient]:
    if vendor == "ironclad":
        from ingestion.ironclad.helpers import classify
    elif vendor == "kantata":
        from ingestion.kantata.helpers import classify
    else:
        from ingestion.netsuite.helpers import classify
    client = VendorClient(resolve(vendor), classify=classify)
    try:
        yield client
    finally:
        client.close()


# ---- Ironclad -----------------------------------------------------------------------------------------------
def amendments_since(cursor: str | None) -> list[dict[str, Any]]:
    """Ironclad change-order records updated at or after the cursor (inclusive), oldest first."""
    with _client("ironclad") as client:
        return _amendments(client, cursor)


def _amendments(client: VendorClient, cursor: str | None) -> list[dict[str, Any]]:
    from ingestion.ironclad.helpers import pages, since_param

    since = since_param(cursor) if cursor else FIRST_IRONCLAD_CURSOR
    return [doc for _, docs in pages(client, since=since, page_size=100) for doc in docs
            if doc.get("type") == "amendment"]


def approved_amendments(cursor: str | None) -> tuple[list[Event], str]:
    """One event per approved change-order revision updated since the cursor (key `<ironcladId>@<lastUpdated>`),
    tagged with the contract it amends (`c2c/contracts`: the amendment run plans that contract only)."""
    with _client("ironclad") as client:
        docs = _amendments(client, cursor)
        newest = max([cursor or FIRST_IRONCLAD_CURSOR, *(str(doc["lastUpdated"]) for doc in docs)], key=_instant)
        if cursor is None:  # first tick: start from now (history is the nightly run's business)
            return [], newest
        approved_status = project_var("clm_approved_status")  # the status the dbt rules count as approved
        approved = [doc for doc in docs
                    if ((doc.get("properties") or {}).get("approvalStatus") or {}).get("value") == approved_status]
        contracts: dict[str, str] = {}
        for parent in sorted({str(doc.get("parentId")) for doc in approved if doc.get("parentId")}):
            record = client.get_json(f"/records/{parent}", resource="records")
            contracts[parent] = str(record.get("ironcladId") or "")
    events = []
    for doc in approved:
        stamp = str(doc["lastUpdated"])
        tags = {"c2c/amendment": str(doc["ironcladId"]), "c2c/amendment_updated": stamp}
        contract = contracts.get(str(doc.get("parentId")))
        if contract:
            tags[CONTRACTS_TAG] = contract
        events.append(Event(f"{doc['ironcladId']}@{stamp}", tags))
    return events, newest


# ---- Kantata OX ---------------------------------------------------------------------------------------------
def milestone_completions(cursor: str | None) -> tuple[list[Event], str]:
    """Milestone stories completed or accepted since the cursor. Cursor (JSON): the newest state change's
    created_at and the ids of the changes at that instant (`updated_after` is re-read one second back)."""
    from ingestion.kantata.helpers import updated_after, walk
    from ingestion.kantata.settings import PAGE_SIZE, SPECS

    state = json.loads(cursor) if cursor else {"since": None, "ids": []}
    spec = {s.name: s for s in SPECS}
    changes: list[dict[str, Any]] = []
    with _client("kantata") as client:
        for _, _, rows in walk(client, spec["story_state_changes"], {}, page_size=PAGE_SIZE,
                               cursor=updated_after(state["since"])):
            changes += [r for r in rows if _after(r, state)]
        wanted = [c for c in changes if c.get("state") in MILESTONE_STATES] if cursor else []
        story_ids = sorted({str(c["story_id"]) for c in wanted})
        stories: dict[str, dict[str, Any]] = {}
        for start in range(0, len(story_ids), PAGE_SIZE):
            only = ",".join(story_ids[start:start + PAGE_SIZE])
            for _, _, rows in walk(client, spec["stories"], {"only": only}, page_size=PAGE_SIZE, cursor=None):
                stories.update({str(r["id"]): r for r in rows})
    events = [Event(f"story_state_change:{c['id']}", {
        "c2c/story": str(c["story_id"]), "c2c/story_state": str(c["state"]),
        "c2c/project": str(stories[str(c["story_id"])].get("workspace_id") or "")})
        for c in wanted if stories.get(str(c["story_id"]), {}).get("story_type") == "milestone"]
    if changes:  # instants, not strings: Kantata writes timestamps with the account's UTC offset
        newest = max(_instant(c["created_at"]) for c in changes)
        at_newest = {str(c["id"]) for c in changes if _instant(c["created_at"]) == newest}
        if state["since"] is not None and newest == _instant(state["since"]):
            at_newest |= set(state["ids"])
        state = {"since": newest.isoformat(), "ids": sorted(at_newest)}
    return events, json.dumps(state, sort_keys=True)


def _after(row: dict[str, Any], state: dict[str, Any]) -> bool:
    if state["since"] is None:
        return True
    created, since = _instant(row["created_at"]), _instant(state["since"])
    return created > since or (created == since and str(row["id"]) not in state["ids"])


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(str(text))  # Python 3.11 reads a trailing Z
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ---- NetSuite -----------------------------------------------------------------------------------------------
def billing_status_changes(cursor: str | None) -> tuple[list[Event], str]:
    """Invoices and customer payments whose status is not the one the cursor remembers for them (a new document
    counts), modified since the cursor. Cursor (JSON): the newest lastmodifieddate seen and the last status of
    the most recently modified documents. The first tick starts from now: the newest document's second."""
    from ingestion.netsuite.helpers import newest_cursor
    from ingestion.netsuite.settings import INITIAL_CURSOR, TABLES

    tables = [t for t in TABLES if t.name in BILLING_DOCUMENTS]
    with _client("netsuite") as client:
        if cursor:
            state = json.loads(cursor)
        else:  # remember only the documents of the newest second (read again next time: the filter is >=)
            found = [stamp for stamp in (newest_cursor(client, t) for t in tables) if stamp is not None]
            state = {"since": max(found or [INITIAL_CURSOR]).isoformat(), "statuses": {}}
        statuses: dict[str, list[str]] = dict(state["statuses"])  # document -> [status, lastmodifieddate]
        events: list[Event] = []
        newest = state["since"]
        for document, status, modified in _documents(client, tables, state["since"]):
            known = statuses.get(document)
            if cursor and (known is None or known[0] != status):
                events.append(Event(f"{document}:{status}@{modified}", {
                    "c2c/document": document, "c2c/status": status,
                    "c2c/previous_status": known[0] if known else "unknown"}))
            statuses[document] = [status, max(modified, known[1]) if known else modified]
            newest = max(newest, modified)
    if len(statuses) > KNOWN_STATUSES:  # keep the most recently modified
        statuses = dict(sorted(statuses.items(), key=lambda kv: kv[1][1])[-KNOWN_STATUSES:])
    return events, json.dumps({"since": newest, "statuses": statuses}, sort_keys=True)


def _documents(client: VendorClient, tables: list[Any], since: str) -> Iterator[tuple[str, str, str]]:
    """(document, status, lastmodifieddate ISO) of every row modified at or after `since`."""
    from ingestion.netsuite.helpers import cursor_text, walk
    from ingestion.netsuite.settings import MAX_RESULTS, PAGE_SIZE

    for table in tables:
        for _, rows in walk(client, table, since=cursor_text(since), page_size=PAGE_SIZE, max_results=MAX_RESULTS):
            for row in rows:
                yield f"{table.name}:{row['id']}", str(row["status"]), _instant(str(row["lastmodifieddate"])).isoformat()
