"""How every command reports an error (core/output.py ReportingGroup): one line on stderr and exit code 1 (2 for a
usage error), or under --json one JSON object {"error": {...}} as the last line of stdout; a typed error
wrapped by a library is shown as itself; never a traceback for a user error."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from c2c.cli import main
from core.errors import ConfigError


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def empty_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize("args", [["sandbox", "fault", "list", "netsuite"], ["sandbox", "expire-tokens", "all"],
                                  ["sandbox", "settings", "kantata"]])
def test_a_sandbox_command_without_a_running_sandbox(empty_data_dir: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: the ") and "`c2c sandbox up --detach`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 1
    error = _last_json(result.stdout)["error"]
    assert "is not running for this data dir" in error["message"] and "Traceback" not in result.output


@pytest.mark.parametrize("args", [["sandbox", "fault", "list", "bogus", "--json"], ["no-such-command", "--json"],
                                  ["reverse-etl", "plans", "--limit", "0", "--json"],
                                  ["transform", "--select", "", "--json"]])
def test_usage_errors_under_json_are_json_too(empty_data_dir: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    error = _last_json(result.stdout)["error"]
    assert error["type"] in ("BadParameter", "NoSuchCommand", "UsageError") and error["message"]
    assert "Traceback" not in result.output


def _group(exc: BaseException) -> click.Group:
    from core.output import ReportingGroup

    @click.group(cls=ReportingGroup)
    def cli() -> None:
        pass

    @cli.command()
    @click.option("--json", "as_json", is_flag=True)
    def fail(as_json: bool) -> None:
        raise exc

    return cli


def test_a_typed_error_wrapped_by_a_library_is_shown_as_itself() -> None:
    wrapped = RuntimeError("Pipeline execution failed at stage extract")
    wrapped.__cause__ = ConfigError("missing setting sources.kantata.base_url", vendor="kantata",
                                    setting="sources.kantata.base_url")
    result = CliRunner().invoke(_group(wrapped), ["fail"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: kantata: missing setting sources.kantata.base_url")
    error = _last_json(CliRunner().invoke(_group(wrapped), ["fail", "--json"]).stdout)["error"]
    assert error == {"type": "ConfigError", "message": "kantata: missing setting sources.kantata.base_url "
                     "[setting=sources.kantata.base_url]", "vendor": "kantata",
                     "context": {"setting": "sources.kantata.base_url"}, "hint": ConfigError.hint}


def test_a_bug_keeps_its_traceback_and_under_json_still_ends_with_the_json_error() -> None:
    result = CliRunner().invoke(_group(ZeroDivisionError("division by zero")), ["fail", "--json"])
    assert result.exit_code == 1
    assert _last_json(result.stdout)["error"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    assert "Traceback" in result.stderr
    result = CliRunner().invoke(_group(ZeroDivisionError("division by zero")), ["fail"])
    assert isinstance(result.exception, ZeroDivisionError)  # not swallowed: a bug is not a user error
