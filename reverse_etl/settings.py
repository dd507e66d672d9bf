"""The reverse ETL's own settings and credentials — separate from ingestion's (RELIABILITY.md: separate
credentials for reading and writing), read through the kernel's one settings loader (core/settings.py).

Credentials: `reverse_etl.netsuite.{base_url, client_id, certificate_id, private_key, token_url,
allowed_hosts}` (env `REVERSE_ETL__NETSUITE__BASE_URL`, …; private_key only from secrets or env). With no
base_url configured, the sandbox's endpoints file gives the writer integration (`write_m2m`: client id,
certificate id and private key file), signed in by the same code.

Knobs (`reverse_etl.<name>`, env `REVERSE_ETL__<NAME>`): max_concurrency (5: NetSuite's smallest account
limit; requests in flight never exceed it), timeout_seconds (30), max_attempts (8), preparer (the pipeline's
identity that prepares plans and may never approve them), auto_apply_max_impact (off: the money threshold in
the reporting currency under which a plan is approved by policy), alert_after_rejections (3).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from core import settings
from core.allowlist import check_url
from core.errors import ConfigError
from core.settings import VendorSettings

SECTION = "reverse_etl"


def netsuite_writer() -> VendorSettings:
    """Base URL and token request of the reverse-ETL NetSuite integration (checked against the allow-list)."""
    section = f"{SECTION}.netsuite"
    base_url = settings.get(f"{section}.base_url")
    if base_url:
        writer = settings.netsuite_m2m(section, str(base_url))
    else:
        writer = settings.netsuite_sandbox(settings.sandbox_entry("netsuite", f"{section}.base_url"), "write_m2m")
    extra = settings.listed(f"{section}.allowed_hosts")
    check_url("netsuite", writer.base_url, f"{section}.base_url", sandbox=writer.sandbox, extra_hosts=extra)
    check_url("netsuite", writer.token_url or "", f"{section}.token_url", sandbox=writer.sandbox, extra_hosts=extra)
    return writer


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
        kinds = {"max_concurrency": int, "timeout_seconds": float, "max_attempts": int, "preparer": str,
                 "auto_apply_max_impact": Decimal, "alert_after_rejections": int}
        values = {f.name: settings.typed(f"{SECTION}.{f.name}", kinds[f.name], f.default) for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        knobs = cls(**values)
        if knobs.max_concurrency < 1:
            raise ConfigError(f"setting {SECTION}.max_concurrency must be at least 1", setting="max_concurrency")
        return knobs
