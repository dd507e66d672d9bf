"""`c2c reverse-etl plan | show | approve | apply | verify` as a finance user runs them (click's runner, in
process, against the sandbox ERP over loopback): the human output names what to do next, --json is
machine-readable, a plan can be limited to contracts, and an approval can cover chosen contracts only."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from c2c.cli import main

from .conftest import APPROVER, Env

pytestmark = pytest.mark.integration


def _run(*args: str) -> tuple[int, str]:
    """Exit code and stdout (progress goes to stderr, so that under --json stdout is one JSON object)."""
    result = CliRunner().invoke(main, ["reverse-etl", *args], catch_exceptions=False)
    return result.exit_code, result.stdout if "--json" in args else result.output


def test_plan_for_chosen_contracts_approve_part_apply_and_verify(retl: Env) -> None:
    code, out = _run("plan", "--json")
    assert code == 0, out
    everything = json.loads(out)
    contracts = sorted({retl.sql("select clm_contract_id from reverse_etl.plan_schedules where plan_id = ? and "
                                 "contract_key = ?", [everything["plan_id"], i["contract_key"]])[0][0]
                        for i in everything["items"]})
    assert everything["scope"] is None and len(contracts) == retl.sandbox.drifting_schedules

    code, out = _run("plan", "--contracts", f"{contracts[0]}, {contracts[1]}")
    assert code == 0, out
    plan_id = out.split()[1]
    assert f"(contracts {contracts[0]}, {contracts[1]})" in out.splitlines()[0]
    assert f"next: c2c reverse-etl approve {plan_id} --approver" in out

    code, out = _run("approve", plan_id, "--approver", APPROVER, "--contracts", contracts[0])
    assert code == 0, out
    assert f"approved by {APPROVER}" in out and f"contracts {contracts[0]}" in out

    code, out = _run("apply", plan_id, "--json")
    assert code == 0, out
    applied = json.loads(out)
    assert applied["status"] == "complete" and applied["written"] > 0
    written = retl.committed_writes()
    assert len(written) == 1 and list(written.values()) == [1], written  # the approved contract only

    code, out = _run("show", plan_id, "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["scope"] == sorted(contracts[:2]) and shown["outcomes"] == {"written": 1}  # one schedule

    code, out = _run("verify", plan_id)
    assert code == 0, out
    assert "1 schedules hold the approved lines, 0 differ" in out and "write ledger: intact" in out


def test_an_unknown_plan_fails_with_a_clear_message_and_exit_code(retl: Env) -> None:
    code, out = _run("show", "plan-that-does-not-exist")
    assert code != 0 and "plan-that-does-not-exist" in out
