"""Salesforce REST API simulator (CRM): OAuth token endpoint, SOQL query/queryAll/queryMore, sObject
describe, retrieve and update (PATCH), served from the generated firm's Account, Opportunity and Contact
tables.

The interface every simulator exposes (sandbox/common/vendor.py): VENDOR, DEFAULT_SETTINGS,
make_credentials, create_app, describe. Knobs and departures from the real API: README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.common.simulator import SimulatorState

from .app import VENDOR, build, create_sim
from .auth import make_credentials
from .context import org_and_user

__all__ = ["DEFAULT_SETTINGS", "VENDOR", "create_app", "describe", "make_credentials"]

DEFAULT_SETTINGS: dict[str, Any] = {
    "api_version": "62.0",  # the one REST version served; any other /services/data/vNN.N/ is 404
    "session_timeout_seconds": 7200,  # a session id dies this long after issue (401 INVALID_SESSION_ID)
    "daily_api_limit": 1_000_000,  # rolling 24 h allocation; beyond it 403 REQUEST_LIMIT_EXCEEDED
    "short_page_rate": 0.1,  # share of query pages shorter than the batch size (seeded)
    "max_query_locators": 10,  # open query cursors per org; the least recently used is closed first
    "query_locator_ttl_seconds": 900,  # a cursor unused this long is closed (INVALID_QUERY_LOCATOR)
    "max_concurrent": 25,  # requests in flight; beyond it 429 REQUEST_LIMIT_EXCEEDED (middleware)
    "latency_seconds": 0.0,  # added to every request (middleware)
    "seed": 0,  # seeds short pages and fault sampling
}


def create_app(
    firm: Path, state: Path, creds: dict[str, str], settings: dict[str, Any] | None = None
) -> tuple[Any, SimulatorState]:
    """The ASGI app and its state. `state` (the persistent dir) is unused: record updates (PATCH) live in
    memory until the simulator stops."""
    unknown = sorted(set(settings or {}) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown salesforce setting(s): {', '.join(unknown)}")
    sim = create_sim(Path(firm), dict(creds), {**DEFAULT_SETTINGS, **(settings or {})})
    return build(sim), sim.state


def describe(origin: str, creds: dict[str, str], state: SimulatorState) -> dict[str, Any]:
    """This vendor's entry of endpoints.json (base_url is the instance URL)."""
    origin = origin.rstrip("/")
    org_id, _ = org_and_user(creds)
    state.tokens.ttl_seconds = float(state.settings["session_timeout_seconds"]) or None
    return {
        "base_url": origin,
        "token_request": {
            "url": origin + "/services/oauth2/token",
            "form": {
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        },
        "access_token": state.tokens.issue(prefix=f"{org_id}!AQ"),
        "headers": {},
        "api_version": state.settings["api_version"],
    }
