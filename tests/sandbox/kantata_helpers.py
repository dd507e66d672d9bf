"""Helpers for the Kantata simulator tests: a loopback server, the vendor's published OpenAPI schemas as
validators, and a plain httpx client (the test firm is in kantata_data.py)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker

from tests.paths import VENDOR_SPECS
from tests.sandbox.loopback import format_checker, load_spec

SPECS = VENDOR_SPECS / "kantata"
TIME_ENTRIES_SPEC = SPECS / "mavenlink-time-entries-api-openapi.yml"
RATE_CARD_ROLES_SPEC = SPECS / "mavenlink-rate-card-role-rate-for-a-role-api-openapi.yml"
UTC = dt.UTC
ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


# ------------------------------------------------------------------------------------------------ server

# -------------------------------------------------------------------------------------------- validation


def _nullable(schema: Any) -> Any:
    """The vendor marks no field nullable, yet real records carry nulls (no story, no due date): allow null
    for every record property (the envelope keeps its strict types)."""
    if isinstance(schema, dict):
        out = {k: _nullable(v) for k, v in schema.items()}
        if isinstance(out.get("type"), str) and out["type"] != "object":
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(schema, list):
        return [_nullable(v) for v in schema]
    return schema


class Specs:
    """Validators from the vendor's own OpenAPI files (read at test time from the shared folder)."""

    def __init__(self) -> None:
        checker = format_checker()
        te = load_spec(TIME_ENTRIES_SPEC)
        rcr = load_spec(RATE_CARD_ROLES_SPEC)
        self.time_entries = te
        self.time_entry_list = self._validator(te, _ok(te, "/time_entries", "get"), checker)
        self.time_entry_show = self._validator(te, _ok(te, "/time_entries/{id}", "get"), checker)
        self.time_entry_update = self._validator(te, _ok(te, "/time_entries/{id}", "put"), checker)
        self.time_entry_create = self._validator(te, _ok(te, "/time_entries", "post"), checker)
        self.errors = self._validator(te, {"$ref": "#/components/schemas/Errors"}, checker)
        self.rate_card_role_list = self._validator(rcr, _ok(rcr, "/rate_card_roles", "get"), checker)
        self.schemas = te["components"]["schemas"]

    @staticmethod
    def _validator(
        spec: dict[str, Any], schema: dict[str, Any], checker: FormatChecker
    ) -> Draft202012Validator:
        components = _nullable(copy.deepcopy(spec["components"]))
        return Draft202012Validator({**schema, "components": components}, format_checker=checker)


def _ok(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def validate(validator: Draft202012Validator, body: Any) -> None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


# ------------------------------------------------------------------------------------------------ client
class Kantata:
    """A plain httpx client of the simulator with the pre-issued bearer token."""

    def __init__(self, origin: str, creds: dict[str, str]) -> None:
        self.origin = origin
        self.http = httpx.Client(base_url=origin + "/api/v1", timeout=10)
        self.headers = {"Authorization": f"Bearer {creds['access_token']}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers if headers is None else headers)

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def send(
        self, method: str, path: str, json: Any = None, data: Any = None, **params: Any
    ) -> httpx.Response:
        return self.http.request(method, path, json=json, data=data, params=params, headers=self.headers)

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(method, f"{self.origin}/_sandbox/{path}", json=body, timeout=10)

    def walk(self, path: str, **params: Any) -> tuple[list[str], list[dict[str, Any]]]:
        """Page to the end the way a correct client does: iterate `results`, stop at meta.page_count."""
        ids: list[str] = []
        pages: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.ok(path, page=page, **params)
            pages.append(body)
            ids += [ref["id"] for ref in body["results"]]
            if page >= body["meta"]["page_count"]:
                return ids, pages
            page += 1

    def close(self) -> None:
        self.http.close()
