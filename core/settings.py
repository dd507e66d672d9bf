"""The one settings loader. Every setting has one name and is read through dlt's config providers, so
`.dlt/config.toml`, `.dlt/secrets.toml`, the environment and a configured secrets manager all work:

- a vendor's settings are `sources.<vendor>.<name>` (env `SOURCES__<VENDOR>__<NAME>`);
- the ERP writer's are `reverse_etl.<name>` and `reverse_etl.netsuite.<name>` (env `REVERSE_ETL__…`);
- the platform's own are top-level `c2c_<name>` (env `C2C_<NAME>`, e.g. `C2C_AS_OF`, `C2C_PG_HOST`).
Secrets are read only with `secret=True` (from secrets.toml, env or a vault; never config.toml) and never
appear in a message. `.env.example` lists every name. Nothing is read at import time.

When no vendor base URL is configured the sandbox is the target: its endpoints file in the data dir gives the
base URLs and token requests, read exactly like a real vendor's settings; its NetSuite entry describes M2M
integrations (client id, certificate id, token URL, a 0600 private key file), signed in by the same code
as a configured NetSuite account (`netsuite_integration`)."""

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


ASSERTION_LIFETIME = 3000  # seconds; NetSuite refuses an assertion whose exp is more than an hour after iat


def netsuite_assertion_form(client_id: str, certificate_id: str, private_key: str, token_url: str, *,
                            now: float | None = None) -> dict[str, str]:
    """NetSuite OAuth 2.0 M2M: the client-credentials form with a JWT client assertion signed PS256 with the
    certificate's private key (header `kid` = certificate id; claims iss, scope, aud = token URL, iat, exp)."""
    import jwt

    issued = int(now if now is not None else time.time())
    assertion = jwt.encode({"iss": client_id, "scope": ["rest_webservices"], "aud": token_url, "iat": issued,
                            "exp": issued + ASSERTION_LIFETIME}, private_key, algorithm="PS256",
                           headers={"kid": certificate_id})
    return {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}


def _check_private_key(pem: str, setting: str, vendor: str) -> None:
    """A private key that cannot sign is refused when the settings are read, before any request (the
    message names the setting, never the key)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigError(f"{setting} is not an unencrypted PEM private key", vendor=vendor, setting=setting) from None


def netsuite_integration(base_url: str, *, client_id: str, certificate_id: str, private_key: str, token_url: str,
                         setting: str, sandbox: bool = False, vendor: str = "netsuite") -> VendorSettings:
    """A NetSuite M2M integration: every token request is a freshly signed client assertion."""
    _check_private_key(private_key, setting, vendor)
    return VendorSettings(vendor, base_url.rstrip("/"), token_url=token_url, sandbox=sandbox,
                          token_form=lambda: netsuite_assertion_form(client_id, certificate_id, private_key, token_url))


def netsuite_m2m(section: str, base_url: str, *, vendor: str = "netsuite") -> VendorSettings:
    """A NetSuite integration configured under `section` (client_id, certificate_id, private_key, token_url)."""
    base_url = base_url.rstrip("/")
    return netsuite_integration(
        base_url, client_id=require(f"{section}.client_id", vendor=vendor),
        certificate_id=require(f"{section}.certificate_id", vendor=vendor),
        private_key=require(f"{section}.private_key", secret=True, vendor=vendor),
        token_url=get(f"{section}.token_url") or f"{base_url}/auth/oauth2/v1/token",
        setting=f"{section}.private_key", vendor=vendor)


def read_private_key(path: Path, setting: str, vendor: str) -> str:
    """A private key file's PEM; a missing file, or one that others may read (mode not 0600 or stricter),
    is refused naming the file (never its content)."""
    try:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise ConfigError(f"the private key file {path} ({setting}) may be read by others (mode "
                              f"{oct(mode & 0o777)}); `chmod 600` it", vendor=vendor, setting=setting)
        return path.read_text()
    except OSError as exc:
        raise ConfigError(f"the private key file {path} ({setting}) cannot be read ({exc.strerror}); restart the "
                          "sandbox (`c2c sandbox down && c2c sandbox up --detach`) to have it written again",
                          vendor=vendor, setting=setting) from None


def netsuite_sandbox(entry: dict[str, Any], integration: str = "m2m", *, vendor: str = "netsuite") -> VendorSettings:
    """The sandbox NetSuite's integration `integration` (`m2m`: ingestion's reader, `write_m2m`: the reverse
    ETL's writer) from its endpoints.json entry — client id, certificate id, token URL and the 0600 private
    key file the sandbox wrote — signed in exactly as a configured account is (netsuite_integration)."""
    spec = entry.get(integration)
    if not spec:
        raise ConfigError(f"the sandbox's NetSuite entry has no {integration} integration (an endpoints.json "
                          "written by an older sandbox); restart it: `c2c sandbox down && c2c sandbox up --detach`",
                          vendor=vendor, setting=integration)
    setting = f"{integration}.private_key_file"
    return netsuite_integration(entry["base_url"], client_id=spec["client_id"], certificate_id=spec["certificate_id"],
                                private_key=read_private_key(Path(spec["private_key_file"]), setting, vendor),
                                token_url=spec["token_url"], setting=setting, sandbox=True, vendor=vendor)


__all__ = ["VENDORS", "ConfigError", "VendorSettings", "env_name", "get", "listed",
           "netsuite_assertion_form", "netsuite_integration", "netsuite_m2m", "netsuite_sandbox", "read_private_key",
           "require", "sandbox_entry", "sandbox_is_target", "typed"]
