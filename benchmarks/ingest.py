"""`ingest` (BENCHMARKS.md): dlt ingestion of all four sandbox APIs ÷ (a plain httpx fetch of the same pages
+ a DuckDB read_json bulk load), at `small` and `medium`. Must ≤ 3×, aim ≤ 1.5×.

Both sides run against the same running sandbox, alternating (A B A B …); A is a full first load into a
fresh data dir (`ingestion.run.run_vendor` for each vendor), B is benchmarks/plain_fetch.py. Where dlt's
time goes (extract / normalize / load) is read from its trace.

    python -m benchmarks.ingest [--size small] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .common import report
from .plain_fetch import fetch_and_load

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


def dlt_ingest(endpoints_file: Path, work: Path) -> tuple[float, int, dict[str, float]]:
    from ingestion.run import run_vendor

    if work.exists():
        shutil.rmtree(work)
    (work / "sandbox").mkdir(parents=True)
    shutil.copy(endpoints_file, work / "sandbox" / "endpoints.json")
    os.environ["C2C_DATA_DIR"] = str(work)
    steps: dict[str, float] = {"extract": 0.0, "normalize": 0.0, "load": 0.0}
    rows = 0
    t0 = time.perf_counter()
    for vendor in VENDORS:
        result = run_vendor(vendor, say=lambda _: None)
        rows += sum(result.rows.values())
        import dlt

        trace = dlt.pipeline(pipeline_name=vendor, pipelines_dir=str(work / "dlt")).last_trace
        for step in trace.steps:
            if step.step in steps and step.finished_at and step.started_at:
                steps[step.step] += (step.finished_at - step.started_at).total_seconds()
    return time.perf_counter() - t0, rows, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "sandbox-data"
        generate(args.size, 42, base / "sandbox")
        endpoints = up(base, log=lambda _: None)
        endpoints_file = base / "sandbox" / "endpoints.json"
        a_s, b_s, ratios, steps_all = [], [], [], []
        try:
            for i in range(args.pairs):
                a, rows_a, steps = dlt_ingest(endpoints_file, Path(tmp) / "dlt-run")
                t0 = time.perf_counter()
                rows_b = fetch_and_load(endpoints, Path(tmp) / f"floor-{i}")
                b = time.perf_counter() - t0
                shutil.rmtree(Path(tmp) / f"floor-{i}", ignore_errors=True)
                a_s.append(a), b_s.append(b), ratios.append(a / b), steps_all.append(steps)
                print(f"pair {i + 1}: dlt {a:.1f}s ({rows_a:,} rows; {json.dumps({k: round(v, 1) for k, v in steps.items()})}), "
                      f"floor {b:.1f}s ({rows_b:,} rows) -> {a / b:.2f}", flush=True)
        finally:
            down(base)
    median_steps = {k: round(statistics.median(s[k] for s in steps_all), 2) for k in steps_all[0]}
    report("ingest", ratios, {"size": args.size, "dlt_median_s": round(statistics.median(a_s), 2),
                              "floor_median_s": round(statistics.median(b_s), 2), "dlt_steps_s": json.dumps(median_steps),
                              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                              "target": "must <= 3, aim <= 1.5"})


if __name__ == "__main__":
    main()
