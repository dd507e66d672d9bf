"""Progress of a Dagster run executing in this process (the demo's runs), read from the run's own event log
every few seconds: each step as it starts, the ingestion's per-table "done" lines, and how many assets and
checks have finished — so a run of minutes is never silent, while dbt's console log goes to a file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Self

REPORT_EVERY_SECONDS = 15.0


class RunProgress(threading.Thread):
    def __init__(self, instance: Any, run_id: str, job: str, say: Callable[[str], None],
                 poll_seconds: float = 2.0) -> None:
        super().__init__(name=f"progress-{job}", daemon=True)
        self.instance, self.run_id, self.job, self.say = instance, run_id, job, say
        self.poll_seconds = poll_seconds
        self.cursor: str | None = None
        self.assets = self.checks = self.failed_checks = self.warned_checks = 0
        self.started = time.monotonic()
        self._reported = (0, 0, 0.0)  # assets, checks, when
        self._finished = threading.Event()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finished.set()
        self.join()

    def run(self) -> None:
        while not self._finished.wait(self.poll_seconds):
            self._poll()
        self._poll(final=True)

    def _poll(self, final: bool = False) -> None:
        try:
            while True:
                page = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, limit=1000)
                for record in page.records:
                    self._show(record.event_log_entry)
                self.cursor = page.cursor
                if not page.has_more:
                    break
        except Exception as exc:  # noqa: BLE001 - progress is a courtesy: never fail the run over it
            self.say(f"  ({self.job}: progress unavailable: {type(exc).__name__})")
            self._finished.set()
            return
        now = time.monotonic()
        if (self.assets, self.checks) != self._reported[:2] and (final or now - self._reported[2] >= REPORT_EVERY_SECONDS):
            self._reported = (self.assets, self.checks, now)
            outcomes = [f"{n} {word}" for n, word in ((self.failed_checks, "failed"), (self.warned_checks, "warned")) if n]
            self.say(f"  {self.job} {now - self.started:.0f}s: {self.assets} assets materialized, "
                     f"{self.checks} checks evaluated" + (f" ({', '.join(outcomes)})" if outcomes else ""))

    def _show(self, entry: Any) -> None:
        event = entry.dagster_event
        if event is None:
            if " done — " in (entry.user_message or ""):  # the ingestion's per-table summary
                self.say("  " + entry.user_message.strip())
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.say(f"  {self.job}: step {event.step_key} started")
        elif kind == "ASSET_MATERIALIZATION":
            self.assets += 1
        elif kind == "ASSET_CHECK_EVALUATION":
            self.checks += 1
            evaluation = event.event_specific_data
            if not evaluation.passed:  # dbt tests with severity warn are WARN checks
                if evaluation.severity.value == "WARN":
                    self.warned_checks += 1
                else:
                    self.failed_checks += 1
