"""Record API reads: `GET /record/v1/{type}` (ids + links, `q` filter), `GET /record/v1/{type}/{id|eid:…}`
(the full record, `expandSubResources`, `fields`), and sublists `GET …/{id}/{sublist}[/{line}]`."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import orjson

from sandbox.common.faults import apply_drift, record_rule

from .errors import NetSuiteError, bad_request, not_found
from .paging import ShortPager, collection, envelope, page_links, parse_paging
from .recordshapes import RECORD_TYPES, STATIC_TYPES, Field, RecordType, Sublist
from .sqltranslate import strptime_format
from .store import INTERNAL_SCHEMA, Store

ISO_DATETIME = "%Y-%m-%dT%H:%M:%SZ"
_CONDITION = re.compile(
    r'^\s*(\w+)\s+(AFTER|BEFORE|ON_OR_AFTER|ON_OR_BEFORE|ON|WITHIN|IS)\s+"([^"]*)"(?:\s*,\s*"([^"]*)")?\s*$',
    re.IGNORECASE,
)


def record_type(name: str) -> RecordType:
    rtype = RECORD_TYPES.get(name)
    if rtype is None:
        raise not_found(f"Record type '{name}' does not exist.", "INVALID_RCRD_TYPE")
    return rtype


def record_url(base: str, rtype: RecordType, record_id: Any) -> str:
    return f"{base}/record/v1/{rtype.name}/{record_id}"


class RecordReader:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._static_refnames: dict[str, dict[int, str]] = {}
        self._lock = threading.Lock()

    # --- values ------------------------------------------------------------------------------------
    def _refnames(self, target: str) -> dict[int, str]:
        rtype = RECORD_TYPES[target]
        sql = f'SELECT id, {rtype.refname} FROM "{rtype.table}" WHERE {rtype.where}'
        if target not in STATIC_TYPES:
            return self.store.cached(("refnames", target), lambda: dict(self.store.rows(sql)))
        with self._lock:
            names = self._static_refnames.get(target)
        if names is None:
            names = dict(self.store.rows(sql))
            with self._lock:
                self._static_refnames[target] = names
        return names

    def render(self, f: Field, value: Any, base: str) -> Any:
        """One field as the REST record shows it; None means "omit the field"."""
        if value is None:
            return None
        kind = f.kind
        if kind == "datetime":
            return value.strftime(ISO_DATETIME)
        if kind == "date":
            return value.isoformat()
        if kind == "bool":
            return value == "T" if isinstance(value, str) else bool(value)
        if kind == "select":
            return {"id": str(value), "refName": str(value)}
        if kind == "ref":
            ref: dict[str, Any] = {"links": [], "id": str(value)}
            target = f.target
            if target == "entity":  # an entity reference names a customer or a project
                target = "customer" if value in self._refnames("customer") else "job"
            if target:
                ref["links"] = [{"rel": "self", "href": record_url(base, RECORD_TYPES[target], value)}]
                name = self._refnames(target).get(value)
                if name is not None:
                    ref["refName"] = name
            return ref
        return value  # str, int, num (Decimal -> JSON number)

    def _render_fields(self, fields: tuple[Field, ...], row: tuple[Any, ...], base: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, value in zip(fields, row):
            rendered = self.render(f, value, base)
            if rendered is not None:
                out[f.name] = rendered
        return out

    # --- single records ----------------------------------------------------------------------------
    def resolve(self, rtype: RecordType, ident: str) -> int:
        """The internal id named by `{id}` or `eid:{externalId}`; 404 when there is no such record."""
        if ident.startswith("eid:"):
            rows = []
            if rtype.has_external_id:
                rows = self.store.rows(
                    f'SELECT id FROM "{rtype.table}" WHERE {rtype.where} AND externalid = ? ORDER BY id LIMIT 1',
                    [ident[4:]],
                )
            if not rows:
                raise not_found()
            return int(rows[0][0])
        try:
            record_id = int(ident)
        except ValueError:
            raise not_found() from None
        if not self.store.rows(f'SELECT 1 FROM "{rtype.table}" WHERE {rtype.where} AND id = ?', [record_id]):
            raise not_found()
        return record_id

    def get(
        self, rtype: RecordType, ident: str, base: str, expand: bool, only: set[str] | None
    ) -> dict[str, Any]:
        record_id = self.resolve(rtype, ident)
        columns = ", ".join(f.column for f in rtype.fields)
        row = self.store.rows(f'SELECT {columns} FROM "{rtype.table}" WHERE id = ?', [record_id])[0]
        url = record_url(base, rtype, record_id)
        record: dict[str, Any] = {"links": [{"rel": "self", "href": url}]}
        record.update(self._render_fields(rtype.fields, row, base))
        if rtype.name == "billingSchedule":
            extra = self.store.rows(
                f"SELECT doc FROM {INTERNAL_SCHEMA}.billingschedule_extra WHERE id = ?", [record_id]
            )
            if extra:
                record.update(orjson.loads(extra[0][0]))
        record["id"] = str(record_id)
        for sub in rtype.sublists:
            href = f"{url}/{sub.name}"
            record[sub.name] = (
                collection(self.lines(sub, record_id, url, base), href)
                if expand
                else {"links": [{"rel": "self", "href": href}]}
            )
        if only:
            record = {k: v for k, v in record.items() if k in only or k in ("links", "id")}
        return record

    def lines(
        self, sub: Sublist, record_id: int, url: str, base: str, key: int | None = None
    ) -> list[dict[str, Any]]:
        columns = ", ".join(f.column for f in sub.fields)
        sql = f'SELECT {sub.key}, {columns} FROM "{sub.table}" WHERE {sub.parent} = ?'
        params: list[Any] = [record_id]
        if key is not None:
            sql += f" AND {sub.key} = ?"
            params.append(key)
        items = []
        for row in self.store.rows(sql + f" ORDER BY {sub.key}", params):
            item: dict[str, Any] = {"links": [{"rel": "self", "href": f"{url}/{sub.name}/{row[0]}"}]}
            item.update(self._render_fields(sub.fields, row[1:], base))
            items.append(item)
        return items

    def sublist(
        self, rtype: RecordType, ident: str, name: str, base: str, line: str | None
    ) -> dict[str, Any]:
        sub = rtype.sublist(name)
        if sub is None:
            raise not_found(
                f"Sublist '{name}' does not exist on record type '{rtype.name}'.", "INVALID_PARAMETER"
            )
        record_id = self.resolve(rtype, ident)
        url = record_url(base, rtype, record_id)
        if line is None:
            items = [{"links": item["links"]} for item in self.lines(sub, record_id, url, base)]
            return collection(items, f"{url}/{sub.name}")
        try:
            key = int(line)
        except ValueError:
            raise not_found("The sublist line does not exist.", "NONEXISTENT_ID") from None
        items = self.lines(sub, record_id, url, base, key)
        if not items:
            raise not_found("The sublist line does not exist.", "NONEXISTENT_ID")
        return items[0]

    # --- collections -------------------------------------------------------------------------------
    def list_page(
        self,
        rtype: RecordType,
        query: Any,
        base: str,
        url: str,
        scope: dict[str, Any],
        settings: dict[str, Any],
        pager: ShortPager,
    ) -> tuple[bytes, int]:
        limit, offset = parse_paging(query)
        conditions, params = self._filter(rtype, query.get("q"), settings.get("date_format") or "M/D/YYYY")
        where = " AND ".join([rtype.where, *conditions])
        table = f'"{rtype.table}"'
        total = int(self.store.rows(f"SELECT count(*) FROM {table} WHERE {where}", params)[0][0])
        count = pager.count(total, limit, offset, float(settings.get("short_page_rate") or 0))
        ids = self.store.rows(
            f"SELECT id FROM {table} WHERE {where} ORDER BY id LIMIT ? OFFSET ?", [*params, count, offset]
        )
        has_more = offset + count < total
        kept = {k: v for k, v in query.items() if k == "q"}
        repeat = url if has_more and record_rule(scope, "repeat_next") else None
        links = page_links(
            f"{base}/record/v1/{rtype.name}", kept, limit, offset, len(ids), total, has_more, repeat
        )
        items = []
        for (record_id,) in ids:
            item = {
                "links": [{"rel": "self", "href": record_url(base, rtype, record_id)}],
                "id": str(record_id),
            }
            items.append(orjson.dumps(apply_drift(scope, item)))
        return envelope(links, len(ids), has_more, offset, total, items), len(ids)

    def _filter(self, rtype: RecordType, q: str | None, date_format: str) -> tuple[list[str], list[Any]]:
        """The `q` filter: `<field> AFTER|BEFORE|ON|ON_OR_AFTER|ON_OR_BEFORE "<date>"`, `WITHIN "<d1>", "<d2>"`,
        `<field> IS "<text>"`, joined by AND; dates in the account's date format."""
        if not q or not q.strip():
            return [], []
        conditions: list[str] = []
        params: list[Any] = []
        fields = {f.name.lower(): f for f in rtype.fields}
        for part in re.split(r"\s+AND\s+(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", q.strip(), flags=re.IGNORECASE):
            m = _CONDITION.match(part)
            if not m:
                raise bad_request(
                    f"Invalid search query. Unsupported filter expression: {part.strip()}",
                    errorQueryParam="q",
                )
            name, op, first, second = m.group(1), m.group(2).upper(), m.group(3), m.group(4)
            f = fields.get(name.lower())
            if f is None:
                raise bad_request(
                    f"Invalid search query. Unknown field '{name}' for record '{rtype.name}'.",
                    errorQueryParam="q",
                )
            if op == "IS":
                conditions.append(f"{f.column} = ?")
                params.append(first)
                continue
            if f.kind not in ("date", "datetime"):
                raise bad_request(
                    f"Invalid search query. Operator {op} needs a date field, not '{name}'.",
                    errorQueryParam="q",
                )
            start = _parse_date(first, date_format)
            if op == "WITHIN":
                if second is None:
                    raise bad_request("Invalid search query. WITHIN takes two dates.", errorQueryParam="q")
                end = _parse_date(second, date_format) + dt.timedelta(days=1)
                conditions.append(f"{f.column} >= ? AND {f.column} < ?")
                params += [start, end]
                continue
            next_day = start + dt.timedelta(days=1)
            sql, values = {
                "AFTER": (f"{f.column} > ?", [start]),
                "BEFORE": (f"{f.column} < ?", [start]),
                "ON": (f"{f.column} >= ? AND {f.column} < ?", [start, next_day]),
                "ON_OR_AFTER": (f"{f.column} >= ?", [start]),
                "ON_OR_BEFORE": (f"{f.column} < ?", [next_day]),
            }[op]
            conditions.append(sql)
            params += values
        return conditions, params


def _parse_date(text: str, date_format: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text.strip(), strptime_format(date_format))
    except ValueError:
        raise NetSuiteError(
            400,
            f'Invalid query parameter value. Unparseable date: "{text}"',
            "INVALID_PARAMETER",
            errorQueryParam="q",
        ) from None
