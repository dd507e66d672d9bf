"""Constants of the Salesforce source: the objects read, their raw tables, fields and Arrow types."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pyarrow as pa

from ingestion.common.pages import MONEY, TS

VENDOR = "salesforce"
API_VERSION = "62.0"  # used when the settings name none (sources.salesforce.api_version)
PRIMARY_KEY = "Id"
CURSOR = "SystemModstamp"  # indexed; moves on user edits, system updates and (soft) deletes
INITIAL_CURSOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than any org's first record
QUERY_ENDPOINT = "queryAll"  # also returns soft-deleted rows (IsDeleted = true): the raw soft-delete flag
NEXT_PREFIX = "/services/data/"  # a nextRecordsUrl must be a path on the instance (never another host)
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 200, 2000  # Sforce-Query-Options batchSize bounds; pages may hold fewer
BATCH_SIZE = MAX_BATCH_SIZE  # the default: Salesforce's own default and maximum

STR, BOOL, DATE = pa.string(), pa.bool_(), pa.date32()
SYSTEM_FIELDS: dict[str, pa.DataType] = {
    "CreatedDate": TS, "LastModifiedDate": TS, "SystemModstamp": TS, "IsDeleted": BOOL,
}


class SObjectSpec(NamedTuple):
    table: str  # raw table: the sObject name in snake_case
    fields: dict[str, pa.DataType]  # the explicit SELECT list, in order, with each field's Arrow type
    money: tuple[str, ...] = ()  # currency fields: exact decimals (MONEY), checked on every page


OBJECTS: dict[str, SObjectSpec] = {
    "Account": SObjectSpec("account", {
        "Id": STR, "Name": STR, "Type": STR, "Industry": STR, "BillingCountry": STR, "CurrencyIsoCode": STR,
        "OwnerId": STR, **SYSTEM_FIELDS,
    }),
    "Opportunity": SObjectSpec("opportunity", {
        "Id": STR, "AccountId": STR, "Name": STR, "StageName": STR, "Amount": MONEY, "CurrencyIsoCode": STR,
        "CloseDate": DATE, "IsWon": BOOL, "IsClosed": BOOL, "Type": STR, **SYSTEM_FIELDS,
    }, money=("Amount",)),
    "Contact": SObjectSpec("contact", {
        "Id": STR, "AccountId": STR, "FirstName": STR, "LastName": STR, "Email": STR, "Title": STR,
        **SYSTEM_FIELDS,
    }),
}
