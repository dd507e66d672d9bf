"""The `c2c` command."""

from __future__ import annotations

import click

from ingestion.cli import ingest
from sandbox.cli import sandbox

from .output import emit, progress


@click.group()
@click.version_option(package_name="c2c-platform")
def main() -> None:
    """Contract-to-cash: CRM, CLM, PSA and ERP in one warehouse, reconciled, with safe ERP write-back.

    Every run-time file lives in the data dir: `data/` at the repository root, or $C2C_DATA_DIR.
    """


main.add_command(sandbox)
main.add_command(ingest)


@main.command()
@click.option("--size", default="small", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def demo(size: str, seed: int, as_json: bool) -> None:
    """Run the furthest the chain reaches today on the embedded sandbox and print a summary.

    Today: generate the firm, start the four simulators, ingest all four vendors into the warehouse with
    the dlt sources (a second, incremental run loads nothing new), and summarise what landed.
    """
    from .demo import run_demo

    say = progress(as_json)
    try:
        summary, text = run_demo(size, seed, say)
    except Exception as exc:  # typed errors carry vendor/resource/page; show them without a traceback
        from ingestion.cli import _typed_cause

        cause = _typed_cause(exc)
        if cause is not None:
            raise click.ClickException(str(cause)) from exc
        raise
    emit(as_json, summary, text)
