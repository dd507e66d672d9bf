"""NetSuite's error body and throttling codes, shared by the NetSuite source and the ERP writer.

Error body: `{type, title, status, "o:errorDetails": [{detail, "o:errorCode", …}]}`. Throttling: REST answers
429 over the account's concurrency limit; RESTlet-style governance answers 400 with one of THROTTLE_CODES
(shared/design/VENDOR_APIS.md, NetSuite "concurrency governance")."""

from __future__ import annotations

from typing import Any

import httpx

from .retry import Verdict, classify_status

THROTTLE_CODES = frozenset({"SSS_REQUEST_LIMIT_EXCEEDED", "CONCURRENCY_LIMIT_EXCEEDED"})


def error_codes(response: httpx.Response | None) -> list[str]:
    """Every `o:errorCode` of a NetSuite error body (none if there is no response or it is not one)."""
    if response is None:
        return []
    try:
        body: Any = response.json()
    except ValueError:
        return []
    details = body.get("o:errorDetails") if isinstance(body, dict) else None
    return [str(d.get("o:errorCode", "")) for d in details or [] if isinstance(d, dict)]


def error_code(response: httpx.Response | None) -> str:
    """The first `o:errorCode`; for a token endpoint's OAuth answer its `error`; else ''."""
    codes = error_codes(response)
    if codes or response is None:
        return codes[0] if codes else ""
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def classify(response: httpx.Response) -> Verdict:
    """429 and 400 with a throttling code throttle; 401 (`INVALID_LOGIN`: a missing, unknown or expired token)
    re-authenticates once; 5xx/408/409 retry; any other 4xx (e.g. 400 INVALID_PARAMETER) fails."""
    if response.status_code == 400 and THROTTLE_CODES & set(error_codes(response)):
        return Verdict.THROTTLED
    return classify_status(response.status_code)
