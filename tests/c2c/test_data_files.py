"""What the platform creates in a new data dir is its owner's only: the data dir 0700 (it holds vendor pages,
the warehouse and the write ledger), the warehouse file 0600. A data dir someone else made keeps its mode."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from c2c.cli import main


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sandbox_generate_makes_a_new_data_dir_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "new" / "data"
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    result = CliRunner().invoke(main, ["sandbox", "generate", "--size", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    assert _mode(base) == 0o700


@pytest.mark.integration
def test_the_warehouse_ingest_creates_is_owner_only(tiny_sandbox, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "data"
    (base / "sandbox").mkdir(parents=True)
    base.chmod(0o755)
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", base / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(base))
    result = CliRunner().invoke(main, ["ingest", "kantata", "--json"])
    assert result.exit_code == 0, result.output
    assert _mode(base / "warehouse.duckdb") == 0o600
    assert _mode(base) == 0o755  # made by someone else: left as it is
