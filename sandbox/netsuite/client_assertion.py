"""The client-credentials grant's JWT client assertion (OAuth 2.0 M2M), verified as NetSuite verifies it.

Each integration has a certificate: the sandbox generates its RSA key pair (`new_integration`), keeps the
public key (the uploaded certificate) and hands the private key to the client as a 0600 file
(`store_private_keys`). The client signs with it; the token endpoint verifies with pyjwt:
- header: `alg` PS256 (the sandbox's certificates are RSA keys), `kid` = the certificate id;
- claims: `iss` = the integration's client id, `aud` = this token endpoint's URL, `scope` containing
  `rest_webservices`, numeric `iat` and `exp`; `exp` not past, `iat` at most 300 s ahead, `exp` at most
  `iat + 3600` (NetSuite's one-hour cap).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHMS = ["PS256"]
MAX_LIFETIME = 3600  # seconds between iat and exp (NetSuite's cap)
IAT_SKEW = 300  # seconds an iat may lie in the future (clock skew)
REQUIRED = ["iss", "aud", "iat", "exp"]


class AssertionRejected(ValueError):
    """The assertion is unacceptable; `error` is the OAuth error code the token endpoint answers with."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def new_integration() -> dict[str, str]:
    """An integration record with its certificate: client id, certificate id, and an RSA 2048 key pair (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return {
        "client_id": secrets.token_hex(32),
        "certificate_id": secrets.token_urlsafe(32),
        "public_key": public,
        "private_key": private,
    }


def write_private_key(path: Path, pem: str) -> None:
    """The client's copy of a private key: a 0600 file in a 0700 directory, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(pem)
    tmp.replace(path)


def verify_assertion(
    token: str, integration: dict[str, str], token_url: str, now: float | None = None
) -> dict[str, Any]:
    """Check the assertion against the integration's certificate; return its claims or raise AssertionRejected."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise AssertionRejected("invalid_request", "client_assertion is not a JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise AssertionRejected(
            "invalid_client",
            f"unsupported signing algorithm {header.get('alg')!r} "
            f"(the certificate is an RSA key: {', '.join(ALGORITHMS)})",
        )
    if header.get("kid") != integration["certificate_id"]:
        raise AssertionRejected("invalid_client", "unknown certificate id (kid)")
    try:
        claims = jwt.decode(
            token,
            integration["public_key"],
            algorithms=ALGORITHMS,
            audience=token_url,
            issuer=integration["client_id"],
            options={"require": REQUIRED, "verify_iat": False, "verify_exp": False},
        )
    except jwt.InvalidSignatureError:
        raise AssertionRejected("invalid_client", "client_assertion signature is invalid") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AssertionRejected("invalid_request", f"the {exc.claim} claim is required") from None
    except jwt.InvalidIssuerError:
        raise AssertionRejected("invalid_client", "unknown client id (iss)") from None
    except jwt.InvalidAudienceError:
        raise AssertionRejected("invalid_grant", "aud must be the token endpoint URL") from None
    except jwt.InvalidTokenError as exc:
        raise AssertionRejected(
            "invalid_request", f"client_assertion cannot be decoded ({type(exc).__name__})"
        ) from None
    scope = claims.get("scope")
    scopes = scope.replace(",", " ").split() if isinstance(scope, str) else scope
    if not isinstance(scopes, list) or "rest_webservices" not in scopes:
        raise AssertionRejected("invalid_scope", "scope must contain rest_webservices")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (iat, exp)):
        raise AssertionRejected("invalid_request", "iat and exp must be numeric claims")
    current = now if now is not None else time.time()
    if exp <= current:
        raise AssertionRejected("invalid_grant", "client_assertion has expired (exp)")
    if iat > current + IAT_SKEW:
        raise AssertionRejected("invalid_grant", "client_assertion is issued in the future (iat)")
    if exp - iat > MAX_LIFETIME:
        raise AssertionRejected("invalid_grant", f"exp may be at most iat + {MAX_LIFETIME} seconds")
    return claims
