"""Shared fixtures: an isolated data dir per test session, and the tiny sandbox running on loopback."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")


@dataclass
class RunningSandbox:
    data_dir: Path
    endpoints: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def sandbox_dir(self) -> Path:
        return self.data_dir / "sandbox"

    @property
    def drifting_schedules(self) -> int:
        """How many billing schedules the firm's ground truth says drift (one billing_schedule_drift break per
        contract): what a full plan corrects."""
        return sum(1 for b in self.manifest["breaks"] if b["kind"] == "billing_schedule_drift")

    def copy_client_files(self, base: Path) -> None:
        """What the sandbox writes for its clients, copied into another data dir that uses this sandbox: the
        endpoints, the manifest, the approvers' registry and the demo approver's key (modes kept)."""
        import shutil

        (base / "sandbox").mkdir(parents=True, exist_ok=True)
        for name in ("endpoints.json", "manifest.json", "approvers.toml"):
            shutil.copy(self.sandbox_dir / name, base / "sandbox" / name)
        shutil.copytree(self.sandbox_dir / "approver-keys", base / "sandbox" / "approver-keys", dirs_exist_ok=True)

    def client(self, vendor: str) -> Any:
        """An httpx client of the vendor's simulator, signed in as the platform's reader (a user acting in
        the vendor, for tests that change what the platform then reads)."""
        import httpx

        from core.settings import netsuite_sandbox

        ep = self.endpoints[vendor]
        request = ep.get("token_request")
        if "m2m" in ep:  # NetSuite: the reader integration signs its assertion as the platform does
            signed = netsuite_sandbox(ep, "m2m")
            request = {"url": signed.token_url, "form": signed.token_form()}  # type: ignore[misc]
        token = (httpx.post(request["url"], data=request["form"], timeout=30).json()["access_token"] if request
                 else ep["access_token"])
        return httpx.Client(base_url=ep["base_url"], timeout=30,
                            headers={"Authorization": f"Bearer {token}", **(ep.get("headers") or {})})


@contextmanager
def running_sandbox(base: Path, *, data_dir_env: bool,
                    prepare: Callable[[Path], None] | None = None) -> Iterator[RunningSandbox]:
    """The `tiny` firm (seed 42) generated into `base`, its four simulators up on loopback until the block ends;
    `data_dir_env`: C2C_DATA_DIR points at `base` meanwhile (restored after). `prepare(firm_dir)` changes the
    generated firm's files before the simulators first read them."""
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    generate("tiny", 42, base / "sandbox")
    if prepare is not None:
        prepare(base / "sandbox" / "firm")
    old = os.environ.get("C2C_DATA_DIR")
    if data_dir_env:
        os.environ["C2C_DATA_DIR"] = str(base)
    try:
        endpoints = up(base, log=lambda _: None)
        yield RunningSandbox(base, endpoints, json.loads((base / "sandbox" / "manifest.json").read_text()))
    finally:
        down(base)
        if data_dir_env and old is None:
            os.environ.pop("C2C_DATA_DIR", None)
        elif data_dir_env:
            os.environ["C2C_DATA_DIR"] = old


@pytest.fixture(scope="session")
def tiny_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The tiny sandbox the session shares (C2C_DATA_DIR points at it)."""
    with running_sandbox(tmp_path_factory.mktemp("c2c-data"), data_dir_env=True) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def erp_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A second tiny sandbox for tests that write to the ERP (the shared one keeps its planted drifts);
    such a test starts with `Admin("netsuite", erp_sandbox.data_dir).reset_account()`."""
    with running_sandbox(tmp_path_factory.mktemp("retl-sandbox"), data_dir_env=False) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A private PostgreSQL server on loopback for the session (installed with apt-get if missing)."""
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()
