"""Progress per resource (rows, pages, elapsed), printed as the walk goes, and a final summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class ResourceProgress:
    rows: int = 0
    pages: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@dataclass
class Progress:
    vendor: str
    out: TextIO | None = None
    every_seconds: float = 2.0
    resources: dict[str, ResourceProgress] = field(default_factory=dict)
    _last: float = 0.0
    say: Callable[[str], None] | None = None

    def _emit(self, text: str) -> None:
        if self.say:
            self.say(text)
        else:
            print(text, file=self.out or sys.stderr, flush=True)

    def page(self, resource: str, rows: int) -> None:
        p = self.resources.setdefault(resource, ResourceProgress())
        p.rows += rows
        p.pages += 1
        now = time.monotonic()
        if now - self._last >= self.every_seconds:
            self._last = now
            self._emit(f"  {self.vendor}/{resource}: {p.pages:,} pages, {p.rows:,} rows read, {p.elapsed:.1f}s")

    def done(self, resource: str) -> None:
        p = self.resources.setdefault(resource, ResourceProgress())
        p.finished = time.monotonic()
        self._emit(f"  {self.vendor}/{resource}: done — {p.rows:,} rows read in {p.pages:,} pages, {p.elapsed:.1f}s")
