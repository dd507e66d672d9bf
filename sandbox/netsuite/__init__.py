"""NetSuite REST web services simulator (ERP): SuiteQL + record API, with persistent state.

The package interface every simulator exposes (sandbox/common/vendor.py), plus `reset_state(state_dir)`,
`store_private_keys` and `credentials_usable` (the integrations' key pairs: client_assertion.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.common.simulator import SimulatorState

from .app import READER, WRITER, create_netsuite_app, token_url
from .client_assertion import new_integration, write_private_key
from .store import reset_state

VENDOR = "netsuite"

DEFAULT_SETTINGS: dict[str, Any] = {
    "token_ttl_seconds": 3600,  # access-token lifetime (expires_in), as NetSuite's OAuth 2.0 M2M tokens
    "max_concurrent": 5,  # account concurrency limit; over it: 429 CONCURRENCY_LIMIT_EXCEEDED
    "latency_seconds": 0,  # fixed latency added to every request (write benchmarks)
    "short_page_rate": 0.05,  # probability that a page holds fewer rows than `limit` although more remain
    "date_format": "M/D/YYYY",  # the account's date-format preference (SuiteQL values, record-API `q` dates)
    "suiteql_datetime_with_time": False,  # SuiteQL datetimes without TO_CHAR: date only (False) or "M/D/YYYY h:mm am"
    "max_results": 100_000,  # SuiteQL results per query (the rest is never served)
    "seed": 0,  # seeds the short-page decisions
}

__all__ = [
    "DEFAULT_SETTINGS",
    "VENDOR",
    "create_app",
    "credentials_usable",
    "describe",
    "make_credentials",
    "reset_state",
    "store_private_keys",
]


def make_credentials() -> dict[str, Any]:
    """Fresh credentials of two integrations, each with its certificate's RSA key pair: the reader's
    (ingestion) at the top level, with the account id, and the writer's (reverse ETL) under "writer"."""
    return {**new_integration(), "account_id": "SANDBOX1", "writer": new_integration()}


def store_private_keys(creds: dict[str, Any], key_dir: Path) -> dict[str, Any]:
    """Hand each integration's private key to its client: a 0600 file under `key_dir`
    (`netsuite-reader.pem`, `netsuite-writer.pem`); the credentials the simulator keeps hold the public keys
    and the files' paths only."""

    def keep(integration: dict[str, Any], name: str) -> dict[str, Any]:
        kept = {k: v for k, v in integration.items() if k not in ("private_key", "writer")}
        if "private_key" in integration:
            path = key_dir / f"netsuite-{name}.pem"
            write_private_key(path, integration["private_key"])
            kept["private_key_file"] = str(path)
        return kept

    stored = keep(creds, "reader")
    if creds.get("writer"):
        stored["writer"] = keep(creds["writer"], "writer")
    return stored


def credentials_usable(creds: dict[str, Any]) -> bool:
    """False for credentials this simulator can no longer serve (made before its integrations had key
    pairs, or whose private key files are gone): the runner makes new ones."""
    integrations = [creds, *([creds["writer"]] if creds.get("writer") else [])]
    return all("public_key" in i and Path(i.get("private_key_file") or "").is_file() for i in integrations)


def create_app(
    firm: Path, state: Path, creds: dict[str, Any], settings: dict[str, Any] | None = None
) -> tuple[Any, SimulatorState]:
    """The ASGI app over `<state>/netsuite.duckdb` (created from the firm's parquet files on first start)."""
    merged = {**DEFAULT_SETTINGS, **(settings or {})}
    return create_netsuite_app(Path(firm), Path(state), creds, merged)


def _m2m(url: str, integration: dict[str, str]) -> dict[str, str]:
    """An M2M integration as a configured account describes it: token URL, client id, certificate id and the
    private key (here: the file the sandbox wrote) — the client signs its own assertions."""
    return {
        "token_url": url,
        "client_id": integration["client_id"],
        "certificate_id": integration["certificate_id"],
        "private_key_file": integration.get("private_key_file", ""),
    }


def describe(origin: str, creds: dict[str, Any], state: SimulatorState) -> dict[str, Any]:
    """This simulator's entry of endpoints.json: `m2m` (ingestion's reader integration) and `write_m2m` (the
    reverse ETL's writer, only when the credentials have one), each signed in by the client; `access_token` /
    `write_access_token` are ready tokens for tests and benchmarks (the platform never uses them)."""
    origin = origin.rstrip("/")
    url = token_url(origin)
    state.tokens.ttl_seconds = float(state.settings.get("token_ttl_seconds") or 3600)
    entry = {
        "base_url": f"{origin}/services/rest",
        "token_request": None,
        "m2m": _m2m(url, creds),
        "access_token": state.tokens.issue(role=READER),
        "headers": {},
        "account_id": creds["account_id"],
    }
    if creds.get("writer"):
        entry["write_m2m"] = _m2m(url, creds["writer"])
        entry["write_access_token"] = state.tokens.issue(role=WRITER)
    return entry
