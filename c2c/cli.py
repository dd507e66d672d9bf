"""The `c2c` command."""

from __future__ import annotations

import click

from core.output import ReportingGroup, emit, progress
from ingestion.cli import ingest
from reverse_etl.cli import reverse_etl
from sandbox.cli import sandbox


@click.group(cls=ReportingGroup)
@click.version_option(package_name="c2c-platform")
def main() -> None:
    """Contract-to-cash: CRM, CLM, PSA and ERP in one warehouse, reconciled, with safe ERP write-back.

    Every run-time file lives in the data dir: `data/` at the repository root, or $C2C_DATA_DIR.
    """


main.add_command(sandbox)
main.add_command(ingest)
main.add_command(reverse_etl)


@main.command()
@click.option("--as-of", default=None, help="The rules' as-of date (YYYY-MM-DD); default: the sandbox manifest's, else today.")
@click.option("--target", default=None, help="dbt target (transform/profiles.yml): duckdb (default) or postgres.")
@click.option("--select", default=None, help="A dbt selection, e.g. 'canonical+' (builds just that; no change tracking).")
@click.option("--full", is_flag=True, help="Build everything, not only what the raw tables' new loads feed.")
@click.option("--unit-tests", is_flag=True, help="Also run the dbt unit tests (CI always does).")
@click.option("--json", "as_json", is_flag=True)
def transform(as_of: str | None, target: str | None, select: str | None, full: bool, unit_tests: bool,
              as_json: bool) -> None:
    """dbt build of transform/ against the warehouse, with a summary.

    By default only the models fed by raw tables that loaded new rows since the last successful build are
    rebuilt (with everything downstream and their data tests); the first build, a new as-of date or a
    changed dbt project builds everything.
    """
    from core.paths import data_dir
    from transform_runner import build, build_changed, check_as_of, default_as_of, resolve_target

    # every input is checked before any work starts; a bad one is a one-line error (or JSON under --json)
    if select is not None and not select.strip():
        raise click.UsageError("--select needs a selection, e.g. --select canonical+")
    if select and full:
        raise click.UsageError("--select builds just the selection; --full builds everything: give one of them")
    as_of = check_as_of(as_of) if as_of is not None else None
    target = resolve_target(target)
    base = data_dir()
    as_of = as_of or default_as_of(base)
    if select:
        plan_public = {"mode": "selected", "reason": f"--select {select}", "changed_sources": []}
        summary = build(base, as_of=as_of, target=target, select=select, unit_tests=unit_tests)
    else:
        plan, summary = build_changed(base, as_of=as_of, target=target, full=full, unit_tests=unit_tests)
        plan_public = plan.public()
    header = f"build: {plan_public['mode']} ({plan_public['reason']})"
    emit(as_json, {"as_of": as_of, "target": target, "build": plan_public, **summary.public()},
         header + "\n" + summary.text())
    if not summary.success:
        raise SystemExit(1)


@main.command()
@click.option("--size", default="small", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def demo(size: str, seed: int, as_json: bool) -> None:
    """Run the whole chain with Dagster on the embedded sandbox and print a summary.

    From a clean demo state: generate the firm, start the four simulators, run the Dagster jobs
    nightly_refresh (ingest, dbt build with tests, plan), finance_corrections (the plan signed by the sandbox's
    demo approver, applied, verified) and nightly_refresh again; print rows per system, breaks found vs planted, the plan, what
    was applied and the KPIs. `make ui` shows the runs afterwards.
    """
    from .demo import run_demo

    # a typed error (vendor/resource/page, the warehouse…) is shown without a traceback (ReportingGroup)
    summary, text = run_demo(size, seed, progress(as_json))
    emit(as_json, summary, text)
