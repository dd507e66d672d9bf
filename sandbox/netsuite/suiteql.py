"""SuiteQL: `POST /services/rest/query/v1/suiteql?limit=&offset=` with `Prefer: transient` and `{"q": …}`.

The query runs in DuckDB after the Oracle-isms are translated (sqltranslate.py). Results are cached per query
text (invalidated by any write) so paging does not re-run it; every row is serialised once. Items carry the
column keys lower-cased, a `links: []` array, values as strings, and no key at all for a null value.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import orjson

from sandbox.common.faults import apply_drift, fired_rules, record_rule

from .errors import NetSuiteError, bad_request
from .paging import ShortPager, envelope, page_links, parse_paging
from .sqltranslate import TranslationError, Translator, account_format, strptime_format
from .store import INTERNAL_SCHEMA, Store

_QUOTE = '"'
INVALID_QUERY = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "
_HIDDEN = re.compile(
    rf"{INTERNAL_SCHEMA}|information_schema|pg_catalog|duckdb_\w+|sqlite_\w+|pragma_\w+", re.IGNORECASE
)
_DECIMAL_TRIM = r"regexp_replace(regexp_replace(CAST({c} AS VARCHAR), '(\.\d*?)0+$', '\1'), '\.$', '')"


class Result:
    """A query's rows (capped at settings["max_results"]) as serialised items."""

    __slots__ = ("columns", "items")

    def __init__(self, columns: list[str], items: list[bytes]) -> None:
        self.columns = columns
        self.items = items


def _invalid(reason: str) -> NetSuiteError:
    return bad_request(INVALID_QUERY + reason, "INVALID_PARAMETER")


def _describe_duckdb_error(exc: duckdb.Error) -> str:
    message = str(exc).split("\n", 1)[0]
    if m := re.search(r"Table with name (\S+) does not exist", message):
        return f"Record '{m.group(1).strip(_QUOTE)}' was not found."
    if m := re.search(r'Referenced column "([^"]+)" not found', message):
        return f"Field '{m.group(1)}' was not found. Reason: NOT_EXPOSED - Not available for channel SEARCH"
    if m := re.search(r'Referenced table "([^"]+)" not found', message):
        return f"Record '{m.group(1)}' was not found."
    if isinstance(exc, duckdb.ParserException):
        return "Invalid or unsupported search. " + message.split(":", 1)[-1].strip()
    return message.split(":", 1)[-1].strip()


def _formatter(column: str, dtype: str, date_fmt: str, with_time: bool) -> str:
    """DuckDB expression rendering one result column the way SuiteQL answers: a string."""
    if dtype == "DATE":
        return f"strftime({column}, '{date_fmt}')"
    if dtype.startswith("TIMESTAMP"):
        if with_time:
            return f"lower(strftime({column}, '{date_fmt} %-I:%M %p'))"
        return f"strftime({column}, '{date_fmt}')"
    if dtype.startswith("DECIMAL"):
        return _DECIMAL_TRIM.format(c=column)
    if dtype == "BOOLEAN":
        return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN 'T' ELSE 'F' END"
    return f"CAST({column} AS VARCHAR)"


def execute(store: Store, settings: dict[str, Any], q: str) -> Result:
    """Run a SuiteQL query (or take it from the cache); raise 400 INVALID_PARAMETER for a bad query."""
    date_format = settings.get("date_format") or "M/D/YYYY"
    with_time = bool(settings.get("suiteql_datetime_with_time"))
    max_results = int(settings.get("max_results") or 100_000)
    key = ("suiteql", q, date_format, with_time, max_results)
    return store.cached(key, lambda: _run(store, q, date_format, with_time, max_results))


def _run(store: Store, q: str, date_format: str, with_time: bool, max_results: int) -> Result:
    if _HIDDEN.search(q):
        raise _invalid("Record '" + _HIDDEN.search(q).group(0) + "' was not found.")  # type: ignore[union-attr]
    try:
        sql = Translator(strptime_format(date_format)).translate(q.strip().rstrip(";"))
    except TranslationError as exc:
        raise _invalid(str(exc)) from None
    with store.cursor() as cur:
        try:
            statements = cur.extract_statements(sql)
        except duckdb.Error as exc:
            raise _invalid(_describe_duckdb_error(exc)) from None
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise _invalid("Only a single SELECT statement is supported by SuiteQL.")
        try:
            relation = cur.sql(sql)
            names = [c.lower() for c in relation.columns]
            types = [str(t) for t in relation.types]
            aliases = [f"c{i}" for i in range(len(names))]
            fmt = account_format(date_format)
            select = ", ".join(_formatter(a, t, fmt, with_time) for a, t in zip(aliases, types))
            wrapped = f"SELECT {select} FROM ({sql}) AS q({', '.join(aliases)}) LIMIT {max_results}"
            rows = cur.execute(wrapped).fetchall()
        except duckdb.Error as exc:
            raise _invalid(_describe_duckdb_error(exc)) from None
    dumps = orjson.dumps
    items = []
    for row in rows:
        item: dict[str, Any] = {"links": []}
        for name, value in zip(names, row):
            if value is not None:
                item[name] = value
        items.append(dumps(item))
    return Result(names, items)


def parse_body(raw: bytes) -> str:
    try:
        body = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError:
        raise bad_request(
            "Invalid content in the request body: the body is not valid JSON.", "INVALID_CONTENT"
        ) from None
    q = body.get("q") if isinstance(body, dict) else None
    if not isinstance(q, str) or not q.strip():
        raise bad_request(
            "Invalid content in the request body: the body must be a JSON object with the query in 'q'.",
            "INVALID_CONTENT",
        )
    return q


def check_prefer(prefer: str | None) -> None:
    """SuiteQL requests must carry `Prefer: transient` (Oracle section_158394344595)."""
    values = [v.strip().lower() for v in (prefer or "").split(",")]
    if "transient" not in values:
        raise bad_request(
            "The request header 'Prefer' must contain the value 'transient' for SuiteQL queries.",
            "INVALID_PARAMETER",
            errorHeader="Prefer",
        )


def page(
    store: Store,
    settings: dict[str, Any],
    pager: ShortPager,
    scope: dict[str, Any],
    query: Any,
    base: str,
    url: str,
    q: str,
) -> tuple[bytes, int]:
    """One page of the query's results as JSON bytes, and how many items it holds."""
    limit, offset = parse_paging(query)
    result = execute(store, settings, q)
    total = len(result.items)
    count = pager.count(total, limit, offset, float(settings.get("short_page_rate") or 0))
    has_more = offset + count < total
    repeat = url if has_more and record_rule(scope, "repeat_next") else None
    links = page_links(base, {}, limit, offset, count, total, has_more, repeat)
    items = result.items[offset : offset + count]
    if any(r.kind.startswith("drift_") for r in fired_rules(scope)):
        items = [orjson.dumps(apply_drift(scope, orjson.loads(i))) for i in items]
    return envelope(links, count, has_more, offset, total, items), count
