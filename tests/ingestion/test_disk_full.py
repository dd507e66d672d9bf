"""Disk full while dlt writes a load package (RELIABILITY.md F20): the data dir on a small size-limited file
system (a tmpfs mounted for the test; root only) filled up to a little headroom. The extract fails with a
typed error naming the file, nothing is loaded, no package is left half-written; after space is freed the
rerun loads exactly what an ingest with room loads, no key twice."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.common.errors import DiskFullError
from ingestion.pipelines import make_pipeline
from ingestion.run import run_vendor
from tests.ingestion.conftest import table_rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SIZE = 64 * 1024 * 1024  # the file system
HEADROOM = 64 * 1024  # free space left: room for dlt's state and schema, not for the package


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of SIZE bytes mounted on a fresh directory (skipped where mounting is not allowed)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(mount)],
                       check=True, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a size-limited tmpfs here ({exc}); F20 needs one (run the tests as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True, timeout=30)


def _fill(path: Path, leave: int) -> Path:
    """A ballast file that leaves `leave` bytes free on `path`'s file system."""
    stats = os.statvfs(path)
    ballast = path / "ballast"
    with open(ballast, "wb") as fh:
        remaining = stats.f_bavail * stats.f_frsize - leave
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            remaining -= fh.write(chunk[:remaining])
    return ballast


@pytest.mark.parametrize("vendor", ["kantata", "netsuite"])
def test_a_full_disk_fails_the_extract_atomically_and_the_rerun_after_freeing_space_completes(
        small_disk: Path, tiny_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendor: str) -> None:
    reference = tmp_path / "reference"  # an ingest with room, for the counts
    (reference / "sandbox").mkdir(parents=True)
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", reference / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(reference))
    run_vendor(vendor, say=lambda _: None)
    want = table_rows(reference, f"raw_{vendor}")

    (small_disk / "sandbox").mkdir()
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", small_disk / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(small_disk))
    ballast = _fill(small_disk, HEADROOM)
    with pytest.raises(DiskFullError) as err:
        run_vendor(vendor, say=lambda _: None)
    message = str(err.value)
    assert f"{vendor}: no space left on the file system of {small_disk}" in message and "free space" in message
    assert "during the extract step" in message

    ballast.unlink()  # space freed
    assert not make_pipeline(vendor).has_pending_data  # nothing half-written is kept as a package to load
    if (small_disk / "warehouse.duckdb").exists():  # nothing was loaded
        con = duckdb.connect(str(small_disk / "warehouse.duckdb"), read_only=True)
        try:
            assert con.execute("select count(*) from information_schema.tables where table_schema = ?",
                               [f"raw_{vendor}"]).fetchone()[0] == 0
        finally:
            con.close()

    run_vendor(vendor, say=lambda _: None)
    assert table_rows(small_disk, f"raw_{vendor}") == want
    con = duckdb.connect(str(small_disk / "warehouse.duckdb"), read_only=True)
    try:
        schema = make_pipeline(vendor).default_schema
        for table in schema.data_table_names():
            keys = [c for c, spec in schema.tables[table]["columns"].items() if spec.get("primary_key")]
            columns = ", ".join(f'"{k}"' for k in keys)
            assert con.execute(f'select count(*) - count(distinct ({columns})) from raw_{vendor}."{table}"'
                               ).fetchone()[0] == 0, table
    finally:
        con.close()
