"""The body of a billing-schedule write, checked field by field: the REST body fields and their columns,
numbers, dates, selects and external ids as NetSuite validates them (each a 400 naming the field), and the
next `lastModifiedDate` a write stamps (max(now, previous + 1 s), UTC, whole seconds)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from .errors import NetSuiteError, bad_request

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_AMOUNT = Decimal(10) ** 17
HEADER = {  # REST body field -> (column, kind)
    "name": ("name", "str"),
    "externalId": ("externalid", "extid"),
    "scheduleType": ("scheduletype", "select"),
    "frequency": ("frequency", "select"),
    "project": ("job", "ref"),
    "currency": ("currency", "ref"),
    "isInactive": ("isinactive", "bool"),
}
REF_TABLES = {"project": "job", "currency": "currency"}
EXTRA = {  # documented BillingSchedule body fields without a column in the generated tables
    "repeatEvery": "select",
    "numberRemaining": "int",
    "initialAmount": "num",
    "inArrears": "bool",
    "applyToSubtotal": "bool",
    "billForActuals": "bool",
    "recurrencePattern": "select",
}
READ_ONLY = {"id", "links", "refName", "lastModifiedDate", "dateCreated"}
LINE_FIELDS = {
    "line",
    "recurrenceDate",
    "amount",
    "custcol_c2c_line_key",
    "links",
    "invoice",
    "lastModifiedDate",
}
LINE_COLUMNS = {
    "recurrenceDate": "recurrencedate",
    "amount": "amount",
    "custcol_c2c_line_key": "custcol_c2c_line_key",
}


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}", parse_float=Decimal)
    except ValueError:
        raise bad_request(
            "Invalid content in the request body: the body is not valid JSON.", "INVALID_CONTENT"
        ) from None
    if not isinstance(body, dict):
        raise bad_request(
            "Invalid content in the request body: a JSON object is expected.", "INVALID_CONTENT"
        )
    return body


def invalid_value(value: Any, path: str) -> NetSuiteError:
    field = path.rsplit(".", 1)[-1]
    return bad_request(
        f"Error while accessing resource: You have entered an Invalid Field Value {value} for the following field: {field}",
        "INVALID_CONTENT",
        errorPath=path,
    )


def mandatory(label: str, path: str) -> NetSuiteError:
    return bad_request(f"Please enter value(s) for: {label}", "USER_ERROR", errorPath=path)


def check_external_id(value: Any, path: str = "externalId") -> str:
    if not isinstance(value, str) or not EXTERNAL_ID.match(value):
        raise bad_request(
            f"Invalid external ID {value!r}: use only letters, digits, underscores (_) and hyphens (-).",
            "INVALID_PARAMETER",
            errorPath=path,
        )
    return value


def number_field(value: Any, path: str, places: int | None = None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise invalid_value(value, path)
    amount = Decimal(value)
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise invalid_value(value, path)
    if places is not None and amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise bad_request(
            f"Invalid amount {value}: the currency allows at most {places} decimal place(s).",
            "INVALID_CONTENT",
            errorPath=path,
        )
    return amount


def date_field(value: Any, path: str) -> dt.date:
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid_value(value, path)


def select_field(value: Any, path: str) -> str:
    if (
        isinstance(value, dict)
        and isinstance(value.get("id"), (str, int))
        and not isinstance(value.get("id"), bool)
    ):
        return str(value["id"])
    raise invalid_value(json.dumps(value, default=str), path)


def next_last_modified(previous: dt.datetime | None) -> dt.datetime:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    return max(now, previous + dt.timedelta(seconds=1)) if previous else now


def extra_value(kind: str, value: Any, path: str) -> Any:
    """A documented body field without a column (EXTRA): a select, a boolean, an integer or a number."""
    if kind == "select":
        return {"id": select_field(value, path)}
    if kind == "bool":
        if not isinstance(value, bool):
            raise invalid_value(value, path)
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_value(value, path)
        return value
    return float(number_field(value, path))  # num: served back as a JSON number


def line_values(item: dict[str, Any], path: str, places: int) -> dict[str, Any]:
    """The columns one recurrence line of the body sets (date, amount at the currency's places, line key)."""
    values: dict[str, Any] = {}
    if "recurrenceDate" in item:
        value = item["recurrenceDate"]
        values["recurrencedate"] = None if value is None else date_field(value, f"{path}.recurrenceDate")
    if "amount" in item:
        value = item["amount"]
        values["amount"] = None if value is None else number_field(value, f"{path}.amount", places)
    if "custcol_c2c_line_key" in item:
        value = item["custcol_c2c_line_key"]
        if value is not None and not isinstance(value, str):
            raise invalid_value(value, f"{path}.custcol_c2c_line_key")
        values["custcol_c2c_line_key"] = value
    return values
