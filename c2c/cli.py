"""The `c2c` command."""

from __future__ import annotations

import json

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
    """Run the furthest the chain reaches today on the embedded sandbox and print a summary."""
    from sandbox.common.paths import sandbox_dir
    from sandbox.server import SandboxError, running, up

    from .demo import page_all

    say = progress(as_json)
    manifest_path = sandbox_dir() / "manifest.json"
    params = sandbox_dir() / "firm" / "params.json"
    current = json.loads(params.read_text()) if params.exists() else None
    if current != {"size": size, "seed": seed}:
        from sandbox.firm.generate import generate
        from sandbox.server import down

        down()
        say(f"generating the {size} firm (seed {seed})")
        generate(size, seed, sandbox_dir(), progress=lambda m: say("  " + m))
    try:
        if len(running()) < 4:
            say("starting the sandbox:")
        up(log=say)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = json.loads(manifest_path.read_text())
    say("paging through one endpoint per vendor, as a client of the real API would:")
    paged = page_all(sandbox_dir() / "endpoints.json", say)
    lines = [f"planted breaks in the {manifest['size']} firm (as of {manifest['as_of']}):"]
    lines += [f"  {kind:<26} {n:>6}" for kind, n in manifest["break_counts"].items()]
    lines += ["", "The sandbox keeps running: `c2c sandbox down` stops it.",
              "Next stages (ingest → transform → reverse ETL → Dagster) are not built yet; see the issues."]
    emit(as_json, {"paged": paged, "break_counts": manifest["break_counts"]}, "\n".join(lines))
