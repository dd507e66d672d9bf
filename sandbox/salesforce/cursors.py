"""Query locators: the cached result of one query, served page by page through `nextRecordsUrl`.

Like Salesforce, a locator is closed after a period without use (`query_locator_ttl_seconds`, 15 min) and
only a limited number stay open per org (`max_query_locators`; the oldest is dropped first). Using a closed
locator gives 400 INVALID_QUERY_LOCATOR.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

_ALPHABET = string.ascii_letters + string.digits


def new_locator() -> str:
    """A query locator id: the `01g` key prefix plus 15 characters, e.g. 01gD0000002HU6KIAW."""
    return "01g" + "".join(secrets.choice(_ALPHABET) for _ in range(15))


@dataclass
class Cursor:
    locator: str
    rows: list[str]  # each record pre-serialised as JSON text
    batch_size: int
    last_used: float


class CursorStore:
    def __init__(
        self,
        max_open: Callable[[], int],
        ttl_seconds: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_open = max_open
        self._ttl = ttl_seconds
        self._clock = clock
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        ttl = float(self._ttl())
        for locator in [k for k, c in self._cursors.items() if now - c.last_used > ttl]:
            del self._cursors[locator]

    def open(self, rows: list[str], batch_size: int) -> Cursor:
        now = self._clock()
        cursor = Cursor(new_locator(), rows, batch_size, now)
        with self._lock:
            self._expire(now)
            self._cursors[cursor.locator] = cursor
            while len(self._cursors) > max(1, int(self._max_open())):
                self._cursors.popitem(last=False)
        return cursor

    def get(self, locator: str) -> Cursor | None:
        now = self._clock()
        with self._lock:
            self._expire(now)
            cursor = self._cursors.get(locator)
            if cursor is not None:
                cursor.last_used = now
                self._cursors.move_to_end(locator)
            return cursor

    def __len__(self) -> int:
        with self._lock:
            return len(self._cursors)

    def clear(self) -> int:
        with self._lock:
            n = len(self._cursors)
            self._cursors.clear()
            return n
