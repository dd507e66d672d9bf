"""Helpers of the browser test (DEPENDENCIES.md, "Chromium and Playwright"): Debian's chromium, installed with
apt-get when missing, driven by Playwright from PyPI through `executable_path` (never `playwright install`:
no browser download), and `dagster dev` started on a free loopback port in its own process group."""

from __future__ import annotations

import json
import os
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
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:  # a fresh box has no package lists yet
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, text=True, timeout=600)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not CHROMIUM.exists():
        raise BrowserUnavailable(f"`{' '.join(install)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return CHROMIUM


def ensure_playwright() -> None:
    """Playwright's Python package (from the lock; installed into this venv when missing). Its bundled driver
    is all it needs: the browser is Debian's."""
    try:
        import playwright.sync_api  # noqa: F401
        return
    except ImportError:
        pass
    uv = VENV_BIN / "uv"
    cmd = ([str(uv), "pip", "install", "--python", sys.executable, PLAYWRIGHT] if uv.exists()
           else [sys.executable, "-m", "pip", "install", PLAYWRIGHT])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise BrowserUnavailable(f"`{' '.join(cmd)}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    import importlib

    importlib.invalidate_caches()
    import playwright.sync_api  # noqa: F401


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


def dagster_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """Run a `dagster` CLI command from the repo against workspace.yaml; its output (raises on failure)."""
    done = subprocess.run([str(VENV_BIN / "dagster"), *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"dagster {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}"
                           f"\n{done.stderr[-4000:]}")
    return done.stdout


class DagsterDev:
    """`dagster dev -h 127.0.0.1 -p <free port> -w workspace.yaml` in its own session (process group), as
    `make ui` runs it; stopped by signalling that group, never by name."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "DagsterDev":
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(self.port), "-w", "workspace.yaml"],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            log.close()
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

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None or self.proc.poll() is not None and not _group_alive(self.proc.pid):
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group_alive(self.proc.pid):
                self.proc.poll()
                time.sleep(0.2)
            if not _group_alive(self.proc.pid):
                break
        self.proc.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
