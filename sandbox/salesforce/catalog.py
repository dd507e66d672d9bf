"""The sObjects the simulator serves and their fields, derived from the loaded tables.

Field metadata comes from the DuckDB columns (so any table matching sandbox/firm/schema.py works, including
objects added to the schema later) plus Salesforce naming conventions for the field *type*: `Id` is the
record id, `…Id` columns are lookups, `Amount`-like decimals are currency, a few well-known names are
picklists or email fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import duckdb

# Salesforce's three-character key prefixes for the standard objects we may serve.
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Product2": "01t",
    "Contract": "800",
    "User": "005",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
}
PICKLISTS = {
    "Type",
    "Industry",
    "StageName",
    "CurrencyIsoCode",
    "Status",
    "Family",
    "ForecastCategoryName",
    "LeadSource",
    "Rating",
    "Ownership",
    "Salutation",
}
EMAILS = {"Email"}
NAME_FIELDS = {"Name", "FirstName", "LastName"}
# type -> (soapType, kind used for SOQL literal checks)
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "picklist": "xsd:string",
    "email": "xsd:string",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "currency": "xsd:double",
    "double": "xsd:double",
    "int": "xsd:int",
    "boolean": "xsd:boolean",
}
STRING_TYPES = {"id", "reference", "string", "picklist", "email"}
NUMBER_TYPES = {"currency", "double", "int"}
SYSTEM_FIELDS = {"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"}


@dataclass(frozen=True)
class Field:
    name: str  # canonical API name
    type: str  # Salesforce field type (id, string, reference, datetime, date, currency, boolean, …)
    precision: int = 0
    scale: int = 0
    reference_to: str | None = None

    @property
    def is_string(self) -> bool:
        return self.type in STRING_TYPES

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES

    @property
    def case_insensitive(self) -> bool:
        """SOQL compares and sorts text case-insensitively; record ids compare exactly."""
        return self.type in ("string", "picklist", "email")

    def describe(self) -> dict[str, Any]:
        is_id = self.type == "id"
        length = 18 if self.type in ("id", "reference") else (255 if self.is_string else 0)
        return {
            "name": self.name,
            "label": _label(self.name),
            "type": self.type,
            "soapType": SOAP_TYPES[self.type],
            "length": length,
            "precision": self.precision,
            "scale": self.scale,
            "nillable": not is_id and self.name not in SYSTEM_FIELDS and self.type != "boolean",
            "filterable": True,
            "sortable": True,
            "groupable": self.type not in ("datetime", "currency", "double"),
            "custom": self.name.endswith("__c"),
            "calculated": False,
            "createable": self.name not in SYSTEM_FIELDS,
            "updateable": self.name not in SYSTEM_FIELDS,
            "idLookup": is_id,
            "nameField": self.name == "Name",
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.name[:-2] if self.reference_to else None,
        }


@dataclass
class SObject:
    name: str
    fields: list[Field]
    by_lower: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_lower = {f.name.lower(): f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())

    @property
    def key_prefix(self) -> str:
        return KEY_PREFIXES.get(self.name) or "a0" + hashlib.sha1(self.name.encode()).hexdigest()[0]

    def urls(self, version: str) -> dict[str, str]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def summary(self, version: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": _label(self.name),
            "labelPlural": _label(self.name) + "s",
            "keyPrefix": self.key_prefix,
            "custom": self.name.endswith("__c"),
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "replicateable": True,
            "urls": self.urls(version),
        }

    def describe(self, version: str) -> dict[str, Any]:
        return {
            **self.summary(version),
            "fields": [f.describe() for f in self.fields],
            "childRelationships": [],
            "recordTypeInfos": [],
        }


def _label(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append(" ")
        out.append(ch)
    return "".join(out).replace("__c", "")


def _field_type(name: str, duck_type: str) -> tuple[str, int, int, str | None]:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        precision, scale = (int(x) for x in t[t.index("(") + 1 : t.index(")")].split(","))
        return ("double" if name == "Quantity" else "currency"), precision, scale, None
    if t.startswith("TIMESTAMP"):
        return "datetime", 0, 0, None
    if t == "DATE":
        return "date", 0, 0, None
    if t == "BOOLEAN":
        return "boolean", 0, 0, None
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "int", 9, 0, None
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return "double", 18, 2, None
    if name == "Id":
        return "id", 0, 0, None
    if name.endswith("Id") and len(name) > 2:
        target = name[:-2]
        return (
            "reference",
            0,
            0,
            {"Owner": "User", "CreatedBy": "User", "LastModifiedBy": "User"}.get(target, target),
        )
    if name in PICKLISTS:
        return "picklist", 0, 0, None
    if name in EMAILS:
        return "email", 0, 0, None
    return "string", 0, 0, None


def build_catalog(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, SObject]:
    """One SObject per loaded table, fields in table column order."""
    catalog: dict[str, SObject] = {}
    for table in tables:
        rows = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        fields = []
        for name, duck_type in rows:
            sf_type, precision, scale, ref = _field_type(name, duck_type)
            fields.append(Field(name, sf_type, precision, scale, ref))
        catalog[table] = SObject(table, fields)
    return catalog
