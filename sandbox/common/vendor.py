"""The shape every simulator package (`sandbox/<vendor>/__init__.py`) exposes to the runner.

    VENDOR: str                                     # "salesforce" | "ironclad" | "kantata" | "netsuite"
    DEFAULT_SETTINGS: dict[str, Any]                # the knobs of this simulator (documented in sandbox/<vendor>/README.md)
    def make_credentials() -> dict[str, str]        # fresh sandbox credentials (client id/secret, …)
    def create_app(firm: Path, state: Path, creds: dict[str, str],
                   settings: dict[str, Any] | None = None) -> tuple[ASGIApp, SimulatorState]
    def describe(origin: str, creds: dict[str, str], state: SimulatorState) -> dict[str, Any]
        # this vendor's entry of endpoints.json: base_url, token_request, access_token, headers[, api_version]
    # optional (NetSuite, whose integrations sign with key pairs):
    def store_private_keys(creds: dict, key_dir: Path) -> dict   # private keys to client files; what to keep
    def credentials_usable(creds: dict) -> bool                  # False: the runner makes new credentials

`firm` is `<data dir>/sandbox/firm` (parquet per object, see sandbox/firm/schema.py), `state` is
`<data dir>/sandbox/state/<vendor>` (persistent; only NetSuite writes there), `origin` is
`http://127.0.0.1:<port>`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .paths import VENDORS


def load(vendor: str) -> ModuleType:
    if vendor not in VENDORS:
        raise ValueError(f"unknown vendor {vendor!r}; expected one of {', '.join(VENDORS)}")
    return importlib.import_module(f"sandbox.{vendor}")
