"""Generation time of the `medium` firm (target: ≤ 60 s on 2 cores).

Runs the generation in a child process per repetition (so peak RSS is the generator's own), alternating
`medium` with `small` (A B A B …): ratio = medium seconds ÷ the 60 s budget; medium ÷ small is reported too.

    python -m benchmarks.generate [--pairs 3] [--size medium]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from .common import report

BUDGET_SECONDS = 60.0


def run(size: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        code = f"from pathlib import Path; from sandbox.firm.generate import generate; generate({size!r}, 42, Path({tmp!r}))"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        seconds = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(rss, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--size", default="medium")
    args = parser.parse_args()
    big, small, ratios = [], [], []
    peak = 0
    for i in range(args.pairs):
        seconds, rss = run(args.size)
        big.append(seconds)
        peak = max(peak, rss)
        small.append(run("small")[0])
        ratios.append(seconds / BUDGET_SECONDS)
        print(f"pair {i + 1}: {args.size} {seconds:.1f}s, small {small[-1]:.1f}s", flush=True)
    report("generate", ratios, {
        "size": args.size, "median_seconds": round(statistics.median(big), 2),
        "median_small_seconds": round(statistics.median(small), 2),
        "size_over_small": round(statistics.median(b / s for b, s in zip(big, small)), 2),
        "budget_seconds": BUDGET_SECONDS, "peak_rss_mb": round(peak / 1024), "target": "ratio <= 1.0",
    })


if __name__ == "__main__":
    main()
