"""`make demo` / `c2c demo`: the furthest the chain reaches today.

Today: generate the `small` firm, bring the four simulators up, ingest all four vendors into the
warehouse with the dlt sources, run the ingest again (incremental: nothing new), and print a summary."""

from __future__ import annotations

import json
from typing import Any, Callable


def run_demo(size: str, seed: int, say: Callable[[str], None]) -> tuple[dict[str, Any], str]:
    from ingestion.pipelines import VENDORS
    from ingestion.run import run_vendor
    from sandbox.common.paths import sandbox_dir
    from sandbox.firm.generate import generate
    from sandbox.server import down, running, up

    params = sandbox_dir() / "firm" / "params.json"
    current = json.loads(params.read_text()) if params.exists() else None
    if current != {"size": size, "seed": seed}:
        down()
        say(f"generating the {size} firm (seed {seed})")
        generate(size, seed, sandbox_dir(), progress=lambda m: say("  " + m))
    if len(running()) < 4:
        say("starting the sandbox:")
    up(log=say)
    manifest = json.loads((sandbox_dir() / "manifest.json").read_text())
    say("ingesting all four vendors (dlt → raw_<vendor> in the warehouse):")
    loaded = {v: run_vendor(v, say=say) for v in VENDORS}
    say("second, incremental run (nothing changed at the vendors):")
    again = {v: run_vendor(v, say=lambda _: None) for v in VENDORS}
    lines = [f"rows per system (first load / incremental rerun), as of {manifest['as_of']}:"]
    for vendor, result in loaded.items():
        total, rerun = sum(result.rows.values()), sum(again[vendor].rows.values())
        lines.append(f"  {vendor:<10} {total:>9,} rows in {len(result.rows):>2} raw tables, {result.seconds:5.1f}s"
                     f"  / {rerun} new")
    lines += ["", f"planted breaks in the {manifest['size']} firm (the ground truth the next stages must find):"]
    lines += [f"  {kind:<26} {n:>6}" for kind, n in manifest["break_counts"].items()]
    lines += ["", f"warehouse: {sandbox_dir().parent / 'warehouse.duckdb'} (schemas raw_salesforce, raw_ironclad, "
              "raw_kantata, raw_netsuite)", "The sandbox keeps running: `c2c sandbox down` stops it.",
              "Next stages (dbt transform → reverse ETL → Dagster) are not built yet; see the issues."]
    summary = {"loaded": {v: r.public() for v, r in loaded.items()},
               "rerun_rows": {v: sum(r.rows.values()) for v, r in again.items()},
               "break_counts": manifest["break_counts"]}
    return summary, "\n".join(lines)
