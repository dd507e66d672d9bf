"""A small client of the simulators' admin API (`/_sandbox/…`), used by the CLI and by tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

import httpx

from .common.paths import data_dir
from .server import SandboxError, running


class Admin:
    def __init__(self, vendor: str, base: Path | None = None, timeout: float = 10.0) -> None:
        info = running(base or data_dir()).get(vendor)
        if not info:
            raise SandboxError(
                f"the {vendor} simulator is not running for this data dir; run `c2c sandbox up --detach`"
            )
        self.vendor = vendor
        self.url = info["origin"] + "/_sandbox"
        self.client = httpx.Client(timeout=timeout)

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self.client.request(method, self.url + path, json=json)
        if response.status_code >= 400:
            raise SandboxError(
                f"{self.vendor} admin {method} {path} failed ({response.status_code}): {response.text}"
            )
        return response.json()

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", {k: v for k, v in rule.items() if v is not None})["added"][0]

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> int:
        return self._call("DELETE", "/faults")["cleared"]

    def expire_tokens(self) -> int:
        return self._call("POST", "/tokens/expire")["expired"]

    def stats(self, reset: bool = False) -> dict[str, Any]:
        return self._call("DELETE" if reset else "GET", "/stats")

    def settings(self, **changes: Any) -> dict[str, Any]:
        return self._call("PATCH", "/settings", changes) if changes else self._call("GET", "/settings")

    def concurrent_edit(
        self, record_type: str, record_id: int, change: str = "name", same_second: bool = False
    ) -> dict[str, Any]:
        """NetSuite: a user saves the record now (`same_second`: within the second of its last save)."""
        if self.vendor != "netsuite":
            raise SandboxError("concurrent edits are a NetSuite (ERP) fault")
        return self._call(
            "POST",
            "/netsuite/concurrent-edit",
            {"type": record_type, "id": record_id, "change": change, "same_second": same_second},
        )

    def touch(
        self,
        resource: str,
        fraction: float,
        seed: int = 0,
        notes: str = "bulk edit",
        same_second: bool = False,
    ) -> dict[str, Any]:
        """Kantata: a bulk edit of a seeded sample of a resource now (`same_second`: `updated_at` stays)."""
        if self.vendor != "kantata":
            raise SandboxError("the bulk edit is a Kantata (PSA) feature")
        return self._call(
            "POST",
            "/kantata/touch",
            {
                "resource": resource,
                "fraction": fraction,
                "seed": seed,
                "notes": notes,
                "same_second": same_second,
            },
        )

    def writes(self, reset: bool = False) -> dict[str, Any]:
        """NetSuite: billing-schedule writes committed through the API, per internal id (`reset` zeroes them)."""
        if self.vendor != "netsuite":
            raise SandboxError("the committed-write counter is a NetSuite (ERP) feature")
        return (
            self._call("POST", "/netsuite/writes/reset") if reset else self._call("GET", "/netsuite/writes")
        )

    def reset_account(self) -> dict[str, Any]:
        """NetSuite: the account back to the generated firm, in place (undoes every write; zeroes the counter)."""
        if self.vendor != "netsuite":
            raise SandboxError("resetting the account is a NetSuite (ERP) feature")
        return self._call("POST", "/netsuite/reset")

    def record_payment(
        self,
        invoice_id: int | str,
        amount: Decimal | str | int | None = None,
        date: dt.date | str | None = None,
    ) -> dict[str, Any]:
        """NetSuite: finance receives a customer payment for the invoice (`amount` default: its open balance;
        `date` default: today UTC). Answers {payment_id, invoice_id, invoice_status, applied, open_balance,
        lastModifiedDate} (amounts as decimal strings)."""
        if self.vendor != "netsuite":
            raise SandboxError("recording a customer payment is a NetSuite (ERP) action")
        body: dict[str, Any] = {}
        if amount is not None:
            body["amount"] = str(amount)
        if date is not None:
            body["date"] = date.isoformat() if isinstance(date, dt.date) else date
        return self._call("POST", f"/netsuite/invoices/{invoice_id}/payment", body)

    def set_invoice_status(self, invoice_id: int | str, status: str) -> dict[str, Any]:
        """NetSuite: finance changes the invoice's status (e.g. "Pending Approval" -> "Open": approved)."""
        if self.vendor != "netsuite":
            raise SandboxError("invoice statuses are a NetSuite (ERP) feature")
        return self._call("POST", f"/netsuite/invoices/{invoice_id}/status", {"status": status})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
