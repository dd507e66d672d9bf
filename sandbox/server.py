"""Running the four simulators: one process per vendor on loopback, started and stopped per data dir.

`up` writes `<data dir>/sandbox/endpoints.json` once every simulator answers (and, before starting them, the
demo approver's registry and key: sandbox/approvers.py); `down` stops the processes
that this data dir's `up --detach` started (their PIDs are in `<data dir>/sandbox/run/`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .approvers import write_demo_approver
from .common.paths import REPO_ROOT, VENDORS, data_dir, firm_dir, key_dir, run_dir, sandbox_dir, state_dir
from .common.vendor import load

READY_TIMEOUT = 60.0


class SandboxError(RuntimeError):
    """The sandbox could not be started or stopped; the message says what to do."""


def credentials(base: Path) -> dict[str, dict[str, Any]]:
    """Sandbox credentials of this data dir (made once, kept in a 0600 file under run/). A simulator whose
    kept credentials it can no longer serve (`credentials_usable`) gets new ones; a simulator whose
    integrations sign with key pairs hands the private keys to the clients as files (`store_private_keys`),
    and keeps only the public keys here."""
    path = run_dir(base) / "credentials.json"
    creds = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for vendor in VENDORS:
        module = load(vendor)
        usable = getattr(module, "credentials_usable", None)
        if vendor in creds and (usable is None or usable(creds[vendor])):
            continue
        made = module.make_credentials()
        store = getattr(module, "store_private_keys", None)
        creds[vendor] = store(made, key_dir(base)) if store else made
        changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(creds, fh)
    return creds


def serve(vendor: str, base: Path, port: int = 0, settings: dict[str, Any] | None = None) -> None:
    """Serve one simulator in this process until SIGTERM/SIGINT (the child side of `up`)."""
    import uvicorn

    module = load(vendor)
    creds = credentials(base)[vendor]
    app, state = module.create_app(firm_dir(base), state_dir(vendor, base), creds, settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(256)
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    info = {"vendor": vendor, "pid": os.getpid(), "origin": origin, **module.describe(origin, creds, state)}
    out = run_dir(base) / f"{vendor}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(out)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(base: Path | None = None) -> dict[str, dict[str, Any]]:
    """Vendor -> run info of the simulators of this data dir that are alive."""
    base = base or data_dir()
    out = {}
    for vendor in VENDORS:
        path = run_dir(base) / f"{vendor}.json"
        if path.exists():
            info = json.loads(path.read_text())
            if _alive(info["pid"]):
                out[vendor] = info
    return out


def up(base: Path | None = None, port_base: int = 0, log=print) -> dict[str, Any]:
    """Start the four simulators in the background; return the endpoints once all four answer."""
    base = base or data_dir()
    if not (firm_dir(base) / "params.json").exists():
        raise SandboxError(f"no generated firm under {firm_dir(base)}; run `c2c sandbox generate` first")
    write_demo_approver(base)  # the demo finance approver's key and the approvers' registry (kept if present)
    already = running(base)
    if len(already) == len(VENDORS):
        log("sandbox already running for this data dir")
        return write_endpoints(base, already)
    if already:
        down(base)
    rd = run_dir(base)
    rd.mkdir(parents=True, exist_ok=True)
    credentials(base)
    procs = {}
    for i, vendor in enumerate(VENDORS):
        (rd / f"{vendor}.json").unlink(missing_ok=True)
        port = port_base + i if port_base else 0
        with open(rd / f"{vendor}.log", "ab") as log_file:  # the child keeps its own copy of the descriptor
            procs[vendor] = subprocess.Popen(
                [sys.executable, "-m", "sandbox", "serve", vendor, "--port", str(port)],
                env={**os.environ, "C2C_DATA_DIR": str(base)},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=str(REPO_ROOT),
            )
    infos: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(timeout=2.0) as client:
        while len(infos) < len(VENDORS):
            for vendor, proc in procs.items():
                if vendor in infos:
                    continue
                if proc.poll() is not None:
                    down(base)
                    tail = (rd / f"{vendor}.log").read_text(errors="replace")[-2000:]
                    raise SandboxError(f"the {vendor} simulator exited with code {proc.returncode}:\n{tail}")
                path = rd / f"{vendor}.json"
                if path.exists():
                    info = json.loads(path.read_text())
                    try:
                        if client.get(info["origin"] + "/_sandbox/health").status_code == 200:
                            infos[vendor] = info
                            log(f"  {vendor:<10} {info['base_url']}")
                    except httpx.TransportError:
                        pass
            if time.monotonic() > deadline:
                down(base)
                raise SandboxError(f"simulators not ready after {READY_TIMEOUT:.0f}s; see logs in {rd}")
            time.sleep(0.1)
    return write_endpoints(base, infos)


def write_endpoints(base: Path, infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keep = (
        "base_url",
        "token_request",
        "access_token",
        "headers",
        "api_version",
        "account_id",
        "m2m",
        "write_m2m",
        "write_access_token",
    )  # NetSuite: its reader's and writer's integrations
    endpoints = {
        v: {k: infos[v][k] for k in keep if k in infos[v]} | {"admin_url": infos[v]["origin"] + "/_sandbox"}
        for v in VENDORS
    }
    path = sandbox_dir(base) / "endpoints.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(endpoints, fh, indent=1)
    return endpoints


def down(base: Path | None = None, timeout: float = 10.0) -> list[str]:
    """Stop this data dir's simulators (SIGTERM to each process group, then SIGKILL after `timeout`)."""
    base = base or data_dir()
    stopped = []
    for vendor in VENDORS:
        path = run_dir(base) / f"{vendor}.json"
        if not path.exists():
            continue
        pid = json.loads(path.read_text())["pid"]
        if _alive(pid):
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.05)
            if _alive(pid):
                _signal_group(pid, signal.SIGKILL)
            stopped.append(vendor)
        path.unlink(missing_ok=True)
    (sandbox_dir(base) / "endpoints.json").unlink(missing_ok=True)
    return stopped


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
