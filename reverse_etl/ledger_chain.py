"""The write ledger's chain: each entry's HMAC-SHA256, under a key the warehouse does not hold, of the previous
entry's hash and its own content; and the check that finds the first entry an edit, a removal, a reorder, a
chain recomputed without the key or a deleted tail (against the heads anchored outside the warehouse) broke."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def chain_hash(key: bytes, prev: str, entry: dict[str, Any]) -> str:
    """HMAC-SHA256 under the ledger key of the previous entry's hash and this entry's content."""
    return hmac.new(key, (prev + canonical_json(_chain_view(entry))).encode(), hashlib.sha256).hexdigest()


def _chain_view(entry: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in entry.items() if k not in ("entry_hash", "prev_hash")}
    if isinstance(view.get("recorded_at"), datetime):
        view["recorded_at"] = view["recorded_at"].isoformat(timespec="microseconds")
    return view


def check(entries: list[dict[str, Any]], key: bytes | None, anchors: list[dict[str, Any]]) -> tuple[bool, str]:
    """(True, "intact"), or False and the first bad entry: an edit, a removal or reorder, a chain recomputed
    without the key, or a tail deleted after an apply or verify anchored its head."""
    if entries and key is None:
        return False, ("the ledger's key is missing (setting reverse_etl.ledger_key, or the key file in the "
                       "data dir): its chain cannot be checked")
    prev = GENESIS
    for entry in entries:
        if entry["prev_hash"] != prev:
            return False, (f"entry {entry['entry_id']}: its link to the previous entry is broken (an entry "
                           "before it was removed, or entries were reordered)")
        if not hmac.compare_digest(entry["entry_hash"], chain_hash(key, prev, entry)):  # type: ignore[arg-type]
            return False, (f"entry {entry['entry_id']}: its content changed after it was written, or the chain "
                           "was recomputed without the ledger key")
        prev = entry["entry_hash"]
    by_id = {entry["entry_id"]: entry for entry in entries}
    last = entries[-1]["entry_id"] if entries else 0
    for anchor in anchors:
        entry = by_id.get(anchor["last_entry_id"])
        if anchor["last_entry_id"] == 0 and anchor["head_hash"] == GENESIS:
            continue
        where = f"the {anchor.get('op')} of {anchor.get('plan_id')} at {anchor.get('anchored_at')}"
        if entry is None:
            return False, (f"entry {anchor['last_entry_id']}: missing — {where} anchored the chain's head there, "
                           f"and the ledger now ends at entry {last} (its tail was deleted)")
        if not hmac.compare_digest(entry["entry_hash"], anchor["head_hash"]):
            return False, (f"entry {anchor['last_entry_id']}: it is not the chain head {where} anchored (the "
                           "ledger was rewritten from there)")
    return True, "intact"
