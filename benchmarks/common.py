"""Reporting for benchmarks (BENCHMARKS.md): medians of interleaved pairs, one RESULT line, JSON results."""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for pkg in ("duckdb", "polars", "dlt", "starlette", "uvicorn", "httpx"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001, S110 - a missing package is just not reported
            pass
    return out


def report(name: str, ratios: list[float], extra: dict[str, Any]) -> dict[str, Any]:
    result = {
        "name": name,
        "ratio": round(statistics.median(ratios), 4),
        "ratio_min": round(min(ratios), 4),
        "ratio_max": round(max(ratios), 4),
        "pairs": len(ratios),
        "versions": versions(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **extra,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}-{int(time.time())}.json").write_text(json.dumps(result, indent=1))
    fields = " ".join(f"{k}={v}" for k, v in result.items() if k not in ("name", "versions", "at") and not isinstance(v, dict))
    print(f"RESULT {name} {fields}")
    return result
