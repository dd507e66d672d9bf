"""`c2c sandbox …`: generate the firm, run the four simulators, inject faults."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import click

from core.output import ReportingGroup, emit, progress
from core.paths import ensure_data_dir

from .admin import Admin
from .common.faults import KINDS
from .common.paths import VENDORS, data_dir, firm_dir, sandbox_dir
from .firm.sizes import SIZES
from .server import SandboxError, down, running, serve, up

SIZE = click.option("--size", type=click.Choice(list(SIZES)), default="small", show_default=True)
SEED = click.option("--seed", type=int, default=42, show_default=True)
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")


@click.group(name="sandbox", cls=ReportingGroup)
def sandbox() -> None:
    """The embedded stand-in for Salesforce, Ironclad, Kantata OX and NetSuite."""


def _generate(size: str, seed: int, say) -> dict[str, Any]:
    from .firm.generate import generate

    base = data_dir()
    if running(base):
        raise click.ClickException(
            "the sandbox is running for this data dir; `c2c sandbox down` before regenerating"
        )
    ensure_data_dir(
        base
    )  # created owner-only (0700) when it is new: it will hold the warehouse and the ledger
    say(f"generating the {size} firm (seed {seed}) into {sandbox_dir(base)}")
    return generate(size, seed, sandbox_dir(base), progress=lambda m: say("  " + m))


def _current_params() -> dict[str, Any] | None:
    path = firm_dir() / "params.json"
    return json.loads(path.read_text()) if path.exists() else None


@sandbox.command()
@SIZE
@SEED
@JSON
def generate(size: str, seed: int, as_json: bool) -> None:
    """Generate the synthetic firm and its ground-truth manifest.json (resets simulator state)."""
    manifest = _generate(size, seed, progress(as_json))
    counts = manifest["break_counts"]
    lines = [f"{k:<26} {v:>6}" for k, v in counts.items()]
    emit(
        as_json,
        {"size": size, "seed": seed, "break_counts": counts, "counts": manifest["counts"]},
        "planted breaks:\n" + "\n".join(lines) + f"\nmanifest: {sandbox_dir() / 'manifest.json'}",
    )


@sandbox.command(name="up")
@click.option(
    "--size",
    type=click.Choice(list(SIZES)),
    default=None,
    help="Generate this size first if needed [default: small, or what is generated].",
)
@click.option("--seed", type=int, default=None)
@click.option("--detach", is_flag=True, help="Return once all four simulators answer.")
@click.option("--port-base", type=int, default=0, help="Serve on PORT..PORT+3 instead of free ports.")
@JSON
def up_cmd(size: str | None, seed: int | None, detach: bool, port_base: int, as_json: bool) -> None:
    """Start the four simulators on loopback (generating the firm first when needed)."""
    say = progress(as_json)
    current = _current_params()
    wanted = {
        "size": size or (current or {}).get("size", "small"),
        "seed": seed if seed is not None else (current or {}).get("seed", 42),
    }
    if current != wanted:
        if running():
            down()
        _generate(wanted["size"], wanted["seed"], say)
    say("starting simulators:")
    try:
        endpoints = up(port_base=port_base, log=say)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    emit(
        as_json,
        {
            "endpoints_file": str(sandbox_dir() / "endpoints.json"),
            **wanted,
            "base_urls": {v: e["base_url"] for v, e in endpoints.items()},
        },
        f"sandbox up ({wanted['size']}, seed {wanted['seed']}); endpoints in {sandbox_dir() / 'endpoints.json'}",
    )
    if detach:
        return
    say("serving until Ctrl-C")
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop["now"] and len(running()) == len(VENDORS):
            time.sleep(0.5)
    finally:
        down()
        say("sandbox stopped")


@sandbox.command(name="down")
@JSON
def down_cmd(as_json: bool) -> None:
    """Stop the simulators that this data dir's `up --detach` started."""
    stopped = down()
    emit(as_json, {"stopped": stopped}, f"stopped: {', '.join(stopped) or 'nothing was running'}")


@sandbox.command()
@JSON
def status(as_json: bool) -> None:
    """Which simulators run for this data dir, and where."""
    info = running()
    emit(
        as_json,
        {v: i["base_url"] for v, i in info.items()},
        "\n".join(f"{v:<10} {i['base_url']}  (pid {i['pid']})" for v, i in info.items()) or "not running",
    )


@sandbox.command(name="serve", hidden=True)
@click.argument("vendor", type=click.Choice(VENDORS))
@click.option("--port", type=int, default=0)
def serve_cmd(vendor: str, port: int) -> None:
    """Serve one simulator in the foreground (what `up` runs per vendor)."""
    serve(vendor, data_dir(), port)


@sandbox.group()
def fault() -> None:
    """Inject faults into a running simulator."""


@fault.command(name="add")
@click.argument("vendor", type=click.Choice(VENDORS))
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--status", type=int, help="kind=error: the HTTP status (vendor's own error body).")
@click.option("--path", help="Regex on the request path (default: every vendor path).")
@click.option("--method")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Probability per matching request.")
@click.option("--count", type=int, help="Apply at most N times.")
@click.option("--after", type=int, default=0, help="Let the first N matching requests through.")
@click.option("--seconds", type=float, help="kind=latency/hang: how long.")
@click.option("--retry-after", help="kind=error: send this Retry-After header.")
@click.option("--field", help="kind=drift_*: the record field.")
@click.option("--value", help="kind=drift_add_field: the added value (JSON).")
@JSON
def fault_add(vendor: str, as_json: bool, value: str | None, **rule: Any) -> None:
    """Add a fault rule, e.g. `c2c sandbox fault add netsuite --kind error --status 429 --count 3`."""
    if value is not None:
        try:
            rule["value"] = json.loads(value)
        except json.JSONDecodeError:
            rule["value"] = value
    with _admin(vendor) as admin:
        added = admin.add_fault(**rule)
    emit(as_json, added, f"{vendor}: fault #{added['id']} {added['kind']} added")


@fault.command(name="list")
@click.argument("vendor", type=click.Choice(VENDORS))
@JSON
def fault_list(vendor: str, as_json: bool) -> None:
    with _admin(vendor) as admin:
        rules = admin.faults()
    emit(as_json, {"faults": rules}, "\n".join(json.dumps(r) for r in rules) or "no faults")


@fault.command(name="clear")
@click.argument("vendor", type=click.Choice(VENDORS + ("all",)))
@JSON
def fault_clear(vendor: str, as_json: bool) -> None:
    cleared = {}
    for v in VENDORS if vendor == "all" else (vendor,):
        with _admin(v) as admin:
            cleared[v] = admin.clear_faults()
    emit(as_json, cleared, ", ".join(f"{v}: {n} cleared" for v, n in cleared.items()))


@sandbox.command(name="expire-tokens")
@click.argument("vendor", type=click.Choice(VENDORS + ("all",)))
@JSON
def expire_tokens(vendor: str, as_json: bool) -> None:
    """Expire every token a simulator has issued (the vendor's expired-token answer from now on)."""
    out = {}
    for v in VENDORS if vendor == "all" else (vendor,):
        with _admin(v) as admin:
            out[v] = admin.expire_tokens()
    emit(as_json, out, ", ".join(f"{v}: {n} tokens expired" for v, n in out.items()))


@sandbox.command(name="edit-record")
@click.argument("record_type")
@click.argument("record_id", type=int)
@JSON
def edit_record(record_type: str, record_id: int, as_json: bool) -> None:
    """Simulate a user editing an ERP record now (a concurrent edit), e.g. `edit-record billingSchedule 8003`."""
    with _admin("netsuite") as admin:
        out = admin.concurrent_edit(record_type, record_id)
    emit(as_json, out, f"netsuite {record_type} {record_id} edited: {out}")


@sandbox.command(name="settings")
@click.argument("vendor", type=click.Choice(VENDORS))
@click.argument("changes", nargs=-1)
@JSON
def settings_cmd(vendor: str, changes: tuple[str, ...], as_json: bool) -> None:
    """Show or change a simulator's knobs, e.g. `settings netsuite max_concurrent=10 latency_seconds=0.05`."""
    parsed = {}
    for change in changes:
        key, _, raw = change.partition("=")
        try:
            parsed[key] = json.loads(raw)
        except json.JSONDecodeError:
            parsed[key] = raw
    with _admin(vendor) as admin:
        out = admin.settings(**parsed)
    emit(as_json, out, "\n".join(f"{k} = {v}" for k, v in out.items()))


def _admin(vendor: str) -> Admin:
    try:
        return Admin(vendor)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
