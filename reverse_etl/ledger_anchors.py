"""Anchors of the write ledger's chain outside the warehouse: after each apply (and verify), one JSON line
`{"op", "plan_id", "last_entry_id", "head_hash", "anchored_at"}` appended to
`<data dir>/reverse_etl/ledger_anchors.jsonl` (0600), fsynced before the run reports. The same head is in the
apply's `--json` output and in the Dagster write asset's metadata. A ledger whose tail was deleted, or whose
chain was rebuilt, no longer holds an anchored head: `Store.ledger_intact()` names the entry."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.paths import ledger_anchors_file


def append(base: Path | None, *, op: str, plan_id: str, last_entry_id: int, head_hash: str) -> dict[str, Any]:
    anchor = {"op": op, "plan_id": plan_id, "last_entry_id": last_entry_id, "head_hash": head_hash,
              "anchored_at": datetime.now(UTC).isoformat(timespec="microseconds")}
    path = ledger_anchors_file(base)
    created = not path.exists()
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(anchor, sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new file's directory entry is durable too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return anchor


def read(base: Path | None) -> list[dict[str, Any]]:
    """Every anchor, oldest first; a line that is not an anchor raises ValueError naming its number."""
    path = ledger_anchors_file(base)
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            anchors.append({**anchor, "last_entry_id": int(anchor["last_entry_id"]),
                            "head_hash": str(anchor["head_hash"])})
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"line {number} of {path} is not a ledger anchor") from None
    return anchors
