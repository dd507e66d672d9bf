"""sObject resources: describeGlobal, basic info, describe, one record by Id (read, and update with PATCH),
and the replication feeds `updated/` and `deleted/` (ids changed / deleted between `start` and `end`)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from sandbox.common.jsonio import JSONResponse

from .catalog import SOAP_TYPES, SYSTEM_FIELDS, Field
from .context import SalesforceSim
from .errors import NOT_FOUND_MESSAGE, sf_error
from .records import DATETIME_OUT, drifted, quote, record_json_expr


def not_found() -> Response:
    return sf_error(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def describe_global(sim: SalesforceSim, request: Request) -> Response:
    return JSONResponse(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [obj.summary(sim.version) for obj in sim.catalog.values()],
        }
    )


def sobject_info(sim: SalesforceSim, request: Request) -> Response:
    obj = sim.object(request.path_params["sobject"])
    if obj is None:
        return not_found()
    return JSONResponse({"objectDescribe": obj.summary(sim.version), "recentItems": []})


def describe(sim: SalesforceSim, request: Request) -> Response:
    obj = sim.object(request.path_params["sobject"])
    if obj is None:
        return not_found()
    return JSONResponse(obj.describe(sim.version))


def retrieve(sim: SalesforceSim, request: Request) -> Response:
    """GET /sobjects/{Type}/{Id}[?fields=a,b]: all fields (or those named) of a live record."""
    obj = sim.object(request.path_params["sobject"])
    if obj is None:
        return not_found()
    fields = obj.fields
    wanted = request.query_params.get("fields")
    if wanted:
        fields = []
        for name in (n.strip() for n in wanted.split(",") if n.strip()):
            f = obj.field(name)
            if f is None:
                message = f"No such column '{name}' on sobject of type {obj.name}"
                return sf_error(400, "INVALID_FIELD", message)
            if f not in fields:
                fields.append(f)
    deleted = ' AND NOT COALESCE("IsDeleted", FALSE)' if obj.field("IsDeleted") else ""
    record = record_json_expr(obj, fields, sim.version)
    sql = f'SELECT {record} FROM {quote(obj.name)} WHERE "Id" = ?{deleted}'
    with sim.con.cursor() as cur:
        row = cur.execute(sql, [request.path_params["record_id"]]).fetchone()
    if row is None:
        return not_found()
    sim.state.served(1)
    return JSONResponse(drifted(request.scope, [row[0]])[0].encode())


def _window(request: Request) -> tuple[dt.datetime, dt.datetime] | Response:
    bounds = []
    for name in ("start", "end"):
        raw = request.query_params.get(name)
        if not raw:
            return sf_error(400, "MISSING_ARGUMENT", f"{name} date must be specified")
        try:
            value = dt.datetime.fromisoformat(raw.strip().replace(" ", "+"))
        except ValueError:
            return sf_error(400, "INVALID_REPLICATION_DATE", f"Unable to parse {name} date: {raw}")
        bounds.append(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if bounds[0] > bounds[1]:
        return sf_error(400, "INVALID_REPLICATION_DATE", "start date must be before end date")
    return bounds[0], bounds[1]


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:00.000+0000")


def replication(sim: SalesforceSim, request: Request, deleted: bool) -> Response:
    """`updated/`: ids whose SystemModstamp is in [start, end); `deleted/`: deleted ids with their date."""
    obj = sim.object(request.path_params["sobject"])
    if obj is None or obj.field("SystemModstamp") is None:
        return not_found()
    window = _window(request)
    if isinstance(window, Response):
        return window
    start, end = window
    stamp = f"strftime(\"SystemModstamp\", '{DATETIME_OUT}')"
    flag = 'COALESCE("IsDeleted", FALSE)' if obj.field("IsDeleted") else "FALSE"
    with sim.con.cursor() as cur:
        rows = cur.execute(
            f'SELECT "Id", {stamp} FROM {quote(obj.name)} WHERE "SystemModstamp" >= ? '
            f'AND "SystemModstamp" < ? AND {flag} = ? ORDER BY "SystemModstamp", "Id"',
            [start, end, deleted],
        ).fetchall()
        first = f'SELECT min("SystemModstamp") FROM {quote(obj.name)} WHERE {flag}'
        earliest = cur.execute(first).fetchone()[0]
    latest = _stamp(min(end, dt.datetime.now(dt.UTC)))
    if deleted:
        return JSONResponse(
            {
                "deletedRecords": [{"id": rid, "deletedDate": when} for rid, when in rows],
                "earliestDateAvailable": _stamp(earliest or start),
                "latestDateCovered": latest,
            }
        )
    return JSONResponse({"ids": [rid for rid, _ in rows], "latestDateCovered": latest})


# ---- update (PATCH /sobjects/{Type}/{Id}) ---------------------------------------------------------------

_DESERIALIZE = (
    "Cannot deserialize instance of {kind} from {token} value {value} or request may be missing a "
    "required field"
)
_READ_ONLY = (
    "Unable to create/update fields: {names}. Please check the security settings of this field and verify "
    "that it is read/write for your profile or permission set."
)


def _json_token(value: object) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, (int, Decimal)):
        return "VALUE_NUMBER_INT" if isinstance(value, int) else "VALUE_NUMBER_FLOAT"
    return "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"


def _field_value(f: Field, value: object) -> object:
    """The value to store in `f`, or ValueError when its JSON type does not fit the field type."""
    if value is None:
        return None
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
    elif f.is_number:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return Decimal(value)
    elif f.type == "date":
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    elif f.type == "datetime":
        if isinstance(value, str):
            parsed = dt.datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    elif isinstance(value, str):
        return value
    raise ValueError(f.type)


def update(sim: SalesforceSim, request: Request) -> Response:
    """PATCH /sobjects/{Type}/{Id}: set the given fields of a live record, bump LastModifiedDate and
    SystemModstamp to now (milliseconds, as Salesforce stores them), answer 204 with no body."""
    obj = sim.object(request.path_params["sobject"])
    if obj is None:
        return not_found()
    try:
        body = json.loads(request.state.body or b"{}", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
    if not isinstance(body, dict):
        return sf_error(
            400, "JSON_PARSER_ERROR", _DESERIALIZE.format(kind=obj.name, token=_json_token(body), value=body)
        )
    body.pop("attributes", None)
    columns: list[str] = []
    params: list[object] = []
    read_only = []
    for name, value in body.items():
        f = obj.field(name)
        if f is None:
            return sf_error(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
        if f.name in SYSTEM_FIELDS:
            read_only.append(f.name)
            continue
        try:
            params.append(_field_value(f, value))
        except ValueError:
            kind = SOAP_TYPES[f.type].split(":")[1]
            return sf_error(
                400,
                "JSON_PARSER_ERROR",
                _DESERIALIZE.format(kind=kind, token=_json_token(value), value=value),
            )
        columns.append(f.name)
    if read_only:
        return sf_error(
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            _READ_ONLY.format(names=", ".join(read_only)),
            fields=read_only,
        )
    now = dt.datetime.now(dt.UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    stamps = [name for name in ("LastModifiedDate", "SystemModstamp") if obj.field(name)]
    sets = [f"{quote(c)} = ?" for c in columns] + [f"{quote(s)} = ?" for s in stamps]
    flag = 'COALESCE("IsDeleted", FALSE)' if obj.field("IsDeleted") else "FALSE"
    record_id = request.path_params["record_id"]
    with sim.write_lock, sim.con.cursor() as cur:
        found = cur.execute(f'SELECT {flag} FROM {quote(obj.name)} WHERE "Id" = ?', [record_id]).fetchone()
        if found is None:
            return not_found()
        if found[0]:
            return sf_error(404, "ENTITY_IS_DELETED", "entity is deleted")
        if sets:
            cur.execute(
                f'UPDATE {quote(obj.name)} SET {", ".join(sets)} WHERE "Id" = ?',
                [*params, *([now] * len(stamps)), record_id],
            )
    return Response(status_code=204)
