"""Broken warehouses for tests (RELIABILITY.md F19 and the typed warehouse errors): a DuckDB file held by another
process, truncated, empty, or that the operating system will not let us write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import duckdb
import pytest

_HOLD = ("import duckdb, sys, time\n"
         "if sys.argv[2] == 'later':\n"
         "    sys.stdin.readline()\n"  # until the test says `take()`
         "deadline = time.monotonic() + 60\n"
         "while True:\n"
         "    try:\n"
         "        con = duckdb.connect(sys.argv[1])\n"
         "        break\n"
         "    except duckdb.IOException:\n"
         "        if time.monotonic() > deadline:\n"
         "            raise\n"
         "        time.sleep(0.05)\n"
         "print('held', flush=True)\n"
         "sys.stdin.read()\n"  # until the test closes our stdin
         "con.close()\n")


class LockHolder:
    """Another process with a read-write connection to the file (DuckDB's one writer) until `release()`;
    with `later=True` it takes the file only when `take()` is called."""

    def __init__(self, path: Path, *, later: bool = False) -> None:
        self.path = path
        self.waits = 0
        self.proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(path), "later" if later else "now"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.holding = False
        if not later:
            self._held()

    def _held(self) -> None:
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        assert line == "held", f"the lock holder did not take the file ({line!r})"
        self.holding = True

    def take(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("take\n")
        self.proc.stdin.flush()
        self._held()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        self.holding = False

    def release_on_wait(self) -> Callable[[float], None]:
        """A stand-in for the retry loop's sleep: the first wait lets the holder go (and waits for it to exit)."""
        def wait(_seconds: float) -> None:
            self.waits += 1
            self.release()
        return wait

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def held(path: Path) -> Iterator[LockHolder]:
    with LockHolder(path) as holder:
        yield holder


def make_warehouse(path: Path, tables: int = 4, rows: int = 40_000) -> Path:
    """A real DuckDB file spanning many blocks (so a cut-off tail loses some)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for i in range(tables):
            con.execute(f"create table t{i} as select range as i, range::varchar as s from range({rows})")
    finally:
        con.close()
    return path


def truncate(path: Path) -> None:
    """Cut the file to half its size (a copy interrupted, a full disk)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 2)


def empty(path: Path) -> None:
    """A zero-byte file where the warehouse should be."""
    path.write_bytes(b"")


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The file cannot be opened for writing: mode 0444, or for root (who ignores modes) the immutable
    attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True,
                                                 check=False).returncode != 0:
        pytest.skip("running as root where the immutable attribute cannot be set: no way to refuse a write")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)
