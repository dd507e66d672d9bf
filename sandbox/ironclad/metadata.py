"""The records schema (`GET /records/metadata`), derived from the served records, and property validation.

Ironclad's schema is configured per company; the sandbox derives it from the data: every record type seen,
every property name with the type it carries, every attachment key. `settings["extra_properties"]`
({name: type}) adds properties that no record carries yet, so that PATCH may set them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PROPERTY_TYPES = (
    "string",
    "number",
    "boolean",
    "date",
    "duration",
    "email",
    "monetary_amount",
    "clause",
    "playbookClause",
    "address",
    "array",
    "reference",
)
TYPE_NAMES = {"msa": "Master Services Agreement", "sow": "Statement of Work", "amendment": "Amendment"}
_ACRONYMS = {"id": "ID", "msa": "MSA", "sow": "SOW", "url": "URL", "po": "PO"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def display_name(key: str) -> str:
    """`counterpartyName` / `rate_senior_consultant` -> "Counterparty Name" / "Rate Senior Consultant"."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).replace("_", " ").replace("-", " ").split()
    return " ".join(_ACRONYMS.get(w.lower(), w[:1].upper() + w[1:]) for w in words) or key


@dataclass
class RecordSchema:
    record_types: dict[str, str] = field(default_factory=dict)  # type -> display name
    properties: dict[str, str] = field(default_factory=dict)  # property -> property type
    attachments: set[str] = field(default_factory=set)

    @classmethod
    def derive(
        cls, docs: Iterable[dict[str, Any]], extra_properties: dict[str, str] | None = None
    ) -> RecordSchema:
        schema = cls()
        for doc in docs:
            rtype = doc.get("type")
            if isinstance(rtype, str) and rtype not in schema.record_types:
                schema.record_types[rtype] = TYPE_NAMES.get(rtype, display_name(rtype))
            for name, prop in (doc.get("properties") or {}).items():
                if isinstance(prop, dict) and isinstance(prop.get("type"), str):
                    schema.properties.setdefault(name, prop["type"])
            schema.attachments.update((doc.get("attachments") or {}).keys())
        for name, ptype in (extra_properties or {}).items():
            schema.properties.setdefault(name, ptype)
        return schema

    def public(self) -> dict[str, Any]:
        """The vendor's RecordsMetadata shape: recordTypes, properties, attachments, links."""
        return {
            "recordTypes": {t: {"displayName": n} for t, n in sorted(self.record_types.items())},
            "properties": {
                name: {"displayName": display_name(name), "type": ptype, "visible": True}
                for name, ptype in sorted(self.properties.items())
            },
            "attachments": {key: {"displayName": display_name(key)} for key in sorted(self.attachments)},
            "links": {},
        }


def check_value(ptype: str, value: Any) -> bool:
    """Whether `value` is a valid value of a property of type `ptype` (vendor RecordPropertyType)."""
    if ptype in ("string", "duration", "playbookClause"):
        return isinstance(value, str)
    if ptype == "email":
        return isinstance(value, str) and "@" in value
    if ptype == "number":
        return isinstance(value, int) and not isinstance(value, bool)
    if ptype == "boolean":
        return isinstance(value, bool)
    if ptype == "date":
        return isinstance(value, str) and parse_date_time(value) is not None
    if ptype == "monetary_amount":
        return (
            isinstance(value, dict)
            and isinstance(value.get("amount"), (int, float))
            and not isinstance(value.get("amount"), bool)
            and isinstance(value.get("currency"), str)
            and bool(_CURRENCY.match(value["currency"]))
        )
    if ptype == "array":
        return isinstance(value, list) and len(value) >= 1 and all(isinstance(v, str) for v in value)
    if ptype == "address":
        return isinstance(value, (dict, str))
    if ptype in ("clause", "reference"):
        return isinstance(value, dict)
    return False


def parse_date_time(text: str) -> dt.datetime | None:
    """An ISO-8601 date-time with a time part (date properties are date-times, vendor RecordPropertyDate)."""
    if "T" not in text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
