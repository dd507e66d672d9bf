"""Bearer tokens issued by a simulator: expiry per vendor, and "expire every token now" for fault tests."""

from __future__ import annotations

import secrets
import threading
import time
from enum import Enum


class TokenStatus(Enum):
    OK = "ok"
    EXPIRED = "expired"
    INVALID = "invalid"


class TokenStore:
    """Tokens with an optional time to live (None = until revoked, as Salesforce sessions or Kantata), each
    with an optional role (NetSuite: the integration it was issued to)."""

    def __init__(self, ttl_seconds: float | None) -> None:
        self.ttl_seconds = ttl_seconds
        self._expiry: dict[str, float] = {}
        self._roles: dict[str, str] = {}
        self._lock = threading.Lock()

    def issue(self, prefix: str = "", role: str | None = None) -> str:
        token = prefix + secrets.token_urlsafe(32)
        self.add(token, role)
        return token

    def add(self, token: str, role: str | None = None) -> None:
        expiry = time.time() + self.ttl_seconds if self.ttl_seconds else float("inf")
        with self._lock:
            self._expiry[token] = expiry
            if role is not None:
                self._roles[token] = role

    def role(self, token: str | None) -> str | None:
        """The role the token was issued with (None: unknown token, or issued without one)."""
        if not token:
            return None
        with self._lock:
            return self._roles.get(token)

    def check(self, token: str | None) -> TokenStatus:
        if not token:
            return TokenStatus.INVALID
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return TokenStatus.INVALID
        return TokenStatus.OK if time.time() < expiry else TokenStatus.EXPIRED

    def expire_all(self) -> int:
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = 0.0
            return len(self._expiry)


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
