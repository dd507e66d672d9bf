"""Where a source's base URL and credentials come from: the settings `sources.<vendor>.*` (dlt config /
secrets / environment `SOURCES__<VENDOR>__<NAME>`, listed in .env.example), or — when none is configured —
the endpoints file that the sandbox writes into the data dir, read exactly like a real vendor's settings file.
The loader itself is the kernel's (core/settings.py)."""

from __future__ import annotations

from core import settings
from core.allowlist import check_url
from core.errors import ConfigError
from core.settings import VendorSettings


def resolve(vendor: str) -> VendorSettings:
    if vendor not in settings.VENDORS:
        raise ConfigError(f"unknown vendor {vendor!r}; expected one of {', '.join(settings.VENDORS)}", vendor=vendor)
    base_url = settings.get(f"sources.{vendor}.base_url")
    resolved = _configured(vendor, str(base_url)) if base_url else _from_sandbox(vendor)
    extra_hosts = settings.listed(f"sources.{vendor}.allowed_hosts")
    check_url(vendor, resolved.base_url, "base_url", sandbox=resolved.sandbox, extra_hosts=extra_hosts)
    if resolved.token_url:
        check_url(vendor, resolved.token_url, "token_url", sandbox=resolved.sandbox, extra_hosts=extra_hosts)
    return resolved


def _from_sandbox(vendor: str) -> VendorSettings:
    entry = settings.sandbox_entry(vendor, f"sources.{vendor}.base_url")
    if vendor == "netsuite":  # an M2M integration with its own key pair, as a configured account
        return settings.netsuite_sandbox(entry, "m2m")
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
    section = f"sources.{vendor}"

    def get(name: str) -> str | None:
        return settings.get(f"{section}.{name}")

    def require(name: str, secret: bool = False) -> str:
        return settings.require(f"{section}.{name}", secret=secret, vendor=vendor)

    if vendor == "salesforce":
        client_id, secret = require("client_id"), require("client_secret", secret=True)
        return VendorSettings(vendor, base_url, token_url=get("token_url") or f"{base_url}/services/oauth2/token",
                              token_form=lambda: {"grant_type": "client_credentials", "client_id": client_id,
                                                  "client_secret": secret},
                              api_version=str(get("api_version") or "62.0"))
    if vendor == "ironclad":
        client_id, secret = require("client_id"), require("client_secret", secret=True)
        user = require("user_email")
        scope = get("scope") or "public.records.readRecords public.records.readSchemas"
        origin = base_url.split("/public/api")[0]
        return VendorSettings(vendor, base_url, token_url=get("token_url") or f"{origin}/oauth/token",
                              token_form=lambda: {"grant_type": "client_credentials", "client_id": client_id,
                                                  "client_secret": secret, "scope": scope},
                              headers={"x-as-user-email": user})
    if vendor == "kantata":
        return VendorSettings(vendor, base_url, access_token=require("access_token", secret=True))
    return settings.netsuite_m2m(section, base_url)
