"""NetSuite collection paging ("Collection Paging", section_156414087576): the envelope shared by SuiteQL
and record-API collections.

`{"links": [{rel, href}…], "count", "hasMore", "items": […], "offset", "totalResults"}`; the next page is
`offset + count` while `hasMore` is true. Pages may be short (fewer than `limit` rows although more remain):
clients must follow `hasMore`/links, never "page not full".
"""

from __future__ import annotations

import random
import threading
from typing import Any
from urllib.parse import urlencode

from sandbox.common.jsonio import dumps

from .errors import bad_request

MAX_LIMIT = 1000


def parse_paging(query: Any, default_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """`limit` (1..1000) and `offset` (>= 0) from the query string; 400 INVALID_PARAMETER otherwise."""
    values = {}
    for name, default in (("limit", default_limit), ("offset", 0)):
        raw = query.get(name)
        try:
            values[name] = default if raw in (None, "") else int(raw)
        except ValueError:
            raise bad_request(
                f"Invalid value for query parameter '{name}': '{raw}'. The value must be an integer.",
                errorQueryParam=name,
            ) from None
    limit, offset = values["limit"], values["offset"]
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(
            f"Invalid value for query parameter 'limit': '{limit}'. The value must be between 1 and {MAX_LIMIT}.",
            errorQueryParam="limit",
        )
    if offset < 0:
        raise bad_request(
            f"Invalid value for query parameter 'offset': '{offset}'. The value must not be negative.",
            errorQueryParam="offset",
        )
    return limit, offset


class ShortPager:
    """Decides, per page, whether to serve fewer rows than asked for (settings["short_page_rate"])."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def count(self, total: int, limit: int, offset: int, rate: float) -> int:
        natural = max(0, min(limit, total - offset))
        if natural >= 2 and rate > 0:
            with self._lock:
                if self._rng.random() < rate:
                    return self._rng.randint(1, natural - 1)
        return natural


def page_links(
    base: str,
    params: dict[str, str],
    limit: int,
    offset: int,
    count: int,
    total: int,
    has_more: bool,
    repeat_url: str | None = None,
) -> list[dict[str, str]]:
    """previous/first (past the first page), next (while hasMore), last, self: absolute URLs.

    `repeat_url` (fault `repeat_next`): the next link repeats the URL this page was reached by."""

    def href(at: int) -> str:
        return f"{base}?{urlencode({**params, 'limit': limit, 'offset': at})}"

    links: list[dict[str, str]] = []
    if offset > 0:
        links.append({"rel": "previous", "href": href(max(0, offset - limit))})
        links.append({"rel": "first", "href": href(0)})
    if has_more:
        links.append({"rel": "next", "href": repeat_url or href(offset + count)})
    if total > 0:
        links.append({"rel": "last", "href": href(max(0, (total - 1) // limit * limit))})
    links.append({"rel": "self", "href": href(offset)})
    return links


def envelope(
    links: list[dict[str, str]], count: int, has_more: bool, offset: int, total: int, items: list[bytes]
) -> bytes:
    """The page as JSON bytes, items already serialised (one bytes object per item)."""
    return b"".join(
        (
            b'{"links":',
            dumps(links),
            b',"count":%d,"hasMore":%s,"items":[' % (count, b"true" if has_more else b"false"),
            b",".join(items),
            b'],"offset":%d,"totalResults":%d}' % (offset, total),
        )
    )


def collection(items: list[dict[str, Any]], self_href: str) -> dict[str, Any]:
    """An expanded sublist: the same envelope, one page holding every line."""
    return {
        "links": [{"rel": "self", "href": self_href}],
        "count": len(items),
        "hasMore": False,
        "items": items,
        "offset": 0,
        "totalResults": len(items),
    }
