"""A private, throw-away PostgreSQL cluster for the tests (DEPENDENCIES.md): Debian's server package
(installed with apt-get when missing), `initdb` into a temp dir owned by `postgres`, listening on
127.0.0.1 at a free port, stopped at the end of the session."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "c2c-test-only"


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.geteuid() != 0:
            raise PostgresUnavailable("PostgreSQL server binaries are missing and we are not root to apt-get them")
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in args)]
    return args


@dataclass
class PostgresServer:
    """`root` must be reachable by the `postgres` user: by default a fresh 0755 dir under /tmp
    (pytest's own temp dirs are 0700, owned by root)."""

    root: Path | None = None
    port: int = 0

    def start(self) -> PostgresServer:
        bins = _bin_dir()
        self.root = Path(self.root or tempfile.mkdtemp(prefix="c2c-pg-", dir="/tmp"))
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(pwfile, "postgres")
        self.port = _free_port()
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(sock, "postgres")
        subprocess.run(_as_postgres([str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
                                     f"--pwfile={pwfile}"]), check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sock} -c fsync=off -c full_page_writes=off"
        subprocess.run(_as_postgres([str(bins / "pg_ctl"), "-D", str(data), "-l", str(self.root / "pg.log"), "-w",
                                     "-o", options, "start"]), check=True, capture_output=True)
        self._bins = bins
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise PostgresUnavailable(f"PostgreSQL did not start; see {self.root / 'pg.log'}")

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg2

        con = psycopg2.connect(self.dsn())
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'create database "{name}"')
        con.close()
        return self.dsn(name)

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(self._bins / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"]),
                       capture_output=True, check=False)  # best effort: the cluster may be gone already
        shutil.rmtree(self.root, ignore_errors=True)
