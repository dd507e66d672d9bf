"""The record types the record API serves, and how each maps onto the SuiteQL tables.

REST shape (Oracle "Working with Records", airbyte source-netsuite schemas): camelCase body fields, `id` as
a string, references as `{links, id, refName}`, select fields as `{id, refName}`, dates `YYYY-MM-DD`,
datetimes `YYYY-MM-DDTHH:MM:SSZ`, money as JSON numbers, booleans as JSON booleans, empty fields omitted,
sublists as `{links}` (or the expanded collection with `expandSubResources=true`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str  # REST field name
    column: str  # SQL expression over the record's table (trusted: written here)
    kind: str  # str | int | num | bool | date | datetime | select | ref
    # ref: the record type referenced; "entity": a customer or a project (job); None: a record type the
    # sandbox does not serve (the reference then has no self link and no refName)
    target: str | None = None


@dataclass(frozen=True)
class Sublist:
    name: str
    table: str
    parent: str  # column holding the parent record's id
    key: str  # column identifying a line within the parent (the URL's line key)
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class RecordType:
    name: str
    table: str
    where: str  # restricts the table to this type (transactions share one table)
    refname: str  # SQL expression: the record's refName when another record references it
    fields: tuple[Field, ...]
    sublists: tuple[Sublist, ...] = field(default=())
    has_external_id: bool = False

    def sublist(self, name: str) -> Sublist | None:
        return next((s for s in self.sublists if s.name == name), None)


F = Field
COMMON_TRAN = (
    F("tranId", "tranid", "str"),
    F("tranDate", "trandate", "date"),
    F("currency", "currency", "ref", "currency"),
    F("exchangeRate", "exchangerate", "num"),
    F("status", "status", "select"),
    F("memo", "memo", "str"),
    F("createdDate", "createddate", "datetime"),
    F("lastModifiedDate", "lastmodifieddate", "datetime"),
)

RECORD_TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType(
            "customer",
            "customer",
            "true",
            "coalesce(companyname, entityid)",
            (
                F("entityId", "entityid", "str"),
                F("companyName", "companyname", "str"),
                F("externalId", "externalid", "str"),
                F("currency", "currency", "ref", "currency"),
                F("subsidiary", "subsidiary", "ref"),
                F("billCountry", "billcountry", "select"),
                F("custentity_c2c_region", "custentity_c2c_region", "str"),
                F("isInactive", "isinactive", "bool"),
                F("dateCreated", "datecreated", "datetime"),
                F("lastModifiedDate", "lastmodifieddate", "datetime"),
            ),
            has_external_id=True,
        ),
        RecordType(
            "job",
            "job",
            "true",
            "coalesce(companyname, entityid)",
            (
                F("entityId", "entityid", "str"),
                F("companyName", "companyname", "str"),
                F("externalId", "externalid", "str"),
                F("parent", "parent", "ref", "customer"),
                F("customer", "customer", "ref", "customer"),
                F("currency", "currency", "ref", "currency"),
                F("jobBillingType", "jobbillingtype", "select"),
                F("startDate", "startdate", "date"),
                F("projectedEndDate", "projectedenddate", "date"),
                F("isInactive", "isinactive", "bool"),
                F("dateCreated", "datecreated", "datetime"),
                F("lastModifiedDate", "lastmodifieddate", "datetime"),
            ),
            has_external_id=True,
        ),
        RecordType(
            "billingSchedule",
            "billingschedule",
            "true",
            "name",
            (
                F("externalId", "externalid", "str"),
                F("name", "name", "str"),
                F("scheduleType", "scheduletype", "select"),
                F("frequency", "frequency", "select"),
                F("project", "job", "ref", "job"),
                F("currency", "currency", "ref", "currency"),
                F("isInactive", "isinactive", "bool"),
                F("dateCreated", "datecreated", "datetime"),
                F("lastModifiedDate", "lastmodifieddate", "datetime"),
            ),
            (
                Sublist(
                    "recurrence",
                    "billingschedulerecurrence",
                    "billingschedule",
                    "line",
                    (
                        F("line", "line", "int"),
                        F("recurrenceDate", "recurrencedate", "date"),
                        F("amount", "amount", "num"),
                        F("custcol_c2c_line_key", "custcol_c2c_line_key", "str"),
                        F("invoice", "invoice", "ref", "invoice"),
                    ),
                ),
            ),
            has_external_id=True,
        ),
        RecordType(
            "invoice",
            "transaction",
            "type = 'CustInvc'",
            "'Invoice #' || tranid",
            (
                F("entity", "entity", "ref", "customer"),
                F("job", "job", "ref", "job"),
                F("total", "foreigntotal", "num"),
                *COMMON_TRAN,
            ),
            (
                Sublist(
                    "item",
                    "transactionline",
                    "transaction",
                    "linesequencenumber",
                    (
                        F("line", "linesequencenumber", "int"),
                        F("item", "item", "select"),
                        F("quantity", "quantity", "num"),
                        F("rate", "rate", "num"),
                        F("amount", "foreignamount", "num"),
                        F("taxCode", "taxcode", "select"),
                        F("tax1Amt", "foreigntaxamount", "num"),
                        F("custcol_c2c_line_key", "custcol_c2c_line_key", "str"),
                        F("postingPeriod", "accountingperiod", "select"),
                        F("description", "memo", "str"),
                    ),
                ),
            ),
        ),
        RecordType(
            "customerPayment",
            "transaction",
            "type = 'CustPymt'",
            "'Payment #' || tranid",
            (F("customer", "entity", "ref", "customer"), F("payment", "foreigntotal", "num"), *COMMON_TRAN),
            (
                Sublist(
                    "apply",
                    "previoustransactionlink",
                    "nextdoc",
                    "previousdoc",
                    (
                        F("doc", "previousdoc", "ref", "invoice"),
                        F("apply", "'T'", "bool"),
                        F("amount", "foreignamount", "num"),
                        F("applyDate", "linkdate", "date"),
                        F("type", "linktype", "select"),
                    ),
                ),
            ),
        ),
        RecordType(
            "journalEntry",
            "transaction",
            "type = 'Journal'",
            "'Journal #' || tranid",
            COMMON_TRAN,
            (
                Sublist(
                    "line",
                    "transactionline",
                    "transaction",
                    "linesequencenumber",
                    (
                        F("line", "linesequencenumber", "int"),
                        F("account", "item", "select"),
                        F("debit", "CASE WHEN foreignamount >= 0 THEN foreignamount END", "num"),
                        F("credit", "CASE WHEN foreignamount < 0 THEN -foreignamount END", "num"),
                        F("entity", "entity", "ref", "entity"),
                        F("memo", "memo", "str"),
                        F("custcol_c2c_line_key", "custcol_c2c_line_key", "str"),
                    ),
                ),
            ),
        ),
        RecordType(
            "currencyRate",
            "currencyrate",
            "true",
            "CAST(id AS VARCHAR)",
            (
                F("baseCurrency", "basecurrency", "ref", "currency"),
                F("transactionCurrency", "transactioncurrency", "ref", "currency"),
                F("exchangeRate", "exchangerate", "num"),
                F("effectiveDate", "effectivedate", "date"),
                F("lastModifiedDate", "lastmodifieddate", "datetime"),
            ),
        ),
        RecordType(
            "currency",
            "currency",
            "true",
            "name",
            (
                F("name", "name", "str"),
                F("symbol", "symbol", "str"),
                F("currencyPrecision", "currencyprecision", "int"),
                F("isBaseCurrency", "isbasecurrency", "bool"),
                F("lastModifiedDate", "lastmodifieddate", "datetime"),
            ),
        ),
    )
}

# Record types whose rows never change while the sandbox runs (their refNames can be cached for good).
STATIC_TYPES = frozenset(RECORD_TYPES) - {"billingSchedule"}
