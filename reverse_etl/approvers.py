"""Who may approve a plan, and the proof that they did: the approvers' registry and Ed25519 signatures.

The registry is configuration the pipeline reads and never writes — a TOML file named by the setting
`reverse_etl.approvers_file` (env REVERSE_ETL__APPROVERS_FILE):

    [[approver]]
    name = "dana.controller@firm.example"    # compared normalised: NFKC, case-folded, whitespace collapsed
    role = "finance"                         # only the finance role approves billing-schedule corrections
    public_key = '''
    -----BEGIN PUBLIC KEY-----
    …(Ed25519, SubjectPublicKeyInfo PEM: `openssl pkey -in key.pem -pubout`)…
    -----END PUBLIC KEY-----
    '''

With no such setting, while the sandbox is the target (no vendor base URL and no writer base URL), the
sandbox's registry `<data dir>/sandbox/approvers.toml` is read, like its endpoints file; against real systems
no approver exists until a registry is configured. A registry that others than its owner may write is
refused (anyone could register themselves).

An approver signs with their private key (a PEM file on their machine: `--key-file`, or the setting
`reverse_etl.approver_key_file`; for the sandbox's demo approver, its key in the sandbox's data dir). The
pipeline holds no approver's private key, so its credentials and the warehouse cannot make a signature."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import settings
from core.errors import ConfigError
from core.paths import approver_keys_dir, approvers_file

from .errors import ApprovalError

SETTING = "reverse_etl.approvers_file"
KEY_SETTING = "reverse_etl.approver_key_file"
APPROVING_ROLES = frozenset({"finance"})


def identity(name: str | None) -> str:
    """A person's or the pipeline's name as compared: Unicode NFKC, case-folded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold())
    return " ".join(folded.split())


class KeyPassphraseNeeded(ApprovalError):
    """The approver's key file is encrypted and no passphrase was given."""

    hint = "give the key's passphrase (the command prompts for it)"


@dataclass(frozen=True)
class Approver:
    name: str  # normalised
    role: str
    public_key: Any  # Ed25519PublicKey
    fingerprint: str  # "ed25519:" + the first 16 hex digits of SHA-256 of the raw public key


@dataclass(frozen=True)
class Registry:
    path: Path
    approvers: dict[str, Approver]
    sandbox: bool  # the sandbox's own registry (its demo approvers' keys are in the data dir)

    def get(self, name: str | None) -> Approver | None:
        return self.approvers.get(identity(name))


def fingerprint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def registry_file(base: Path | None = None) -> tuple[Path | None, bool]:
    """(the registry's path or None, whether it is the sandbox's)."""
    configured = settings.get(SETTING)
    if configured:
        return Path(str(configured)).expanduser(), False
    if settings.sandbox_is_target() and not settings.get("reverse_etl.netsuite.base_url"):
        return approvers_file(base), True
    return None, False


def load_registry(base: Path | None = None) -> Registry:
    """The approvers' registry; a ConfigError naming the setting when there is none or it cannot be trusted."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path, sandbox = registry_file(base)
    if path is None:
        raise ConfigError(f"no approver is registered: set {SETTING} (env {settings.env_name(SETTING)}) to the "
                          "approvers' registry (reverse_etl/README.md \"Approvers\")", setting=SETTING)
    if not path.is_file():
        raise ConfigError(f"the approvers' registry {path} does not exist"
                          + (" (the sandbox writes it: `c2c sandbox up --detach`)" if sandbox else ""), setting=SETTING)
    mode = path.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(f"the approvers' registry {path} may be written by others than its owner "
                          f"(mode {stat.S_IMODE(mode):o}): anyone could register an approver; `chmod go-w` it",
                          setting=SETTING)
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("approver", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the approvers' registry {path} is not valid TOML ({exc})", setting=SETTING) from None
    approvers: dict[str, Approver] = {}
    for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
        where = f"the approvers' registry {path}, approver #{n}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("name", "role", "public_key")):
            raise ConfigError(f"{where} needs name, role and public_key (strings)", setting=SETTING)
        name = identity(entry["name"])
        if not name or name in approvers:
            raise ConfigError(f"{where}: its name is empty or already registered", setting=SETTING)
        try:
            key = serialization.load_pem_public_key(entry["public_key"].strip().encode())
        except ValueError:
            raise ConfigError(f"{where} ({name}): public_key is not a PEM public key", setting=SETTING) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigError(f"{where} ({name}): public_key must be an Ed25519 key", setting=SETTING)
        approvers[name] = Approver(name, identity(entry["role"]), key, fingerprint(key))
    return Registry(path, approvers, sandbox)


def _file_name(name: str) -> str:
    return re.sub(r"[^a-z0-9._@-]", "_", identity(name))


def key_file_for(approver: str, registry: Registry, key_file: Path | None = None,
                 base: Path | None = None) -> Path:
    """Where the approver's private key is: the given file, the setting, or (the sandbox's registry only) the
    sandbox's demo key of that approver."""
    if key_file is not None:
        return Path(key_file).expanduser()
    configured = settings.get(KEY_SETTING)
    if configured:
        return Path(str(configured)).expanduser()
    if registry.sandbox:
        demo = approver_keys_dir(base) / f"{_file_name(approver)}.pem"
        if demo.is_file():
            return demo
    raise ApprovalError(f"no signing key for approver {identity(approver)!r}: pass --key-file (the approver's "
                        f"private key) or set {KEY_SETTING}")


def load_private_key(path: Path, passphrase: bytes | None = None) -> Any:
    """The Ed25519 private key in a PEM file only its owner can read."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not path.is_file():
        raise ApprovalError(f"the key file {path} does not exist")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ApprovalError(f"the key file {path} is readable by others than its owner (mode {stat.S_IMODE(mode):o}); "
                            "`chmod 600` it")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase or None)
    except TypeError:
        if passphrase:
            raise ApprovalError(f"the key file {path} is not encrypted; give no passphrase") from None
        raise KeyPassphraseNeeded(f"the key file {path} is encrypted") from None
    except ValueError:
        raise ApprovalError(f"cannot read the key file {path} (not a PEM private key, or a wrong passphrase)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ApprovalError(f"the key file {path} does not hold an Ed25519 key")
    return key


def canonical(payload: dict[str, Any]) -> str:
    """The exact text that is signed: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(private_key: Any, payload: dict[str, Any]) -> tuple[str, str]:
    """(the signed text, its Ed25519 signature in base64)."""
    text = canonical(payload)
    return text, base64.b64encode(private_key.sign(text.encode("utf-8"))).decode()


def signature_valid(approver: Approver, text: str, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        approver.public_key.verify(base64.b64decode(signature, validate=True), text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
