"""Helpers of the browser test (DEPENDENCIES.md, "Chromium and Playwright"): Debian's chromium, installed with
apt-get when missing, driven by Playwright from PyPI through `executable_path` (never `playwright install`:
no browser download), and `dagster dev` started on a free loopback port in its own process group."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.paths import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PLAYWRIGHT = "playwright==1.65.2"  # as pinned in pyproject.toml / requirements.lock
VENV_BIN = Path(sys.executable).parent


class BrowserUnavailable(RuntimeError):
    pass


def ensure_chromium() -> Path:
    """Debian's chromium at /usr/bin/chromium, installed with apt-get (≈ 30 s) when missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BrowserUnavailable(f"{CHROMIUM} is missing and we cannot apt-get it (not root, or no apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait_lock = ["-o", "DPkg::Lock::Timeout=300"]  # another apt-get may hold the lock for a while
    install = ["apt-get", *wait_lock, "install", "-y", "-q", "chromium"]
    done = subprocess.run(install, env=env, check=False, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:  # a fresh box has no package lists yet
        subprocess.run(["apt-get", *wait_lock, "update", "-q"], env=env, check=False, capture_output=True, text=True, timeout=600)
        done = subprocess.run(install, env=env, check=False, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not CHROMIUM.exists():
        raise BrowserUnavailable(f"`{' '.join(install)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return CHROMIUM


def ensure_playwright() -> None:
    """Playwright's Python package (from the lock; installed into this venv when missing). Its bundled driver
    is all it needs: the browser is Debian's."""
    if importlib.util.find_spec("playwright") is not None:
        return
    uv = VENV_BIN / "uv"
    cmd = ([str(uv), "pip", "install", "--python", sys.executable, PLAYWRIGHT] if uv.exists()
           else [sys.executable, "-m", "pip", "install", PLAYWRIGHT])
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BrowserUnavailable(f"`{' '.join(cmd)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    importlib.invalidate_caches()
    if importlib.util.find_spec("playwright") is None:
        raise BrowserUnavailable(f"{PLAYWRIGHT} installed but not importable from {sys.executable}")


@contextmanager
def chromium_page(viewport: dict[str, int] | None = None) -> Iterator[Any]:
    """A headless Chromium page (Debian's browser, Playwright's driver)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(ensure_chromium()), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport or {"width": 1600, "height": 1000})
            yield context.new_page()
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dagster_env(data_dir: Path, dagster_home: Path) -> dict[str, str]:
    return {**os.environ, "C2C_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(dagster_home), "DO_NOT_TRACK": "1",
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


class DagsterDev:
    """`dagster dev -h 127.0.0.1 -p <free port> -w workspace.yaml` from the repo, as `make ui` runs it, in its
    own session (process group); stopped by signalling that group, never by name. `stop_sensors` are stopped in
    the instance first (`dagster sensor stop`, same process group), before the daemon could tick them."""

    def __init__(self, env: dict[str, str], log_path: Path, stop_sensors: list[str] | tuple[str, ...] = ()) -> None:
        self.env, self.log_path, self.stop_sensors = env, log_path, list(stop_sensors)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        dagster = str(VENV_BIN / "dagster")
        dev = [dagster, "dev", "-h", "127.0.0.1", "-p", str(self.port), "-w", "workspace.yaml"]
        if not self.stop_sensors:
            return dev
        steps = [shlex.join([dagster, "sensor", "stop", name, "-w", "workspace.yaml"]) for name in self.stop_sensors]
        return ["/bin/sh", "-c", " && ".join([*steps, "exec " + shlex.join(dev)])]

    def start(self) -> DagsterDev:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.command(), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_default_signals)  # noqa: PLW1509 (two signal() calls only)
        return self

    def graphql(self, query: str, variables: dict[str, Any] | None = None, timeout: float = 10) -> dict[str, Any]:
        request = urllib.request.Request(self.url + "/graphql", method="POST",
                                         data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def locations(self) -> dict[str, str]:
        """Code location name -> load status (LOADING / LOADED), as the webserver sees them."""
        data = self.graphql("{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus "
                            "locationOrLoadError { __typename } } } } }")["data"]["workspaceOrError"]
        return {e["name"]: f"{e['loadStatus']}:{(e['locationOrLoadError'] or {}).get('__typename')}"
                for e in data.get("locationEntries", [])}

    def wait_ready(self, timeout: float = 180) -> dict[str, str]:
        """Wait until the webserver answers GraphQL and every code location has loaded."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                last = self.locations()
                if last and all(v.startswith("LOADED:") for v in last.values()):
                    if any(v != "LOADED:RepositoryLocation" for v in last.values()):
                        raise RuntimeError(f"a code location failed to load: {last}\n{self.log_tail()}")
                    return last
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, KeyError) as e:
                last = e
            time.sleep(0.5)
        raise TimeoutError(f"dagster dev not ready after {timeout:.0f}s (last: {last!r}):\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def terminate(self) -> None:
        """Ask the whole group to shut down (SIGTERM) without waiting; `stop()` then waits for it."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the group, SIGKILL to what is left after `timeout` seconds; reaps the leader."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            if not _group_alive(self.proc.pid):
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group_alive(self.proc.pid):
                self.proc.poll()  # reap the leader: a zombie would keep the group "alive"
                time.sleep(0.2)
        self.proc.wait(timeout=10)


def _default_signals() -> None:
    """In the child before exec: SIGINT and SIGTERM back to their defaults. A parent started with a plain `&`
    ignores them, the ignore is inherited, and `dagster dev` then cannot stop its webserver and daemon."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
