"""`recovery` (BENCHMARKS.md, RELIABILITY.md F5): an apply killed with SIGKILL at a random point and resumed
to completion ÷ the same apply uninterrupted, at `small`. Must ≤ 1.3 with 0 duplicates, aim ≤ 1.1.

Set-up (benchmarks/retl_setup.py): the firm (`small`, seed 42) on a running sandbox; every billing schedule
with an open line drifts by one minor unit (the admin's concurrent edit, change "amount"); all four vendors
are ingested and built once. Every apply then starts from the same state: the NetSuite account reset, the
same edits, a fresh copy of that warehouse, NetSuite re-ingested + built, `plan`, approval; NetSuite's
`latency_seconds` (0.5 s, the same as writeback) makes an apply take several seconds, and the committed-write counter is zeroed.

A = uninterrupted: `python -m reverse_etl apply <plan> --json` as a subprocess (env C2C_DATA_DIR), timed
from start to exit.
B = the same apply on a fresh identical state, killed with SIGKILL at a point drawn uniformly between 20 %
and 80 % of that pair's A (seeded), then `python -m reverse_etl apply <plan> --json` again to completion;
B = the killed run's time until the kill + the resumed run's time.
Ratio = B ÷ A. Checked: duplicates = Σ (n − 1) over the committed-write counter (must be 0), the resumed
run's JSON says `complete`, and `python -m reverse_etl verify <plan> --json` passes (ledger intact).

    python -m benchmarks.recovery [--size small] [--pairs 3] [--latency 0.5] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.paths import REPO_ROOT

from .common import report
from .retl_setup import Bench, Prepared, duplicates, prepare, start, stop, warm

REPO = REPO_ROOT


def _cli(prepared: Prepared, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reverse_etl", *args, "--json"], cwd=REPO, text=True,
                            env={**os.environ, "C2C_DATA_DIR": str(prepared.data_dir)},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _last_json(out: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else {}


def run_to_end(prepared: Prepared, *args: str) -> tuple[float, int, dict[str, Any], str]:
    t0 = time.perf_counter()
    proc = _cli(prepared, *args)
    out, err = proc.communicate()
    return time.perf_counter() - t0, proc.returncode, _last_json(out), err


def armed(bench: Bench, name: str, latency: float) -> Prepared:
    prepared = prepare(bench, name)
    bench.admin.writes(reset=True)
    bench.admin.settings(latency_seconds=latency)
    return prepared


def check_done(bench: Bench, prepared: Prepared, code: int, result: dict[str, Any], err: str,
               what: str) -> dict[str, Any]:
    """Latency off, then the committed-write counter and `verify` for the finished apply."""
    bench.admin.settings(latency_seconds=0)
    if code != 0 or result.get("status") != "complete":
        raise SystemExit(f"{what}: apply exited {code} with status {result.get('status')!r}\n{err[-2000:]}")
    writes = bench.admin.writes()
    _, vcode, verified, verr = run_to_end(prepared, "verify", prepared.plan_id)
    return {"committed": int(writes.get("total", 0)), "duplicates": duplicates(writes),
            "verify_ok": vcode == 0 and bool(verified.get("ok")) and bool(verified.get("ledger_intact")),
            "verified": verified.get("verified"), "verify_err": verr[-500:] if vcode else ""}


def pair(bench: Bench, i: int, latency: float, rng: random.Random) -> dict[str, Any]:
    # A: uninterrupted
    prepared = armed(bench, f"pair{i}-a", latency)
    a, code, result, err = run_to_end(prepared, "apply", prepared.plan_id)
    a_check = check_done(bench, prepared, code, result, err, f"pair {i} A")

    # B: killed at a random point, then resumed
    prepared = armed(bench, f"pair{i}-b", latency)
    fraction = rng.uniform(0.2, 0.8)
    t0 = time.perf_counter()
    proc = _cli(prepared, "apply", prepared.plan_id)
    deadline = t0 + fraction * a
    while proc.poll() is None and time.perf_counter() < deadline:
        time.sleep(min(0.005, max(0.0, deadline - time.perf_counter())))
    exited_first = proc.poll() is not None
    if not exited_first:
        os.kill(proc.pid, signal.SIGKILL)
    killed_s = time.perf_counter() - t0
    proc.communicate()
    at_kill = bench.admin.writes()  # writes committed before the kill (a PUT already sent may still land)
    resume_s, code, resumed, err = run_to_end(prepared, "apply", prepared.plan_id)
    b_check = check_done(bench, prepared, code, resumed, err, f"pair {i} B (resume)")
    b = killed_s + resume_s
    return {"a": a, "b": b, "ratio": b / a, "fraction": fraction, "killed_s": killed_s, "resume_s": resume_s,
            "exited_before_kill": exited_first, "committed_at_kill": int(at_kill.get("total", 0)),
            "schedules": prepared.schedules, "resumed_in_flight": resumed.get("resumed_in_flight"),
            "resumed_written": (resumed.get("schedules") or {}).get("written", 0)
            + (resumed.get("schedules") or {}).get("landed", 0),
            "resumed_skipped": (resumed.get("schedules") or {}).get("skipped", 0)
            + (resumed.get("schedules") or {}).get("already_applied", 0),
            "a_written": (result.get("schedules") or {}).get("written", 0),
            "duplicates": a_check["duplicates"] + b_check["duplicates"],
            "committed_a": a_check["committed"], "committed_b": b_check["committed"],
            "verify_ok": a_check["verify_ok"] and b_check["verify_ok"],
            "verify_err": a_check["verify_err"] + b_check["verify_err"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.5, help="NetSuite latency_seconds during the applies")
    parser.add_argument("--seed", type=int, default=7, help="seeds the kill points")
    args = parser.parse_args()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    rng = random.Random(args.seed)

    pairs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        bench = None
        try:
            bench = start(base, args.size)
            warm(bench)
            for i in range(1, args.pairs + 1):
                r = pair(bench, i, args.latency, rng)
                pairs.append(r)
                print(f"pair {i}: A {r['a']:.2f}s ({r['a_written']}/{r['schedules']} written); B killed at "
                      f"{r['killed_s']:.2f}s ({r['fraction']:.0%} of A{', had already exited' if r['exited_before_kill'] else ''}; "
                      f"{r['committed_at_kill']} writes committed) + resume {r['resume_s']:.2f}s "
                      f"({r['resumed_in_flight']} in flight, {r['resumed_written']} written, "
                      f"{r['resumed_skipped']} skipped) = {r['b']:.2f}s -> {r['ratio']:.3f}; committed A "
                      f"{r['committed_a']} / B {r['committed_b']}, duplicates {r['duplicates']}, "
                      f"verify {'ok' if r['verify_ok'] else 'FAILED ' + r['verify_err']}", flush=True)
        finally:
            stop(bench, base)

    dups = sum(r["duplicates"] for r in pairs)
    verified = all(r["verify_ok"] for r in pairs)
    report("recovery", [r["ratio"] for r in pairs], {
        "size": args.size, "latency_s": args.latency, "schedules": pairs[0]["schedules"],
        "uninterrupted_median_s": round(statistics.median(r["a"] for r in pairs), 2),
        "killed_and_resumed_median_s": round(statistics.median(r["b"] for r in pairs), 2),
        "kill_fractions": ",".join(f"{r['fraction']:.2f}" for r in pairs),
        "duplicates": dups, "verified": verified, "target": "must <= 1.3 and 0 duplicates, aim <= 1.1"})
    if dups or not verified:
        raise SystemExit(f"recovery: {dups} duplicate write(s), verified={verified}")


if __name__ == "__main__":
    main()
