"""Plain clients of the four simulators, as a client of the real API would page them (token endpoint,
the vendor's own paging and stop signals): what the sandbox tests page with."""

from __future__ import annotations

from typing import Any

import httpx


def _token(client: httpx.Client, ep: dict[str, Any]) -> str:
    request = ep.get("token_request")
    if not request:
        return ep["access_token"]  # Kantata: tokens are issued out of band
    response = client.post(request["url"], data=request["form"])
    response.raise_for_status()
    return response.json()["access_token"]


def page_salesforce(client: httpx.Client, ep: dict[str, Any]) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    url = f"{ep['base_url']}/services/data/v{ep['api_version']}/query"
    response = client.get(
        url, params={"q": "SELECT Id, Name, SystemModstamp FROM Account ORDER BY Id"}, headers=headers
    )
    records = pages = 0
    while True:
        response.raise_for_status()
        body = response.json()
        records += len(body["records"])
        pages += 1
        if body["done"]:
            return records, pages
        response = client.get(ep["base_url"] + body["nextRecordsUrl"], headers=headers)


def page_ironclad(client: httpx.Client, ep: dict[str, Any]) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", **ep.get("headers", {})}
    page = records = 0
    while True:
        response = client.get(
            f"{ep['base_url']}/records",
            headers=headers,
            params={"page": page, "pageSize": 100, "sortField": "lastUpdated", "sortDirection": "ASC"},
        )
        response.raise_for_status()
        body = response.json()
        records += len(body["list"])
        page += 1
        if page * body["pageSize"] >= body["count"] or not body["list"]:
            return records, page


def page_kantata(client: httpx.Client, ep: dict[str, Any]) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    page = records = 0
    while True:
        page += 1
        response = client.get(
            f"{ep['base_url']}/time_entries.json",
            headers=headers,
            params={"page": page, "per_page": 200, "order": "updated_at:asc"},
        )
        response.raise_for_status()
        body = response.json()
        records += len(body["results"])
        if page >= body["meta"]["page_count"]:
            return records, page


def page_netsuite(client: httpx.Client, ep: dict[str, Any]) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", "Prefer": "transient"}
    url: str | None = f"{ep['base_url']}/query/v1/suiteql?limit=1000&offset=0"
    query = {"q": "SELECT id, tranid, type, lastmodifieddate FROM transaction ORDER BY id"}
    records = pages = 0
    while url:
        response = client.post(url, json=query, headers=headers)
        response.raise_for_status()
        body = response.json()
        records += body["count"]
        pages += 1
        url = (
            next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
            if body["hasMore"]
            else None
        )
    return records, pages
