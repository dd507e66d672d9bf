"""`c2c reverse-etl plans | plan | approve | apply | verify | show` / `python -m reverse_etl …`: each prints a
readable summary, or with --json one JSON object as the last line (ARCHITECTURE.md "Interfaces"). Inputs are
checked before any work (an unknown contract id is an error listing it); an error is one line, or one JSON
object under --json, with a non-zero exit code (core/output.py ReportingGroup)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from core.errors import InputError, PlatformError
from core.output import ReportingGroup, emit, progress

from .report import plan_table
from .store import plain


def _ids(option: str | None) -> list[str] | None:
    """A comma-separated option as a list (None when not given; given but empty is a usage error)."""
    if option is None:
        return None
    ids = [c.strip() for c in option.split(",") if c.strip()]
    if not ids:
        raise click.UsageError("--contracts needs at least one contract id, e.g. --contracts IC-1041,IC-1042")
    return ids


def _known(contracts: list[str] | None) -> None:
    """Refuse contract ids the warehouse does not know (a typo would otherwise plan or approve nothing)."""
    if contracts is None:
        return
    from . import runs
    from .contract_ids import unknown_contracts

    with runs.opened(read_only=True) as store:
        unknown = unknown_contracts(store, contracts)
    if unknown:
        raise InputError(f"unknown contract id(s): {', '.join(unknown)}", option="--contracts",
                         hint="give CLM contract ids (e.g. IC-1041) or contract keys of canonical.dim_contracts")


def _plan_json(plan: Any) -> dict[str, Any]:
    return {"plan_id": plan.plan_id, "prepared_by": plan.prepared_by, "as_of_date": str(plan.as_of_date),
            "scope": plan.scope,
            "schedules": len(plan.schedules), "items": [{k: plain(v) for k, v in i.items()} for i in plan.items],
            "blocked": {s["write_key"]: s["blocked_reason"] for s in plan.schedules if s["blocked_reason"]}}


def _fail(exc: Exception) -> NoReturn:
    """Raise it on: the group reports it (one line, or JSON under --json; exit code 1; core/output.py)."""
    raise exc


@click.group(name="reverse-etl", cls=ReportingGroup)
def reverse_etl() -> None:
    """Correct NetSuite billing schedules from the sync feed: plan → approve → apply → verify."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@reverse_etl.command()
@click.option("--contracts", default=None, help="Plan only these contracts (comma-separated CLM ids, e.g. IC-1041).")
@click.option("--json", "as_json", is_flag=True)
def plan(contracts: str | None, as_json: bool) -> None:
    """Diff the pinned sync feed with the ERP's live schedules; store and print the plan."""
    from . import runs

    scope = _ids(contracts)
    _known(scope)
    try:
        made = runs.plan(contracts=scope)
    except PlatformError as exc:
        _fail(exc)
    emit(as_json, _plan_json(made), plan_table(made) + (
        f"\nnext: c2c reverse-etl approve {made.plan_id} --approver <your name>" if made.items else ""))


@reverse_etl.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="The newest N plans.")
@click.option("--json", "as_json", is_flag=True)
def plans(limit: int, as_json: bool) -> None:
    """List the stored plans, newest first: prepared at/by, scope, items, money impact per currency,
    approvals, write outcomes and status. Reads only (never creates a warehouse)."""
    from . import runs
    from .plan_list import list_plans, plans_table

    with runs.opened(read_only=True) as store:
        found = list_plans(store, limit)
    payload = [{**p, "impact": {k: plain(v) for k, v in p["impact"].items()}} for p in found]
    emit(as_json, {"plans": payload}, plans_table(found))


@reverse_etl.command()
@click.argument("plan_id")
@click.option("--json", "as_json", is_flag=True)
def show(plan_id: str, as_json: bool) -> None:
    """Print a stored plan with its approvals and write outcomes."""
    from . import runs

    try:
        found, status = runs.show(plan_id)
    except PlatformError as exc:
        _fail(exc)
    human = plan_table(found) + f"\napprovals: {len(status['approvals'])}" + "".join(
        f"\n  {a['approver']} at {a['approved_at']} ({a['policy']}; scope {a['scope'] or 'all'})"
        for a in status["approvals"]) + f"\nwrite outcomes (schedules): {status['outcomes'] or 'none yet'}"
    emit(as_json, {**_plan_json(found), **status}, human)


@reverse_etl.command()
@click.argument("plan_id")
@click.option("--approver", required=True,
              help="Your name in the approvers' registry (never the pipeline identity that prepared the plan).")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your Ed25519 private key (PEM; default: setting reverse_etl.approver_key_file, or the sandbox "
                   "demo approver's key). Prompts for its passphrase when it is encrypted.")
@click.option("--contracts", default=None, help="Approve only these contracts (comma-separated CLM ids or contract keys).")
@click.option("--json", "as_json", is_flag=True)
def approve(plan_id: str, approver: str, key_file: Path | None, contracts: str | None, as_json: bool) -> None:
    """Sign and record your approval of the plan (all of it, or chosen contracts)."""
    from . import runs
    from .approvers import KeyPassphraseNeeded

    scope = _ids(contracts)
    _known(scope)
    try:
        try:
            record = runs.approve_plan(plan_id, approver, scope, key_file=key_file)
        except KeyPassphraseNeeded:
            passphrase = click.prompt("passphrase of your signing key", hide_input=True, err=True)
            record = runs.approve_plan(plan_id, approver, scope, key_file=key_file, passphrase=passphrase.encode())
    except PlatformError as exc:
        _fail(exc)
    emit(as_json, {k: plain(v) for k, v in record.items()},
         f"plan {plan_id} approved by {record['approver']} ({record['items']} items"
         f"{', contracts ' + ', '.join(scope) if scope else ''}; signed with {record['key_fingerprint']})"
         f"\nnext: c2c reverse-etl apply {plan_id}")


@reverse_etl.command()
@click.argument("plan_id")
@click.option("--json", "as_json", is_flag=True)
def apply(plan_id: str, as_json: bool) -> None:
    """Write the approved part of the plan to NetSuite, exactly once (resumes an interrupted run)."""
    from . import runs

    try:
        report = runs.apply_plan(plan_id, say=progress(as_json))
    except PlatformError as exc:
        _fail(exc)
    human = (f"plan {plan_id}: {report.status} in {report.seconds:.1f}s — items written {report.written}, "
             f"skipped {report.skipped}, conflicts {report.conflicts}, rejected {report.rejected}, "
             f"pending after errors {report.failed}\n"
             f"ERP requests {report.erp.get('requests')}, throttled {report.erp.get('throttled')}, "
             f"retries {report.erp.get('retries')}, peak in flight {report.erp.get('peak_in_flight')}")
    if report.ledger:
        human += (f"\nwrite ledger head: entry {report.ledger['last_entry_id']}, {report.ledger['head_hash'][:16]}… "
                  "(anchored outside the warehouse)")
    for alert in report.alerts:
        human += f"\nALERT {alert}"
    if report.conflicts or report.rejected:
        human += "\nconflicts and rejections are in reconciliation.finance_exceptions after the next `c2c transform`"
    emit(as_json, report.public(), human + f"\nnext: c2c reverse-etl verify {plan_id}")
    if report.status != "complete":
        sys.exit(3)


@reverse_etl.command()
@click.argument("plan_id")
@click.option("--json", "as_json", is_flag=True)
def verify(plan_id: str, as_json: bool) -> None:
    """Check the write ledger (its keyed chain and anchored heads: the first bad entry is named), then re-read
    every schedule the plan wrote and compare it with the plan."""
    from . import runs

    try:
        intact, why = runs.ledger_intact()  # the ledger as found, before this verify appends to it
        report = runs.verify_plan(plan_id)
    except PlatformError as exc:
        _fail(exc)
    payload = {**report.public(), "ledger_intact": intact, "ledger_problem": None if intact else why,
               "ledger": report.ledger}
    human = (f"plan {plan_id}: {report.verified} schedules hold the approved lines, "
             f"{len(report.mismatched)} differ{(': ' + ', '.join(report.mismatched)) if report.mismatched else ''}; "
             f"{report.not_written} not written by this plan\nwrite ledger: {why}")
    emit(as_json, payload, human)
    if report.mismatched or not intact:
        sys.exit(1)
