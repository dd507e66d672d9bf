"""The Ironclad CLM simulator over real loopback HTTP, checked against the vendor's published OpenAPI."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import ironclad
from sandbox.ironclad.errors import error_response
from tests.sandbox.ironclad_helpers import Ironclad, Specs, build_docs, ts, write_firm
from tests.sandbox.loopback import serve

DOCS = build_docs()
BY_ID = {d["id"]: d for d in DOCS}
TOTAL = len(DOCS)


@pytest.fixture(scope="module")
def specs() -> Specs:
    return Specs()


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_firm(tmp_path_factory.mktemp("firm"), DOCS)


@pytest.fixture(scope="module")
def creds() -> dict[str, str]:
    return ironclad.make_credentials()


@pytest.fixture(scope="module")
def origin(firm: Path, creds: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A read-only server shared by the tests that do not change data, settings or tokens."""
    app, _ = ironclad.create_app(firm, tmp_path_factory.mktemp("state"), creds)
    with serve(app) as base:
        yield base


@pytest.fixture(scope="module")
def api(origin: str, creds: dict[str, str]) -> Iterator[Ironclad]:
    client = Ironclad(origin, creds)
    yield client
    client.close()


@pytest.fixture()
def fresh(firm: Path, creds: dict[str, str], tmp_path: Path) -> Iterator[tuple[Ironclad, Any]]:
    """A server of its own (for writes, settings, faults and token expiry) and its SimulatorState."""
    app, state = ironclad.create_app(firm, tmp_path, creds, {"records_read_per_minute": 0})
    with serve(app) as base:
        client = Ironclad(base, creds)
        yield client, state
        client.close()


def token_form(creds: dict[str, str], **changes: str | None) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "scope": "public.records.readRecords",
    }
    form.update(changes)  # type: ignore[arg-type]
    return {k: v for k, v in form.items() if v is not None}


def all_pages(api: Ironclad, page_size: int, **params: Any) -> list[dict[str, Any]]:
    """Page the way a count-aware client does: stop when (page+1)*pageSize >= count."""
    seen: list[dict[str, Any]] = []
    page = 0
    while True:
        body = api.get("/records", page=page, pageSize=page_size, **params).json()
        seen.extend(body["list"])
        if (page + 1) * page_size >= body["count"]:
            return seen
        page += 1


def amount_text(response: httpx.Response, path: list[Any]) -> Decimal:
    node: Any = json.loads(response.text, parse_float=Decimal)
    for key in path:
        node = node[key]
    return node


# ------------------------------------------------------------------------------------------- OAuth token
def test_token_form_body_matches_vendor_schema(origin: str, creds: dict[str, str], specs: Specs) -> None:
    answer = httpx.post(f"{origin}/oauth/token", data=token_form(creds))
    assert answer.status_code == 200
    body = answer.json()
    specs.token.validate(body)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "public.records.readRecords"
    assert answer.headers["cache-control"] == "no-store"


def test_token_basic_auth_and_json_body(origin: str, creds: dict[str, str], specs: Specs) -> None:
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    answer = httpx.post(
        f"{origin}/oauth/token",
        data=token_form(creds, client_id=None, client_secret=None),
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text
    specs.token.validate(answer.json())
    as_json = httpx.post(f"{origin}/oauth/token", json=token_form(creds, scope=None))
    assert as_json.status_code == 200
    assert "scope" not in as_json.json()  # "will include the token scope if scope was requested"


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"client_secret": None}, 400, "invalid_request"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "public.records.readRecords public.workflows.createWorkflows"}, 400, "invalid_scope"),
    ],
)
def test_token_errors(
    origin: str, creds: dict[str, str], changes: dict[str, Any], status: int, error: str
) -> None:
    answer = httpx.post(f"{origin}/oauth/token", data=token_form(creds, **changes))
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error


# ------------------------------------------------------------------------------------------- API auth
def test_missing_or_unknown_token_is_invalid(api: Ironclad, specs: Specs) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        answer = api.http.get("/records", headers={**headers, "x-as-user-email": api.creds["user_email"]})
        assert answer.status_code == 401
        assert answer.json() == {"code": "UNAUTHORIZED", "message": "invalid authentication token"}
        specs.api_401.validate(answer.json())


def test_expired_token_answer_and_new_token(fresh: tuple[Ironclad, Any], specs: Specs) -> None:
    api, _ = fresh
    assert api.get("/records").status_code == 200
    assert api.admin("POST", "tokens/expire").json()["expired"] >= 1
    answer = api.get("/records")
    assert answer.status_code == 401
    assert answer.json() == {"code": "UNAUTHORIZED", "message": "token has expired"}
    specs.api_401.validate(answer.json())
    assert Ironclad(api.origin, api.creds).get("/records").status_code == 200


def test_token_ttl_setting(fresh: tuple[Ironclad, Any], creds: dict[str, str]) -> None:
    api, _ = fresh
    api.admin("PATCH", "settings", {"token_ttl_seconds": 120})
    answer = httpx.post(f"{api.origin}/oauth/token", data=token_form(creds))
    assert answer.json()["expires_in"] == 120
    api.admin("PATCH", "settings", {"token_ttl_seconds": 1})
    short = Ironclad(api.origin, creds)
    assert short.get("/records").status_code == 200
    time.sleep(1.05)
    answer = short.get("/records")
    assert answer.status_code == 401 and answer.json()["message"] == "token has expired"
    short.close()


def test_acting_user_header_is_required(api: Ironclad) -> None:
    bare = {"Authorization": f"Bearer {api.token}"}
    answer = api.http.get("/records", headers=bare)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "INVALID_PARAM" and body["param"] == "x-as-user-email"
    assert "x-as-user-email" in body["message"]
    by_id = api.http.get("/records", headers={**bare, "x-as-user-id": api.creds["user_id"]})
    assert by_id.status_code == 200
    stranger = api.http.get("/records", headers={**bare, "x-as-user-email": "someone@else.example"})
    assert stranger.status_code == 400 and stranger.json()["param"] == "x-as-user-email"


def test_scope_is_enforced(origin: str, creds: dict[str, str]) -> None:
    reader = Ironclad(origin, creds, scope="public.records.readRecords")
    assert reader.get("/records").status_code == 200
    for answer in (reader.get("/records/metadata"), reader.patch(f"/records/{DOCS[0]['id']}", {"name": "x"})):
        assert answer.status_code == 403 and answer.json()["code"] == "FORBIDDEN"
    schemas_only = Ironclad(origin, creds, scope="public.records.readSchemas")
    assert schemas_only.get("/records").status_code == 403


# ------------------------------------------------------------------------------------------- list records
def test_default_page_envelope_and_order(api: Ironclad, specs: Specs) -> None:
    answer = api.get("/records", limit=5)  # `limit` is silently ignored (third-party finding)
    body = answer.json()
    specs.record_list.validate(body)
    assert set(body) == {"page", "pageSize", "count", "list"}  # no next link, no hasMore
    assert (body["page"], body["pageSize"], body["count"], len(body["list"])) == (0, 20, TOTAL, 20)
    for record in body["list"]:
        specs.record.validate(record)
    # default sort: agreementDate DESC, records without one (amendments) last, ties by id
    everything = all_pages(api, 100)
    dated = sorted(  # a stable sort of id-ordered docs: equal agreementDates stay in id order
        sorted((d for d in DOCS if "agreementDate" in d["properties"]), key=lambda d: d["id"]),
        key=lambda d: d["properties"]["agreementDate"]["value"],
        reverse=True,
    )
    undated = sorted((d for d in DOCS if "agreementDate" not in d["properties"]), key=lambda d: d["id"])
    assert [r["id"] for r in everything] == [d["id"] for d in dated + undated]


def test_paging_to_the_end_with_short_last_page(api: Ironclad, specs: Specs) -> None:
    sizes = []
    ids: list[str] = []
    page = 0
    while True:
        body = api.get("/records", page=page, pageSize=7, sortField="name", sortDirection="ASC").json()
        specs.record_list.validate(body)
        assert body["page"] == page and body["pageSize"] == 7 and body["count"] == TOTAL
        sizes.append(len(body["list"]))
        ids += [r["id"] for r in body["list"]]
        if (page + 1) * 7 >= body["count"]:
            break
        page += 1
    assert sizes == [7, 7, 7, 7, 1]
    assert len(ids) == len(set(ids)) == TOTAL
    assert [BY_ID[i]["name"] for i in ids] == sorted(d["name"] for d in DOCS)
    beyond = api.get("/records", page=page + 1, pageSize=7).json()
    assert beyond["list"] == [] and beyond["count"] == TOTAL


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 101}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"page": -1}, "page"),
        ({"sortField": "createdAt"}, "sortField"),
        ({"sortDirection": "UP"}, "sortDirection"),
        ({"lastUpdated": "yesterday"}, "lastUpdated"),
        ({"types": "msa,nda"}, "types"),
        ({"filter": "Equals([type], 'msa'"}, "filter"),
        ({"filter": "Today()"}, "filter"),
        ({"filter": "Equals([noSuchProperty], 'x')"}, "filter"),
        ({"filter": "GreaterThan([lastUpdated], 'not a date')"}, "filter"),
    ],
)
def test_invalid_list_parameters(api: Ironclad, params: dict[str, Any], param: str) -> None:
    answer = api.get("/records", **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "INVALID_PARAM" and body["param"] == param and body["message"]


def test_unknown_record_type_message(api: Ironclad) -> None:
    body = api.get("/records", types="msa,nda").json()
    assert body == {"code": "INVALID_PARAM", "message": "unknown record type nda", "param": "types"}


def test_types_filter(api: Ironclad) -> None:
    records = all_pages(api, 100, types="sow,amendment")
    assert {r["type"] for r in records} == {"sow", "amendment"}
    assert len(records) == sum(d["type"] in ("sow", "amendment") for d in DOCS)


def test_last_updated_is_inclusive_and_utc(api: Ironclad) -> None:
    cut = "2024-03-05T12:00:00.000Z"  # exactly the lastUpdated of the two SOWs of the 5th MSA
    expected = {d["id"] for d in DOCS if ts(d["lastUpdated"]) >= ts(cut)}
    for spelling in (cut, "2024-03-05T12:00:00Z", "2024-03-05T13:00:00+01:00"):
        got = all_pages(api, 50, lastUpdated=spelling, sortField="lastUpdated", sortDirection="ASC")
        assert {r["id"] for r in got} == expected
    stamps = [ts(r["lastUpdated"]) for r in got]
    assert stamps == sorted(stamps)
    ties = [r["id"] for r in got if r["lastUpdated"] == cut]
    assert len(ties) == 2 and ties == sorted(ties)  # equal lastUpdated: ordered by id


def test_filter_formulas(api: Ironclad) -> None:
    def ids(formula: str, **params: Any) -> set[str]:
        return {r["id"] for r in all_pages(api, 100, filter=formula, **params)}

    amendments = {d["id"] for d in DOCS if d["type"] == "amendment"}
    assert ids("Equals([type], 'amendment')") == amendments
    assert ids("Equals([counterpartyName], 'Globex')") == {
        d["id"] for d in DOCS if d["properties"].get("counterpartyName", {}).get("value") == "Globex"
    }
    late = {d["id"] for d in DOCS if ts(d["lastUpdated"]) > ts("2024-04-02T00:00:00Z")}
    assert ids("GreaterThan([lastUpdated], Date('2024-04-02'))") == late
    assert (
        ids("And(Equals([type], 'amendment'), GreaterThan([lastUpdated], Date('2024-04-02')))")
        == late & amendments
    )
    msa1, msa2 = DOCS[0], next(d for d in DOCS if d["type"] == "msa" and d is not DOCS[0])
    either = f"Or(Equals([ironcladId], '{msa1['ironcladId']}'), Equals([id], '{msa2['id']}'))"
    assert ids(either) == {msa1["id"], msa2["id"]}
    assert ids(f"Equals([parentId], '{msa1['id']}')") == set(msa1["childIds"])
    early = {
        d["id"]
        for d in DOCS
        if "agreementDate" in d["properties"] and d["properties"]["agreementDate"]["value"] < "2024-01-03"
    }
    assert ids("LessThan([agreementDate], Date('2024-01-03'))") == early
    assert ids("Equals([paymentTermsDays], 60)") == {
        d["id"] for d in DOCS if d["properties"].get("paymentTermsDays", {}).get("value") == 60
    }
    assert ids("Equals([type], 'amendment')", types="msa") == set()  # filter and types combine
    assert ids("IsEmpty([parentId])") == {d["id"] for d in DOCS if d["type"] == "msa"}
    assert ids("Contains([name], 'Change Order')") == amendments
    assert ids("And(NotEqual([type], 'sow'), IsNotEmpty([parentId]))") == amendments
    assert ids("Equals([autoRenew], true)") == {
        d["id"] for d in DOCS if d["properties"].get("autoRenew", {}).get("value") is True
    }


# ------------------------------------------------------------------------------------------- single record
def test_get_record_by_uuid_and_ironclad_id(api: Ironclad, specs: Specs) -> None:
    sow = next(d for d in DOCS if d["amendments"])
    by_uuid, by_ic = api.get(f"/records/{sow['id']}"), api.get(f"/records/{sow['ironcladId']}")
    assert by_uuid.status_code == by_ic.status_code == 200
    assert by_uuid.content == by_ic.content
    record = by_uuid.json()
    specs.record.validate(record)
    assert record["amendments"] == sow["amendments"]
    rate = record["properties"]["rate_senior_consultant"]
    assert "originalValue" in rate and rate["type"] == "monetary_amount"
    child = api.get(f"/records/{sow['childIds'][0]}").json()
    specs.record.validate(child)
    assert child["parentLinkType"] == "amendment" and child["parentId"] == sow["id"]


def test_money_is_an_exact_json_number(api: Ironclad) -> None:
    msa = DOCS[0]
    answer = api.get(f"/records/{msa['id']}")
    assert '"amount":250000.5' in answer.text
    assert amount_text(answer, ["properties", "contractCap", "value", "amount"]) == Decimal("250000.50")


def test_unknown_record_is_404(api: Ironclad) -> None:
    answer = api.get("/records/IC-99999")
    assert answer.status_code == 404
    assert answer.json() == {
        "code": "NOT_FOUND",
        "message": "couldn't find a record matching the id IC-99999",
    }
    other = api.http.get("/workflows", headers=api.headers)
    assert other.status_code == 404 and other.json()["code"] == "NOT_FOUND"


def test_metadata(api: Ironclad) -> None:
    body = api.get("/records/metadata").json()
    assert set(body) == {"recordTypes", "properties", "attachments", "links"}
    assert set(body["recordTypes"]) == {"msa", "sow", "amendment"}
    assert body["recordTypes"]["sow"] == {"displayName": "Statement of Work"}
    assert body["properties"]["contractCap"] == {
        "displayName": "Contract Cap",
        "type": "monetary_amount",
        "visible": True,
    }
    assert body["properties"]["regions"]["type"] == "array"
    assert body["attachments"] == {"signedCopy": {"displayName": "Signed Copy"}}


# ------------------------------------------------------------------------------------------- PATCH
def test_patch_amendment_rolls_up_and_bumps_last_updated(fresh: tuple[Ironclad, Any], specs: Specs) -> None:
    api, _ = fresh
    amendment = next(d for d in DOCS if d["type"] == "amendment" and "propertiesToAmend" in d)
    newest = max(ts(d["lastUpdated"]) for d in DOCS)
    new_rate = {"type": "monetary_amount", "value": {"amount": 240.75, "currency": "USD"}}
    answer = api.patch(
        f"/records/{amendment['ironcladId']}",
        {
            "addProperties": {
                "rate_senior_consultant": new_rate,
                "counterpartyName": {"type": "string", "value": "Acme"},
            }
        },
    )
    assert answer.status_code == 200, answer.text
    child = answer.json()
    specs.record.validate(child)
    assert child["properties"]["rate_senior_consultant"] == new_rate
    assert ts(child["lastUpdated"]) > newest
    parent = api.get(f"/records/{amendment['parentId']}").json()
    specs.record.validate(parent)
    rolled = parent["properties"]["rate_senior_consultant"]
    assert rolled["value"] == {"amount": 240.75, "currency": "USD"}
    assert amount_text(
        api.get(f"/records/{amendment['parentId']}"),
        ["properties", "rate_senior_consultant", "originalValue", "amount"],
    ) == Decimal(210)
    assert (
        "counterpartyName" not in parent["properties"]
        or parent["properties"]["counterpartyName"]["value"] != "Acme"
    )
    # an incremental client (lastUpdated since its cursor) sees exactly the two changed records
    changed = all_pages(
        api, 20, lastUpdated=child["lastUpdated"], sortField="lastUpdated", sortDirection="ASC"
    )
    assert {r["id"] for r in changed} == {amendment["id"], amendment["parentId"]}
    assert api.get("/records", filter="Equals([counterpartyName], 'Acme')").json()["count"] == 1


def test_approving_a_change_order_with_properties_to_amend(fresh: tuple[Ironclad, Any], specs: Specs) -> None:
    api, _ = fresh
    pending = next(d for d in DOCS if d["properties"].get("approvalStatus", {}).get("value") == "pending")
    rate = ["properties", "rate_senior_consultant"]
    before = api.get(f"/records/{pending['parentId']}")
    assert "originalValue" not in before.json()["properties"]["rate_senior_consultant"]
    answer = api.patch(
        f"/records/{pending['id']}",
        {
            "addProperties": {"approvalStatus": {"type": "string", "value": "approved"}},
            "addPropertiesToAmend": {"rate_senior_consultant": {"amendmentType": "replace"}},
        },
    )
    assert answer.status_code == 200, answer.text
    assert "propertiesToAmend" not in answer.json()  # configuration, not part of the served RecordModel
    parent = api.get(f"/records/{pending['parentId']}")
    specs.record.validate(parent.json())
    assert amount_text(parent, [*rate, "value", "amount"]) == Decimal("235.50")
    assert amount_text(parent, [*rate, "originalValue", "amount"]) == Decimal(210)
    assert parent.json()["lastUpdated"] == answer.json()["lastUpdated"]
    undo = api.patch(f"/records/{pending['id']}", {"removePropertiesToAmend": ["rate_senior_consultant"]})
    assert undo.status_code == 200
    reverted = api.get(f"/records/{pending['parentId']}").json()["properties"]["rate_senior_consultant"]
    assert "originalValue" not in reverted and reverted["value"]["amount"] == 210
    not_amendment = api.patch(
        f"/records/{DOCS[0]['id']}", {"addPropertiesToAmend": {"contractCap": {"amendmentType": "replace"}}}
    )
    assert not_amendment.status_code == 400 and not_amendment.json()["param"] == "addPropertiesToAmend"


def test_approving_a_change_order_lists_it_in_the_parents_amendments(
    fresh: tuple[Ironclad, Any], specs: Specs
) -> None:
    """Vendor RecordModel: `amendments` names the amendment records that amend the record. Approving a change
    order by PATCH adds its ironcladId (after the ones already there, in child order); taking the approval
    back removes it; the parent's lastUpdated moves so an incremental client sees the change."""
    api, _ = fresh
    pending = next(d for d in DOCS if d["properties"].get("approvalStatus", {}).get("value") == "pending")
    before = api.get(f"/records/{pending['parentId']}").json()
    assert pending["ironcladId"] not in before.get("amendments", [])
    approved = api.patch(
        f"/records/{pending['id']}",
        {"addProperties": {"approvalStatus": {"type": "string", "value": "approved"}}},
    )
    assert approved.status_code == 200, approved.text
    parent = api.get(f"/records/{pending['parentId']}").json()
    specs.record.validate(parent)
    assert parent["amendments"] == [*before.get("amendments", []), pending["ironcladId"]]
    assert parent["lastUpdated"] == approved.json()["lastUpdated"]

    taken_back = api.patch(
        f"/records/{pending['id']}",
        {"addProperties": {"approvalStatus": {"type": "string", "value": "draft"}}},
    )
    assert taken_back.status_code == 200, taken_back.text
    parent = api.get(f"/records/{pending['parentId']}").json()
    assert parent["amendments"] == before.get("amendments", [])
    assert ts(parent["lastUpdated"]) > ts(approved.json()["lastUpdated"])
    # an edit that leaves the approval alone does not touch the parent
    api.patch(
        f"/records/{pending['id']}", {"addProperties": {"counterpartyName": {"type": "string", "value": "X"}}}
    )
    assert api.get(f"/records/{pending['parentId']}").json()["lastUpdated"] == parent["lastUpdated"]


def test_patch_remove_name_and_agreement_date(fresh: tuple[Ironclad, Any]) -> None:
    api, _ = fresh
    msa = DOCS[0]
    answer = api.patch(
        f"/records/{msa['id']}",
        {
            "name": "MSA - Acme (renamed)",
            "removeProperties": ["regions"],
            "addProperties": {"agreementDate": {"type": "date", "value": "2030-01-01T00:00:00Z"}},
        },
    )
    assert answer.status_code == 200
    record = answer.json()
    assert record["name"] == "MSA - Acme (renamed)" and "regions" not in record["properties"]
    first = api.get("/records", pageSize=1).json()["list"][0]  # agreementDate DESC: now the newest
    assert first["id"] == msa["id"]
    assert api.get("/records", filter="Equals([name], 'MSA - Acme (renamed)')").json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"setParent": {"recordId": "IC-1"}}, "setParent"),
        (
            {"addProperties": {"noSuchProperty": {"type": "string", "value": "x"}}},
            "properties.noSuchProperty",
        ),
        (
            {"addProperties": {"paymentTermsDays": {"type": "number", "value": 1.5}}},
            "properties.paymentTermsDays",
        ),
        (
            {"addProperties": {"paymentTermsDays": {"type": "string", "value": "30"}}},
            "properties.paymentTermsDays",
        ),
        ({"addProperties": {"regions": {"type": "array", "value": []}}}, "properties.regions"),
        (
            {"addProperties": {"agreementDate": {"type": "date", "value": "2024-01-01"}}},
            "properties.agreementDate",
        ),
        ({"type": "nda"}, "type"),
    ],
)
def test_patch_rejections(fresh: tuple[Ironclad, Any], body: dict[str, Any], param: str) -> None:
    api, _ = fresh
    answer = api.patch(f"/records/{DOCS[0]['id']}", body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "INVALID_PARAM" and answer.json()["param"] == param
    if param == "setParent":
        assert "not supported by the sandbox" in answer.json()["message"]


def test_patch_unknown_record(fresh: tuple[Ironclad, Any]) -> None:
    api, _ = fresh
    answer = api.patch("/records/IC-424242", {"name": "x"})
    assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"


def test_extra_properties_setting(firm: Path, creds: dict[str, str], tmp_path: Path) -> None:
    app, _ = ironclad.create_app(firm, tmp_path, creds, {"extra_properties": {"financeReview": "string"}})
    with serve(app) as base:
        api = Ironclad(base, creds)
        assert api.get("/records/metadata").json()["properties"]["financeReview"]["type"] == "string"
        amendment = next(d for d in DOCS if d["type"] == "amendment")
        approve = {"addProperties": {"financeReview": {"type": "string", "value": "approved"}}}
        assert api.patch(f"/records/{amendment['id']}", approve).status_code == 200
        approved = api.get("/records", filter="Equals([financeReview], 'approved')").json()
        assert [r["id"] for r in approved["list"]] == [amendment["id"]]
        api.close()


# ------------------------------------------------------------------------------------------- limits, faults
def test_rate_limit_429_without_retry_after(fresh: tuple[Ironclad, Any]) -> None:
    api, _ = fresh
    api.admin("PATCH", "settings", {"records_read_per_minute": 3})
    answers = [api.get("/records", pageSize=1) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "TOO_MANY_REQUESTS" and answers[-1].json()["message"]
    assert "retry-after" not in answers[-1].headers
    api.admin("PATCH", "settings", {"records_read_per_minute": 0})
    assert api.get("/records", pageSize=1).status_code == 200


def test_injected_errors_carry_vendor_bodies(fresh: tuple[Ironclad, Any]) -> None:
    api, _ = fresh
    api.admin("POST", "faults", {"kind": "error", "status": 503, "path": "/records", "count": 1})
    answer = api.get("/records")
    assert answer.status_code == 503
    assert answer.json()["code"] == "INTERNAL_SERVER_ERROR" and "retry-after" not in answer.headers
    api.admin("POST", "faults", {"kind": "error", "status": 429, "retry_after": "7", "count": 1})
    answer = api.get("/records")
    assert answer.status_code == 429 and answer.json()["code"] == "TOO_MANY_REQUESTS"
    assert answer.headers["retry-after"] == "7"  # only because the rule asked for it
    assert api.get("/records").status_code == 200


def test_error_factory_bodies() -> None:
    expected = {
        400: "INVALID_PARAM",
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        409: "CONFLICT",
        429: "TOO_MANY_REQUESTS",
        500: "INTERNAL_SERVER_ERROR",
        502: "INTERNAL_SERVER_ERROR",
    }
    for status, code in expected.items():
        response = error_response(status, None)
        body = json.loads(response.body)
        assert response.status_code == status and body["code"] == code and body["message"]


def test_drift_faults(fresh: tuple[Ironclad, Any], specs: Specs) -> None:
    api, _ = fresh
    api.admin("POST", "faults", {"kind": "drift_add_field", "field": "riskScore", "value": 7, "count": 1})
    body = api.get("/records", pageSize=5).json()
    assert all(r["riskScore"] == 7 for r in body["list"])
    api.admin("POST", "faults", {"kind": "drift_change_type", "field": "childIds", "count": 1})
    record = api.get(f"/records/{DOCS[0]['id']}").json()
    assert isinstance(record["childIds"], str)
    clean = api.get("/records", pageSize=5).json()
    assert all("riskScore" not in r for r in clean["list"])
    specs.record_list.validate(clean)


def test_repeat_next_loops_a_short_page_client(fresh: tuple[Ironclad, Any]) -> None:
    api, _ = fresh
    first = api.get("/records", page=0, pageSize=10).json()
    api.admin("POST", "faults", {"kind": "repeat_next", "path": "/records$", "count": 3})
    repeated = [api.get("/records", page=p, pageSize=10).json() for p in (1, 2, 3)]
    # the server ignored `page`: a client that waits for a short page never gets one ...
    assert all(len(r["list"]) == 10 and r["list"] == first["list"] and r["page"] == 0 for r in repeated)
    # ... while a count-aware client stops after ceil(count/pageSize) pages and sees the repetition
    assert repeated[0]["count"] == TOTAL and (3 + 1) * 10 >= TOTAL
    assert api.get("/records", page=1, pageSize=10).json()["list"] != first["list"]


# ------------------------------------------------------------------------------------------- interface
def test_describe_entry(fresh: tuple[Ironclad, Any], creds: dict[str, str]) -> None:
    api, state = fresh
    entry = ironclad.describe(api.origin, creds, state)
    assert entry["base_url"] == f"{api.origin}/public/api/v1"
    assert entry["headers"] == {"x-as-user-email": creds["user_email"]}
    form = entry["token_request"]["form"]
    assert (
        form["grant_type"] == "client_credentials" and "public.records.readRecords" in form["scope"].split()
    )
    assert httpx.post(entry["token_request"]["url"], data=form).status_code == 200
    answer = httpx.get(
        f"{entry['base_url']}/records",
        headers={"Authorization": f"Bearer {entry['access_token']}", **entry["headers"]},
    )
    assert answer.status_code == 200 and answer.json()["count"] == TOTAL
    assert state.stats.public()["records_served"] >= 20
    assert set(ironclad.DEFAULT_SETTINGS) >= {"token_ttl_seconds", "records_read_per_minute"}
