"""NetSuite constants: SuiteQL paging, the incremental cursor's start, and the raw tables with their SuiteQL
(source tables, columns and kinds, cursor, keys). No logic here (helpers.py builds the queries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from ingestion.common.pages import MONEY, TS

VENDOR = "netsuite"
SUITEQL_PATH = "/query/v1/suiteql"
SUITEQL_HEADERS = {"Prefer": "transient"}  # required by SuiteQL
PAGE_SIZE = 1000  # SuiteQL's maximum `limit`
MAX_RESULTS = 100_000  # rows one SuiteQL query returns at most; past it the walk continues by keyset
MAX_PASSES = 3  # walks from the same cursor when records moved under the offset paging (see helpers.walk)
INITIAL_CURSOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than any record: the first run is full
DATETIME_FORMAT = "YYYY-MM-DD HH24:MI:SS"  # SuiteQL shows datetimes as dates only without TO_CHAR
DATE_FORMAT = "YYYY-MM-DD"  # and dates in the account's date preference
CURSOR_TEXT = "%Y-%m-%d %H:%M:%S"  # DATETIME_FORMAT in strftime
TRUE, FALSE = "T", "F"  # SuiteQL booleans

# Column kinds: how a SuiteQL string becomes a typed value, and its Arrow type.
ID, TEXT, INT, BOOL, DATE, DATETIME, MONEY_KIND, DECIMAL = "id", "text", "int", "bool", "date", "datetime", "money", "decimal"
ARROW_TYPES: dict[str, pa.DataType] = {
    ID: pa.string(), TEXT: pa.string(), INT: pa.int64(), BOOL: pa.bool_(), DATE: pa.date32(), DATETIME: TS,
    MONEY_KIND: MONEY, DECIMAL: MONEY,  # exact decimals that are not amounts: quantities, exchange rates
}
EXACT = (MONEY_KIND, DECIMAL)


@dataclass(frozen=True)
class Table:
    """One raw table = one SuiteQL query: `SELECT <columns> FROM <source> WHERE <where> AND <cursor> >= …`."""

    name: str  # raw table (snake case of the record type)
    record: str  # the manifest's NetSuite object name ("" for tables the manifest does not count)
    source: str  # FROM clause, with aliases
    columns: tuple[tuple[str, str, str], ...]  # (raw column, SuiteQL expression, kind)
    cursor: str  # raw column of the incremental cursor (a DATETIME column)
    keys: tuple[str, ...]  # primary key (raw columns, all integer internal ids); also the keyset order
    where: str = ""  # fixed filter
    merge_key: str | None = None  # lines: the parent id, so a reloaded parent replaces all its lines

    def expression(self, column: str) -> str:
        return next(expr for name, expr, _ in self.columns if name == column)

    @property
    def kinds(self) -> dict[str, str]:
        return {name: kind for name, _, kind in self.columns}


def _cols(alias: str, spec: str) -> tuple[tuple[str, str, str], ...]:
    """`"id:id name:text"` → ((id, a.id, id), (name, a.name, text)): a compact column list for one alias."""
    return tuple((name, f"{alias}.{name}", kind) for name, kind in (item.split(":") for item in spec.split()))


_TRANSACTION = ("id:id tranid:text type:text trandate:date entity:id job:id currency:id exchangerate:decimal "
                "status:text foreigntotal:money memo:text createddate:datetime lastmodifieddate:datetime")
_TRANSACTION_LINE = ("id:id transaction:id linesequencenumber:int item:text entity:id quantity:decimal rate:money "
                     "foreignamount:money taxcode:text foreigntaxamount:money custcol_c2c_line_key:text "
                     "accountingperiod:text memo:text")


def _transactions(name: str, record: str, tran_type: str) -> Table:
    return Table(name, record, "transaction t", _cols("t", _TRANSACTION), "lastmodifieddate", ("id",),
                 where=f"t.type = '{tran_type}'")


def _transaction_lines(name: str, tran_type: str) -> Table:
    """Lines carry no lastmodifieddate of their own: the cursor is their transaction's (a changed header
    reloads its lines), and `merge_key=transaction` replaces the transaction's lines as a whole.
    transactionline.id numbers a line within its transaction, hence the key (transaction, id)."""
    return Table(name, "", "transactionline l JOIN transaction t ON t.id = l.transaction",
                 _cols("l", _TRANSACTION_LINE) + (("transaction_lastmodifieddate", "t.lastmodifieddate", DATETIME),),
                 "transaction_lastmodifieddate", ("transaction", "id"), where=f"t.type = '{tran_type}'",
                 merge_key="transaction")


TABLES: tuple[Table, ...] = (
    Table("customer", "customer", "customer c", _cols(
        "c", "id:id entityid:text companyname:text externalid:text currency:id subsidiary:id billcountry:text "
             "custentity_c2c_region:text isinactive:bool datecreated:datetime lastmodifieddate:datetime"),
        "lastmodifieddate", ("id",)),
    Table("job", "job", "job j", _cols(
        "j", "id:id entityid:text companyname:text externalid:text parent:id customer:id currency:id "
             "jobbillingtype:text startdate:date projectedenddate:date isinactive:bool datecreated:datetime "
             "lastmodifieddate:datetime"),
        "lastmodifieddate", ("id",)),
    Table("billing_schedule", "billingSchedule", "billingschedule b", _cols(
        "b", "id:id externalid:text name:text scheduletype:text frequency:text job:id currency:id isinactive:bool "
             "datecreated:datetime lastmodifieddate:datetime"),
        "lastmodifieddate", ("id",)),
    # The recurrence lines: cursor = the schedule's lastmodifieddate (every write to a line also moves it), and
    # merge_key=billingschedule replaces a reloaded schedule's lines as a whole (lines removed by
    # `?replace=recurrence` disappear from the raw table).
    Table("billing_schedule_line", "", "billingschedulerecurrence r JOIN billingschedule b ON b.id = r.billingschedule",
          _cols("r", "id:id billingschedule:id line:int recurrencedate:date amount:money custcol_c2c_line_key:text "
                     "invoice:id")
          + (("billingschedule_lastmodifieddate", "b.lastmodifieddate", DATETIME),),
          "billingschedule_lastmodifieddate", ("id",), merge_key="billingschedule"),
    _transactions("invoice", "invoice", "CustInvc"),
    _transaction_lines("invoice_line", "CustInvc"),
    _transactions("customer_payment", "customerPayment", "CustPymt"),
    # previoustransactionlink has no lastmodifieddate: the cursor is the applying document's (the payment,
    # `nextdoc`), which moves when its applications change; merge_key=nextdoc replaces them as a whole.
    Table("payment_application", "", "previoustransactionlink p JOIN transaction t ON t.id = p.nextdoc",
          _cols("p", "previousdoc:id nextdoc:id linktype:text foreignamount:money linkdate:date")
          + (("nextdoc_type", "t.type", TEXT), ("nextdoc_lastmodifieddate", "t.lastmodifieddate", DATETIME)),
          "nextdoc_lastmodifieddate", ("nextdoc", "previousdoc"), merge_key="nextdoc"),
    _transactions("journal_entry", "journalEntry", "Journal"),
    _transaction_lines("journal_entry_line", "Journal"),
    Table("currency", "currency", "currency c", _cols(
        "c", "id:id symbol:text name:text currencyprecision:int isbasecurrency:bool lastmodifieddate:datetime"),
        "lastmodifieddate", ("id",)),
    Table("currency_rate", "currencyRate", "currencyrate x", _cols(
        "x", "id:id basecurrency:id transactioncurrency:id exchangerate:decimal effectivedate:date "
             "lastmodifieddate:datetime"),
        "lastmodifieddate", ("id",)),
)
RESOURCES = tuple(t.name for t in TABLES)
