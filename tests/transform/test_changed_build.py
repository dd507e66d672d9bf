"""The production build (`c2c transform`) rebuilds only what the raw tables' new loads feed — and ends equal to
a full build: every model table the same, row for row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import httpx
import pytest

from ingestion.run import run_vendor
from transform_runner import build, build_changed
from transform_runner import changes as build_state

from .conftest import ingest_into

pytestmark = pytest.mark.integration
MODEL_SCHEMAS = ("intermediate", "canonical", "reconciliation", "marts", "sync")
RUN_TIME_COLUMNS = {"first_seen_at", "last_seen_at", "resolved_at"}  # finance_exceptions' history stamps


def _model_tables(data_dir: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             f"where table_schema in {MODEL_SCHEMAS} order by 1, 2").fetchall()
        out = {}
        for schema, name in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position", [schema, name]).fetchall() if c not in RUN_TIME_COLUMNS]
            out[f"{schema}.{name}"] = con.execute(
                f'select {", ".join(chr(34) + c + chr(34) for c in columns)} from "{schema}"."{name}" order by all'
            ).fetchall()
        return out
    finally:
        con.close()


def _kantata(tiny_sandbox) -> httpx.Client:
    ep = tiny_sandbox.endpoints["kantata"]
    return httpx.Client(base_url=ep["base_url"], headers={"Authorization": f"Bearer {ep['access_token']}"},
                        timeout=30)


def test_changed_build_selects_what_the_new_load_feeds_and_equals_a_full_build(
        tiny_sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = tiny_sandbox.manifest["as_of"]
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    ingest_into(tiny_sandbox, tmp_path)

    plan, summary = build_changed(tmp_path, as_of=as_of)
    assert (plan.mode, summary.success) == ("full", True), plan.reason
    assert "unit_test" not in summary.counts, "the production build runs the unit tests"
    assert build_state.state_file(tmp_path, "duckdb").exists()

    plan, summary = build_changed(tmp_path, as_of=as_of)
    assert plan.mode == "nothing" and summary.success, plan.reason

    # a PSA correction: one non-invoiced entry's minutes change; only kantata.time_entries loads a row
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    entry_id, minutes = con.execute("select psa_time_entry_id, minutes from canonical.fct_time_entries "
                                    "where not is_invoiced and is_billable and minutes < 600 "
                                    "order by psa_time_entry_id limit 1").fetchone()
    con.close()
    with _kantata(tiny_sandbox) as client:
        try:
            edited = client.put(f"/time_entries/{entry_id}.json", json={"time_entry": {"time_in_minutes": minutes + 90}})
            assert edited.status_code == 200, edited.text
            assert run_vendor("kantata", say=lambda _: None).rows == {"time_entries": 1}
            plan, summary = build_changed(tmp_path, as_of=as_of)
            assert summary.success, summary.text()
            assert (plan.mode, plan.changed) == ("changed", ["kantata.time_entries"]), plan.reason
            built_models = summary.counts["model"]["success"]
            changed_only = _model_tables(tmp_path)

            assert build(tmp_path, as_of=as_of, unit_tests=False).success  # everything, on the same warehouse
            full = _model_tables(tmp_path)
        finally:
            client.put(f"/time_entries/{entry_id}.json", json={"time_entry": {"time_in_minutes": minutes}})
    assert built_models < 20, f"a one-table change rebuilt {built_models} models"
    differing = [name for name in full if full[name] != changed_only.get(name)]
    assert not differing, f"the changed-only build left these tables different from a full build: {differing}"
    assert changed_only["canonical.fct_time_entries"] != [], "compared empty tables"

    # a new as-of date re-evaluates every rule
    plan = build_state.plan_build(tmp_path, as_of="2026-10-16")
    assert plan.mode == "full" and "as-of" in plan.reason


def test_the_project_fingerprint_follows_every_sql_and_yaml_file(tmp_path: Path) -> None:
    project = tmp_path / "transform"
    shutil.copytree(build_state.PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    before = build_state.project_fingerprint(project)
    assert build_state.project_fingerprint(project) == before
    model = next((project / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- edited\n")
    assert build_state.project_fingerprint(project) != before


def test_declared_sources_are_the_raw_tables_ingestion_writes() -> None:
    keys = {t.key for t in build_state.source_tables()}
    assert {"kantata.time_entries", "ironclad.records", "netsuite.billing_schedule_line",
            "salesforce.opportunity"} <= keys
    assert all(t.schema == f"raw_{t.source}" for t in build_state.source_tables() if t.source != "reverse_etl")
    assert {"reverse_etl.write_ledger", "reverse_etl.plan_items"} <= keys
