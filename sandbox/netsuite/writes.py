"""Writes to billing schedules: create (POST), update (PATCH), upsert by external id (PUT eid:…), one
recurrence line (PATCH …/recurrence/{line}), and the admin "a user edits it in the UI right now".

Each write is validated completely, then applied in one DuckDB transaction (all or nothing) and persisted
in the state file. Every write bumps `lastModifiedDate` of the schedule and of the lines it touched to
max(now, previous + 1 s), UTC, whole seconds (so two writes never share a lastModifiedDate).
Committed writes are counted per schedule id (in memory, for duplicate detection); the concurrent edit is not.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import duckdb

from .errors import NetSuiteError, bad_request, not_found
from .store import INTERNAL_SCHEMA, Store
from .write_fields import (
    EXTRA,
    HEADER,
    LINE_COLUMNS,
    LINE_FIELDS,
    READ_ONLY,
    REF_TABLES,
    check_external_id,
    extra_value,
    invalid_value,
    line_values,
    mandatory,
    next_last_modified,
    select_field,
)


class BillingScheduleWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._commits: Counter[int] = Counter()  # schedule id -> writes committed through the API
        self._commits_lock = threading.Lock()

    def commits(self) -> dict[str, Any]:
        """`{"writes": {"<id>": n, …}, "total": N}`: the integration's committed writes since start or reset."""
        with self._commits_lock:
            return {
                "writes": {str(k): v for k, v in sorted(self._commits.items())},
                "total": sum(self._commits.values()),
            }

    def reset_commits(self) -> None:
        with self._commits_lock:
            self._commits.clear()

    def write(self, mode: str, ident: str | None, body: dict[str, Any], replace: set[str]) -> int:
        """mode: "create" (POST), "update" (PATCH {id|eid:…}), "upsert" (PUT eid:…). Returns the record id."""
        external_id = None
        if mode == "upsert":
            if not ident or not ident.startswith("eid:"):
                raise bad_request(
                    "Upsert (PUT) needs an external id in the URL: …/billingSchedule/eid:{externalId}."
                )
            external_id = check_external_id(ident[4:], "eid")
            if "externalId" in body and body["externalId"] != external_id:
                raise bad_request(
                    "The externalId in the body differs from the one in the URL.",
                    "INVALID_CONTENT",
                    errorPath="externalId",
                )
        with self.store.transaction() as cur:
            current = self._current(cur, mode, ident, external_id)
            record_id = self._apply(cur, current, body, replace, external_id)
        with self._commits_lock:  # committed: counted even if the answer is lost afterwards
            self._commits[record_id] += 1
        return record_id

    def _current(
        self, cur: duckdb.DuckDBPyConnection, mode: str, ident: str | None, external_id: str | None
    ) -> dict | None:
        if mode == "create":
            return None
        if external_id is not None or (ident or "").startswith("eid:"):
            key = external_id if external_id is not None else (ident or "")[4:]
            rows = cur.execute(
                "SELECT * FROM billingschedule WHERE externalid = ? ORDER BY id LIMIT 1", [key]
            ).fetchall()
        else:
            try:
                rows = cur.execute(
                    "SELECT * FROM billingschedule WHERE id = ?", [int(ident or "")]
                ).fetchall()
            except ValueError:
                rows = []
        if not rows:
            if mode == "upsert":
                return None
            raise not_found()
        names = [d[0] for d in cur.description]
        return dict(zip(names, rows[0]))

    def _apply(
        self, cur: Any, current: dict | None, body: dict[str, Any], replace: set[str], ext: str | None
    ) -> int:
        header, extra = self._header(cur, current, body)
        if current is None and ext is not None:
            header["externalid"] = ext
        if "externalid" in header and header["externalid"] is not None:
            clash = cur.execute(
                "SELECT id FROM billingschedule WHERE externalid = ? AND id <> ?",
                [header["externalid"], current["id"] if current else -1],
            ).fetchall()
            if clash:
                raise bad_request(
                    f"A billing schedule with external ID {header['externalid']} already exists.",
                    "USER_ERROR",
                    errorPath="externalId",
                )
        merged_name = header.get("name", current["name"] if current else None)
        if not merged_name:
            raise mandatory("Name", "name")
        currency = header.get("currency", current["currency"] if current else None)
        places = 2
        if currency is not None:
            row = cur.execute("SELECT currencyprecision FROM currency WHERE id = ?", [currency]).fetchall()
            places = int(row[0][0]) if row and row[0][0] is not None else 2
        lmd = next_last_modified(current["lastmodifieddate"] if current else None)
        if current is None:
            record_id = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM billingschedule").fetchone()[0])
            row = {
                "id": record_id,
                "externalid": None,
                "name": None,
                "scheduletype": None,
                "frequency": None,
                "job": None,
                "currency": None,
                "isinactive": "F",
                "datecreated": lmd,
                "lastmodifieddate": lmd,
            }
            row.update(header)
            cols = list(row)
            cur.execute(
                f"INSERT INTO billingschedule ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [row[c] for c in cols],
            )
            existing: dict[int, dict] = {}
        else:
            record_id = int(current["id"])
            sets = {**header, "lastmodifieddate": lmd}
            cur.execute(
                f"UPDATE billingschedule SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
                [*sets.values(), record_id],
            )
            existing = self._lines(cur, record_id)
        if extra:
            self._store_extra(cur, record_id, extra)
        if "recurrence" in body:
            self._write_lines(
                cur, record_id, body["recurrence"], existing, "recurrence" in replace, places, lmd
            )
        return record_id

    def _header(self, cur: Any, current: dict | None, body: dict[str, Any]) -> tuple[dict, dict]:
        header: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name, value in body.items():
            if name in READ_ONLY or name == "recurrence":
                continue
            if name in EXTRA:
                extra[name] = None if value is None else extra_value(EXTRA[name], value, name)
                continue
            if name not in HEADER:
                raise bad_request(
                    f"Invalid content in the request body: unknown field '{name}' for record "
                    "'billingSchedule'.",
                    "INVALID_CONTENT",
                    errorPath=name,
                )
            column, kind = HEADER[name]
            if value is None:
                header[column] = None
            elif kind == "str":
                if not isinstance(value, str):
                    raise invalid_value(value, name)
                header[column] = value
            elif kind == "extid":
                header[column] = check_external_id(value)
            elif kind == "select":
                header[column] = select_field(value, name)
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise invalid_value(value, name)
                header[column] = "T" if value else "F"
            else:  # ref
                header[column] = self._ref(cur, REF_TABLES[name], value, name)
        return header, extra

    @staticmethod
    def _ref(cur: Any, table: str, value: Any, path: str) -> int:
        if isinstance(value, dict) and "id" in value and not isinstance(value["id"], bool):
            try:
                ref_id = int(value["id"])
            except (TypeError, ValueError):
                raise invalid_value(value["id"], path) from None
            if cur.execute(f'SELECT 1 FROM "{table}" WHERE id = ?', [ref_id]).fetchall():
                return ref_id
            raise invalid_value(ref_id, path)
        if isinstance(value, dict) and isinstance(value.get("externalId"), str) and table == "job":
            rows = cur.execute("SELECT id FROM job WHERE externalid = ?", [value["externalId"]]).fetchall()
            if rows:
                return int(rows[0][0])
            raise invalid_value(value["externalId"], path)
        raise invalid_value(json.dumps(value, default=str), path)

    @staticmethod
    def _store_extra(cur: Any, record_id: int, changes: dict[str, Any]) -> None:
        rows = cur.execute(
            f"SELECT doc FROM {INTERNAL_SCHEMA}.billingschedule_extra WHERE id = ?", [record_id]
        ).fetchall()
        doc = json.loads(rows[0][0]) if rows else {}
        for name, value in changes.items():
            if value is None:
                doc.pop(name, None)
            else:
                doc[name] = value
        cur.execute(
            f"INSERT OR REPLACE INTO {INTERNAL_SCHEMA}.billingschedule_extra VALUES (?, ?)",
            [record_id, json.dumps(doc)],
        )

    @staticmethod
    def _lines(cur: Any, record_id: int) -> dict[int, dict]:
        cur.execute(
            "SELECT * FROM billingschedulerecurrence WHERE billingschedule = ? ORDER BY line", [record_id]
        )
        names = [d[0] for d in cur.description]
        return {int(r["line"]): r for r in (dict(zip(names, row)) for row in cur.fetchall())}

    def _write_lines(
        self,
        cur: Any,
        record_id: int,
        sublist: Any,
        existing: dict[int, dict],
        replace: bool,
        places: int,
        lmd: dt.datetime,
    ) -> None:
        items = sublist.get("items") if isinstance(sublist, dict) else None
        if not isinstance(items, list):
            raise bad_request(
                "Invalid content in the request body: 'recurrence' must be {\"items\": [...]}.",
                "INVALID_CONTENT",
                errorPath="recurrence",
            )
        updates: dict[int, dict[str, Any]] = {}
        inserts: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            path = f"recurrence.items[{i}]"
            if not isinstance(item, dict):
                raise bad_request(
                    "Invalid content in the request body: a sublist line must be an object.",
                    "INVALID_CONTENT",
                    errorPath=path,
                )
            unknown = sorted(set(item) - LINE_FIELDS)
            if unknown:
                raise bad_request(
                    f"Invalid content in the request body: unknown field '{unknown[0]}' for sublist "
                    "'recurrence'.",
                    "INVALID_CONTENT",
                    errorPath=f"{path}.{unknown[0]}",
                )
            values = line_values(item, path, places)
            line = item.get("line")
            if line is None:
                for field, column in LINE_COLUMNS.items():
                    if column in ("recurrencedate", "amount") and values.get(column) is None:
                        raise mandatory(
                            "Recurrence Date" if field == "recurrenceDate" else "Amount", f"{path}.{field}"
                        )
                inserts.append(values)
                continue
            if isinstance(line, bool) or not isinstance(line, int) or line not in existing:
                raise bad_request(
                    f"Invalid content in the request body: the sublist line {line} does not exist.",
                    "INVALID_CONTENT",
                    errorPath=f"{path}.line",
                )
            if line in updates:
                raise bad_request(
                    f"The sublist line {line} is given twice.", "INVALID_CONTENT", errorPath=f"{path}.line"
                )
            old = existing[line]
            for column in ("recurrencedate", "amount"):
                if column in values and values[column] is None:
                    raise mandatory("Recurrence Date" if column == "recurrencedate" else "Amount", path)
            changed = {c: v for c, v in values.items() if old[c] != v}
            if changed and old["invoice"] is not None:
                raise self._invoiced(line, old["invoice"], path)
            updates[line] = changed
        if replace:
            for line, old in existing.items():
                if line not in updates and old["invoice"] is not None:
                    raise self._invoiced(line, old["invoice"], "recurrence")
        for line, changed in updates.items():
            if changed:
                sets = {**changed, "lastmodifieddate": lmd}
                cur.execute(
                    f"UPDATE billingschedulerecurrence SET {', '.join(f'{c} = ?' for c in sets)} WHERE id = ?",
                    [*sets.values(), existing[line]["id"]],
                )
        if replace:
            removed = [old["id"] for line, old in existing.items() if line not in updates]
            if removed:
                cur.execute("DELETE FROM billingschedulerecurrence WHERE list_contains(?, id)", [removed])
        next_line = max(existing, default=0) + 1
        next_id = int(
            cur.execute("SELECT coalesce(max(id), 0) + 1 FROM billingschedulerecurrence").fetchone()[0]
        )
        for values in inserts:
            cur.execute(
                "INSERT INTO billingschedulerecurrence (id, billingschedule, line, recurrencedate, amount, "
                "custcol_c2c_line_key, invoice, lastmodifieddate) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                [
                    next_id,
                    record_id,
                    next_line,
                    values["recurrencedate"],
                    values["amount"],
                    values.get("custcol_c2c_line_key"),
                    lmd,
                ],
            )
            next_id += 1
            next_line += 1

    @staticmethod
    def _invoiced(line: int, invoice: Any, path: str) -> NetSuiteError:
        return bad_request(
            f"You cannot change or remove line {line} of this billing schedule because it has already been "
            f"invoiced (invoice {invoice}).",
            "USER_ERROR",
            errorPath=path,
        )

    def concurrent_edit(
        self, record_id: int, change: str = "name", same_second: bool = False
    ) -> dict[str, Any]:
        """What a user saving the record in the UI does: a real change and a new lastModifiedDate — or, with
        `same_second`, a second save within the second of the record's last one: its lastModifiedDate stays
        (NetSuite keeps whole seconds; RELIABILITY.md F21)."""
        with self.store.transaction() as cur:
            rows = cur.execute(
                "SELECT name, lastmodifieddate, currency FROM billingschedule WHERE id = ?", [record_id]
            ).fetchall()
            if not rows:
                raise not_found()
            name, previous, currency = rows[0]
            lmd = previous if same_second and previous is not None else next_last_modified(previous)
            changed: dict[str, Any] = {"lastModifiedDate": lmd.strftime("%Y-%m-%dT%H:%M:%SZ")}
            if change == "amount":
                line = cur.execute(
                    "SELECT id, line, amount FROM billingschedulerecurrence WHERE billingschedule = ? "
                    "AND invoice IS NULL ORDER BY line LIMIT 1",
                    [record_id],
                ).fetchall()
                if not line:
                    raise bad_request("The billing schedule has no line that is not invoiced.", "USER_ERROR")
                prec = cur.execute(
                    "SELECT currencyprecision FROM currency WHERE id = ?", [currency]
                ).fetchall()
                step = Decimal(1).scaleb(-(int(prec[0][0]) if prec and prec[0][0] is not None else 2))
                amount = line[0][2] + step
                cur.execute(
                    "UPDATE billingschedulerecurrence SET amount = ?, lastmodifieddate = ? WHERE id = ?",
                    [amount, lmd, line[0][0]],
                )
                changed.update(line=int(line[0][1]), amount=str(amount))
            else:
                name = f"{name} (edited)"
                changed["name"] = name
            cur.execute(
                "UPDATE billingschedule SET name = ?, lastmodifieddate = ? WHERE id = ?",
                [name, lmd, record_id],
            )
        return {"type": "billingSchedule", "id": str(record_id), **changed}
