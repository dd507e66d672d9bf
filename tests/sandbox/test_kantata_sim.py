"""The Kantata OX simulator over real loopback HTTP: envelope, paging, filters, side-loading, auth, errors,
throttling, writes and faults, checked against the vendor's published OpenAPI schemas."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import kantata
from sandbox.common import vendor
from tests.sandbox.kantata_data import ARCHIVED_WORKSPACE, N_TIME_ENTRIES, build_tables, write_firm
from tests.sandbox.kantata_helpers import ISO_OFFSET, Kantata, Specs, validate
from tests.sandbox.loopback import serve

pytestmark = pytest.mark.integration

TABLES = build_tables()
LIVE_ENTRIES = [e for e in TABLES["time_entries"] if e["workspace_id"] != ARCHIVED_WORKSPACE]


@pytest.fixture(scope="module")
def specs() -> Specs:
    return Specs()


@pytest.fixture(scope="module")
def firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_firm(tmp_path_factory.mktemp("firm"))


def _start(firm: Path, **settings: Any) -> tuple[Any, dict[str, str], Any]:
    creds = kantata.make_credentials()
    app, sim = kantata.create_app(firm, firm / "state", creds, settings)
    return app, creds, sim


@pytest.fixture(scope="module")
def api(firm: Path) -> Iterator[Kantata]:
    """A read-only simulator shared by the read tests."""
    app, creds, _ = _start(firm)
    with serve(app) as origin:
        client = Kantata(origin, creds)
        yield client
        client.close()


@pytest.fixture()
def fresh(firm: Path) -> Iterator[Kantata]:
    """A simulator of its own (writes, settings, faults, token expiry)."""
    app, creds, sim = _start(firm)
    with serve(app) as origin:
        client = Kantata(origin, creds)
        client.sim = sim  # type: ignore[attr-defined]
        yield client
        client.close()


def _default_order(entries: list[dict[str, Any]]) -> list[str]:
    """date_performed:desc, ties by numeric id ascending."""
    ordered = sorted(entries, key=lambda e: int(e["id"]))
    return [e["id"] for e in sorted(ordered, key=lambda e: e["date_performed"], reverse=True)]


# ---------------------------------------------------------------------------------------- interface
def test_vendor_interface(firm: Path) -> None:
    module = vendor.load("kantata")
    assert module.VENDOR == "kantata"
    creds = module.make_credentials()
    assert set(creds) == {"access_token"} and len(creds["access_token"]) >= 32
    _, sim = module.create_app(firm, firm / "state", creds)
    described = module.describe("http://127.0.0.1:9", creds, sim)
    assert described == {
        "base_url": "http://127.0.0.1:9/api/v1",
        "token_request": None,
        "access_token": creds["access_token"],
        "headers": {},
    }
    assert set(module.DEFAULT_SETTINGS) >= {"requests_per_minute", "max_concurrent", "latency_seconds"}


# --------------------------------------------------------------------------------------------- auth
def test_auth_missing_unknown_and_expired_tokens(fresh: Kantata, specs: Specs) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        answer = fresh.get("/time_entries.json", headers=headers)
        assert answer.status_code == 401
        validate(specs.errors, answer.json())
        assert answer.json()["errors"][0]["type"] == "system"
    assert fresh.get("/time_entries.json").status_code == 200
    # tokens come from the OAuth authorization-code flow only: the API host has no token endpoint
    assert (
        httpx.post(fresh.origin + "/oauth/token", data={"grant_type": "client_credentials"}).status_code
        == 404
    )
    assert fresh.admin("POST", "tokens/expire").json() == {"expired": 1}
    answer = fresh.get("/time_entries.json")
    assert answer.status_code == 401
    assert answer.json() == {"errors": [{"type": "system", "message": "The access token expired"}]}


# ----------------------------------------------------------------------------------------- envelope
def test_time_entries_first_page_matches_vendor_schema(api: Kantata, specs: Specs) -> None:
    body = api.ok("/time_entries.json")
    validate(specs.time_entry_list, body)
    assert list(body) == ["count", "meta", "results", "time_entries"]
    total = len(LIVE_ENTRIES)  # archived projects' entries are hidden by default
    assert body["count"] == total
    assert body["meta"] == {
        "count": total,
        "page_count": math.ceil(total / 20),
        "page_number": 1,
        "page_size": 20,
    }
    assert [r["id"] for r in body["results"]] == _default_order(LIVE_ENTRIES)[:20]
    assert all(r["key"] == "time_entries" for r in body["results"])
    assert set(body["time_entries"]) == {r["id"] for r in body["results"]}
    record = body["time_entries"][body["results"][0]["id"]]
    assert isinstance(record["id"], str) and isinstance(record["workspace_id"], str)
    assert isinstance(record["time_in_minutes"], int) and isinstance(record["rate_in_cents"], int)
    assert isinstance(record["currency_base_unit"], int)
    assert ISO_OFFSET.match(record["updated_at"]) and ISO_OFFSET.match(record["created_at"])
    assert len(record["date_performed"]) == 10


def test_paths_with_and_without_json_suffix(api: Kantata) -> None:
    assert api.ok("/time_entries.json", per_page=5) == api.ok("/time_entries", per_page=5)
    one = api.ok("/time_entries/40000001.json")
    assert one == api.ok("/time_entries/40000001")


def test_paging_to_the_end_with_a_short_last_page(api: Kantata, specs: Specs) -> None:
    ids, pages = api.walk(
        "/time_entries.json", per_page=7, order="updated_at:asc", from_archived_workspaces="true"
    )
    assert len(ids) == len(set(ids)) == N_TIME_ENTRIES
    assert len(pages) == math.ceil(N_TIME_ENTRIES / 7)
    assert [p["meta"]["page_number"] for p in pages] == list(range(1, len(pages) + 1))
    assert len(pages[-1]["results"]) == N_TIME_ENTRIES % 7  # the short last page
    for page in pages:
        validate(specs.time_entry_list, page)
        assert page["count"] == N_TIME_ENTRIES and page["meta"]["page_size"] == 7
    expected = sorted(TABLES["time_entries"], key=lambda e: int(e["id"]))
    expected = [e["id"] for e in sorted(expected, key=lambda e: e["updated_at"].replace(microsecond=0))]
    assert ids == expected  # ties on updated_at are broken by id
    beyond = api.ok("/time_entries.json", per_page=7, page=len(pages) + 1)
    assert beyond["results"] == [] and beyond["time_entries"] == {} and beyond["count"] == len(LIVE_ENTRIES)
    assert beyond["meta"]["page_number"] == len(pages) + 1


def test_per_page_limits_and_limit_offset(api: Kantata) -> None:
    assert api.ok("/time_entries.json", per_page=500)["meta"]["page_size"] == 200  # clamped to the max
    assert api.ok("/time_entries.json", per_page=0)["meta"]["page_size"] == 20
    full = [r["id"] for r in api.ok("/time_entries.json", per_page=200)["results"]]
    sliced = api.ok("/time_entries.json", limit=4, offset=3, page=5, per_page=2)
    assert [r["id"] for r in sliced["results"]] == full[3:7]  # limit+offset win over page/per_page
    assert sliced["meta"]["page_size"] == 2  # brainstem reports the per_page value
    only_limit = api.ok("/time_entries.json", limit=4)
    assert len(only_limit["results"]) == 20  # limit alone is ignored


def test_empty_result_envelope(api: Kantata) -> None:
    body = api.ok("/time_entries.json", updated_after="2030-01-01T00:00:00Z")
    assert body == {
        "count": 0,
        "meta": {"count": 0, "page_count": 0, "page_number": 0, "page_size": 20},
        "results": [],
        "time_entries": {},
    }
    with_include = api.ok("/time_entries.json", only="1", include="story")
    assert with_include["stories"] == {} and with_include["results"] == []


# ------------------------------------------------------------------------------------------ filters
def _ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["results"]]


def test_incremental_time_filters(api: Kantata) -> None:
    everything = {"from_archived_workspaces": "true", "per_page": 200, "order": "updated_at:asc"}
    after = api.ok("/time_entries.json", updated_after="2024-03-10T09:00:00Z", **everything)
    expected = [
        e["id"]
        for e in TABLES["time_entries"]
        if e["updated_at"].replace(microsecond=0) > TABLES["time_entries"][4]["updated_at"]
    ]
    assert sorted(_ids(after)) == sorted(expected) and "40000004" not in _ids(after)
    # the same instant with an offset, and strictly after: 11:00+02:00 == 09:00Z
    assert _ids(
        api.ok("/time_entries.json", updated_after="2024-03-10T11:00:00+02:00", **everything)
    ) == _ids(after)
    # a sub-second stored value is served (and compared) in whole seconds
    sub = api.ok("/time_entries.json", updated_after="2024-03-10T09:30:00Z", **everything)
    assert "40000007" not in _ids(sub) and "40000006" not in _ids(sub)
    before = api.ok("/time_entries.json", updated_before="2024-03-10T09:00:00Z", **everything)
    assert sorted(_ids(before)) == ["40000000", "40000001", "40000002", "40000003"]
    created = api.ok("/time_entries.json", created_after="2024-03-02T20:00:00Z", **everything)
    assert _ids(created) and all(int(i) > 40_000_034 for i in _ids(created))
    bad = api.get("/time_entries.json", updated_after="yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "updated_after"


def test_only_never_404s_and_show_does(api: Kantata, specs: Specs) -> None:
    body = api.ok("/time_entries.json", only="40000002,40000001,999")
    assert sorted(_ids(body)) == ["40000001", "40000002"]
    assert api.ok("/time_entries.json", only="999")["count"] == 0
    one = api.ok("/time_entries/40000002.json")
    validate(specs.time_entry_show, one)
    assert _ids(one) == ["40000002"] and one["count"] == 1
    missing = api.get("/time_entries/999.json")
    assert missing.status_code == 404
    validate(specs.errors, missing.json())
    # a row hidden by a default filter 404s on show, and appears when the filter is lifted
    assert api.get(f"/workspaces/{ARCHIVED_WORKSPACE}.json").status_code == 404
    assert _ids(api.ok(f"/workspaces/{ARCHIVED_WORKSPACE}.json", include_archived="true")) == [
        ARCHIVED_WORKSPACE
    ]
    hidden = next(e["id"] for e in TABLES["time_entries"] if e["workspace_id"] == ARCHIVED_WORKSPACE)
    assert api.get(f"/time_entries/{hidden}.json").status_code == 404


def test_time_entry_filters(api: Kantata) -> None:
    def ids(**params: Any) -> set[str]:
        return set(_ids(api.ok("/time_entries.json", per_page=200, **params)))

    live = {e["id"]: e for e in LIVE_ENTRIES}
    assert ids() == set(live)
    assert ids(from_archived_workspaces="true") == {e["id"] for e in TABLES["time_entries"]}
    assert ids(from_archived_workspaces="false") == set(live)
    assert ids(workspace_id="100002") == {i for i, e in live.items() if e["workspace_id"] == "100002"}
    assert ids(workspace_ids="100001,100003") == {
        i for i, e in live.items() if e["workspace_id"] in ("100001", "100003")
    }
    assert ids(invoiced="false") == {
        i for i, e in live.items() if e["is_invoiced"]
    }  # presence, value ignored
    assert ids(uninvoiced="true") == {i for i, e in live.items() if not e["is_invoiced"]}
    assert ids(with_user_ids="12,14") == {i for i, e in live.items() if e["user_id"] in ("12", "14")}
    assert ids(billable="false") == {i for i, e in live.items() if not e["billable"]}
    between = ids(date_performed_between="2024-03-02:2024-03-03")
    assert between == {i for i, e in live.items() if str(e["date_performed"]) in ("2024-03-02", "2024-03-03")}
    assert api.get("/time_entries.json", date_performed_between="2024-03-02").status_code == 400


def test_order_parameter(api: Kantata) -> None:
    desc = _ids(api.ok("/time_entries.json", order="created_at:desc", per_page=200))
    assert desc == [e["id"] for e in sorted(LIVE_ENTRIES, key=lambda e: e["created_at"], reverse=True)]
    asc = _ids(api.ok("/time_entries.json", order="date_performed:asc", per_page=200))
    ordered = sorted(LIVE_ENTRIES, key=lambda e: int(e["id"]))
    assert asc == [e["id"] for e in sorted(ordered, key=lambda e: e["date_performed"])]
    bad = api.get("/time_entries.json", order="id:asc")  # not a time entry sort field
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["type"] == "validation" and bad.json()["errors"][0]["field"] == "order"
    # vendor defaults: workspaces updated_at:desc, users/roles alphabetical, rate card roles created_at:asc
    assert _ids(api.ok("/workspaces.json")) == ["100003", "100002", "100001"]
    assert _ids(api.ok("/users.json")) == ["13", "14", "12"]  # alan, Mia, Zoe (case-insensitive)
    assert _ids(api.ok("/roles.json")) == ["31", "32", "30"]
    assert _ids(api.ok("/rate_card_roles.json")) == ["800", "801", "802", "803", "804"]


def test_unknown_order_can_fall_back_like_brainstem(fresh: Kantata) -> None:
    assert fresh.admin("PATCH", "settings", {"unknown_order": "default"}).status_code == 200
    body = fresh.ok("/time_entries.json", order="nonsense:asc", per_page=200)
    assert _ids(body) == _default_order(LIVE_ENTRIES)


def test_resource_filters_and_search(api: Kantata) -> None:
    stories = {s["id"]: s for s in TABLES["stories"]}
    default = set(_ids(api.ok("/stories.json", per_page=200)))
    assert default == {
        i for i, s in stories.items() if not s["archived"] and s["workspace_id"] != ARCHIVED_WORKSPACE
    }
    shown = set(
        _ids(
            api.ok("/stories.json", per_page=200, show_archived="true", show_from_archived_workspaces="true")
        )
    )
    assert shown == set(stories)
    assert set(_ids(api.ok("/stories.json", archived="only", show_from_archived_workspaces="true"))) == {
        "707"
    }
    assert set(_ids(api.ok("/stories.json", workspace_id="100001"))) == {"700", "704", "708"}
    # 703 is a milestone too, but of the archived project
    assert set(_ids(api.ok("/stories.json", story_type="milestone"))) == {"700", "706", "709"}
    assert set(_ids(api.ok("/stories.json", search="MILESTONE 6"))) == {"706"}
    assert _ids(api.ok("/roles.json", search="consult")) == ["32", "30"]
    assert _ids(api.ok("/users.json", search="chen")) == ["14"]
    assert _ids(api.ok("/workspaces.json", search="acme")) == ["100001"]
    assert set(_ids(api.ok("/workspaces.json", include_archived="true"))) == {
        w["id"] for w in TABLES["workspaces"]
    }
    assert _ids(api.ok("/workspaces.json", archived="only")) == [ARCHIVED_WORKSPACE]
    assert _ids(api.ok("/rate_card_roles.json", rate_card_version_id="62")) == ["802", "803"]
    assert _ids(api.ok("/expenses.json", workspace_id="100001")) == ["9000004", "9000000"]  # date:desc
    assert _ids(api.ok("/story_state_changes.json", story_id="701")) == ["5001", "5004"]


def test_external_references_need_a_subject_type(api: Kantata, specs: Specs) -> None:
    missing = api.get("/external_references.json")
    assert missing.status_code == 400
    validate(specs.errors, missing.json())
    assert missing.json()["errors"][0]["field"] == "subject_type"
    workspaces = api.ok("/external_references.json", subject_type="Workspace")
    assert set(_ids(workspaces)) == {"600", "601", "602", "611"}
    assert _ids(
        api.ok(
            "/external_references.json",
            subject_type="Workspace",
            subject_id="100001",
            service_name="ironclad",
        )
    ) == ["600"]
    with_subject = api.ok("/external_references.json", subject_type="Story", include="subject")
    assert _ids(with_subject) == ["610"] and set(with_subject["stories"]) == {"700"}


# ------------------------------------------------------------------------------------------ include
def test_time_entries_side_load_their_associations(api: Kantata, specs: Specs) -> None:
    body = api.ok("/time_entries.json", include="workspace,story,user,role,invoice", per_page=10)
    validate(specs.time_entry_list, body)  # workspaces/stories/users/roles against Workspace/Story/User/Role
    records = [body["time_entries"][i] for i in _ids(body)]
    assert set(body["workspaces"]) == {r["workspace_id"] for r in records}
    assert set(body["stories"]) == {r["story_id"] for r in records if r["story_id"]}
    assert set(body["users"]) == {r["user_id"] for r in records}
    assert set(body["roles"]) == {r["role_id"] for r in records if r["role_id"]}
    assert "invoices" not in body  # an association we do not serve is ignored, not an error
    story = next(iter(body["stories"].values()))
    assert story["id"] not in _ids(body) and story["title"]


def test_a_side_loaded_story_is_not_a_result(api: Kantata, specs: Specs) -> None:
    body = api.ok("/stories.json", only="708,709", include="parent,workspace")
    assert sorted(_ids(body)) == ["708", "709"]
    # the parents (704, 705) share the primary map, but only `results` lists the primary records
    assert set(body["stories"]) == {"704", "705", "708", "709"}
    assert body["stories"]["708"]["parent_id"] == "704"
    assert set(body["workspaces"]) == {"100001", "100002"}
    schema_check = {
        "count": body["count"],
        "meta": body["meta"],
        "results": body["results"],
        "stories": body["stories"],
        "workspaces": body["workspaces"],
    }
    validate(specs.time_entry_list, schema_check)  # the same Story/Workspace component schemas


def test_workspaces_side_load_external_references(api: Kantata) -> None:
    body = api.ok("/workspaces.json", include="external_references")
    assert body["workspaces"]["100001"]["external_reference_ids"] == ["600", "611"]
    assert body["workspaces"]["100003"]["external_reference_ids"] == ["602"]
    assert set(body["external_references"]) == {"600", "601", "602", "611"}
    ref = body["external_references"]["600"]
    assert (
        ref["subject_type"] == "Workspace"
        and ref["subject_id"] == 100001
        and ref["service_model_ref"] == "IC-10"
    )
    assert "external_reference_ids" not in api.ok("/workspaces.json")["workspaces"]["100001"]


def test_rate_card_roles_match_the_vendor_schema(api: Kantata, specs: Specs) -> None:
    body = api.ok("/rate_card_roles.json", include="role,rate_card_version")
    validate(specs.rate_card_role_list, body)
    assert body["rate_card_roles"]["802"] == {
        "id": "802",
        "rate_card_version_id": "62",
        "role_id": "30",
        "rate": 23550,
        "created_at": "2023-12-01T00:01:00+00:00",
        "updated_at": "2023-12-01T00:00:00+00:00",
    }
    assert body["rate_card_versions"]["62"]["rate_card_id"] == "1"  # a string, as the vendor schema says
    assert set(body["roles"]) == {"30", "31", "32"}
    with_roles = api.ok("/rate_card_versions.json", include="rate_card_roles")
    assert with_roles["rate_card_versions"]["61"]["rate_card_role_ids"] == ["800", "801"]


def test_other_resources_serve_their_tables(api: Kantata) -> None:
    for name, rows in TABLES.items():
        params: dict[str, Any] = {"per_page": 200}
        if name == "external_references":
            continue
        params.update(
            {
                "include_archived": "true",
                "show_archived": "true",
                "show_from_archived_workspaces": "true",
                "from_archived_workspaces": "true",
            }
        )
        body = api.ok(f"/{name}.json", **params)
        assert body["count"] == len(rows), name
        assert set(body[name]) == {r["id"] for r in rows}, name
    # money in subunits of each record's currency: divide by currency_base_unit, never by 100
    units = {
        w["currency"]: w["currency_base_unit"]
        for w in api.ok("/workspaces.json", include_archived="true")["workspaces"].values()
    }
    assert units == {"USD": 100, "EUR": 100, "JPY": 1, "KWD": 1000}
    membership = api.ok("/account_memberships.json", include="user,default_role")
    assert set(membership["users"]) == {"12", "13", "14"} and set(membership["roles"]) == {"30", "31", "32"}


# ------------------------------------------------------------------------------------ errors, limits
def test_unknown_paths_answer_vendor_404(api: Kantata, specs: Specs) -> None:
    for path in ("/invoices_nope.json", "/time_entries/1/extra", "/"):
        answer = api.get(path)
        assert answer.status_code == 404
        validate(specs.errors, answer.json())
    assert api.send("DELETE", "/workspaces/100001.json").status_code == 404


def test_throttling_is_a_bare_429(fresh: Kantata, specs: Specs) -> None:
    fresh.admin("PATCH", "settings", {"requests_per_minute": 3})
    codes = [fresh.get("/roles.json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    answer = fresh.get("/roles.json")
    assert answer.status_code == 429 and "retry-after" not in answer.headers
    validate(specs.errors, answer.json())
    assert answer.json() == {"errors": [{"type": "system", "message": "Too Many Requests"}]}
    fresh.admin("PATCH", "settings", {"requests_per_minute": 0})
    assert fresh.get("/roles.json").status_code == 200


def test_injected_errors_use_the_vendor_body(fresh: Kantata, specs: Specs) -> None:
    rules = [
        {"kind": "error", "status": 503, "path": "time_entries", "count": 1},
        {"kind": "error", "status": 429, "path": "stories", "count": 1},
        {"kind": "error", "status": 422, "path": "users", "count": 1},
    ]
    assert fresh.admin("POST", "faults", rules).status_code == 201
    for path, status, kind in (
        ("/time_entries.json", 503, "system"),
        ("/stories.json", 429, "system"),
        ("/users.json", 422, "validation"),
    ):
        answer = fresh.get(path)
        assert answer.status_code == status and "retry-after" not in answer.headers
        validate(specs.errors, answer.json())
        assert answer.json()["errors"][0]["type"] == kind
        assert fresh.get(path).status_code == 200  # count=1: the retry succeeds


def test_drift_faults_change_every_served_record(fresh: Kantata, specs: Specs) -> None:
    fresh.admin(
        "POST",
        "faults",
        {"kind": "drift_add_field", "field": "billing_code", "value": "X1", "path": "time_entries"},
    )
    body = fresh.ok("/time_entries.json", include="story")
    assert all(r["billing_code"] == "X1" for r in body["time_entries"].values())
    assert all(r["billing_code"] == "X1" for r in body["stories"].values())
    fresh.admin("DELETE", "faults")
    fresh.admin(
        "POST", "faults", {"kind": "drift_change_type", "field": "time_in_minutes", "path": "time_entries"}
    )
    body = fresh.ok("/time_entries.json")
    assert all(isinstance(r["time_in_minutes"], str) for r in body["time_entries"].values())
    assert not specs.time_entry_list.is_valid(body)


def test_repeat_next_serves_page_one_again(fresh: Kantata) -> None:
    first = fresh.ok("/time_entries.json", per_page=5, page=1)
    fresh.admin("POST", "faults", {"kind": "repeat_next", "path": "time_entries", "count": 1})
    again = fresh.ok("/time_entries.json", per_page=5, page=2)
    assert again["meta"]["page_number"] == 1 and _ids(again) == _ids(first)
    assert fresh.ok("/time_entries.json", per_page=5, page=2)["meta"]["page_number"] == 2


def test_utc_offset_setting_shifts_served_times(fresh: Kantata) -> None:
    fresh.admin("PATCH", "settings", {"utc_offset": "-08:00"})
    record = fresh.ok("/time_entries/40000000.json")["time_entries"]["40000000"]
    assert record["updated_at"] == "2024-03-10T00:00:00-08:00"
    # a value without offset is read in the account's time zone (midnight -08:00 = 08:00Z)
    body = fresh.ok(
        "/time_entries.json",
        updated_after="2024-03-10T00:00:00",
        from_archived_workspaces="true",
        per_page=200,
    )
    assert "40000000" not in _ids(body) and "40000002" in _ids(body)


# ------------------------------------------------------------------------------------------- writes
def test_update_time_entry(fresh: Kantata, specs: Specs) -> None:
    before = fresh.ok("/time_entries/40000001.json")["time_entries"]["40000001"]
    answer = fresh.send(
        "PUT",
        "/time_entries/40000001.json",
        json={"time_entry": {"notes": "Workshop", "time_in_minutes": 90, "colour": "red"}},
    )
    assert answer.status_code == 200, answer.text
    validate(specs.time_entry_update, answer.json())
    after = answer.json()["time_entries"]["40000001"]
    assert after["notes"] == "Workshop" and after["time_in_minutes"] == 90 and "colour" not in after
    assert after["updated_at"] > before["updated_at"]
    changed = fresh.ok("/time_entries.json", updated_after=before["updated_at"], order="updated_at:desc")
    assert _ids(changed)[0] == "40000001"
    assert fresh.ok("/time_entries/40000001")["time_entries"]["40000001"]["notes"] == "Workshop"
    form = fresh.send("PUT", "/time_entries/40000001", data={"time_entry[billable]": "false"})
    assert form.status_code == 200 and form.json()["time_entries"]["40000001"]["billable"] is False


def test_update_validation_errors(fresh: Kantata, specs: Specs) -> None:
    cases = [
        ("40000001", {"time_entry": {"time_in_minutes": 0}}, "time_in_minutes"),
        ("40000001", {"time_entry": {"date_performed": "03/05/2024"}}, "date_performed"),
        ("40000001", {"time_entry": {"story_id": "701", "workspace_id": "100001"}}, "story"),
        ("40000000", {"time_entry": {"notes": "x"}}, "base"),  # invoiced
        ("40000001", {"notes": "no root key"}, "time_entry"),
    ]
    for rid, body, field in cases:
        answer = fresh.send("PUT", f"/time_entries/{rid}.json", json=body)
        assert answer.status_code == 422, (body, answer.text)
        validate(specs.errors, answer.json())
        error = answer.json()["errors"][0]
        assert error["type"] == "validation" and error["field"] == field and error["message"]
    assert fresh.send("PUT", "/time_entries/999.json", json={"time_entry": {"notes": "x"}}).status_code == 404
    assert fresh.send("PUT", "/workspaces/100001.json", json={"workspace": {"title": "x"}}).status_code == 404


def test_create_time_entries(fresh: Kantata, specs: Specs) -> None:
    items = [
        {
            "workspace_id": 100001,
            "date_performed": "2024-03-06",
            "time_in_minutes": 60,
            "role_id": 30,
            "story_id": 700,
            "notes": "Kickoff",
        },
        {"workspace_id": "100003", "date_performed": "2024-03-06", "time_in_minutes": 45, "user_id": 13},
    ]
    answer = fresh.send("POST", "/time_entries.json", json={"time_entries": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    validate(specs.time_entry_create, body)
    created = [body["time_entries"][i] for i in _ids(body)]
    assert [c["id"] for c in created] == ["40000045", "40000046"]
    first, second = created
    assert first["rate_in_cents"] == 23550  # role 30 on rate card 1's version in force on 2024-03-06
    assert first["billable"] is True and first["story_id"] == "700" and first["user_id"] == "12"
    assert second["currency"] == "JPY" and second["currency_base_unit"] == 1 and second["role_id"] == "31"
    assert second["rate_in_cents"] == 20000  # role 31 is not on rate card 2: its default rate
    listed = fresh.ok("/time_entries.json", only="40000045,40000046")
    assert sorted(_ids(listed)) == ["40000045", "40000046"]
    single = fresh.send(
        "POST",
        "/time_entries",
        data={
            "time_entry[workspace_id]": "100002",
            "time_entry[date_performed]": "2024-03-07",
            "time_entry[time_in_minutes]": "30",
        },
    )
    assert single.status_code == 200 and _ids(single.json()) == ["40000047"]


def test_create_validation_errors(fresh: Kantata, specs: Specs) -> None:
    too_many = [{"workspace_id": 100001, "date_performed": "2024-03-06", "time_in_minutes": 5}] * 101
    cases = [
        ({"time_entries": too_many}, "time_entries"),
        ({"time_entry": {"date_performed": "2024-03-06", "time_in_minutes": 5}}, "workspace_id"),
        (
            {"time_entry": {"workspace_id": 424242, "date_performed": "2024-03-06", "time_in_minutes": 5}},
            "workspace",
        ),
        (
            {
                "time_entry": {
                    "workspace_id": ARCHIVED_WORKSPACE,
                    "date_performed": "2024-03-06",
                    "time_in_minutes": 5,
                }
            },
            "workspace",
        ),
        (
            {
                "time_entries": [
                    too_many[0],
                    {"workspace_id": 100001, "date_performed": "2024-03-06", "time_in_minutes": -5},
                ]
            },
            "time_in_minutes",
        ),
    ]
    for body, field in cases:
        answer = fresh.send("POST", "/time_entries.json", json=body)
        assert answer.status_code == 422, (field, answer.text)
        validate(specs.errors, answer.json())
        assert answer.json()["errors"][0]["field"] == field
    # all or nothing: the valid first item of the failed bulk request was not created
    assert fresh.ok("/time_entries.json", only="40000045")["count"] == 0
