"""The sandbox's demo approver: a finance controller with an Ed25519 signing key, registered the way a firm
registers its approvers (reverse_etl/README.md "Approvers").

`up` writes, once per data dir:
- `<data dir>/sandbox/approver-keys/finance.controller@example.com.pem`: the private key (0600, dir 0700) —
  in a real firm it never leaves the approver's machine;
- `<data dir>/sandbox/approvers.toml`: the registry (name, role, public key). The reverse ETL reads it like
  the endpoints file when the sandbox is the target and no registry is configured; it never writes it.
An existing key is kept, so approvals signed earlier stay valid across restarts."""

from __future__ import annotations

import os
from pathlib import Path

from core.paths import approver_keys_dir, approvers_file

DEMO_APPROVER = "finance.controller@example.com"
DEMO_ROLE = "finance"


def demo_key_file(base: Path) -> Path:
    return approver_keys_dir(base) / f"{DEMO_APPROVER}.pem"


def write_demo_approver(base: Path) -> Path:
    """Make the demo approver's key (when missing) and write the registry; return the registry's path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key_file = demo_key_file(base)
    if key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    else:
        key = Ed25519PrivateKey.generate()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(key_file.parent, 0o700)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = key_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        tmp.replace(key_file)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    registry = approvers_file(base)
    registry.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Approvers of reverse-ETL correction plans (the sandbox's demo registry; reverse_etl/README.md)\n"
        "[[approver]]\n"
        f'name = "{DEMO_APPROVER}"\n'
        f'role = "{DEMO_ROLE}"\n'
        f'public_key = """\n{public}"""\n'
    )
    tmp = registry.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)  # the umask may have narrowed it; never group- or world-writable
    tmp.replace(registry)
    return registry
