"""The NetSuite simulator's accounts-receivable admin actions over real loopback HTTP: finance records a customer
payment for an invoice, or changes an invoice's status; SuiteQL (as ingestion queries it) and the record API see
the result at once, and the in-place reset undoes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingestion.netsuite.helpers import build_query, cursor_text
from ingestion.netsuite.settings import TABLES
from sandbox.admin import Admin
from sandbox.server import SandboxError
from tests.sandbox import test_netsuite_sim as netsuite_sim
from tests.sandbox.netsuite_helpers import N_INVOICES, firm_tables
from tests.sandbox.test_netsuite_sim import Sim, _sim

pytestmark = pytest.mark.integration
firm, fresh = (
    netsuite_sim.firm,
    netsuite_sim.fresh,
)  # the simulator suite's fixtures: its firm, a server per test

INVOICES = {t["id"]: t for t in firm_tables()["transaction"] if t["type"] == "CustInvc"}
ISO = "%Y-%m-%dT%H:%M:%SZ"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def pay(sim: Sim, invoice: Any, **body: Any) -> httpx.Response:
    return httpx.post(f"{sim.origin}/_sandbox/netsuite/invoices/{invoice}/payment", json=body)


def set_status(sim: Sim, invoice: Any, status: Any) -> httpx.Response:
    return httpx.post(f"{sim.origin}/_sandbox/netsuite/invoices/{invoice}/status", json={"status": status})


def rows(sim: Sim, q: str) -> list[dict[str, Any]]:
    response = sim.suiteql(q)
    assert response.status_code == 200, response.text
    return [{k: v for k, v in item.items() if k != "links"} for item in response.json()["items"]]


def since(sim: Sim, cursor: dt.datetime) -> list[dict[str, Any]]:
    """Every transaction whose lastmodifieddate is at or after `cursor` (the incremental filter)."""
    return rows(
        sim,
        "SELECT id, type, status, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lmd "
        "FROM transaction WHERE lastmodifieddate >= "
        f"TO_TIMESTAMP('{cursor_text(cursor)}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id",
    )


def ingested(sim: Sim, table: str, cursor: dt.datetime) -> list[dict[str, Any]]:
    """The rows ingestion's own query for `table` reads from `cursor` on."""
    spec = next(t for t in TABLES if t.name == table)
    return rows(sim, build_query(spec, cursor_text(cursor)))


def error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert all(w in message for w in words), message
    return message


def state(sim: Sim) -> list[list[dict[str, Any]]]:
    """Enough of the account to tell whether anything changed."""
    return [
        rows(sim, "SELECT count(*) AS n, max(id) AS top FROM transaction"),
        rows(sim, "SELECT count(*) AS n, sum(foreignamount) AS s FROM previoustransactionlink"),
        rows(
            sim,
            "SELECT id, status, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lmd FROM transaction "
            "WHERE type = 'CustInvc' ORDER BY id",
        ),
    ]


# --- payments -------------------------------------------------------------------------------------------
def test_full_payment_pays_the_invoice_in_full(fresh: Sim) -> None:
    invoice = INVOICES[5011]
    cursor = _now()
    paid = fresh.admin("POST", "netsuite/invoices/5011/payment", json={}).json()  # amount: the open balance
    assert set(paid) == {
        "payment_id",
        "invoice_id",
        "invoice_status",
        "applied",
        "open_balance",
        "lastModifiedDate",
    }
    assert paid["invoice_id"] == "5011" and paid["invoice_status"] == "Paid In Full"
    assert paid["applied"] == "1200.00" and paid["open_balance"] == "0.00"
    pid = int(paid["payment_id"])
    assert pid not in {t["id"] for t in firm_tables()["transaction"]}
    lmd = dt.datetime.strptime(paid["lastModifiedDate"], ISO).replace(tzinfo=dt.UTC)
    assert lmd >= cursor and lmd > invoice["lastmodifieddate"]

    # SuiteQL: both transactions moved past the cursor, nothing else did
    changed = since(fresh, cursor)
    assert [(int(r["id"]), r["type"], r["status"]) for r in changed] == [
        (5011, "CustInvc", "Paid In Full"),
        (pid, "CustPymt", "Deposited"),
    ]
    assert changed[0]["lmd"] == lmd.strftime("%Y-%m-%d %H:%M:%S") and changed[1]["lmd"] >= cursor_text(cursor)
    payment = rows(
        fresh,
        "SELECT tranid, type, trandate, entity, job, currency, exchangerate, status, foreigntotal, memo "
        f"FROM transaction WHERE id = {pid}",
    )[0]
    today = dt.datetime.now(dt.UTC).date()
    assert payment == {
        "tranid": f"PYMT-{pid}",
        "type": "CustPymt",
        "trandate": f"{today.month}/{today.day}/{today.year}",
        "entity": str(invoice["entity"]),
        "job": str(invoice["job"]),
        "currency": "1",
        "exchangerate": "1",
        "status": "Deposited",
        "foreigntotal": "1200",
        "memo": "Payment for INV5011",
    }
    assert rows(
        fresh,
        f"SELECT previousdoc, linktype, foreignamount FROM previoustransactionlink WHERE nextdoc = {pid}",
    ) == [{"previousdoc": "5011", "linktype": "Payment", "foreignamount": "1200"}]

    # ingestion's own incremental queries pick up the invoice, the payment and its application
    assert [r["id"] for r in ingested(fresh, "invoice", cursor)] == ["5011"]
    assert [r["id"] for r in ingested(fresh, "customer_payment", cursor)] == [str(pid)]
    assert [
        (r["previousdoc"], r["nextdoc"], r["foreignamount"])
        for r in ingested(fresh, "payment_application", cursor)
    ] == [("5011", str(pid), "1200")]

    # the record API
    record = fresh.get("/record/v1/invoice/5011")
    assert record["status"]["id"] == "Paid In Full" and record["lastModifiedDate"] == paid["lastModifiedDate"]
    receipt = fresh.get(f"/record/v1/customerPayment/{pid}", params={"expandSubResources": "true"})
    assert receipt["payment"] == 1200 and receipt["customer"]["id"] == str(invoice["entity"])
    assert [(i["doc"]["id"], i["amount"]) for i in receipt["apply"]["items"]] == [("5011", 1200)]


def test_partial_payments_keep_the_invoice_open_until_covered(fresh: Sim) -> None:
    first = fresh.admin(
        "POST", "netsuite/invoices/5012/payment", json={"amount": "500.10", "date": "2024-04-01"}
    ).json()
    assert first["invoice_status"] == "Open" and first["applied"] == "500.10"
    assert Decimal(first["open_balance"]) == Decimal("699.90")
    assert rows(fresh, "SELECT status FROM transaction WHERE id = 5012") == [{"status": "Open"}]
    link = rows(
        fresh,
        "SELECT TO_CHAR(linkdate, 'YYYY-MM-DD') AS d, foreignamount FROM previoustransactionlink "
        f"WHERE nextdoc = {first['payment_id']}",
    )
    assert link == [{"d": "2024-04-01", "foreignamount": "500.1"}]
    # a JSON number works too; the rest of the balance, in the same second: the date still moves on
    second = fresh.admin("POST", "netsuite/invoices/5012/payment", json={"amount": 699.9}).json()
    assert second["invoice_status"] == "Paid In Full" and Decimal(second["open_balance"]) == 0
    assert second["lastModifiedDate"] > first["lastModifiedDate"]
    assert int(second["payment_id"]) > int(first["payment_id"])
    assert rows(
        fresh,
        "SELECT sum(foreignamount) AS s, count(*) AS n FROM previoustransactionlink WHERE previousdoc = 5012",
    ) == [{"s": "1200", "n": "2"}]


def test_payment_validation(fresh: Sim) -> None:
    fresh.admin("POST", "netsuite/invoices/5013/payment", json={"amount": "200"})
    before = state(fresh)
    error(pay(fresh, 999_999), 404, "999999", "does not exist")
    error(pay(fresh, "abc"), 404, "does not exist")
    error(pay(fresh, 7001), 400, "not an invoice", "Journal")
    error(pay(fresh, 6001), 400, "not an invoice", "CustPymt")
    for amount in ("0", "-5", 0, "-0.01"):
        error(pay(fresh, 5013, amount=amount), 400, "greater than 0")
    error(pay(fresh, 5013, amount="10.005"), 400, "at most 2 decimal place(s)")
    error(pay(fresh, 5013, amount="1000.01"), 400, "exceeds the open balance", "1000.00")
    for amount in ("abc", True, [1], "NaN"):
        error(pay(fresh, 5013, amount=amount), 400, "amount")
    for date in ("2024-13-01", "01/02/2024", 20240101):
        error(pay(fresh, 5013, amount="1", date=date), 400, "YYYY-MM-DD")
    bad_body = httpx.post(f"{fresh.origin}/_sandbox/netsuite/invoices/5013/payment", content=b"[1]")
    error(bad_body, 400, "JSON object")
    # invoice 5001 is paid by the firm's payment 6001 but still says "Open": its open balance is 0
    error(pay(fresh, 5001), 400, "greater than 0")
    error(pay(fresh, 5001, amount="1"), 400, "exceeds the open balance", "0.00")
    fresh.admin("POST", "netsuite/invoices/5014/payment", json={})
    after_paid = state(fresh)
    error(pay(fresh, 5014, amount="1"), 400, "already Paid In Full")
    assert state(fresh) == after_paid and after_paid[0] != before[0]
    fresh.admin("POST", "netsuite/invoices/5015/status", json={"status": "Pending Approval"})
    error(pay(fresh, 5015, amount="1"), 400, "Pending Approval", "only an Open invoice")
    assert rows(
        fresh, "SELECT count(*) AS n FROM previoustransactionlink WHERE previousdoc IN (5013, 5015)"
    ) == [{"n": "1"}]


# --- status ---------------------------------------------------------------------------------------------
def test_status_change_approves_a_pending_invoice(fresh: Sim) -> None:
    cursor = _now()
    pending = fresh.admin("POST", "netsuite/invoices/5020/status", json={"status": "Pending Approval"}).json()
    assert pending["previous_status"] == "Open" and pending["status"] == "Pending Approval"
    assert [(r["id"], r["status"]) for r in since(fresh, cursor)] == [("5020", "Pending Approval")]
    approved = fresh.admin("POST", "netsuite/invoices/5020/status", json={"status": "Open"}).json()
    assert approved == {
        "invoice_id": "5020",
        "previous_status": "Pending Approval",
        "status": "Open",
        "lastModifiedDate": approved["lastModifiedDate"],
    }
    assert approved["lastModifiedDate"] > pending["lastModifiedDate"]
    assert fresh.get("/record/v1/invoice/5020")["lastModifiedDate"] == approved["lastModifiedDate"]
    assert [r["status"] for r in ingested(fresh, "invoice", cursor)] == ["Open"]
    rejected = fresh.admin("POST", "netsuite/invoices/5021/status", json={"status": "Rejected"}).json()
    assert fresh.get("/record/v1/invoice/5021")["status"] == {"id": "Rejected", "refName": "Rejected"}
    assert rejected["status"] == "Rejected"

    before = state(fresh)
    for status in ("Approved", "paid in full", "Closed", None, 3):
        error(set_status(fresh, 5022, status), 400, "not a NetSuite invoice status", "Pending Approval")
    error(set_status(fresh, 5022, "Paid In Full"), 400, "record a payment", "1200.00")
    error(set_status(fresh, 999_999, "Open"), 404, "does not exist")
    error(set_status(fresh, 7001, "Open"), 400, "not an invoice")
    error(set_status(fresh, 5001, "Open"), 400, "fully paid")  # covered by payment 6001
    error(set_status(fresh, 5001, "Voided"), 400, "payments applied")
    assert state(fresh) == before
    # paid in full, then set to what it already is: a save that moves the date
    paid = fresh.admin("POST", "netsuite/invoices/5022/payment", json={}).json()
    again = fresh.admin("POST", "netsuite/invoices/5022/status", json={"status": "Paid In Full"}).json()
    assert again["previous_status"] == "Paid In Full" and again["lastModifiedDate"] > paid["lastModifiedDate"]


# --- voiding (sandbox/netsuite/voiding.py) ---------------------------------------------------------------
def test_void_zeroes_the_invoice_and_reverses_its_revenue(fresh: Sim) -> None:
    """NetSuite's void: status Voided, the total and every line set to zero, the record kept; its revenue leaves
    the invoice's period (here: a journal reversing each line in that period)."""
    invoice = INVOICES[5060]
    top = int(rows(fresh, "SELECT max(id) AS top FROM transaction")[0]["top"])
    cursor = _now()
    voided = fresh.admin("POST", "netsuite/invoices/5060/status", json={"status": "Voided"}).json()
    assert voided["previous_status"] == "Open" and voided["status"] == "Voided"
    journal = voided["voiding_journal_id"]
    assert journal == str(top + 1)
    assert rows(fresh, "SELECT status, foreigntotal FROM transaction WHERE id = 5060") == [
        {"status": "Voided", "foreigntotal": "0"}
    ]
    lines = rows(
        fresh,
        "SELECT quantity, foreignamount, foreigntaxamount, custcol_c2c_line_key FROM transactionline "
        "WHERE transaction = 5060 ORDER BY linesequencenumber",
    )
    assert len(lines) == 12
    assert all(ln["quantity"] == ln["foreignamount"] == ln["foreigntaxamount"] == "0" for ln in lines)
    assert [ln["custcol_c2c_line_key"] for ln in lines] == [f"L5060-{n}" for n in range(1, 13)]  # kept
    record = fresh.get("/record/v1/invoice/5060")
    assert record["status"]["id"] == "Voided" and record["total"] == 0
    # the reversing revenue journal: each line negated, in the invoice's own accounting period
    assert rows(
        fresh, f"SELECT type, status, memo, foreigntotal, job, entity FROM transaction WHERE id = {journal}"
    ) == [
        {
            "type": "Journal",
            "status": "Approved for Posting",
            "memo": f"Void of {invoice['tranid']}",
            "foreigntotal": "-1200",
            "job": str(invoice["job"]),
            "entity": str(invoice["entity"]),
        }
    ]
    reversal = rows(
        fresh,
        "SELECT foreignamount, accountingperiod, entity FROM transactionline "
        f"WHERE transaction = {journal} ORDER BY linesequencenumber",
    )
    assert (
        reversal
        == [{"foreignamount": "-100", "accountingperiod": "Feb 2024", "entity": str(invoice["entity"])}] * 12
    )
    assert fresh.get(f"/record/v1/journalEntry/{journal}")["memo"] == f"Void of {invoice['tranid']}"
    # the incremental read sees the voided invoice and the new journal
    assert [(r["id"], r["status"]) for r in since(fresh, cursor)] == [
        ("5060", "Voided"),
        (journal, "Approved for Posting"),
    ]
    # a voided transaction cannot change any more; nothing is written
    before = state(fresh)
    error(set_status(fresh, 5060, "Voided"), 400, "Voided", "cannot change")
    error(set_status(fresh, 5060, "Open"), 400, "Voided", "cannot change")
    error(pay(fresh, 5060), 400, "Voided")
    assert state(fresh) == before
    fresh.admin("POST", "netsuite/reset")
    assert rows(fresh, "SELECT status, foreigntotal FROM transaction WHERE id = 5060") == [
        {"status": "Open", "foreigntotal": "1200"}
    ]
    assert rows(fresh, f"SELECT count(*) AS n FROM transaction WHERE id = {journal}") == [{"n": "0"}]


# --- reset, persistence, the admin client -----------------------------------------------------------------
def test_reset_undoes_payments_and_status_changes(fresh: Sim) -> None:
    original = state(fresh)
    paid = fresh.admin("POST", "netsuite/invoices/5030/payment", json={"amount": "100"}).json()
    fresh.admin("POST", "netsuite/invoices/5031/status", json={"status": "Voided"})
    assert state(fresh) != original
    fresh.admin("POST", "netsuite/reset")
    assert state(fresh) == original
    assert rows(fresh, "SELECT count(*) AS n FROM transaction WHERE type = 'CustPymt'") == [{"n": "10"}]
    assert fresh.client.get(f"/record/v1/customerPayment/{paid['payment_id']}").status_code == 404
    assert fresh.get("/record/v1/invoice/5031")["status"]["id"] == "Open"
    assert len(original[2]) == N_INVOICES


def test_actions_persist_across_restarts(firm: Path, tmp_path: Path) -> None:
    servers = _sim(firm, tmp_path / "state")
    sim = next(servers)
    paid = sim.admin("POST", "netsuite/invoices/5040/payment", json={"amount": "1.50"}).json()
    sim.admin("POST", "netsuite/invoices/5041/status", json={"status": "Pending Approval"})
    servers.close()
    servers = _sim(firm, tmp_path / "state")
    again = next(servers)
    try:
        assert rows(again, f"SELECT id, foreigntotal FROM transaction WHERE id = {paid['payment_id']}") == [
            {"id": paid["payment_id"], "foreigntotal": "1.5"}
        ]
        assert rows(again, "SELECT id, status FROM transaction WHERE id IN (5040, 5041) ORDER BY id") == [
            {"id": "5040", "status": "Open"},
            {"id": "5041", "status": "Pending Approval"},
        ]
    finally:
        servers.close()


def test_admin_client_methods(fresh: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.admin.running", lambda base: {"netsuite": {"origin": fresh.origin}})
    with Admin("netsuite", Path("unused")) as admin:
        paid = admin.record_payment(5050, Decimal("1000.00"), dt.date(2024, 5, 1))
        assert paid["invoice_status"] == "Open" and paid["open_balance"] == "200.00"
        assert admin.record_payment("5050")["invoice_status"] == "Paid In Full"
        assert admin.set_invoice_status(5051, "Pending Approval")["status"] == "Pending Approval"
        with pytest.raises(SandboxError, match="400"):
            admin.set_invoice_status(5051, "Approved")
        with pytest.raises(SandboxError, match="404"):
            admin.record_payment(1, "5")
    assert rows(
        fresh, f"SELECT TO_CHAR(trandate, 'YYYY-MM-DD') AS d FROM transaction WHERE id = {paid['payment_id']}"
    ) == [{"d": "2024-05-01"}]
