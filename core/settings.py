"""The one settings loader. Every setting has one name and is read through dlt's config providers, so
`.dlt/config.toml`, `.dlt/secrets.toml`, the environment and a configured secrets manager all work:

- a vendor's settings are `sources.<vendor>.<name>` (env `SOURCES__<VENDOR>__<NAME>`);
- the ERP writer's are `reverse_etl.<name>` and `reverse_etl.netsuite.<name>` (env `REVERSE_ETL__…`);
- the platform's own are top-level `c2c_<name>` (env `C2C_<NAME>`, e.g. `C2C_AS_OF`, `C2C_PG_HOST`).
Secrets are read only with `secret=True` (from secrets.toml, env or a vault; never config.toml) and never
appear in a message. `.env.example` lists every name. Nothing is read at import time.

When no vendor base URL is configured the sandbox is the target: its endpoints file in the data dir gives the
base URLs and token requests, read exactly like a real vendor's settings."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError
from .paths import endpoints_file

VENDORS = ("salesforce", "ironclad", "kantata", "netsuite")
T = TypeVar("T")


def env_name(key: str) -> str:
    """The environment variable dlt reads for a setting: `sources.kantata.base_url` → SOURCES__KANTATA__BASE_URL."""
    return key.upper().replace(".", "__")


def get(key: str, *, secret: bool = False, default: Any = None) -> Any:
    """The setting's value, or `default` when it is not set (an empty value counts as not set)."""
    import dlt

    try:
        value = (dlt.secrets if secret else dlt.config).get(key)
    except Exception:  # noqa: BLE001 - an unreadable provider is the same as a missing value here
        value = None
    return default if value in ("", None) else value


def require(key: str, *, secret: bool = False, vendor: str | None = None) -> Any:
    value = get(key, secret=secret)
    if value is None:
        raise ConfigError(f"missing setting {key} (env {env_name(key)})", vendor=vendor, setting=key)
    return value


def typed(key: str, kind: Callable[[str], T], default: T) -> T:
    """A setting converted to `kind` (int, float, Decimal, str…); a value that does not convert is an error
    naming the setting and the type it must be."""
    raw = get(key)
    if raw is None:
        return default
    try:
        return kind(str(raw))
    except (ValueError, InvalidOperation):
        name = getattr(kind, "__name__", str(kind))
        raise ConfigError(f"setting {key} (env {env_name(key)}) must be a {name}", setting=key) from None


def listed(key: str) -> tuple[str, ...]:
    """A comma-separated setting as a tuple (empty when not set)."""
    return tuple(v.strip() for v in str(get(key) or "").split(",") if v.strip())


@dataclass
class VendorSettings:
    vendor: str
    base_url: str
    token_url: str | None = None
    token_form: Callable[[], dict[str, str]] | None = None  # a fresh token request form per fetch
    access_token: str | None = None  # a pre-issued token (Kantata); also the sandbox's ready token
    headers: dict[str, str] = field(default_factory=dict)
    api_version: str | None = None
    sandbox: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never show credentials
        return f"VendorSettings(vendor={self.vendor!r}, base_url={self.base_url!r}, sandbox={self.sandbox})"


def sandbox_is_target() -> bool:
    """True when no vendor's base URL is configured (by any provider): the sandbox's endpoints file is then
    where every source and the writer connect, and its manifest's as-of date is the rules' default."""
    return not any(get(f"sources.{vendor}.base_url") for vendor in VENDORS)


def sandbox_entry(vendor: str, setting: str, base: Path | None = None) -> dict[str, Any]:
    """The vendor's entry of the sandbox's endpoints file; a clear error when there is none."""
    path = endpoints_file(base)
    if not path.exists():
        raise ConfigError(f"no {setting} configured and no sandbox endpoints file at {path}; run "
                          "`c2c sandbox up --detach` or configure the vendor", vendor=vendor, setting=setting)
    return json.loads(path.read_text())[vendor]


def netsuite_assertion_form(client_id: str, certificate_id: str, private_key: str, token_url: str) -> dict[str, str]:
    """NetSuite OAuth 2.0 M2M: a JWT signed with the certificate's private key (PS256), valid ≤ 1 hour."""
    import jwt

    now = int(time.time())
    assertion = jwt.encode({"iss": client_id, "scope": ["rest_webservices"], "aud": token_url, "iat": now,
                            "exp": now + 3000}, private_key, algorithm="PS256", headers={"kid": certificate_id})
    return {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}


def netsuite_m2m(section: str, base_url: str, *, vendor: str = "netsuite") -> VendorSettings:
    """A NetSuite integration configured under `section` (client_id, certificate_id, private_key, token_url)."""
    base_url = base_url.rstrip("/")
    client_id = require(f"{section}.client_id", vendor=vendor)
    cert = require(f"{section}.certificate_id", vendor=vendor)
    key = require(f"{section}.private_key", secret=True, vendor=vendor)
    token_url = get(f"{section}.token_url") or f"{base_url}/auth/oauth2/v1/token"
    return VendorSettings(vendor, base_url, token_url=token_url,
                          token_form=lambda: netsuite_assertion_form(client_id, cert, key, token_url))


__all__ = ["VENDORS", "ConfigError", "VendorSettings", "env_name", "get", "listed",
           "netsuite_assertion_form", "netsuite_m2m", "require", "sandbox_entry", "sandbox_is_target", "typed"]
