"""Transform tests: ingest the tiny sandbox into a fresh data dir once per session, then dbt builds on it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningSandbox

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir whose warehouse holds the tiny firm's raw tables (the real dlt sources ran)."""
    from ingestion.run import run_vendor

    base = tmp_path_factory.mktemp("transform-data")
    (base / "sandbox").mkdir()
    for name in ("endpoints.json", "manifest.json"):
        shutil.copy(tiny_sandbox.sandbox_dir / name, base / "sandbox" / name)
    old = os.environ.get("C2C_DATA_DIR")
    os.environ["C2C_DATA_DIR"] = str(base)
    try:
        for vendor in VENDORS:
            run_vendor(vendor, say=lambda _: None)
        yield base
    finally:
        if old is None:
            os.environ.pop("C2C_DATA_DIR", None)
        else:
            os.environ["C2C_DATA_DIR"] = old
