"""The reverse ETL's own settings and credentials — separate from ingestion's (RELIABILITY.md: separate
credentials for reading and writing).

Credentials: `reverse_etl.netsuite.{base_url, client_id, certificate_id, private_key}` in dlt config / secrets
or the environment (`REVERSE_ETL__NETSUITE__BASE_URL`, …; private_key only from secrets or env). With no
base_url configured, the sandbox's endpoints file gives the writer integration (`write_token_request`).

Knobs (env `C2C_RETL_<NAME>` or `reverse_etl.<name>`): max_concurrency (5: NetSuite's smallest account
limit; requests in flight never exceed it), timeout_seconds (30), max_attempts (8), preparer (the pipeline's
identity that prepares plans and may never approve them), auto_apply_max_impact (off: the money threshold in
the reporting currency under which a plan is approved by policy), alert_after_rejections (3).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import dlt

from ingestion.common.allowlist import check_url
from ingestion.common.errors import UrlNotAllowedError
from ingestion.common.settings import VendorSettings, endpoints_file, netsuite_assertion_form

from .errors import ConfigError

SECTION = "reverse_etl"


def _get(name: str, secret: bool = False) -> Any:
    env = os.environ.get(f"C2C_RETL_{name.upper().replace('.', '_')}")
    if env not in (None, ""):
        return env
    try:
        value = (dlt.secrets if secret else dlt.config).get(f"{SECTION}.{name}")
    except Exception:  # noqa: BLE001 - an unreadable provider is the same as a missing value here
        value = None
    return value if value not in ("", None) else None


def _require(name: str, secret: bool = False) -> Any:
    value = _get(name, secret)
    if value is None:
        env = f"{SECTION.upper()}__{name.upper().replace('.', '__')}"
        raise ConfigError(f"missing setting {SECTION}.{name} (env {env})", setting=f"{SECTION}.{name}")
    return value


def netsuite_writer() -> VendorSettings:
    """Base URL and token request of the reverse-ETL NetSuite integration (checked against the allow-list)."""
    base_url = _get("netsuite.base_url")
    if base_url:
        base_url = str(base_url).rstrip("/")
        client_id, cert = _require("netsuite.client_id"), _require("netsuite.certificate_id")
        key = _require("netsuite.private_key", secret=True)
        token_url = _get("netsuite.token_url") or f"{base_url}/auth/oauth2/v1/token"
        settings = VendorSettings("netsuite", base_url, token_url=token_url,
                                  token_form=lambda: netsuite_assertion_form(client_id, cert, key, token_url))
    else:
        path = endpoints_file()
        if not path.exists():
            raise ConfigError(f"no {SECTION}.netsuite.base_url configured and no sandbox endpoints file at {path}",
                              setting=f"{SECTION}.netsuite.base_url")
        entry = json.loads(path.read_text())["netsuite"]
        request = entry.get("write_token_request")
        if not request:
            raise ConfigError("the sandbox's NetSuite has no writer integration (endpoints.json lacks "
                              "write_token_request); restart it: `c2c sandbox down && c2c sandbox up --detach`",
                              setting="write_token_request")
        form = dict(request["form"])
        settings = VendorSettings("netsuite", entry["base_url"].rstrip("/"), token_url=request["url"],
                                  token_form=lambda: dict(form), sandbox=True)
    extra = tuple(h.strip() for h in str(_get("netsuite.allowed_hosts") or "").split(",") if h.strip())
    try:
        check_url("netsuite", settings.base_url, f"{SECTION}.netsuite.base_url", sandbox=settings.sandbox,
                  extra_hosts=extra)
        check_url("netsuite", settings.token_url or "", f"{SECTION}.netsuite.token_url", sandbox=settings.sandbox,
                  extra_hosts=extra)
    except UrlNotAllowedError as exc:
        raise ConfigError(str(exc), setting=f"{SECTION}.netsuite.base_url") from None
    return settings


@dataclass(frozen=True)
class Knobs:
    max_concurrency: int = 5
    timeout_seconds: float = 30.0
    max_attempts: int = 8
    preparer: str = "c2c-pipeline"
    auto_apply_max_impact: Decimal | None = None
    alert_after_rejections: int = 3

    @classmethod
    def load(cls, **overrides: Any) -> Knobs:
        values: dict[str, Any] = {}
        for name, kind in (("max_concurrency", int), ("timeout_seconds", float), ("max_attempts", int),
                           ("preparer", str), ("auto_apply_max_impact", Decimal), ("alert_after_rejections", int)):
            raw = _get(name)
            if raw is None:
                continue
            try:
                values[name] = kind(str(raw))
            except (ValueError, InvalidOperation):
                raise ConfigError(f"setting {SECTION}.{name} must be a {kind.__name__}", setting=name) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        knobs = cls(**values)
        if knobs.max_concurrency < 1:
            raise ConfigError(f"setting {SECTION}.max_concurrency must be at least 1", setting="max_concurrency")
        return knobs
