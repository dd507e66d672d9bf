"""NetSuite REST web services simulator (ERP): SuiteQL + record API, with persistent state.

The package interface every simulator exposes (sandbox/common/vendor.py), plus `reset_state(state_dir)`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sandbox.common.simulator import SimulatorState

from .app import READER, WRITER, create_netsuite_app, token_url
from .jwt import make_assertion
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

ASSERTION_LIFETIME = 10 * 365 * 24 * 3600  # the assertion written to endpoints.json (the sandbox does not cap exp)

__all__ = [
    "DEFAULT_SETTINGS",
    "VENDOR",
    "create_app",
    "describe",
    "make_assertion",
    "make_credentials",
    "reset_state",
]


def _integration() -> dict[str, str]:
    return {
        "client_id": secrets.token_hex(32),
        "certificate_id": secrets.token_urlsafe(32),
        "signing_key": secrets.token_urlsafe(48),
    }


def make_credentials() -> dict[str, Any]:
    """Fresh credentials of two integrations: the reader's (ingestion) at the top level, with the account id,
    and the writer's (reverse ETL) under "writer". Each: client id, certificate id, HS256 signing key."""
    reader = _integration()
    return {
        "client_id": reader["client_id"],
        "account_id": "SANDBOX1",
        "certificate_id": reader["certificate_id"],
        "signing_key": reader["signing_key"],
        "writer": _integration(),
    }


def create_app(
    firm: Path, state: Path, creds: dict[str, Any], settings: dict[str, Any] | None = None
) -> tuple[Any, SimulatorState]:
    """The ASGI app over `<state>/netsuite.duckdb` (created from the firm's parquet files on first start)."""
    merged = {**DEFAULT_SETTINGS, **(settings or {})}
    return create_netsuite_app(Path(firm), Path(state), creds, merged)


def _token_request(url: str, creds: dict[str, str]) -> dict[str, Any]:
    return {
        "url": url,
        "form": {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": make_assertion(creds, url, ASSERTION_LIFETIME),
        },
    }


def describe(origin: str, creds: dict[str, Any], state: SimulatorState) -> dict[str, Any]:
    """This simulator's entry of endpoints.json (the writer's entries only when the credentials have one)."""
    origin = origin.rstrip("/")
    url = token_url(origin)
    state.tokens.ttl_seconds = float(state.settings.get("token_ttl_seconds") or 3600)
    entry = {
        "base_url": f"{origin}/services/rest",
        "token_request": _token_request(url, creds),
        "access_token": state.tokens.issue(role=READER),
        "headers": {},
        "account_id": creds["account_id"],
    }
    if creds.get("writer"):
        entry["write_token_request"] = _token_request(url, creds["writer"])
        entry["write_access_token"] = state.tokens.issue(role=WRITER)
    return entry
