"""Where run-time files live: one data directory per run (ARCHITECTURE.md "Interfaces"). Everything a run
writes goes under it; two runs with different `C2C_DATA_DIR` never touch each other's files."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "transform"  # the dbt project: every business rule, as SQL


def data_dir() -> Path:
    """`$C2C_DATA_DIR` when set, else `data/` at the repository root."""
    configured = os.environ.get("C2C_DATA_DIR")
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"


def ensure_data_dir(base: Path | None = None) -> Path:
    """The data dir, created when missing — readable by its owner only (0700): it holds the warehouse, vendor
    pages in dlt's packages and the reverse ETL's ledger. A data dir that exists is left as it is."""
    path = base or data_dir()
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    return path


def warehouse_path(base: Path | None = None) -> Path:
    """The default DuckDB warehouse: `<data dir>/warehouse.duckdb`."""
    return (base or data_dir()) / "warehouse.duckdb"


def sandbox_dir(base: Path | None = None) -> Path:
    """What the sandbox writes for its clients: endpoints.json, manifest.json, the firm, its run files."""
    return (base or data_dir()) / "sandbox"


def endpoints_file(base: Path | None = None) -> Path:
    """The sandbox's endpoints (base URL, token request, headers per vendor), read like a vendor settings file."""
    return sandbox_dir(base) / "endpoints.json"


def manifest_file(base: Path | None = None) -> Path:
    """The sandbox's ground truth: size, seed, as-of date, counts and planted breaks."""
    return sandbox_dir(base) / "manifest.json"


def approvers_file(base: Path | None = None) -> Path:
    """The sandbox's registry of approvers (name, role, public key), read like a vendor settings file when no
    registry is configured and the sandbox is the target."""
    return sandbox_dir(base) / "approvers.toml"


def approver_keys_dir(base: Path | None = None) -> Path:
    """The private keys of the sandbox's demo approvers (0600 files `<approver>.pem`, in a 0700 directory)."""
    return sandbox_dir(base) / "approver-keys"


def ledger_key_file(base: Path | None = None) -> Path:
    """The write ledger's HMAC key when `reverse_etl.ledger_key` is not set (made on first use, 0600)."""
    return (base or data_dir()) / "keys" / "ledger.key"


def ledger_anchors_file(base: Path | None = None) -> Path:
    """The write ledger's chain heads, one line per apply or verify, outside the warehouse (append-only)."""
    return (base or data_dir()) / "reverse_etl" / "ledger_anchors.jsonl"
