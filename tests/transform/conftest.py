"""Transform tests: ingest the tiny sandbox into a fresh data dir once per session, then dbt builds on it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningSandbox

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


def ingest_into(sandbox: RunningSandbox, data_dir: Path) -> Path:
    """A data dir that reads the running sandbox (its endpoints and manifest) with every vendor ingested
    by the real dlt sources. The caller points C2C_DATA_DIR at it first."""
    from ingestion.run import run_vendor

    (data_dir / "sandbox").mkdir(parents=True, exist_ok=True)
    for name in ("endpoints.json", "manifest.json"):
        shutil.copy(sandbox.sandbox_dir / name, data_dir / "sandbox" / name)
    for vendor in VENDORS:
        run_vendor(vendor, say=lambda _: None)
    return data_dir


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir whose warehouse holds the tiny firm's raw tables (the real dlt sources ran)."""
    base = tmp_path_factory.mktemp("transform-data")
    old = os.environ.get("C2C_DATA_DIR")
    os.environ["C2C_DATA_DIR"] = str(base)
    try:
        yield ingest_into(tiny_sandbox, base)
    finally:
        if old is None:
            os.environ.pop("C2C_DATA_DIR", None)
        else:
            os.environ["C2C_DATA_DIR"] = old


@pytest.fixture
def warehouse_copy(tiny_warehouse: Path, tmp_path: Path) -> Path:
    """A private data dir holding a copy of the tiny warehouse (the shared one is never written), with no
    exception history yet."""
    from tests.transform.warehouse_copy import copy_warehouse

    return copy_warehouse(tiny_warehouse, tmp_path)
