"""NetSuite REST error bodies (Oracle "Error Handling in REST Web Services", section_156570709583).

Every error the simulator answers with has the vendor's shape:
`{"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.x", "title", "status",
"o:errorDetails": [{"detail", "o:errorCode"[, "o:errorPath" | "o:errorQueryParam" | "o:errorHeader"]}]}`.
Handlers raise `NetSuiteError`; the app turns it into that body.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.common.faults import FaultRule
from sandbox.common.jsonio import json_response

RFC2616 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# The o:errorCode used when the simulator (or an injected fault) answers with a bare status.
DEFAULT_CODES = {
    400: "USER_ERROR",
    401: "INVALID_LOGIN",
    403: "INSUFFICIENT_PERMISSION",
    404: "NONEXISTENT_ID",
    405: "INVALID_METHOD",
    409: "CONFLICT",
    429: "CONCURRENCY_LIMIT_EXCEEDED",
    500: "UNEXPECTED_ERROR",
    502: "UNEXPECTED_ERROR",
    503: "UNEXPECTED_ERROR",
    504: "UNEXPECTED_ERROR",
}

DEFAULT_DETAILS = {
    400: "An error occurred while processing the request.",
    401: (
        "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
        "Setup > Users/Roles > User Management > View Login Audit Trail."
    ),
    403: "Permission Violation: You do not have the permission required to perform this operation.",
    404: "The record instance does not exist. Provide a valid record instance ID.",
    405: "The requested method is not supported for this resource.",
    429: (
        "The request could not be processed because the account's concurrency limit for web services "
        "requests has been exceeded. Retry the request later."
    ),
    500: "An unexpected error occurred. Error ID: sandbox",
    502: "An unexpected error occurred. Error ID: sandbox",
    503: "The service is temporarily unavailable. Retry the request later.",
    504: "The request timed out.",
}

LOGIN_DETAIL = DEFAULT_DETAILS[401]


def error_type(status: int) -> str:
    """The `type` URL NetSuite puts in error bodies: the RFC 2616 section of the status."""
    if 400 <= status <= 417:
        return f"{RFC2616}#sec10.4.{status - 399}"
    if 500 <= status <= 505:
        return f"{RFC2616}#sec10.5.{status - 499}"
    if status == 429:  # not in RFC 2616; RFC 6585 defines it
        return "https://tools.ietf.org/html/rfc6585#section-4"
    return RFC2616


def error_body(
    status: int, detail: str | None = None, code: str | None = None, **extra: str
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "detail": detail or DEFAULT_DETAILS.get(status, TITLES.get(status, "Error")),
        "o:errorCode": code or DEFAULT_CODES.get(status, "UNEXPECTED_ERROR"),
    }
    for key, value in extra.items():  # errorPath="x" -> "o:errorPath": "x"
        item[f"o:{key}"] = value
    return {
        "type": error_type(status),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [item],
    }


class NetSuiteError(Exception):
    """An error answer in NetSuite's shape (raised by handlers, rendered by the app)."""

    def __init__(self, status: int, detail: str | None = None, code: str | None = None, **extra: str) -> None:
        super().__init__(detail or TITLES.get(status, "Error"))
        self.status = status
        self.detail = detail
        self.code = code
        self.extra = extra

    def response(self) -> Response:
        return json_response(
            error_body(self.status, self.detail, self.code, **self.extra), status=self.status
        )


def bad_request(detail: str, code: str = "INVALID_PARAMETER", **extra: str) -> NetSuiteError:
    return NetSuiteError(400, detail, code, **extra)


def not_found(detail: str | None = None, code: str = "NONEXISTENT_ID") -> NetSuiteError:
    return NetSuiteError(404, detail, code)


def error_response(status: int, rule: FaultRule | None = None) -> Response:
    """The factory build_app needs: NetSuite's body for an injected or governance status.

    No Retry-After here: NetSuite documents none (the middleware adds it only when a rule sets it)."""
    return json_response(error_body(status), status=status)
