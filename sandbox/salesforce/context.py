"""Everything one running Salesforce simulator holds: data, catalog, sessions, API usage, query locators."""

from __future__ import annotations

import hashlib
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb

from sandbox.common.simulator import SimulatorState
from sandbox.common.tokens import TokenStatus

from .catalog import SObject
from .cursors import CursorStore
from .limits import ApiUsage

MIN_BATCH, MAX_BATCH = 200, 2000
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def sf_id(prefix: str, seed: str) -> str:
    """A stable 15-character Salesforce-style id (3-character key prefix + 12 characters)."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:12], "big")
    chars = []
    for _ in range(12):
        n, r = divmod(n, 62)
        chars.append(_BASE62[r])
    return prefix + "".join(chars)


def org_and_user(creds: dict[str, str]) -> tuple[str, str]:
    """The org id (00D…) and integration user id (005…) that the credentials belong to."""
    client_id = creds.get("client_id", "")
    return sf_id("00D", "org:" + client_id), sf_id("005", "user:" + client_id)


def session_token(authorization: str | None) -> str | None:
    """The session id from `Authorization: Bearer <id>` (or the older `OAuth <id>` scheme)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    return value if scheme.lower() in ("bearer", "oauth") and value else None


@dataclass
class SalesforceSim:
    state: SimulatorState
    con: duckdb.DuckDBPyConnection
    catalog: dict[str, SObject]
    creds: dict[str, str]
    usage: ApiUsage
    cursors: CursorStore
    rng: random.Random
    org_id: str
    user_id: str
    _rng_lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)  # one record update at a time

    @property
    def settings(self) -> dict[str, Any]:
        return self.state.settings

    @property
    def version(self) -> str:
        return str(self.settings["api_version"])

    @property
    def data_prefix(self) -> str:
        return f"/services/data/v{self.version}"

    def limit_headers(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": self.usage.header()}

    def issue_token(self) -> str:
        """A new session id; it dies `session_timeout_seconds` after issue (read at issue time)."""
        self.state.tokens.ttl_seconds = float(self.settings["session_timeout_seconds"]) or None
        return self.state.tokens.issue(prefix=f"{self.org_id}!AQ")

    def session_ok(self, authorization: str | None) -> bool:
        return self.state.tokens.check(session_token(authorization)) is TokenStatus.OK

    def object(self, name: str) -> SObject | None:
        """The sObject of a URL segment (case-insensitive, as Salesforce matches it)."""
        lowered = name.lower()
        for obj_name, obj in self.catalog.items():
            if obj_name.lower() == lowered:
                return obj
        return None

    def batch_size(self, header: str | None, default: int = MAX_BATCH) -> int:
        """From `Sforce-Query-Options: batchSize=N` (clamped to 200..2000), else the default."""
        m = _BATCH_RE.search(header or "")
        if not m:
            return default
        return min(MAX_BATCH, max(MIN_BATCH, int(m.group(1))))

    def page_size(self, batch: int) -> int:
        """The rows this page really holds: the batch size, or (short_page_rate of the time) fewer."""
        rate = float(self.settings.get("short_page_rate") or 0)
        with self._rng_lock:
            if rate <= 0 or self.rng.random() >= rate:
                return batch
            return self.rng.randint(max(1, batch // 4), max(1, batch - 1))
