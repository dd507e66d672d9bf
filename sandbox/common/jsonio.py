"""JSON in and out of the simulators (orjson: pages of thousands of records are the hot path)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Vendors send money as JSON numbers: write the decimal's own digits as the number (never through a
        # binary float), so a client parsing the text gets the exact amount back at any magnitude.
        return orjson.Fragment(format(value.normalize(), "f").encode())
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, (bytes, bytearray)):
            return bytes(content)
        return dumps(content)


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)
