"""Ingestion tests run the real sources against the tiny sandbox over loopback, each into its own data dir
(its own warehouse.duckdb and dlt state) that holds a copy of the sandbox's endpoints.json."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from core.retry import RetryPolicy
from sandbox.admin import Admin
from tests.conftest import RunningSandbox

FAST = RetryPolicy(max_attempts=6, base_seconds=0.01, cap_seconds=0.05)


@pytest.fixture()
def ingest_dir(tiny_sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir pointing at the running tiny sandbox (C2C_DATA_DIR set for the test)."""
    (tmp_path / "sandbox").mkdir()
    shutil.copy(tiny_sandbox.sandbox_dir / "endpoints.json", tmp_path / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("SOURCES__"):
            monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture()
def admin(tiny_sandbox: RunningSandbox) -> Iterator[callable]:
    """admin("netsuite").add_fault(...); every fault is cleared after the test."""
    opened: list[Admin] = []

    def get(vendor: str) -> Admin:
        a = Admin(vendor, tiny_sandbox.data_dir)
        opened.append(a)
        return a

    yield get
    for a in opened:
        a.clear_faults()
        a.close()


def table_rows(data_dir: Path, dataset: str) -> dict[str, int]:
    """Rows per table of a raw dataset in the data dir's warehouse (dlt's own tables left out)."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_name not like '_dlt%'",
            [dataset]).fetchall()]
        return {n: con.execute(f'select count(*) from "{dataset}"."{n}"').fetchone()[0] for n in sorted(names)}
    finally:
        con.close()


class AfterFirstPage:
    """A Progress stand-in that runs `action` once, after the first page of the walk."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action, self.pages = action, 0

    def page(self, resource: str, rows: int) -> None:
        self.pages += 1
        if self.pages == 1:
            self.action()

    def done(self, resource: str) -> None:
        pass
