"""Where the sandbox keeps its run-time files, inside the data dir (core/paths.py; ARCHITECTURE.md
"Interfaces")."""

from __future__ import annotations

from pathlib import Path

from core.paths import REPO_ROOT, data_dir, sandbox_dir
from core.settings import VENDORS

__all__ = ["REPO_ROOT", "VENDORS", "data_dir", "firm_dir", "key_dir", "run_dir", "sandbox_dir", "state_dir"]


def firm_dir(base: Path | None = None) -> Path:
    """The generated firm: one parquet file per vendor object, plus the generation parameters."""
    return sandbox_dir(base) / "firm"


def state_dir(vendor: str, base: Path | None = None) -> Path:
    """Persistent simulator state (only NetSuite writes here: its records survive restarts)."""
    return sandbox_dir(base) / "state" / vendor


def run_dir(base: Path | None = None) -> Path:
    """PID files, port files and logs of a running sandbox."""
    return sandbox_dir(base) / "run"


def key_dir(base: Path | None = None) -> Path:
    """The clients' private keys of the integrations the sandbox registered (0700; each key file 0600)."""
    return sandbox_dir(base) / "keys"
