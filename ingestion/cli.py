"""`c2c ingest [salesforce|ironclad|kantata|netsuite|all]` / `python -m ingestion …`."""

from __future__ import annotations

import logging

import click

from core.output import ReportingCommand

from .pipelines import VENDORS, warehouse_path


@click.command(name="ingest", cls=ReportingCommand)
@click.argument("vendor", type=click.Choice(VENDORS + ("all",)), default="all")
@click.option("--destination", default=None, help="A dlt destination name (default: $C2C_DESTINATION or duckdb).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
def ingest(vendor: str, destination: str | None, as_json: bool) -> None:
    """Load one vendor (or all four) into raw_<vendor>, incrementally, with progress per resource.

    A typed error (a setting, a vendor's answer, the warehouse busy, corrupt or refused) is one line, or one JSON
    object under --json, without a traceback (core/output.py)."""
    import json as _json

    from .run import run_vendor

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    say = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    results = {}
    for name in VENDORS if vendor == "all" else (vendor,):
        say(f"{name}:")
        results[name] = run_vendor(name, say=say, destination=destination)
    if as_json:
        click.echo(_json.dumps({v: r.public() for v, r in results.items()}))
        return
    click.echo("")
    click.echo(f"{'vendor':<11}{'table':<28}{'rows loaded':>12}")
    for name, result in results.items():
        for table, rows in result.rows.items():
            click.echo(f"{name:<11}{table:<28}{rows:>12,}")
        click.echo(f"{name:<11}{'(total, ' + format(result.seconds, '.1f') + 's)':<28}{sum(result.rows.values()):>12,}")
    if destination in (None, "duckdb"):
        click.echo(f"warehouse: {warehouse_path()}")
