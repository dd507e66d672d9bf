"""A truncated, empty, locked or unwritable warehouse: `c2c transform`, `c2c ingest`, `c2c reverse-etl show` and
`apply` each stop with a one-line typed error (JSON under --json), no traceback, and leave the file as it was.
`show` only reads: it opens read-only, so an unwritable warehouse is still readable to it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
from click.testing import CliRunner

from c2c.cli import main
from core import warehouse
from tests.warehouse_faults import empty, held, make_warehouse, truncate, unwritable

COMMANDS = {
    "transform": ["transform", "--as-of", "2026-01-31"],
    "ingest": ["ingest", "kantata"],
    "show": ["reverse-etl", "show", "plan-20260131T000000-abcdef"],
    "apply": ["reverse-etl", "apply", "plan-20260131T000000-abcdef"],
}
FAULTS: dict[str, tuple[Callable[[Path], AbstractContextManager], str, str]] = {
    # how the file is broken, the error type, the start of its message
    "truncated": (lambda p: _then(truncate, p), "WarehouseCorruptError", "error: the warehouse "),
    "empty": (lambda p: _then(empty, p), "WarehouseCorruptError", "error: the warehouse "),
    "locked": (held, "WarehouseBusyError", "error: the warehouse "),
    "unwritable": (unwritable, "WarehousePermissionError", "error: cannot open the warehouse "),
}


def _then(action: Callable[[Path], None], path: Path) -> AbstractContextManager:
    action(path)
    return nullcontext()


@pytest.fixture
def data_dir(tiny_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data dir with a warehouse (a few tables) and the sandbox's endpoints; waits cost nothing."""
    base = tmp_path / "data"
    (base / "sandbox").mkdir(parents=True)
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", base / "sandbox" / "endpoints.json")
    make_warehouse(base / "warehouse.duckdb")
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    monkeypatch.setenv("C2C_WAREHOUSE_CONNECT_ATTEMPTS", "2")
    monkeypatch.setattr(warehouse, "_sleep", lambda _seconds: None, raising=False)
    yield base


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_broken_warehouse_is_a_one_line_typed_error(data_dir: Path, command: str, fault: str) -> None:
    path = data_dir / "warehouse.duckdb"
    breaks, error_type, starts = FAULTS[fault]
    with breaks(path) as holder:
        before = path.read_bytes()
        human = CliRunner().invoke(main, COMMANDS[command])
        as_json = CliRunner().invoke(main, [*COMMANDS[command], "--json"])
        after = path.read_bytes()
    assert "Traceback" not in human.output + as_json.output
    assert after == before, "the warehouse file changed"
    if command == "show" and fault == "unwritable":  # read-only: it reads, and finds no such plan
        error_type, starts = "PlanNotFoundError", "error: no plan 'plan-20260131T000000-abcdef'"
    assert human.exit_code == 1 and as_json.exit_code == 1, human.output
    assert human.stderr.startswith(starts), human.stderr
    assert len(human.stderr.strip().splitlines()) == 1, human.stderr
    error = json.loads(as_json.stdout.strip().splitlines()[-1])["error"]
    assert error["type"] == error_type, error
    if fault == "locked":
        assert f"PID {holder.pid}" in error["message"]
    if command == "ingest":
        assert not (data_dir / "dlt" / "kantata" / "load").exists(), "something was extracted"
