"""`make demo` / `c2c demo`: the furthest the chain reaches today.

Today: generate the `small` firm, bring the four simulators up, ingest all four vendors into the
warehouse with the dlt sources, run the ingest again (incremental: nothing new), build the dbt project
(canonical layer, reconciliation rules, finance exception queue) and compare the exceptions it finds with
the breaks the sandbox planted."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any


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
    say("building the dbt project (canonical layer, rules, finance exceptions):")
    from .transform import build_changed

    plan, built = build_changed(sandbox_dir().parent, as_of=manifest["as_of"])
    say(f"  build: {plan.mode} ({plan.reason})")
    say(built.text())
    found = _open_exceptions_by_kind(sandbox_dir().parent) if built.success else {}
    lines += ["", f"finance exceptions found vs breaks planted in the {manifest['size']} firm (as of {manifest['as_of']}):"]
    for kind, planted in manifest["break_counts"].items():
        count, impact = found.get(kind, (0, 0))
        mark = "ok" if count == planted else "DIFFERS"
        lines.append(f"  {kind:<26} {count:>6} found / {planted:>6} planted  {mark:<7}  impact {impact:>14,.2f} USD")
    lines += ["", f"warehouse: {sandbox_dir().parent / 'warehouse.duckdb'} (raw_*, staging, canonical, reconciliation, "
              "marts, sync)", "The sandbox keeps running: `c2c sandbox down` stops it.",
              "Next stages (reverse ETL → Dagster) are not built yet; see the issues."]
    summary = {"loaded": {v: r.public() for v, r in loaded.items()},
               "rerun_rows": {v: sum(r.rows.values()) for v, r in again.items()},
               "break_counts": manifest["break_counts"], "transform": built.public(),
               "exceptions_found": {k: v[0] for k, v in found.items()}}
    return summary, "\n".join(lines)


def _open_exceptions_by_kind(data_dir: Any) -> dict[str, tuple[int, Decimal]]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        rows = con.execute("select exception_type, count(*), sum(impact_amount_reporting) "
                           "from reconciliation.finance_exceptions where status = 'open' group by 1").fetchall()
    finally:
        con.close()
    return {kind: (n, total if total is not None else Decimal(0)) for kind, n, total in rows}
