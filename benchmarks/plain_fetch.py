"""The floor the ingest benchmark compares dlt with: a plain httpx walk of every page of every object the
sources load (same vendor paging), each page's records written as NDJSON, then one DuckDB `read_json`
bulk load per object. No retries, no schema work, no state: what a hand-rolled loader does at best."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx

from sandbox.firm.schema import SCHEMAS  # the benchmark knows the firm it generated

KANTATA = {
    "workspaces": {"include_archived": "true"},
    "stories": {"show_archived": "true", "show_from_archived_workspaces": "true"},
    "story_state_changes": {}, "users": {}, "account_memberships": {}, "roles": {}, "rate_card_versions": {},
    "rate_card_roles": {}, "time_entries": {"from_archived_workspaces": "true"},
    "expenses": {"from_archived_workspaces": "true"},
}
SUITEQL = ["customer", "job", "billingschedule", "billingschedulerecurrence", "transaction", "transactionline",
           "previoustransactionlink", "currency", "currencyrate"]


def _token(client: httpx.Client, ep: dict[str, Any]) -> str:
    request = ep.get("token_request")
    return client.post(request["url"], data=request["form"]).json()["access_token"] if request else ep["access_token"]


def salesforce(client: httpx.Client, ep: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    for obj, columns in SCHEMAS["salesforce"].items():
        soql = f"SELECT {', '.join(columns)} FROM {obj} ORDER BY SystemModstamp ASC, Id ASC"
        body = client.get(f"{ep['base_url']}/services/data/v{ep['api_version']}/queryAll", params={"q": soql},
                          headers=headers).json()
        yield obj, body["records"]
        while not body["done"]:
            body = client.get(ep["base_url"] + body["nextRecordsUrl"], headers=headers).json()
            yield obj, body["records"]


def ironclad(client: httpx.Client, ep: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", **ep["headers"]}
    page = 0
    while True:
        body = client.get(f"{ep['base_url']}/records", headers=headers,
                          params={"page": page, "pageSize": 100, "sortField": "lastUpdated", "sortDirection": "ASC"}).json()
        yield "records", body["list"]
        page += 1
        if page * body["pageSize"] >= body["count"]:
            return


def kantata(client: httpx.Client, ep: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    walks = [(r, p) for r, p in KANTATA.items()] + [("external_references", {"subject_type": t}) for t in ("Workspace", "Story")]
    for resource, params in walks:
        page = 0
        while True:
            page += 1
            body = client.get(f"{ep['base_url']}/{resource}.json", headers=headers,
                              params={"page": page, "per_page": 200, **params}).json()
            yield resource, [body[r["key"]][r["id"]] for r in body["results"]]
            if page >= body["meta"]["page_count"]:
                break


def netsuite(client: httpx.Client, ep: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", "Prefer": "transient"}
    for table in SUITEQL:
        url: str | None = f"{ep['base_url']}/query/v1/suiteql?limit=1000&offset=0"
        while url:
            body = client.post(url, json={"q": f"SELECT * FROM {table}"}, headers=headers).json()
            yield table, body["items"]
            url = next((ln["href"] for ln in body["links"] if ln["rel"] == "next"), None) if body["hasMore"] else None


WALKERS = {"salesforce": salesforce, "ironclad": ironclad, "kantata": kantata, "netsuite": netsuite}


def fetch_and_load(endpoints: dict[str, Any], work: Path) -> int:
    """Walk every object of every vendor, then bulk-load each object's NDJSON into DuckDB; rows loaded."""
    work.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    with httpx.Client(timeout=120) as client, contextlib.ExitStack() as stack:
        for vendor, walk in WALKERS.items():
            for obj, records in walk(client, endpoints[vendor]):
                key = f"{vendor}__{obj}".lower()
                if key not in files:
                    files[key] = stack.enter_context(open(work / f"{key}.ndjson", "w"))  # closed by the stack
                files[key].writelines(json.dumps(r) + "\n" for r in records)
    con = duckdb.connect(str(work / "floor.duckdb"))
    con.execute("set threads = 2")
    rows = 0
    for key in files:
        con.execute(f"create or replace table {key} as select * from read_json('{work / (key + '.ndjson')}', "
                    "format = 'newline_delimited', sample_size = -1)")
        rows += con.execute(f"select count(*) from {key}").fetchone()[0]
    con.close()
    return rows
