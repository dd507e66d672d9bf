"""`POST /services/oauth2/token`: the client-credentials and JWT-bearer flows.

The answer has no `expires_in` and no `refresh_token`: the session simply dies after
`session_timeout_seconds`, and every later call gets 401 INVALID_SESSION_ID.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from sandbox.common.jsonio import json_response

from .context import SalesforceSim
from .errors import oauth_error

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


def make_credentials() -> dict[str, str]:
    """A connected app's consumer key (3MVG9…) and consumer secret."""
    return {
        "client_id": "3MVG9" + secrets.token_urlsafe(60).replace("-", "A").replace("_", "z")[:80],
        "client_secret": secrets.token_hex(32).upper(),
    }


def _b64url_json(part: str) -> dict:
    padded = part + "=" * (-len(part) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def check_assertion(sim: SalesforceSim, assertion: str, origin: str) -> Response | None:
    """None when the JWT is acceptable; else Salesforce's token error. The signature is not verified."""
    parts = assertion.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return oauth_error("invalid_grant", "invalid assertion")
    try:
        _b64url_json(parts[0])
        claims = _b64url_json(parts[1])
    except (TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        return oauth_error("invalid_grant", "invalid assertion")
    if claims.get("iss") != sim.creds["client_id"]:
        return oauth_error("invalid_client_id", "client identifier invalid")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if aud is not None and not any(a in (*JWT_AUDIENCES, origin) for a in audiences):
        return oauth_error("invalid_grant", "audience is invalid")
    if not claims.get("sub"):
        return oauth_error("invalid_grant", "invalid assertion")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, (int, float)) or exp < time.time()):
        return oauth_error("invalid_grant", "expired authorization code")
    return None


def _basic_client(authorization: str | None) -> tuple[str | None, str | None]:
    if not authorization or not authorization.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def token_endpoint(sim: SalesforceSim):
    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        origin = f"{request.url.scheme}://{request.url.netloc}"
        grant = form.get("grant_type")
        if grant == CLIENT_CREDENTIALS:
            basic_id, basic_secret = _basic_client(request.headers.get("authorization"))
            client_id = form.get("client_id") or basic_id
            secret = form.get("client_secret") or basic_secret
            if client_id != sim.creds["client_id"]:
                return oauth_error("invalid_client_id", "client identifier invalid")
            if not secret or not hmac.compare_digest(secret, sim.creds["client_secret"]):
                return oauth_error("invalid_client", "invalid client credentials")
        elif grant == JWT_BEARER:
            failure = check_assertion(sim, form.get("assertion", ""), origin)
            if failure is not None:
                return failure
        else:
            return oauth_error("unsupported_grant_type", "grant type not supported")
        return json_response(token_body(sim, origin))

    return token


def token_body(sim: SalesforceSim, origin: str) -> dict[str, str]:
    """The token response, in Salesforce's key order; `signature` is HMAC-SHA256(secret, id + issued_at)."""
    issued_at = str(int(time.time() * 1000))
    identity = f"https://login.salesforce.com/id/{sim.org_id}/{sim.user_id}"
    mac = hmac.new(sim.creds["client_secret"].encode(), (identity + issued_at).encode(), hashlib.sha256)
    return {
        "access_token": sim.issue_token(),
        "signature": base64.b64encode(mac.digest()).decode(),
        "token_format": "opaque",
        "instance_url": origin,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }
