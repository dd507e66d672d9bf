"""The org's API request allocation: a rolling 24-hour count (per-minute buckets) against a daily limit."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 24 * 3600
BUCKET_SECONDS = 60


class ApiUsage:
    """Counts API calls in the last 24 h. `limit` is read on every call so the knob can change at run time."""

    def __init__(self, limit: Callable[[], int], clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: deque[list[int]] = deque()  # [bucket start, count], oldest first
        self._used = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return int(self._limit())

    def _expire(self, now: float) -> None:
        horizon = now - WINDOW_SECONDS
        while self._buckets and self._buckets[0][0] + BUCKET_SECONDS <= horizon:
            self._used -= self._buckets.popleft()[1]

    def used(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return self._used

    def try_consume(self) -> bool:
        """Count one call; False (and nothing counted) when the allocation is already used up."""
        now = self._clock()
        start = int(now // BUCKET_SECONDS * BUCKET_SECONDS)
        with self._lock:
            self._expire(now)
            if self._used >= self.limit:
                return False
            if self._buckets and self._buckets[-1][0] == start:
                self._buckets[-1][1] += 1
            else:
                self._buckets.append([start, 1])
            self._used += 1
            return True

    def reset(self) -> int:
        with self._lock:
            used, self._used = self._used, 0
            self._buckets.clear()
            return used

    def header(self) -> str:
        """The `Sforce-Limit-Info` value, e.g. `api-usage=18/5000`."""
        return f"api-usage={self.used()}/{self.limit}"
