"""`incremental` (BENCHMARKS.md): the full chain (ingest all four vendors + dbt build) after 1 % of the
records change ÷ a full refresh of the same chain, at `medium`. Must ≤ 0.15, aim ≤ 0.05.

A = full refresh: a fresh data dir, first ingest of all four vendors, `dbt build` from nothing.
B = incremental: on a data dir that has loaded and built once, the PSA bulk-edits 1 % of its time entries
(the sandbox's admin `touch`, the firm's largest table), then the same chain: incremental ingest (only the
changed records load) and the production build (`c2c transform`: the models downstream of the raw tables
that loaded rows, incremental models processing only the changed rows). Both sides leave out the dbt unit
tests (fixed inputs; CI runs them) — the production build does.
A and B alternate in one run against the same sandbox.

    python -m benchmarks.incremental [--size medium] [--pairs 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from .common import report

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


def chain(data_dir: Path, as_of: str) -> tuple[float, int, str]:
    from ingestion.run import run_vendor
    from transform_runner import build_changed

    os.environ["C2C_DATA_DIR"] = str(data_dir)
    t0 = time.perf_counter()
    rows = sum(sum(run_vendor(v, say=lambda _: None).rows.values()) for v in VENDORS)
    plan, summary = build_changed(data_dir, as_of=as_of)
    if not summary.success:
        raise SystemExit(summary.text())
    return time.perf_counter() - t0, rows, plan.mode


def fresh(base: Path, endpoints: Path, name: str) -> Path:
    path = base / name
    if path.exists():
        shutil.rmtree(path)
    (path / "sandbox").mkdir(parents=True)
    shutil.copy(endpoints, path / "sandbox" / "endpoints.json")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--fraction", type=float, default=0.01)
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        manifest = generate(args.size, 42, base / "sandbox-data" / "sandbox")
        endpoints = up(base / "sandbox-data", log=lambda _: None)
        endpoints_file = base / "sandbox-data" / "sandbox" / "endpoints.json"
        touch_url = endpoints["kantata"]["admin_url"] + "/kantata/touch"
        steady = fresh(base, endpoints_file, "steady")
        full_s, inc_s, ratios = [], [], []
        try:
            chain(steady, manifest["as_of"])  # warm-up: the incremental side starts from a built warehouse
            for i in range(args.pairs):
                a, rows_a, mode_a = chain(fresh(base, endpoints_file, "full"), manifest["as_of"])
                touched = httpx.post(touch_url, json={"resource": "time_entries", "fraction": args.fraction,
                                                      "seed": i + 1}, timeout=60).json()["touched"]
                b, rows_b, mode_b = chain(steady, manifest["as_of"])
                full_s.append(a), inc_s.append(b), ratios.append(b / a)
                print(f"pair {i + 1}: full {a:.1f}s ({rows_a:,} rows, {mode_a} build), incremental {b:.1f}s "
                      f"({touched:,} touched, {rows_b:,} rows loaded, {mode_b} build) -> {b / a:.3f}", flush=True)
        finally:
            down(base / "sandbox-data")
    report("incremental", ratios, {"size": args.size, "fraction": args.fraction,
                                   "full_median_s": round(statistics.median(full_s), 2),
                                   "incremental_median_s": round(statistics.median(inc_s), 2),
                                   "target": "must <= 0.15, aim <= 0.05"})


if __name__ == "__main__":
    main()
