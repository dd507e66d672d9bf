"""The NetSuite source past SuiteQL's cap (100,000 results per query) on a static sandbox whose ERP has a large
firm's shape: more than 200,000 invoices and more than 100,000 payment applications, up to 165 of them under
one payment `lastmodifieddate` (every payment of a day is saved at 15:00), numbered as the generator numbers
transactions. Every application loads exactly once, by the default cap and page size. And an ERP where two
transactions share an id: the walk names the shared key instead of walking again as if records moved."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from core.errors import typed_cause
from ingestion.common.errors import MalformedPageError
from ingestion.netsuite.settings import MAX_RESULTS
from ingestion.run import run_vendor
from sandbox.firm.ids import transaction_bases
from sandbox.firm.schema import SCHEMAS
from tests.conftest import RunningSandbox, running_sandbox
from tests.ingestion.conftest import FAST

pytestmark = pytest.mark.integration
INVOICES = 205_000  # more than fit below the customer payments' usual base (300000), as in the large firm
PAYMENTS = 120_000
PER_DAY = 150  # payments saved in one second: one cursor value for all their applications
SECOND_EVERY = 10  # every tenth payment pays a second invoice: several applications per payment
APPLICATIONS = PAYMENTS + PAYMENTS // SECOND_EVERY


def _large_erp(firm: Path) -> None:
    """Replace the tiny firm's transactions and payment applications with a large firm's numbers of invoices
    and payments (ids from sandbox/firm/ids.py, like the generator's)."""
    inv_base, pay_base, _ = transaction_bases(INVOICES, PAYMENTS, 0)
    schema = SCHEMAS["netsuite"]

    def transactions(base: int, n: int, kind: str, first_day: str, hour: int) -> pl.DataFrame:
        i = pl.int_range(0, n, dtype=pl.Int64, eager=True)
        day = pl.lit(first_day).str.to_date() + pl.duration(days=i // PER_DAY)
        saved = day.cast(pl.Datetime("us", "UTC")) + pl.duration(hours=hour)
        return pl.select(
            id=i + base + 1,
            tranid=pl.format(f"{kind}-{{}}", i + 1),
            type=pl.lit(kind),
            trandate=day,
            entity=pl.lit(1001),
            job=pl.lit(None),
            currency=pl.lit(1),
            exchangerate=pl.lit(1),
            status=pl.lit("Open" if kind == "CustInvc" else "Deposited"),
            foreigntotal=pl.lit(100),
            memo=pl.lit(None),
            createddate=saved,
            lastmodifieddate=saved,
        ).cast(schema["transaction"])

    txn = pl.concat(
        [
            transactions(inv_base, INVOICES, "CustInvc", "2020-01-01", 9),
            transactions(pay_base, PAYMENTS, "CustPymt", "2020-02-01", 15),
        ]
    )
    j = pl.int_range(0, PAYMENTS, dtype=pl.Int64, eager=True)
    first = pl.select(previousdoc=inv_base + 1 + (j * 7919) % INVOICES, nextdoc=pay_base + 1 + j)
    second = first.filter(pl.col("nextdoc") % SECOND_EVERY == 0).with_columns(
        previousdoc=inv_base + 1 + (pl.col("previousdoc") - inv_base) % INVOICES
    )
    links = (
        pl.concat([first, second])
        .with_columns(
            linktype=pl.lit("Payment"),
            foreignamount=pl.lit(50),
            linkdate=pl.lit("2020-02-01").str.to_date(),
        )
        .cast(schema["previoustransactionlink"])
    )
    txn.write_parquet(firm / "netsuite" / "transaction.parquet")
    links.write_parquet(firm / "netsuite" / "previoustransactionlink.parquet")


@pytest.fixture(scope="module")
def large_erp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(
        tmp_path_factory.mktemp("large-erp"), data_dir_env=False, prepare=_large_erp
    ) as sandbox:
        yield sandbox


def _shared_id(firm: Path) -> None:
    """The first revenue journal takes the first customer payment's id (saved a day after it): the payment's
    applications join to two transactions."""
    path = firm / "netsuite" / "transaction.parquet"
    txn = pl.read_parquet(path)
    payment = txn.filter(pl.col("type") == "CustPymt").sort("id").head(1)
    journal = pl.col("id") == txn.filter(pl.col("type") == "Journal")["id"].min()
    txn.with_columns(
        id=pl.when(journal).then(payment["id"][0]).otherwise(pl.col("id")),
        lastmodifieddate=pl.when(journal)
        .then(payment["lastmodifieddate"][0] + pl.duration(days=1))
        .otherwise(pl.col("lastmodifieddate")),
    ).write_parquet(path)


@pytest.fixture(scope="module")
def shared_id_erp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(
        tmp_path_factory.mktemp("shared-id"), data_dir_env=False, prepare=_shared_id
    ) as sandbox:
        yield sandbox


def use(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir using the sandbox (C2C_DATA_DIR set for the test)."""
    (tmp_path / "sandbox").mkdir()
    shutil.copy(sandbox.sandbox_dir / "endpoints.json", tmp_path / "sandbox" / "endpoints.json")
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("SOURCES__"):
            monkeypatch.delenv(name)
    return tmp_path


def suiteql(sandbox: RunningSandbox, q: str) -> list[dict[str, Any]]:
    with sandbox.client("netsuite") as http:
        answer = http.post(
            "/query/v1/suiteql",
            params={"limit": 1000, "offset": 0},
            json={"q": q},
            headers={"Prefer": "transient"},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def run_payment_applications() -> Any:
    return run_vendor(
        "netsuite", say=lambda m: None, source_kwargs={"policy": FAST, "objects": ["payment_application"]}
    )


def warehouse(data_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_payment_applications_past_the_cap_load_each_exactly_once(
    large_erp: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = use(large_erp, tmp_path, monkeypatch)
    source = suiteql(
        large_erp, "SELECT COUNT(*) AS n, COUNT(DISTINCT nextdoc) AS payments FROM previoustransactionlink"
    )[0]
    assert (int(source["n"]), int(source["payments"])) == (APPLICATIONS, PAYMENTS)
    assert APPLICATIONS > MAX_RESULTS
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        result = run_payment_applications()
    assert "walking again" not in caplog.text  # nothing changed: one walk
    assert result.rows == {"payment_application": APPLICATIONS}
    assert warehouse(
        data_dir,
        "select count(*), count(distinct (nextdoc, previousdoc)), count(distinct nextdoc), "
        "count(*) filter (where nextdoc_type = 'CustPymt') "
        "from raw_netsuite.payment_application",
    ) == [(APPLICATIONS, APPLICATIONS, PAYMENTS, APPLICATIONS)]


def test_two_transactions_with_one_id_are_named_not_taken_for_a_moving_record(
    shared_id_erp: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payment's application comes back under the payment's lastmodifieddate and the journal's: the first
    walk cannot tell it from a record saved meanwhile, the second sees the older cursor again, which no save
    explains, and fails naming the key, loading nothing."""
    data_dir = use(shared_id_erp, tmp_path, monkeypatch)
    payment = suiteql(shared_id_erp, "SELECT MIN(id) AS id FROM transaction WHERE type = 'CustPymt'")[0]["id"]
    with pytest.raises(Exception) as excinfo:
        run_payment_applications()
    error = typed_cause(excinfo.value)
    assert isinstance(error, MalformedPageError), excinfo.value
    assert f"nextdoc/previousdoc ('{payment}', " in str(error) and "not unique" in str(error)
    assert not (data_dir / "warehouse.duckdb").exists() or warehouse(
        data_dir,
        "select count(*) from information_schema.tables where table_name = 'payment_application'",
    ) == [(0,)]
