"""The generated firm as tables: the contract between the generator and the four simulators.

One parquet file per vendor object at `<data dir>/sandbox/firm/<vendor>/<table>.parquet`, with the
columns below, named as the vendor names its fields. Simulators serve these tables in the vendor's wire
shape; they never re-derive anything from another vendor's tables.

Conventions: timestamps are UTC (`Datetime("us", "UTC")`); money is `Decimal(20, 3)` in units of the
currency (JPY 0, USD/EUR/GBP 2, KWD 3 decimals are meaningful) except where the vendor itself uses integer
subunits (Kantata `*_in_cents`, divided by `currency_base_unit`); ids are strings unless the vendor uses
integers (NetSuite internal ids).
"""

from __future__ import annotations

import polars as pl

TS = pl.Datetime("us", "UTC")
MONEY = pl.Decimal(20, 3)
RATE = pl.Decimal(20, 8)  # FX rates

SCHEMAS: dict[str, dict[str, dict[str, pl.DataType]]] = {
    "salesforce": {
        # Every object also has `IsDeleted` (rows with True are visible only through queryAll).
        "Account": {
            "Id": pl.String, "Name": pl.String, "Type": pl.String, "Industry": pl.String,
            "BillingCountry": pl.String, "CurrencyIsoCode": pl.String, "OwnerId": pl.String,
            "CreatedDate": TS, "LastModifiedDate": TS, "SystemModstamp": TS, "IsDeleted": pl.Boolean,
        },
        "Opportunity": {
            "Id": pl.String, "AccountId": pl.String, "Name": pl.String, "StageName": pl.String,
            "Amount": MONEY, "CurrencyIsoCode": pl.String, "CloseDate": pl.Date, "IsWon": pl.Boolean,
            "IsClosed": pl.Boolean, "Type": pl.String,
            "CreatedDate": TS, "LastModifiedDate": TS, "SystemModstamp": TS, "IsDeleted": pl.Boolean,
        },
        "Contact": {
            "Id": pl.String, "AccountId": pl.String, "FirstName": pl.String, "LastName": pl.String,
            "Email": pl.String, "Title": pl.String,
            "CreatedDate": TS, "LastModifiedDate": TS, "SystemModstamp": TS, "IsDeleted": pl.Boolean,
        },
    },
    "ironclad": {
        # `doc` is the complete RecordModel JSON as served (it repeats the filter columns beside it).
        "records": {
            "id": pl.String, "ironcladId": pl.String, "type": pl.String, "name": pl.String,
            "lastUpdated": TS, "parentId": pl.String, "agreementDate": TS, "doc": pl.String,
        },
    },
    "kantata": {
        "workspaces": {
            "id": pl.String, "title": pl.String, "description": pl.String, "start_date": pl.Date,
            "due_date": pl.Date, "price_in_cents": pl.Int64, "currency": pl.String,
            "currency_base_unit": pl.Int64, "currency_symbol": pl.String, "rate_card_id": pl.Int64,
            "archived": pl.Boolean, "stage": pl.String, "created_at": TS, "updated_at": TS,
        },
        "stories": {
            "id": pl.String, "workspace_id": pl.String, "parent_id": pl.String, "title": pl.String,
            "story_type": pl.String, "state": pl.String, "start_date": pl.Date, "due_date": pl.Date,
            "billable": pl.Boolean, "fixed_fee": pl.Boolean, "budget_estimate_in_cents": pl.Int64,
            "archived": pl.Boolean, "created_at": TS, "updated_at": TS,
        },
        # one row per state transition of a story ("started", "completed", "accepted")
        "story_state_changes": {
            "id": pl.String, "story_id": pl.String, "state": pl.String, "created_at": TS, "updated_at": TS,
        },
        "users": {
            "id": pl.String, "full_name": pl.String, "email_address": pl.String, "headline": pl.String,
            "country": pl.String, "classification": pl.String, "created_at": TS, "updated_at": TS,
        },
        "account_memberships": {
            "id": pl.String, "user_id": pl.String, "default_role_id": pl.String,
            "cost_rate_in_cents": pl.Int64, "currency": pl.String, "currency_base_unit": pl.Int64,
            "created_at": TS, "updated_at": TS,
        },
        "roles": {"id": pl.String, "name": pl.String, "created_at": TS, "updated_at": TS},
        "rate_card_versions": {
            "id": pl.String, "rate_card_id": pl.Int64, "default_rate": pl.Int64,
            "currency": pl.String, "currency_base_unit": pl.Int64, "created_at": TS, "updated_at": TS,
        },
        # `rate` is in subunits of the version's currency per hour (vendor OpenAPI: cents per hour)
        "rate_card_roles": {
            "id": pl.String, "rate_card_version_id": pl.String, "role_id": pl.String, "rate": pl.Int64,
            "created_at": TS, "updated_at": TS,
        },
        "time_entries": {
            "id": pl.String, "workspace_id": pl.String, "story_id": pl.String, "user_id": pl.String,
            "role_id": pl.String, "date_performed": pl.Date, "time_in_minutes": pl.Int64,
            "billable": pl.Boolean, "rate_in_cents": pl.Int64, "cost_rate_in_cents": pl.Int64,
            "currency": pl.String, "currency_base_unit": pl.Int64, "currency_symbol": pl.String,
            "is_invoiced": pl.Boolean, "invoice_id": pl.String, "approved": pl.Boolean,
            "taxable": pl.Boolean, "notes": pl.String, "created_at": TS, "updated_at": TS,
        },
        "expenses": {
            "id": pl.String, "workspace_id": pl.String, "user_id": pl.String, "date": pl.Date,
            "category": pl.String, "notes": pl.String, "amount_in_cents": pl.Int64, "currency": pl.String,
            "currency_base_unit": pl.Int64, "is_billable": pl.Boolean, "is_invoiced": pl.Boolean,
            "invoice_id": pl.String, "created_at": TS, "updated_at": TS,
        },
        # links to other systems: service_name "ironclad"; subject Workspace -> service_model "sow"
        # (ref = SOW ironcladId); subject Story -> service_model "milestone" (ref = milestone id)
        "external_references": {
            "id": pl.String, "subject_type": pl.String, "subject_id": pl.Int64, "service_name": pl.String,
            "service_model": pl.String, "service_model_ref": pl.String, "status": pl.String,
            "external_status": pl.String, "locked": pl.Boolean, "created_at": TS, "updated_at": TS,
            "last_synced_at": TS,
        },
    },
    "netsuite": {
        # SuiteQL tables: lower-case column names, as SuiteQL answers. Integer internal ids.
        "currency": {
            "id": pl.Int64, "symbol": pl.String, "name": pl.String, "currencyprecision": pl.Int64,
            "isbasecurrency": pl.String, "lastmodifieddate": TS,
        },
        "currencyrate": {
            "id": pl.Int64, "basecurrency": pl.Int64, "transactioncurrency": pl.Int64,
            "exchangerate": RATE, "effectivedate": pl.Date, "lastmodifieddate": TS,
        },
        "customer": {
            "id": pl.Int64, "entityid": pl.String, "companyname": pl.String, "externalid": pl.String,
            "currency": pl.Int64, "subsidiary": pl.Int64, "billcountry": pl.String,
            "custentity_c2c_region": pl.String, "isinactive": pl.String, "datecreated": TS,
            "lastmodifieddate": TS,
        },
        "job": {
            "id": pl.Int64, "entityid": pl.String, "companyname": pl.String, "externalid": pl.String,
            "parent": pl.Int64, "customer": pl.Int64, "currency": pl.Int64, "jobbillingtype": pl.String,
            "startdate": pl.Date, "projectedenddate": pl.Date, "isinactive": pl.String,
            "datecreated": TS, "lastmodifieddate": TS,
        },
        "billingschedule": {
            "id": pl.Int64, "externalid": pl.String, "name": pl.String, "scheduletype": pl.String,
            "frequency": pl.String, "job": pl.Int64, "currency": pl.Int64, "isinactive": pl.String,
            "datecreated": TS, "lastmodifieddate": TS,
        },
        # the CUSTOM-frequency recurrence sublist of a billing schedule: one row per line
        "billingschedulerecurrence": {
            "id": pl.Int64, "billingschedule": pl.Int64, "line": pl.Int64, "recurrencedate": pl.Date,
            "amount": MONEY, "custcol_c2c_line_key": pl.String, "invoice": pl.Int64,
            "lastmodifieddate": TS,
        },
        # invoices (CustInvc), payments (CustPymt) and revenue journals (Journal)
        "transaction": {
            "id": pl.Int64, "tranid": pl.String, "type": pl.String, "trandate": pl.Date,
            "entity": pl.Int64, "job": pl.Int64, "currency": pl.Int64, "exchangerate": RATE,
            "status": pl.String, "foreigntotal": MONEY, "memo": pl.String, "createddate": TS,
            "lastmodifieddate": TS,
        },
        "transactionline": {
            "id": pl.Int64, "transaction": pl.Int64, "linesequencenumber": pl.Int64, "item": pl.String,
            "entity": pl.Int64, "quantity": pl.Decimal(20, 4), "rate": MONEY, "foreignamount": MONEY,
            "taxcode": pl.String, "foreigntaxamount": MONEY, "custcol_c2c_line_key": pl.String,
            "accountingperiod": pl.String, "memo": pl.String,
        },
        # payment applications: nextdoc (payment) pays previousdoc (invoice)
        "previoustransactionlink": {
            "previousdoc": pl.Int64, "nextdoc": pl.Int64, "linktype": pl.String, "foreignamount": MONEY,
            "linkdate": pl.Date,
        },
    },
}


def empty_frame(vendor: str, table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[vendor][table])
