"""`c2c reverse-etl` refuses bad input before any work and lists what finance needs: `plans` (every plan with
its approvals and outcomes), an unknown contract id is an error listing it (nothing planned, nothing
approved), and the read-only commands on a data dir without a warehouse create none. Errors are one line, or
one JSON object under --json, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from c2c.cli import main

from .conftest import APPROVER, Env


def _run(*args: str):
    return CliRunner().invoke(main, ["reverse-etl", *args])


def _count(retl: Env, table: str) -> int:
    """Rows of a reverse_etl table; 0 while the schema has not been made (no plan yet)."""
    exists = retl.sql("select count(*) from information_schema.tables where table_schema = 'reverse_etl' "
                      "and table_name = ?", [table])[0][0]
    return retl.sql(f"select count(*) from reverse_etl.{table}")[0][0] if exists else 0


def _json_error(result) -> dict:
    assert result.exit_code != 0 and "Traceback" not in result.output
    return json.loads(result.stdout.strip().splitlines()[-1])["error"]


def test_read_only_commands_on_a_data_dir_without_a_warehouse_create_none(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "data"
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    for args in (("show", "plan-x"), ("plans",)):
        result = _run(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.startswith(f"error: no warehouse at {base / 'warehouse.duckdb'}")
        assert len(result.stderr.strip().splitlines()) == 1
        error = _json_error(_run(*args, "--json"))
        assert error["type"] == "WarehouseMissingError" and "c2c ingest" in error["hint"]
    assert not base.exists()


@pytest.mark.integration
def test_plans_lists_each_plan_with_its_approvals_outcomes_and_status(retl: Env) -> None:
    everything = json.loads(_run("plan", "--json").stdout)
    contract = retl.sql("select clm_contract_id from reverse_etl.plan_schedules where plan_id = ? order by 1 "
                        "limit 1", [everything["plan_id"]])[0][0]
    scoped = json.loads(_run("plan", "--contracts", contract, "--json").stdout)
    assert _run("approve", scoped["plan_id"], "--approver", APPROVER).exit_code == 0
    assert _run("apply", scoped["plan_id"], "--json").exit_code == 0

    result = _run("plans", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)["plans"]
    assert [p["plan_id"] for p in listed] == [scoped["plan_id"], everything["plan_id"]]  # newest first
    first, second = listed
    assert first["scope"] == [contract] and first["status"] == "applied" and first["outcomes"] == {"written": 1}
    assert [a["approver"] for a in first["approvals"]] == [APPROVER]
    assert first["items"] == len(scoped["items"]) and first["prepared_by"] == scoped["prepared_by"]
    assert second["scope"] is None and second["status"] == "awaiting approval" and second["approvals"] == []
    assert second["schedules"] == retl.sandbox.drifting_schedules and set(second["impact"]) and all(
        isinstance(v, str) for v in second["impact"].values())

    human = _run("plans").output
    assert scoped["plan_id"] in human and everything["plan_id"] in human and APPROVER in human
    assert "written 1" in human and "awaiting approval" in human
    assert _run("plans", "--limit", "1", "--json").stdout.count("plan_id") == 1


@pytest.mark.integration
def test_unknown_contract_ids_are_an_error_listing_them_and_nothing_is_planned_or_approved(retl: Env) -> None:
    known = retl.sql("select clm_contract_id from canonical.dim_contracts order by 1 limit 1")[0][0]
    plans_before = _count(retl, "plans")
    result = _run("plan", "--contracts", f"{known},IC-NOPE-1, IC-NOPE-2")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unknown contract id(s): IC-NOPE-1, IC-NOPE-2" in result.stderr and known not in result.stderr
    assert "nothing to correct" not in result.output
    assert _count(retl, "plans") == plans_before
    error = _json_error(_run("plan", "--contracts", "IC-NOPE-1", "--json"))
    assert error["type"] == "InputError" and error["context"] == {"option": "--contracts"}

    made = retl.plan()
    result = _run("approve", made.plan_id, "--approver", APPROVER, "--contracts", "IC-NOPE-1")
    assert result.exit_code == 1 and "unknown contract id(s): IC-NOPE-1" in result.stderr
    assert _count(retl, "approvals") == 0

    result = _run("plan", "--contracts", " , ")
    assert result.exit_code == 2 and "--contracts needs at least one contract id" in result.output


@pytest.mark.integration
def test_an_unknown_plan_is_one_line_and_its_hint_names_plans(retl: Env) -> None:
    result = _run("show", "plan-that-does-not-exist")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "`c2c reverse-etl plans`" in result.stderr
    error = _json_error(_run("apply", "plan-that-does-not-exist", "--json"))
    assert error["type"] == "PlanNotFoundError" and error["context"] == {"plan": "plan-that-does-not-exist"}
