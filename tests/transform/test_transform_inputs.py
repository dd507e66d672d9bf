"""`c2c transform` checks every input before any work starts: the as-of date is a calendar date YYYY-MM-DD and
reaches dbt only as the JSON var (the dbt macro refuses anything else too), the target is one of
transform/profiles.yml, a selection must match something, and the warehouse must exist. Each refusal is one
line (JSON under --json), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from c2c.cli import main
from transform_runner import run_dbt

INJECTION = "2026-01-01' as date), (select 1"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "data"
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    monkeypatch.delenv("DBT_TARGET", raising=False)
    monkeypatch.delenv("C2C_AS_OF", raising=False)
    return base


def _transform(*args: str) -> Any:
    return CliRunner().invoke(main, ["transform", *args])


def _no_work_done(base: Path) -> None:
    assert not (base / "dbt").exists() and not (base / "logs").exists() and not (base / "warehouse.duckdb").exists()


@pytest.mark.parametrize("value", [INJECTION, "2026-13-45", "2026-02-30", "20260131", "2026-1-31", "today", ""])
def test_an_as_of_that_is_not_a_calendar_date_is_refused_before_any_work(data_dir: Path, value: str) -> None:
    result = _transform("--as-of", value)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: --as-of") and "is not a date in the form YYYY-MM-DD" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert "succeeded" not in result.output
    _no_work_done(data_dir)


def test_under_json_the_refusal_is_one_json_object_as_the_last_line(data_dir: Path) -> None:
    result = _transform("--as-of", INJECTION, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout.strip().splitlines()[-1])["error"]
    assert error["type"] == "InputError" and "YYYY-MM-DD" in error["message"]
    assert error["context"] == {"option": "--as-of"} and "Traceback" not in result.output


def test_a_malformed_as_of_setting_is_refused_naming_the_setting(data_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_AS_OF", INJECTION)
    result = _transform()
    assert result.exit_code == 1 and "setting c2c_as_of (env C2C_AS_OF) must be a date YYYY-MM-DD" in result.stderr
    assert INJECTION not in result.output
    _no_work_done(data_dir)


def test_the_as_of_reaches_dbt_only_as_a_json_var(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dbt.cli.main

    seen: list[list[str]] = []

    class Result:
        success, exception, result = True, None, None

    monkeypatch.setattr(dbt.cli.main.dbtRunner, "invoke", lambda self, args: seen.append(args) or Result())
    run_dbt(["build"], data_dir=data_dir, as_of="2026-01-31")
    (args,) = seen
    assert args[args.index("--vars") + 1] == json.dumps({"as_of_date": "2026-01-31"})
    assert sum("2026-01-31" in a for a in args) == 1


@pytest.mark.integration
def test_the_dbt_macro_refuses_an_as_of_var_that_is_not_a_date(tmp_path: Path) -> None:
    """Whoever calls dbt directly (`dbt build --vars …`) meets the same check, before any SQL is made."""
    result = run_dbt(["run-operation", "as_of_date", "--vars", json.dumps({"as_of_date": INJECTION})],
                     data_dir=tmp_path)
    assert not result.success and "var as_of_date must be a date YYYY-MM-DD" in str(result.exception)
    assert run_dbt(["run-operation", "as_of_date", "--vars", json.dumps({"as_of_date": "2026-01-31"})],
                   data_dir=tmp_path).success


def test_an_unknown_target_names_the_targets_that_exist(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _transform("--target", "bogus")
    assert result.exit_code == 1
    assert "unknown dbt target 'bogus'; transform/profiles.yml defines duckdb, postgres" in result.stderr
    assert "--full" not in result.output and "Traceback" not in result.output
    monkeypatch.setenv("DBT_TARGET", "bogus")
    result = _transform()
    assert result.exit_code == 1 and "setting dbt_target (env DBT_TARGET)" in result.stderr
    _no_work_done(data_dir)


def test_the_warehouse_targets_are_the_dbt_profiles_outputs() -> None:
    from core.warehouse import TARGETS
    from transform_runner import profile_targets

    assert set(TARGETS) == set(profile_targets())


def test_select_and_full_together_is_a_usage_error(data_dir: Path) -> None:
    result = _transform("--select", "canonical+", "--full")
    assert result.exit_code == 2 and "give one of them" in result.output
    _no_work_done(data_dir)


def test_without_a_warehouse_transform_creates_none(data_dir: Path) -> None:
    result = _transform("--as-of", "2026-01-31")
    assert result.exit_code == 1 and result.stderr.startswith("error: no warehouse at ")
    assert "run `c2c ingest` and `c2c transform` first" in result.stderr
    _no_work_done(data_dir)


@pytest.mark.integration
def test_a_selection_that_matches_nothing_is_an_error_not_a_success(data_dir: Path) -> None:
    data_dir.mkdir()
    duckdb.connect(str(data_dir / "warehouse.duckdb")).close()
    result = _transform("--as-of", "2026-01-31", "--select", "no_such_model_anywhere")
    assert result.exit_code == 1, result.output
    assert "--select 'no_such_model_anywhere' matches nothing in the dbt project" in result.stderr
    assert "succeeded" not in result.output and "Traceback" not in result.output
