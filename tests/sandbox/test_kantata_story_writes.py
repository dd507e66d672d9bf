"""Kantata OX story updates over real loopback HTTP: a project manager marks a milestone completed
(`PUT /stories/{id}.json`, root key `story`), the story state change it adds, and the incremental reads that
must see both. Uses the simulator fixtures of test_kantata_sim.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.sandbox.kantata_data import build_tables
from tests.sandbox.kantata_helpers import ISO_OFFSET, Kantata
from tests.sandbox.test_kantata_sim import firm, fresh  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

TABLES = build_tables()
MILESTONE = "700"  # milestone, "not started", live project 100001, not archived
STORY = next(s for s in TABLES["stories"] if s["id"] == MILESTONE)
GENERATED_CHANGE_IDS = {c["id"] for c in TABLES["story_state_changes"]}


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _put(
    api: Kantata, sid: str, attrs: dict[str, Any], form: bool = False, suffix: str = ".json"
) -> httpx.Response:
    path = f"/stories/{sid}{suffix}"
    if form:
        return api.send("PUT", path, data={f"story[{k}]": v for k, v in attrs.items()})
    return api.send("PUT", path, json={"story": attrs})


def _changes(api: Kantata, **params: Any) -> dict[str, dict[str, Any]]:
    body = api.ok("/story_state_changes.json", story_id=MILESTONE, per_page=200, **params)
    return body["story_state_changes"]


def test_json_write_completes_the_milestone(fresh: Kantata) -> None:  # noqa: F811
    before = fresh.ok(f"/stories/{MILESTONE}.json")["stories"][MILESTONE]
    answer = _put(fresh, MILESTONE, {"state": "completed", "notes": "ignored", "workspace_id": "100002"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == fresh.ok(f"/stories/{MILESTONE}.json")  # the envelope a show returns
    assert body["count"] == 1 and body["results"] == [{"key": "stories", "id": MILESTONE}]
    story = body["stories"][MILESTONE]
    assert story["state"] == "completed"
    assert story["workspace_id"] == before["workspace_id"] and "notes" not in story  # unpermitted: ignored
    assert ISO_OFFSET.match(story["updated_at"])
    stamp = _at(story["updated_at"])
    assert stamp > _at(before["updated_at"])
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)

    added = {k: v for k, v in _changes(fresh).items() if k not in GENERATED_CHANGE_IDS}
    assert len(added) == 1
    ((rid, change),) = added.items()
    assert int(rid) > max(int(i) for i in GENERATED_CHANGE_IDS)
    assert change["story_id"] == MILESTONE and change["state"] == "completed"
    assert change["created_at"] == change["updated_at"] == story["updated_at"]


def test_form_write_and_path_without_suffix(fresh: Kantata) -> None:  # noqa: F811
    answer = _put(fresh, MILESTONE, {"state": "started", "title": "Kickoff done"}, form=True, suffix="")
    assert answer.status_code == 200, answer.text
    story = answer.json()["stories"][MILESTONE]
    assert (story["state"], story["title"]) == ("started", "Kickoff done")
    assert [c["state"] for k, c in _changes(fresh).items() if k not in GENERATED_CHANGE_IDS] == ["started"]


def test_incremental_reads_see_the_write(fresh: Kantata) -> None:  # noqa: F811
    last_seen = max(c["created_at"] for c in TABLES["story_state_changes"]).isoformat()
    assert fresh.ok("/story_state_changes.json", created_after=last_seen)["count"] == 0
    story_mark = max(s["updated_at"] for s in TABLES["stories"]).isoformat()
    assert fresh.ok("/stories.json", updated_after=story_mark)["count"] == 0

    stamp = _put(fresh, MILESTONE, {"state": "completed"}).json()["stories"][MILESTONE]["updated_at"]
    created = fresh.ok("/story_state_changes.json", created_after=last_seen)
    assert created["count"] == 1
    change = next(iter(created["story_state_changes"].values()))
    assert (change["story_id"], change["state"], change["created_at"]) == (MILESTONE, "completed", stamp)
    assert fresh.ok("/story_state_changes.json", updated_after=last_seen)["count"] == 1
    assert fresh.ok("/story_state_changes.json", created_after=stamp)["count"] == 0  # strict, like the vendor
    stories = fresh.ok("/stories.json", updated_after=story_mark)
    assert [r["id"] for r in stories["results"]] == [MILESTONE]
    assert stories["stories"][MILESTONE]["state"] == "completed"


def test_unchanged_state_adds_no_row(fresh: Kantata) -> None:  # noqa: F811
    before = fresh.ok(f"/stories/{MILESTONE}.json")["stories"][MILESTONE]
    same = _put(fresh, MILESTONE, {"state": STORY["state"], "due_date": "2024-04-30", "billable": "false"})
    assert same.status_code == 200, same.text
    story = same.json()["stories"][MILESTONE]
    assert (story["state"], story["due_date"], story["billable"]) == (STORY["state"], "2024-04-30", False)
    assert _at(story["updated_at"]) > _at(before["updated_at"])  # other attributes still bump updated_at
    assert set(_changes(fresh)) <= GENERATED_CHANGE_IDS

    noop = _put(fresh, MILESTONE, {"state": STORY["state"]})  # nothing changes: nothing is saved
    assert noop.status_code == 200 and noop.json()["stories"][MILESTONE] == story
    assert set(_changes(fresh)) <= GENERATED_CHANGE_IDS


def test_two_quick_writes_strictly_increase_updated_at(fresh: Kantata) -> None:  # noqa: F811
    first = _put(fresh, MILESTONE, {"state": "completed"}).json()["stories"][MILESTONE]["updated_at"]
    second = _put(fresh, MILESTONE, {"state": "accepted"}).json()["stories"][MILESTONE]["updated_at"]
    assert _at(second) > _at(first)
    added = sorted(
        (c for k, c in _changes(fresh).items() if k not in GENERATED_CHANGE_IDS),
        key=lambda c: c["created_at"],
    )
    assert [(c["state"], c["created_at"]) for c in added] == [("completed", first), ("accepted", second)]


def test_status_sets_the_state(fresh: Kantata) -> None:  # noqa: F811
    answer = _put(fresh, MILESTONE, {"status": "completed", "state": "started"})
    assert answer.status_code == 200 and answer.json()["stories"][MILESTONE]["state"] == "completed"


@pytest.mark.parametrize(
    ("attrs", "field"),
    [
        ({"state": "done"}, "state"),
        ({"state": "won't fix"}, "state"),  # an issue state, not a milestone's
        ({"status": "shipped"}, "status"),
        ({"title": " "}, "title"),
        ({"due_date": "30/04/2024"}, "due_date"),
        ({"billable": "maybe"}, "billable"),
    ],
)
def test_invalid_values_answer_422(
    fresh: Kantata,  # noqa: F811
    attrs: dict[str, Any],
    field: str,
) -> None:
    answer = _put(fresh, MILESTONE, attrs)
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["type"] == "validation" and error["field"] == field and error["message"]
    assert fresh.ok(f"/stories/{MILESTONE}.json")["stories"][MILESTONE]["state"] == STORY["state"]
    assert set(_changes(fresh)) <= GENERATED_CHANGE_IDS


def test_missing_root_key_is_422(fresh: Kantata) -> None:  # noqa: F811
    answer = fresh.send("PUT", f"/stories/{MILESTONE}.json", json={"state": "completed"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "story"


def test_unknown_story_is_404(fresh: Kantata) -> None:  # noqa: F811
    answer = _put(fresh, "999999", {"state": "completed"})
    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"type": "system", "message": "Could not find story 999999"}]}


def test_no_token_is_401_and_writes_nothing(fresh: Kantata) -> None:  # noqa: F811
    for headers in ({}, {"Authorization": "Bearer nope"}):
        answer = fresh.http.put(
            f"/stories/{MILESTONE}.json", json={"story": {"state": "completed"}}, headers=headers
        )
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["type"] == "system"
    assert fresh.ok(f"/stories/{MILESTONE}.json")["stories"][MILESTONE]["state"] == STORY["state"]
