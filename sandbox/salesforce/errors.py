"""Salesforce error bodies: a JSON array `[{"message", "errorCode"[, "fields"]}]` (REST API), and the RFC 6749
style `{"error", "error_description"}` object of the OAuth token endpoint."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from sandbox.common.faults import FaultRule
from sandbox.common.jsonio import json_response

from .soql_tokens import SoqlError

SESSION_INVALID = "Session expired or invalid"
NOT_FOUND_MESSAGE = "The requested resource does not exist"
LIMIT_MESSAGE = "TotalRequests Limit exceeded."
UNKNOWN_MESSAGE = "An unexpected error occurred. Please include this ErrorId if you contact support: 1918-12"

# status -> (errorCode, message) for injected faults and governance answers
_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("MALFORMED_QUERY", "The request couldn't be understood."),
    401: ("INVALID_SESSION_ID", SESSION_INVALID),
    403: ("REQUEST_LIMIT_EXCEEDED", LIMIT_MESSAGE),
    404: ("NOT_FOUND", NOT_FOUND_MESSAGE),
    405: ("METHOD_NOT_ALLOWED", "HTTP Method not allowed."),
    406: ("NOT_ACCEPTABLE", "The requested content type isn't supported."),
    409: ("CONFLICT", "The request conflicts with the current state of the resource."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "The entity in the request is in a format that's not supported."),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    500: ("UNKNOWN_EXCEPTION", UNKNOWN_MESSAGE),
    502: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
    504: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
}


def error_body(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, object]]:
    item: dict[str, object] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return [item]


def sf_error(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    fields: list[str] | None = None,
) -> Response:
    return json_response(error_body(code, message, fields), status=status, headers=headers)


def status_error(status: int, headers: dict[str, str] | None = None) -> Response:
    code, message = _BY_STATUS.get(status) or (
        ("UNKNOWN_EXCEPTION", "An unexpected error occurred.")
        if status >= 500
        else ("INVALID_OPERATION", "The request couldn't be completed.")
    )
    return sf_error(status, code, message, headers)


def make_error_factory(limit_header: Callable[[], str]) -> Callable[[int, FaultRule | None], Response]:
    """The `error_response` of build_app: Salesforce's body for a status, with the usual limit header."""

    def factory(status: int, rule: FaultRule | None) -> Response:
        return status_error(status, {"Sforce-Limit-Info": limit_header()})

    return factory


def soql_message(query: str, err: SoqlError) -> str:
    """Salesforce's query error text: the query line, a caret, 'ERROR at Row:r:Column:c', the reason."""
    if err.column is None:
        return err.reason
    offset = min(max(err.column - 1, 0), len(query))
    row = query.count("\n", 0, offset) + 1
    line_start = query.rfind("\n", 0, offset) + 1
    line_end = query.find("\n", offset)
    line = query[line_start : line_end if line_end >= 0 else len(query)]
    col = offset - line_start + 1
    return f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{err.reason}"


def soql_error(query: str, err: SoqlError, headers: dict[str, str] | None = None) -> Response:
    return sf_error(400, err.code, soql_message(query, err), headers)


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status=status)
