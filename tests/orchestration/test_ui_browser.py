"""The Dagster UI in a real browser (Debian's chromium driven by Playwright, no browser download): after a
nightly refresh, `dagster dev` shows the graph from the raw tables to the ERP write and the correction plan;
the approver signs the plan (the sandbox's demo approver, through the reverse ETL's approval API, as
`c2c reverse-etl approve` does); finance launches `finance_corrections` from the launchpad with the plan id;
the run succeeds and the sandbox ERP holds the corrected schedules. Uses the second sandbox (it writes to the ERP).

On failure a screenshot of the page is left in the test's tmp dir (`ui-failure.png`), beside the
`dagster dev` log (`dagster-dev.log`)."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.orchestration.browser import (
    DagsterDev,
    chromium_page,
    dagster_env,
    ensure_chromium,
    ensure_playwright,
)
from tests.paths import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PLAN_KEY = dg.AssetKey(["reverse_etl", "erp", "billing_schedule_plan"])
LOCATION = "orchestration.definitions"  # workspace.yaml loads this python module: the code location's name
APPROVER = "finance.controller@example.com"
UI_TIMEOUT_MS = 60_000  # 2 cores, maybe shared with other tests: the UI's first GraphQL answers can be slow
RUN_TIMEOUT_S = 300


def _running_sensors() -> list[str]:
    """Sensors that start RUNNING: under `dagster dev` the daemon ticks them at once; the test stops them so the
    finance_corrections run it launches is the only run that writes to the sandbox ERP."""
    from orchestration.definitions import defs

    return sorted(s.name for s in defs.get_repository_def().sensor_defs
                  if s.default_status == dg.DefaultSensorStatus.RUNNING)


_T0 = [time.monotonic()]


def _phase(what: str) -> None:
    """Where the time goes (shown with -s, or in the captured output of a failure)."""
    now = time.monotonic()
    print(f"[ui-test] {what}: {now - _T0[0]:.1f}s", flush=True)
    _T0[0] = now


def _run_config_yaml(plan_id: str) -> str:
    return ("ops:\n"
            "  reverse_etl__erp__billing_schedules:\n"
            "    config:\n"
            f"      plan_id: {plan_id}\n")


def _wait_for_run(instance: dg.DagsterInstance, run_id: str, timeout: float = RUN_TIMEOUT_S) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return run
        time.sleep(1)
    raise TimeoutError(f"run {run_id} not finished after {timeout:.0f}s: "
                       f"{instance.get_run_by_id(run_id).status if instance.get_run_by_id(run_id) else 'unknown'}")


def _launch_finance_corrections(page, url: str, plan_id: str) -> str:
    """Drive the UI as finance would; return the id of the run launched from the launchpad."""
    from playwright.sync_api import expect

    # A fresh instance first asks to "Join the Dagster community": skip it whenever it shows up.
    page.add_locator_handler(page.get_by_role("button", name="Skip"), lambda dialog: dialog.click())

    # The catalog shows the graph: the billing-schedule chain from the raw NetSuite table to the ERP write.
    page.goto(url + "/assets")
    expect(page.locator('a[href^="/assets/canonical/"]').first).to_be_visible(timeout=UI_TIMEOUT_MS)
    page.goto(url + "/assets?asset-selection=" + "key%3A%22%2Abilling_schedule%2A%22")
    for key in ("raw/netsuite/billing_schedule", "staging/stg_netsuite__billing_schedules",
                "sync/sync_erp__billing_schedule_corrections_v1", "reverse_etl/erp/billing_schedule_plan",
                "reverse_etl/erp/billing_schedules"):
        expect(page.locator(f'a[href="/assets/{key}"]').first).to_be_visible(timeout=UI_TIMEOUT_MS)

    # The correction plan: its asset page shows the plan id of the nightly run, upstream sync feed, downstream write.
    page.goto(url + "/assets/reverse_etl/erp/billing_schedule_plan")
    expect(page.get_by_text(plan_id).first).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(page.locator('a[href="/assets/sync/sync_erp__billing_schedule_corrections_v1"]').first).to_be_visible()
    expect(page.locator('a[href="/assets/reverse_etl/erp/billing_schedules"]').first).to_be_visible()

    # The launchpad of finance_corrections: the run config names the signed plan.
    page.goto(f"{url}/locations/{LOCATION}/jobs/finance_corrections/playground")
    editor = page.locator(".CodeMirror").first
    expect(editor).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(editor).to_contain_text("reverse_etl__erp__billing_schedules", timeout=UI_TIMEOUT_MS)  # the scaffold
    wanted = _run_config_yaml(plan_id)
    editor.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.insert_text(wanted)  # one input event: CodeMirror does not auto-indent it line by line
    typed = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert typed.strip() == wanted.strip(), typed
    expect(page.get_by_text("No errors")).to_be_visible(timeout=UI_TIMEOUT_MS)  # the config validated
    launch = page.get_by_role("button", name=re.compile(r"\bLaunch run$", re.IGNORECASE))
    expect(launch).to_be_enabled(timeout=UI_TIMEOUT_MS)
    launch.click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}"), timeout=UI_TIMEOUT_MS)
    return re.search(r"/runs/([0-9a-f-]{36})", page.url).group(1)


def _data_dirs(erp_sandbox, tmp_path: Path) -> tuple[Path, Path]:
    """A data dir pointing at the ERP sandbox, and a DAGSTER_HOME holding the project's instance settings."""
    data_dir, dagster_home = tmp_path / "data", tmp_path / "dagster_home"
    erp_sandbox.copy_client_files(data_dir)
    dagster_home.mkdir()
    shutil.copy(REPO / "orchestration" / "instance" / "dagster.yaml", dagster_home / "dagster.yaml")
    return data_dir, dagster_home


def test_finance_corrections_launched_from_the_ui(erp_sandbox, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.definitions import defs
    from reverse_etl.runs import approve_plan, verify_plan
    from sandbox.admin import Admin

    _T0[0] = time.monotonic()
    ensure_chromium()  # apt-get when missing (root on a fresh Debian box)
    ensure_playwright()  # from the lock; installed into the venv when missing
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    with Admin("netsuite", erp_sandbox.data_dir) as admin:
        admin.clear_faults()
        admin.reset_account()
    data_dir, dagster_home = _data_dirs(erp_sandbox, tmp_path)
    schedules = erp_sandbox.drifting_schedules  # what the full plan corrects
    monkeypatch.setenv("C2C_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    _phase("chromium + playwright present, ERP reset")

    instance = dg.DagsterInstance.get()  # the instance `dagster dev` serves: the UI sees these runs
    dev = DagsterDev(dagster_env(data_dir, dagster_home), tmp_path / "dagster-dev.log",
                     stop_sensors=_running_sensors())
    try:
        try:
            instance.get_runs(limit=1)  # create the storages before another process opens them
            instance.all_instigator_state()
            dev.start()  # ≈ 20 s until it answers: it starts while the nightly refresh runs here
            nightly = defs.resolve_job_def("nightly_refresh").execute_in_process(instance=instance)
            assert nightly.success
            plan_id = str(instance.get_latest_materialization_event(PLAN_KEY).asset_materialization
                          .metadata["plan_id"].value)
            approve_plan(plan_id, APPROVER, data_dir=data_dir)  # signed with the sandbox's demo key
            _phase("nightly refresh (in-process), plan signed")
            dev.wait_ready()
            _phase("dagster dev ready")

            with chromium_page() as page:
                try:
                    run_id = _launch_finance_corrections(page, dev.url, plan_id)
                    _phase("UI checked and run launched")
                    run = _wait_for_run(instance, run_id)
                    _phase(f"run {run_id} finished")
                    assert run.job_name == "finance_corrections"
                    assert run.status == dg.DagsterRunStatus.SUCCESS, f"{run_id}: {run.status}\n{dev.log_tail()}"
                    expect(page.get_by_text("Success").first).to_be_visible(timeout=UI_TIMEOUT_MS)  # run page
                except BaseException:
                    shot = tmp_path / "ui-failure.png"
                    try:
                        page.screenshot(path=str(shot), full_page=True)
                        print(f"screenshot at failure: {shot} ({page.url}); dagster dev log: {dev.log_path}")
                    except PlaywrightError as e:  # the browser itself may be gone
                        print(f"no screenshot: {e!r}")
                    raise
            dev.terminate()  # its shutdown (≈ 6 s) overlaps the checks below: nothing of it opens the warehouse
            with Admin("netsuite", erp_sandbox.data_dir) as admin:
                assert sorted(admin.writes()["writes"].values()) == [1] * schedules  # each corrected schedule written once
            verified = verify_plan(plan_id, data_dir)
            assert verified.public()["ok"] and verified.verified == schedules, verified.public()
        finally:
            dev.stop()
            _phase("ERP checked, dagster dev stopped")
            instance.dispose()
    finally:
        with Admin("netsuite", erp_sandbox.data_dir) as admin:
            admin.reset_account()  # the next user of this sandbox starts from the planted drifts
