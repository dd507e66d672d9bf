"""The demo's progress lines for an in-process Dagster run come from the run's own event log: each step as it
starts, the ingestion's per-table "done" lines, and a count of assets and checks — while whatever the steps
print to stdout (dbt's console log) goes to a file, and the progress still reaches the terminal."""

from __future__ import annotations

import contextlib
import io
import uuid

import dagster as dg

from c2c import run_progress
from core.output import progress


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers"), dg.AssetCheckSpec("small", asset="numbers")])
def numbers(context):  # unannotated: dagster refuses a string annotation of the context
    context.log.info("salesforce/Account: done — 3 rows read in 1 pages, 0.1s")
    print("a chatty library line")  # stands in for dagster-dbt echoing dbt's log
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(check_name="positive", passed=False)
    yield dg.AssetCheckResult(check_name="small", passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset(deps=[numbers])
def doubled() -> None:
    return None


def test_progress_lines_come_from_the_event_log_and_printing_goes_to_the_file() -> None:
    job = dg.define_asset_job("numbers_job", selection=[numbers, doubled])
    defs = dg.Definitions(assets=[numbers, doubled], jobs=[job])
    instance = dg.DagsterInstance.ephemeral()
    terminal, sink, run_id = io.StringIO(), io.StringIO(), str(uuid.uuid4())
    with contextlib.redirect_stdout(terminal):
        say = progress(as_json=False)  # bound to the terminal now, as `c2c demo` binds it
        with run_progress.RunProgress(instance, run_id, "numbers_job", say, poll_seconds=0.05), \
                contextlib.redirect_stdout(sink):
            result = defs.resolve_job_def("numbers_job").execute_in_process(
                instance=instance, run_id=run_id, raise_on_error=False)
    assert result.success
    lines = terminal.getvalue().splitlines()
    assert "  numbers_job: step numbers started" in lines and "  numbers_job: step doubled started" in lines
    assert "  salesforce/Account: done — 3 rows read in 1 pages, 0.1s" in lines
    assert lines[-1].endswith("2 assets materialized, 2 checks evaluated (1 failed, 1 warned)"), lines
    assert "a chatty library line" in sink.getvalue() and "chatty" not in terminal.getvalue()
