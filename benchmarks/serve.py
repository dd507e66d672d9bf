"""Records/s each simulator serves, against how fast dlt ingests the same records (target: every
simulator serves faster than dlt can ingest, i.e. ratio = dlt seconds ÷ serve seconds > 1).

For each vendor, A = page through its largest object with a plain httpx client (token, vendor paging and
stop signals, JSON decode); B = a dlt pipeline normalising and loading those same records into DuckDB
(parquet loader, dlt's fast path). A and B alternate (A B A B …) in one process.

    python -m benchmarks.serve [--size small] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .common import report

Fetch = Callable[[httpx.Client, dict[str, Any]], list[dict[str, Any]]]


def _token(client: httpx.Client, ep: dict[str, Any]) -> str:
    request = ep.get("token_request")
    return client.post(request["url"], data=request["form"]).json()["access_token"] if request else ep["access_token"]


def salesforce(client: httpx.Client, ep: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    url = f"{ep['base_url']}/services/data/v{ep['api_version']}/queryAll"
    soql = "SELECT Id, AccountId, Name, StageName, Amount, CurrencyIsoCode, CloseDate, IsDeleted, SystemModstamp FROM Opportunity"
    body = client.get(url, params={"q": soql}, headers=headers).json()
    out = list(body["records"])
    while not body["done"]:
        body = client.get(ep["base_url"] + body["nextRecordsUrl"], headers=headers).json()
        out += body["records"]
    return out


def ironclad(client: httpx.Client, ep: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", **ep["headers"]}
    out, page = [], 0
    while True:
        body = client.get(f"{ep['base_url']}/records", headers=headers,
                          params={"page": page, "pageSize": 100, "sortField": "lastUpdated", "sortDirection": "ASC"}).json()
        out += body["list"]
        page += 1
        if page * body["pageSize"] >= body["count"]:
            return out


def kantata(client: httpx.Client, ep: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}"}
    out, page = [], 0
    while True:
        page += 1
        body = client.get(f"{ep['base_url']}/time_entries.json", headers=headers,
                          params={"page": page, "per_page": 200, "order": "updated_at:asc"}).json()
        out += [body["time_entries"][r["id"]] for r in body["results"]]
        if page >= body["meta"]["page_count"]:
            return out


def netsuite(client: httpx.Client, ep: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {_token(client, ep)}", "Prefer": "transient"}
    url: str | None = f"{ep['base_url']}/query/v1/suiteql?limit=1000&offset=0"
    q = {"q": "SELECT id, transaction, linesequencenumber, item, entity, foreignamount, custcol_c2c_line_key FROM transactionline ORDER BY id"}
    out: list[dict[str, Any]] = []
    while url:
        body = client.post(url, json=q, headers=headers).json()
        out += body["items"]
        url = next((ln["href"] for ln in body["links"] if ln["rel"] == "next"), None) if body["hasMore"] else None
    return out


FETCHERS: dict[str, Fetch] = {"salesforce": salesforce, "ironclad": ironclad, "kantata": kantata, "netsuite": netsuite}


def dlt_load(records: list[dict[str, Any]], table: str, work: Path) -> float:
    import dlt

    if work.exists():
        shutil.rmtree(work)
    pipeline = dlt.pipeline(pipeline_name=f"bench_{table}", pipelines_dir=str(work / "pipelines"),
                            destination=dlt.destinations.duckdb(str(work / "warehouse.duckdb")), dataset_name="raw_bench")
    t0 = time.perf_counter()
    pipeline.run([records], table_name=table, loader_file_format="parquet")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    import os

    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    os.environ.setdefault("DO_NOT_TRACK", "1")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        generate(args.size, 42, base / "sandbox")
        endpoints = up(base, log=lambda _: None)
        worst = []
        per_vendor = {}
        try:
            with httpx.Client(timeout=120) as client:
                for vendor, fetch in FETCHERS.items():
                    serve_s, dlt_s, ratios = [], [], []
                    for _ in range(args.pairs):
                        t0 = time.perf_counter()
                        records = fetch(client, endpoints[vendor])
                        serve_s.append(time.perf_counter() - t0)
                        dlt_s.append(dlt_load(records, vendor, base / "dlt"))
                        ratios.append(dlt_s[-1] / serve_s[-1])
                    n = len(records)
                    per_vendor[vendor] = {
                        "records": n, "served_per_s": round(n / statistics.median(serve_s)),
                        "dlt_per_s": round(n / statistics.median(dlt_s)), "ratio": round(statistics.median(ratios), 2),
                    }
                    worst.append(statistics.median(ratios))
                    print(f"{vendor:<10} {n:>8,} records  served {per_vendor[vendor]['served_per_s']:>9,}/s  "
                          f"dlt {per_vendor[vendor]['dlt_per_s']:>9,}/s  ratio {per_vendor[vendor]['ratio']}", flush=True)
        finally:
            down(base)
    report("serve", [min(worst)], {"size": args.size, "vendors": json.dumps(per_vendor), "target": "ratio > 1 for every vendor"})


if __name__ == "__main__":
    main()
