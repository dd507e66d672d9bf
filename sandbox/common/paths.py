"""Where run-time files live: one data directory per run (ARCHITECTURE.md "Interfaces")."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")


def data_dir() -> Path:
    """`$C2C_DATA_DIR` when set, else `data/` at the repository root."""
    configured = os.environ.get("C2C_DATA_DIR")
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"


def sandbox_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "sandbox"


def firm_dir(base: Path | None = None) -> Path:
    """The generated firm: one parquet file per vendor object, plus the generation parameters."""
    return sandbox_dir(base) / "firm"


def state_dir(vendor: str, base: Path | None = None) -> Path:
    """Persistent simulator state (only NetSuite writes here: its records survive restarts)."""
    return sandbox_dir(base) / "state" / vendor


def run_dir(base: Path | None = None) -> Path:
    """PID files, port files and logs of a running sandbox."""
    return sandbox_dir(base) / "run"
