"""The write ledger's HMAC key, which the warehouse never holds: the secret setting `reverse_etl.ledger_key`
(env REVERSE_ETL__LEDGER_KEY, from secrets.toml or a vault; at least 32 characters), else a random key made
on the first ledger write in `<data dir>/keys/ledger.key` (0600, its directory 0700). Whoever can edit the
warehouse but not read this key cannot rewrite the ledger's chain unnoticed."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from core import settings
from core.errors import ConfigError
from core.paths import ledger_key_file

SETTING = "reverse_etl.ledger_key"
MIN_LENGTH = 32


def ledger_key(base: Path | None = None, *, create: bool) -> bytes | None:
    """The key; None when there is none yet and `create` is False (nothing was ever written)."""
    configured = settings.get(SETTING, secret=True)
    if configured is not None:
        text = str(configured)
        if len(text) < MIN_LENGTH:
            raise ConfigError(f"setting {SETTING} (env {settings.env_name(SETTING)}) must be at least {MIN_LENGTH} "
                              "characters (e.g. `openssl rand -hex 32`)", setting=SETTING)
        return text.encode()
    path = ledger_key_file(base)
    if not path.exists():
        if not create:
            return None
        _make(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"the ledger key file {path} is readable by others than its owner "
                          f"(mode {stat.S_IMODE(mode):o}); `chmod 600` it", setting=SETTING)
    try:
        return bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ConfigError(f"the ledger key file {path} is not a hex key", setting=SETTING) from None


def _make(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
