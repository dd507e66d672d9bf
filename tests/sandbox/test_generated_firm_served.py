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
    return (
        client.post(request["url"], data=request["form"]).json()["access_token"]
        if request
        else ep["access_token"]
    )


def test_ironclad_pages_of_the_generated_firm_validate(tiny_sandbox: RunningSandbox) -> None:
    specs = Specs()
    ep = tiny_sandbox.endpoints["ironclad"]
    with httpx.Client(timeout=30) as client:
        headers = {"Authorization": f"Bearer {_token(client, ep)}", **ep["headers"]}
        page, seen = 0, 0
        while True:
            body = client.get(
                f"{ep['base_url']}/records",
                headers=headers,
                params={"page": page, "pageSize": 50, "sortField": "lastUpdated", "sortDirection": "ASC"},
            ).json()
            errors = sorted(specs.record_list.iter_errors(body), key=str)
            assert not errors, errors[0]
            seen += len(body["list"])
            page += 1
            if page * body["pageSize"] >= body["count"]:
                break
        assert seen == tiny_sandbox.manifest["counts"]["ironclad"]["records"]
        sow = (
            next(r for r in body["list"] if r["type"] == "sow")
            if any(r["type"] == "sow" for r in body["list"])
            else None
        )
        if sow:
            one = client.get(f"{ep['base_url']}/records/{sow['ironcladId']}", headers=headers).json()
            assert not list(specs.record.iter_errors(one))


def test_kantata_time_entry_pages_of_the_generated_firm_validate(tiny_sandbox: RunningSandbox) -> None:
    from tests.sandbox.kantata_helpers import Specs as KantataSpecs
    from tests.sandbox.kantata_helpers import validate

    specs = KantataSpecs()
    ep = tiny_sandbox.endpoints["kantata"]
    headers = {"Authorization": f"Bearer {ep['access_token']}"}
    seen: set[str] = set()
    with httpx.Client(timeout=30) as client:
        page = 0
        while True:
            page += 1
            body = client.get(
                f"{ep['base_url']}/time_entries.json",
                headers=headers,
                params={
                    "page": page,
                    "per_page": 200,
                    "order": "updated_at:asc",
                    "include": "workspace,story,user,role",
                },
            ).json()
            validate(specs.time_entry_list, body)
            seen |= {r["id"] for r in body["results"] if r["key"] == "time_entries"}
            if page >= body["meta"]["page_count"]:
                break
    assert len(seen) == tiny_sandbox.manifest["counts"]["kantata"]["time_entries"]


def _netsuite_session(client: httpx.Client, ep: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(client, ep)}", "Prefer": "transient"}


def test_a_netsuite_write_survives_a_restart_and_generate_resets_it(tmp_path) -> None:
    from sandbox.firm.generate import generate
    from sandbox.server import down, up

    generate("tiny", 42, tmp_path / "sandbox")
    try:
        ep = up(tmp_path, log=lambda _: None)["netsuite"]
        q = {"q": "SELECT s.id, s.lastmodifieddate FROM billingschedule s ORDER BY s.id"}
        with httpx.Client(timeout=30) as client:
            headers = _netsuite_session(client, ep)
            first = client.post(f"{ep['base_url']}/query/v1/suiteql?limit=1", json=q, headers=headers).json()[
                "items"
            ][0]
            schedule = f"{ep['base_url']}/record/v1/billingSchedule/{first['id']}"
            writer = {
                "Authorization": f"Bearer {ep['write_access_token']}"
            }  # writes need the writer integration
            written = client.patch(schedule, json={"name": "Renamed by the test"}, headers=writer)
            assert written.status_code == 204 and written.headers["Location"].endswith(
                f"/billingSchedule/{first['id']}"
            )
        down(tmp_path)
        ep = up(tmp_path, log=lambda _: None)["netsuite"]
        with httpx.Client(timeout=30) as client:
            record = client.get(
                f"{ep['base_url']}/record/v1/billingSchedule/{first['id']}",
                headers=_netsuite_session(client, ep),
            ).json()
        assert record["name"] == "Renamed by the test"
        down(tmp_path)
        generate("tiny", 42, tmp_path / "sandbox")
        ep = up(tmp_path, log=lambda _: None)["netsuite"]
        with httpx.Client(timeout=30) as client:
            record = client.get(
                f"{ep['base_url']}/record/v1/billingSchedule/{first['id']}",
                headers=_netsuite_session(client, ep),
            ).json()
        assert record["name"] != "Renamed by the test"
    finally:
        down(tmp_path)
