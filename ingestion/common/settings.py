"""Where a source's base URL and credentials come from: dlt config / secrets / environment
(`SOURCES__<VENDOR>__<NAME>`, listed in .env.example), or — when none is configured — the endpoints file
that the sandbox writes into the data dir, read exactly like a real vendor's settings file."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt

from .allowlist import check_url
from .errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    configured = os.environ.get("C2C_DATA_DIR")
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / "data"


def endpoints_file() -> Path:
    return data_dir() / "sandbox" / "endpoints.json"


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


def _get(vendor: str, name: str, secret: bool = False) -> Any:
    key = f"sources.{vendor}.{name}"
    try:
        value = (dlt.secrets if secret else dlt.config).get(key)
    except Exception:  # noqa: BLE001 - an unreadable provider is the same as a missing value here
        value = None
    return value if value not in ("", None) else None


def _require(vendor: str, name: str, secret: bool = False) -> Any:
    value = _get(vendor, name, secret)
    if value is None:
        env = f"SOURCES__{vendor.upper()}__{name.upper()}"
        raise ConfigError(f"missing setting sources.{vendor}.{name} (env {env})", vendor=vendor, setting=name)
    return value


def resolve(vendor: str) -> VendorSettings:
    base_url = _get(vendor, "base_url")
    settings = _configured(vendor, base_url) if base_url else _from_sandbox(vendor)
    extra_hosts = tuple(h.strip() for h in str(_get(vendor, "allowed_hosts") or "").split(",") if h.strip())
    check_url(vendor, settings.base_url, "base_url", sandbox=settings.sandbox, extra_hosts=extra_hosts)
    if settings.token_url:
        check_url(vendor, settings.token_url, "token_url", sandbox=settings.sandbox, extra_hosts=extra_hosts)
    return settings


def _from_sandbox(vendor: str) -> VendorSettings:
    path = endpoints_file()
    if not path.exists():
        raise ConfigError(f"no sources.{vendor}.base_url configured and no sandbox endpoints file at {path}; "
                          "run `c2c sandbox up --detach` or configure the vendor", vendor=vendor, setting="base_url")
    entry = json.loads(path.read_text())[vendor]
    request = entry.get("token_request")
    form = dict(request["form"]) if request else None
    return VendorSettings(
        vendor=vendor, base_url=entry["base_url"].rstrip("/"), token_url=request["url"] if request else None,
        token_form=(lambda: dict(form)) if form else None,
        access_token=None if request else entry.get("access_token"), headers=dict(entry.get("headers") or {}),
        api_version=entry.get("api_version"), sandbox=True,
    )


def _configured(vendor: str, base_url: str) -> VendorSettings:
    base_url = base_url.rstrip("/")
    if vendor == "salesforce":
        client_id, secret = _require(vendor, "client_id"), _require(vendor, "client_secret", secret=True)
        return VendorSettings(vendor, base_url, token_url=_get(vendor, "token_url") or f"{base_url}/services/oauth2/token",
                              token_form=lambda: {"grant_type": "client_credentials", "client_id": client_id,
                                                  "client_secret": secret},
                              api_version=str(_get(vendor, "api_version") or "62.0"))
    if vendor == "ironclad":
        client_id, secret = _require(vendor, "client_id"), _require(vendor, "client_secret", secret=True)
        user = _require(vendor, "user_email")
        scope = _get(vendor, "scope") or "public.records.readRecords public.records.readSchemas"
        origin = base_url.split("/public/api")[0]
        return VendorSettings(vendor, base_url, token_url=_get(vendor, "token_url") or f"{origin}/oauth/token",
                              token_form=lambda: {"grant_type": "client_credentials", "client_id": client_id,
                                                  "client_secret": secret, "scope": scope},
                              headers={"x-as-user-email": user})
    if vendor == "kantata":
        return VendorSettings(vendor, base_url, access_token=_require(vendor, "access_token", secret=True))
    if vendor == "netsuite":
        client_id, cert = _require(vendor, "client_id"), _require(vendor, "certificate_id")
        key = _require(vendor, "private_key", secret=True)
        token_url = _get(vendor, "token_url") or f"{base_url}/auth/oauth2/v1/token"
        return VendorSettings(vendor, base_url, token_url=token_url,
                              token_form=lambda: netsuite_assertion_form(client_id, cert, key, token_url))
    raise ConfigError(f"unknown vendor {vendor!r}", vendor=vendor)


def netsuite_assertion_form(client_id: str, certificate_id: str, private_key: str, token_url: str) -> dict[str, str]:
    """NetSuite OAuth 2.0 M2M: a JWT signed with the certificate's private key (PS256), valid ≤ 1 hour."""
    import jwt

    now = int(time.time())
    assertion = jwt.encode({"iss": client_id, "scope": ["rest_webservices"], "aud": token_url, "iat": now,
                            "exp": now + 3000}, private_key, algorithm="PS256", headers={"kid": certificate_id})
    return {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
