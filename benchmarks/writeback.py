"""`writeback` (BENCHMARKS.md): successful ERP writes per second ÷ the sandbox ERP's allowed rate (NetSuite's
`max_concurrent` = 5 requests in flight, a fixed `latency_seconds` on every request). Must ≥ 0.8 with 0
duplicates, aim ≥ 0.92 and 429s < 1 % of requests.

Defaults: `medium` (≈ 850 schedules to correct: a month-end-sized run) and 0.5 s per request (NetSuite record
writes take in the order of a second). The apply's fixed start — a token request and the first re-read, two
round trips before the first write — weighs on small runs: at `small` (≈ 100 schedules) the ratio is ≈ 0.79
at 0.5 s and ≈ 0.69 at 0.2 s, where the simulator's own serialised write time (≈ 10 ms a write) also counts.

Set-up (benchmarks/retl_setup.py): the firm (seed 42) on a running sandbox; every billing schedule
with an open line drifts by one minor unit (the admin's concurrent edit, change "amount"); all four vendors
are ingested and built once. Each pair then starts from the same state: the NetSuite account reset, the same
edits, a fresh copy of that warehouse, NetSuite re-ingested + built, `plan`, approval. Then NetSuite's
`latency_seconds` is set and the committed-write counter zeroed, and only `runs.apply_plan` is timed.

A = the apply's successful schedule writes ÷ its wall seconds (its chunked SuiteQL re-reads and the token
request are part of the cost); B = the allowed rate, max_concurrent ÷ latency_seconds requests per second.
Ratio = A ÷ B. Also reported: requests and 429s (client and sandbox counts), duplicates = Σ (n − 1) over the
committed-write counter (must be 0), and that `verify` passes.

    python -m benchmarks.writeback [--size medium] [--pairs 1] [--latency 0.5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from .common import report
from .retl_setup import Bench, duplicates, prepare, start, status_counts, stop, warm


def timed_apply(bench: Bench, name: str, latency: float) -> dict[str, float | int | bool]:
    from reverse_etl import runs

    prepared = prepare(bench, name)
    limit = int(bench.admin.settings()["max_concurrent"])
    bench.admin.settings(latency_seconds=latency)
    bench.admin.writes(reset=True)
    bench.admin.stats(reset=True)
    try:
        t0 = time.perf_counter()
        result = runs.apply_plan(prepared.plan_id, data_dir=prepared.data_dir, say=lambda _: None)
        seconds = time.perf_counter() - t0
        server = status_counts(bench.admin.stats())
        writes = bench.admin.writes()
    finally:
        bench.admin.settings(latency_seconds=0)
    verified = runs.verify_plan(prepared.plan_id, data_dir=prepared.data_dir)
    written = result.schedules.get("written", 0) + result.schedules.get("landed", 0)
    allowed = limit / latency
    requests = int(result.erp.get("requests", 0))
    throttled = int(result.erp.get("throttled", 0))
    return {"schedules": prepared.schedules, "items": prepared.items, "edited": prepared.edited,
            "written": written, "status_complete": result.status == "complete", "seconds": seconds,
            "writes_per_s": written / seconds, "allowed_per_s": allowed, "ratio": written / seconds / allowed,
            "requests": requests, "throttled": throttled, "server_requests": sum(server.values()),
            "server_429": server.get("429", 0), "committed": int(writes.get("total", 0)),
            "duplicates": duplicates(writes), "peak_in_flight": int(result.erp.get("peak_in_flight", 0)),
            "verify_ok": not verified.mismatched and verified.not_written == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--pairs", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.5, help="NetSuite latency_seconds during the apply")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")

    runs_: list[dict[str, float | int | bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        bench = None
        try:
            bench = start(base, args.size)
            warm(bench)
            for i in range(args.pairs):
                r = timed_apply(bench, f"pair{i + 1}", args.latency)
                runs_.append(r)
                share = r["server_429"] / r["server_requests"] if r["server_requests"] else 0.0
                print(f"pair {i + 1}: {r['written']}/{r['schedules']} schedules written in {r['seconds']:.2f}s = "
                      f"{r['writes_per_s']:.2f}/s of an allowed {r['allowed_per_s']:.1f}/s -> {r['ratio']:.3f}; "
                      f"requests {r['requests']} (sandbox {r['server_requests']}), 429s {r['server_429']} "
                      f"({share:.1%}; client throttled {r['throttled']}), duplicates {r['duplicates']}, "
                      f"peak in flight {r['peak_in_flight']}, verify {'ok' if r['verify_ok'] else 'FAILED'}",
                      flush=True)
        finally:
            stop(bench, base)

    ratios = [float(r["ratio"]) for r in runs_]
    requests = sum(int(r["server_requests"]) for r in runs_)
    n429 = sum(int(r["server_429"]) for r in runs_)
    dups = sum(int(r["duplicates"]) for r in runs_)
    result = report("writeback", ratios, {
        "size": args.size, "latency_s": args.latency, "allowed_per_s": runs_[0]["allowed_per_s"],
        "schedules": runs_[0]["schedules"], "writes_per_s_median": round(statistics.median(
            float(r["writes_per_s"]) for r in runs_), 2),
        "apply_median_s": round(statistics.median(float(r["seconds"]) for r in runs_), 2),
        "requests": requests, "http_429": n429, "http_429_share": round(n429 / requests, 4) if requests else 0.0,
        "duplicates": dups, "complete": all(r["status_complete"] for r in runs_),
        "verified": all(r["verify_ok"] for r in runs_),
        "target": "must >= 0.8 and 0 duplicates, aim >= 0.92 and 429s < 1 % of requests"})
    if dups or not result["complete"] or not result["verified"]:
        raise SystemExit(f"writeback: {dups} duplicate write(s), complete={result['complete']}, "
                         f"verified={result['verified']}")


if __name__ == "__main__":
    main()
