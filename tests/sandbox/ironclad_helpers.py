"""Helpers for the Ironclad simulator tests: a loopback server, a small firm of realistic records, the
vendor's published OpenAPI as JSON Schema validators."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl
from jsonschema import Draft202012Validator, FormatChecker

from sandbox.common.jsonio import dumps
from sandbox.firm.schema import SCHEMAS
from tests.paths import VENDOR_SPECS
from tests.sandbox.loopback import format_checker, load_spec

SPECS = VENDOR_SPECS / "ironclad"
PUBLIC_SPEC = SPECS / "ironclad-public-api-openapi.yml"
OAUTH_SPEC = SPECS / "ironclad-oauth-20-api-openapi.yml"
UTC = dt.UTC
CUSTOMERS = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Soylent",
]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "USD", "KWD", "USD", "EUR"]


# ------------------------------------------------------------------------------------------------ server


# ------------------------------------------------------------------------------------------------- data
def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def _rid(n: int) -> str:
    return str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + n))


def _money(amount: str, currency: str) -> dict[str, Any]:
    value = Decimal(amount)
    return {"amount": value.to_integral_value() if currency == "JPY" else value, "currency": currency}


def _doc(
    n: int, rtype: str, name: str, updated: str, properties: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    rid = _rid(n)
    doc: dict[str, Any] = {
        "id": rid,
        "ironcladId": f"IC-{n}",
        "type": rtype,
        "name": name,
        "lastUpdated": updated,
        "properties": properties,
        "attachments": {
            "signedCopy": {
                "filename": f"{name}.pdf",
                "contentType": "application/pdf",
                "href": f"https://na1.ironcladapp.com/public/api/v1/records/{rid}/attachments/signedCopy",
            }
        },
        "links": [],
        "childIds": [],
        "amendments": [],
        "contractStatus": {"status": "active", "enhancedStatus": "active"},
        "source": {"type": "workflow", "workflowId": f"workflow:{uuid.UUID(int=n).hex[:24]}"},
    }
    doc.update(extra)
    return doc


def build_docs() -> list[dict[str, Any]]:
    """8 MSAs, 2 SOWs under each, 5 amendments (change orders) of SOWs: 29 records.

    Approved change orders replace `rate_senior_consultant` on their SOW, which shows `originalValue` beside
    it; the last change order is pending (no roll-up configured, the SOW shows its signed rate).
    Amendments carry no agreementDate (null sorts last). Some lastUpdated values tie (id breaks the tie).
    """
    docs: list[dict[str, Any]] = []
    n = 1
    for i, (customer, currency) in enumerate(zip(CUSTOMERS, CURRENCIES, strict=True)):
        msa_n, msa_day = n, 1 + i
        msa = _doc(
            msa_n,
            "msa",
            f"MSA - {customer}",
            f"2024-02-{msa_day:02d}T09:00:00Z",
            {
                "counterpartyName": {"type": "string", "value": customer},
                "agreementDate": {"type": "date", "value": f"2024-01-{msa_day:02d}T00:00:00Z"},
                "term": {"type": "duration", "value": "P3Y"},
                "autoRenew": {"type": "boolean", "value": i % 2 == 0},
                "paymentTermsDays": {"type": "number", "value": 30 + 15 * (i % 3)},
                "regions": {"type": "array", "value": ["NA", "EMEA"] if i % 2 else ["APAC"]},
                "counterpartySignerEmail": {
                    "type": "email",
                    "value": f"legal@{customer.split()[0].lower()}.example",
                },
                "contractCap": {
                    "type": "monetary_amount",
                    "value": _money(f"{250000 + i * 1000}.50", currency),
                },
            },
        )
        docs.append(msa)
        n += 1
        for s in range(2):
            sow_n = n
            sow = _doc(
                sow_n,
                "sow",
                f"SOW {s + 1} - {customer}",
                # SOWs of the same MSA share one lastUpdated: the id breaks the tie
                f"2024-03-{msa_day:02d}T12:00:00.000Z",
                {
                    "counterpartyName": {"type": "string", "value": customer},
                    "agreementDate": {"type": "date", "value": f"2024-01-{msa_day + 10 + s:02d}T00:00:00Z"},
                    "rate_senior_consultant": {
                        "type": "monetary_amount",
                        "value": _money("210.00", currency),
                    },
                    "milestone_m1_amount": {"type": "monetary_amount", "value": _money("12500.25", currency)},
                    "milestone_m1_date": {"type": "date", "value": "2024-06-30T00:00:00Z"},
                },
                parentId=msa["id"],
            )
            msa["childIds"].append(sow["id"])
            docs.append(sow)
            n += 1
            if s == 0 and i < 5:
                approved = i < 4  # the 5th change order is still pending: its parent is not amended yet
                amd = _doc(
                    n,
                    "amendment",
                    f"Change Order 1 - SOW {s + 1} - {customer}",
                    f"2024-04-{msa_day:02d}T08:30:00Z",
                    {
                        "approvalStatus": {"type": "string", "value": "approved" if approved else "pending"},
                        "rate_senior_consultant": {
                            "type": "monetary_amount",
                            "value": _money("235.50", currency),
                        },
                    },
                    parentId=sow["id"],
                    parentLinkType="amendment",
                )
                if approved:
                    amd["propertiesToAmend"] = {"rate_senior_consultant": {"amendmentType": "replace"}}
                    sow["properties"]["rate_senior_consultant"] = {
                        "type": "monetary_amount",
                        "value": _money("235.50", currency),
                        "originalValue": _money("210.00", currency),
                    }
                    sow["amendments"].append(amd["ironcladId"])
                sow["childIds"].append(amd["id"])
                docs.append(amd)
                n += 1
    return docs


def write_firm(root: Path, docs: list[dict[str, Any]]) -> Path:
    """Write `<root>/ironclad/records.parquet` exactly as sandbox/firm/schema.py describes it."""
    rows = []
    for d in docs:
        agreement = (d["properties"].get("agreementDate") or {}).get("value")
        rows.append(
            {
                "id": d["id"],
                "ironcladId": d["ironcladId"],
                "type": d["type"],
                "name": d["name"],
                "lastUpdated": ts(d["lastUpdated"]),
                "parentId": d.get("parentId"),
                "agreementDate": ts(agreement) if agreement else None,
                "doc": dumps(d).decode(),
            }
        )
    (root / "ironclad").mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=SCHEMAS["ironclad"]["records"]).write_parquet(
        root / "ironclad" / "records.parquet"
    )
    return root


# -------------------------------------------------------------------------------------------- validation


class Specs:
    """Validators for the vendor's own schemas (read from the shared vendor-specs folder at test time)."""

    def __init__(self) -> None:
        public, oauth = load_spec(PUBLIC_SPEC), load_spec(OAUTH_SPEC)
        checker = format_checker()
        list_schema = public["paths"]["/records"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        self.record_list = self._validator(public, list_schema, checker)
        self.record = self._validator(public, {"$ref": "#/components/schemas/RecordModel"}, checker)
        self.token = self._validator(
            oauth, {"$ref": "#/components/schemas/ClientCredentialsGrantTokenResponse"}, checker
        )
        self.api_401 = self._validator(
            public, _json_schema(public["components"]["responses"]["UnauthorizedError401"]), checker
        )
        self.public = public

    @staticmethod
    def _validator(
        spec: dict[str, Any], schema: dict[str, Any], checker: FormatChecker
    ) -> Draft202012Validator:
        return Draft202012Validator({**schema, "components": spec["components"]}, format_checker=checker)


def _json_schema(response: dict[str, Any]) -> dict[str, Any]:
    return response["content"]["application/json"]["schema"]


# ------------------------------------------------------------------------------------------------ client
class Ironclad:
    """A plain httpx client of the simulator: gets a token and sends the acting-user header."""

    def __init__(self, origin: str, creds: dict[str, str], scope: str | None = None) -> None:
        self.origin, self.creds = origin, creds
        self.http = httpx.Client(base_url=origin + "/public/api/v1", timeout=10)
        form = {
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        }
        form["scope"] = scope or creds["scope"]
        answer = httpx.post(origin + "/oauth/token", data=form, timeout=10)
        answer.raise_for_status()
        self.token = answer.json()["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}", "x-as-user-email": creds["user_email"]}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers)

    def patch(self, path: str, body: Any) -> httpx.Response:
        return self.http.patch(
            path, content=dumps(body), headers={**self.headers, "content-type": "application/json"}
        )

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(method, f"{self.origin}/_sandbox/{path}", json=body, timeout=10)

    def close(self) -> None:
        self.http.close()
