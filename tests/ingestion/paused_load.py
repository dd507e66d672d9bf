"""`python -m tests.ingestion.paused_load <vendor> <marker>`: `c2c ingest <vendor>` with a pause inside dlt's
load step, for the interrupted-load tests (RELIABILITY.md F6).

The first load job to start (extract and normalize are over, the package is on disk) writes the job's id to
`marker`, then waits for the process to be signalled before it runs: a SIGTERM then lands while dlt holds
running jobs and has more to start (dlt drains the running job and stops), a SIGKILL while a job is open."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from dlt.common.destination.client import RunnableLoadJob
from dlt.common.runtime import signals

PAUSE_LIMIT = 120.0  # seconds: the test signals long before


def pause_first_load_job(marker: Path) -> None:
    run_managed = RunnableLoadJob.run_managed
    started: list[str] = []

    def paused(self: RunnableLoadJob, job_client, done_event, /) -> None:
        if not started:
            started.append(self.job_id())
            marker.write_text(self.job_id())
            deadline = time.monotonic() + PAUSE_LIMIT
            while not signals.was_signal_received() and time.monotonic() < deadline:
                time.sleep(0.02)
        run_managed(self, job_client, done_event)

    RunnableLoadJob.run_managed = paused  # type: ignore[method-assign]


if __name__ == "__main__":
    vendor, marker = sys.argv[1], Path(sys.argv[2])
    pause_first_load_job(marker)
    from ingestion.cli import ingest

    ingest.main([vendor], prog_name="c2c ingest")
