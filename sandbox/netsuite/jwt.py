"""The client-credentials JWT assertion (OAuth 2.0 M2M) in its sandbox form.

Real NetSuite: the assertion is signed RS256/PS256 (or ES*) with the private key of the certificate uploaded
for the integration, and `exp` may be at most `iat + 3600`. The sandbox signs HS256 with
`creds["signing_key"]` (a shared secret: no key pair to manage) and does not enforce the one-hour cap.
The header and claims are the vendor's: `kid` = certificate id; `iss` = client id; `scope`
(must contain `rest_webservices`); `aud` = the token endpoint URL; `iat`; `exp`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class AssertionRejected(ValueError):
    """The assertion is unacceptable; `error` is the OAuth error code the token endpoint answers with."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(header: dict[str, Any], claims: dict[str, Any], key: str) -> str:
    signing_input = _b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + _b64url(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    signature = hmac.new(key.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


def make_assertion(
    creds: dict[str, str],
    token_url: str,
    lifetime_seconds: int = 3600,
    scope: str | list[str] = "rest_webservices",
    now: float | None = None,
) -> str:
    """A signed client assertion for `POST …/auth/oauth2/v1/token`."""
    iat = int(now if now is not None else time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": creds["certificate_id"]}
    claims = {"iss": creds["client_id"], "scope": scope, "aud": token_url, "iat": iat, "exp": iat + lifetime_seconds}
    return encode(header, claims, creds["signing_key"])


def verify_assertion(token: str, creds: dict[str, str], audience_ok: Any, now: float | None = None) -> dict[str, Any]:
    """Check the assertion against the integration's credentials; return its claims or raise.

    `audience_ok(aud: str) -> bool` decides whether an `aud` value names this token endpoint."""
    parts = token.split(".")
    if len(parts) != 3:
        raise AssertionRejected("invalid_request", "client_assertion is not a JWT")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise AssertionRejected("invalid_request", f"client_assertion cannot be decoded: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AssertionRejected("invalid_request", "client_assertion header and claims must be JSON objects")
    if header.get("alg") != "HS256":
        raise AssertionRejected("invalid_client", f"unsupported signing algorithm {header.get('alg')!r} (sandbox: HS256)")
    if header.get("kid") != creds["certificate_id"]:
        raise AssertionRejected("invalid_client", "unknown certificate id (kid)")
    if claims.get("iss") != creds["client_id"]:
        raise AssertionRejected("invalid_client", "unknown client id (iss)")
    expected = hmac.new(creds["signing_key"].encode(), f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256)
    if not hmac.compare_digest(expected.digest(), signature):
        raise AssertionRejected("invalid_client", "client_assertion signature is invalid")
    scope = claims.get("scope")
    scopes = scope.replace(",", " ").split() if isinstance(scope, str) else scope
    if not isinstance(scopes, list) or "rest_webservices" not in scopes:
        raise AssertionRejected("invalid_scope", "scope must contain rest_webservices")
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and audience_ok(a) for a in auds):
        raise AssertionRejected("invalid_grant", "aud must be the token endpoint URL")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)):
        raise AssertionRejected("invalid_request", "iat and exp are required numeric claims")
    current = now if now is not None else time.time()
    if exp <= current:
        raise AssertionRejected("invalid_grant", "client_assertion has expired (exp)")
    if iat > current + 300:
        raise AssertionRejected("invalid_grant", "client_assertion is issued in the future (iat)")
    return claims
