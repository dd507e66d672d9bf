"""Ironclad's error bodies: `{code, message[, param]}` for the public API, `{error, error_description}` for
OAuth (vendor OpenAPI: components.responses BadRequestError400 … NotFoundError404; oauth /token)."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import Response

from sandbox.common.faults import FaultRule
from sandbox.common.jsonio import json_response

# (code, default message) per status, as the vendor spec words them
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("INVALID_PARAM", "invalid parameter"),
    401: ("UNAUTHORIZED", "invalid authentication token"),
    403: ("FORBIDDEN", "access forbidden"),
    404: ("NOT_FOUND", "not found"),
    429: ("TOO_MANY_REQUESTS", "Too Many Requests: rate limit exceeded, please try again later"),
}
_SERVER_ERROR = ("INTERNAL_SERVER_ERROR", "an internal server error occurred")

TOKEN_EXPIRED = "token has expired"
TOKEN_INVALID = "invalid authentication token"


class ApiError(Exception):
    """Raised by handlers; rendered as the vendor's error body."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param

    def response(self) -> Response:
        return api_error(self.status, self.code, self.message, self.param)


def invalid_param(message: str, param: str) -> ApiError:
    return ApiError(400, "INVALID_PARAM", message, param)


def not_found(record_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"couldn't find a record matching the id {record_id}")


def api_error(status: int, code: str, message: str, param: str | None = None) -> Response:
    body: dict[str, str] = {"code": code, "message": message}
    if param is not None:
        body["param"] = param
    return json_response(body, status=status)


def error_response(status: int, rule: FaultRule | None = None) -> Response:
    """The vendor body for an injected fault or a governance answer (the factory given to build_app)."""
    if status >= 500:
        code, message = _SERVER_ERROR
    elif status in _DEFAULTS:
        code, message = _DEFAULTS[status]
    else:  # other 4xx: the HTTP reason phrase in Ironclad's UPPER_SNAKE style (e.g. 409 CONFLICT)
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Bad Request"
        code, message = phrase.upper().replace(" ", "_").replace("-", "_"), phrase.lower()
    return api_error(status, code, message)


def oauth_error(status: int, error: str, description: str) -> Response:
    """OAuth 2.0 token endpoint error (RFC 6749 §5.2 names, as Ironclad's OAuth OpenAPI shows them)."""
    return json_response({"error": error, "error_description": description}, status=status)
