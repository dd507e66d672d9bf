"""The approvers' registry and signing keys (reverse_etl/approvers.py), without a sandbox: which registry is
read, what makes one untrustworthy, how names compare, and what a key file must be."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.errors import ConfigError
from reverse_etl.approvers import (
    KeyPassphraseNeeded,
    identity,
    load_private_key,
    load_registry,
    sign,
    signature_valid,
)
from reverse_etl.errors import ApprovalError


def _public_pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with no settings: the sandbox is the target."""
    for name in ("REVERSE_ETL__APPROVERS_FILE", "REVERSE_ETL__APPROVER_KEY_FILE", "REVERSE_ETL__NETSUITE__BASE_URL",
                 *(f"SOURCES__{v}__BASE_URL" for v in ("SALESFORCE", "IRONCLAD", "KANTATA", "NETSUITE"))):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("C2C_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .dlt/ of the repository
    return tmp_path


def test_names_compare_case_folded_nfkc_and_whitespace_collapsed() -> None:
    assert identity("  Finance.Controller@Example.COM\t") == "finance.controller@example.com"
    assert identity("Ｃ２Ｃ-Pipeline") == identity("c2c-pipeline")  # full-width forms
    assert identity("Dana  \u00a0Controller") == "dana controller"  # a no-break space is whitespace
    assert identity("STRASSE") == identity("straße")
    assert identity(None) == ""


def test_against_real_systems_no_approver_exists_until_a_registry_is_configured(
        clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox.approvers import write_demo_approver

    write_demo_approver(clean)  # a sandbox registry lying in the data dir is not read for real systems
    assert load_registry(clean).get("finance.controller@example.com") is not None  # sandbox target: read
    monkeypatch.setenv("SOURCES__NETSUITE__BASE_URL", "https://1234.suitetalk.api.netsuite.com/services/rest")
    with pytest.raises(ConfigError, match="no approver is registered: set reverse_etl.approvers_file"):
        load_registry(clean)
    monkeypatch.delenv("SOURCES__NETSUITE__BASE_URL")
    monkeypatch.setenv("REVERSE_ETL__NETSUITE__BASE_URL", "https://1234.suitetalk.api.netsuite.com/services/rest")
    with pytest.raises(ConfigError, match="no approver is registered"):
        load_registry(clean)


def test_the_sandbox_registry_keeps_its_key_and_is_read_only_to_others(clean: Path) -> None:
    from sandbox.approvers import demo_key_file, write_demo_approver

    registry = write_demo_approver(clean)
    first = demo_key_file(clean).read_bytes()
    write_demo_approver(clean)  # `up` again: the same key, so earlier signatures stay valid
    assert demo_key_file(clean).read_bytes() == first
    assert demo_key_file(clean).stat().st_mode & 0o777 == 0o600
    assert demo_key_file(clean).parent.stat().st_mode & 0o777 == 0o700
    assert registry.stat().st_mode & 0o022 == 0
    approver = load_registry(clean).get(" Finance.Controller@example.com")
    key = load_private_key(demo_key_file(clean))
    text, signature = sign(key, {"plan_id": "p"})
    assert approver.role == "finance" and signature_valid(approver, text, signature)
    assert not signature_valid(approver, text.replace('"p"', '"q"'), signature)


def test_a_registry_others_may_write_or_that_is_malformed_is_refused(clean: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    good = f'[[approver]]\nname = "a@firm.example"\nrole = "finance"\npublic_key = """\n{_public_pem(key)}"""\n'
    path = _write(clean / "approvers.toml", good, 0o664)
    monkeypatch.setenv("REVERSE_ETL__APPROVERS_FILE", str(path))
    with pytest.raises(ConfigError, match="may be written by others than its owner"):
        load_registry()
    path.chmod(0o644)
    assert load_registry().get("A@FIRM.EXAMPLE").role == "finance"
    cases = {
        good + good: "already registered",
        good.replace("role", "rank"): "needs name, role and public_key",
        good.replace("BEGIN PUBLIC KEY", "BEGIN NOTHING"): "not a PEM public key",
        f'[[approver]]\nname = "b"\nrole = "finance"\npublic_key = """\n{_public_pem(generate_private_key(SECP256R1()))}"""\n':
            "must be an Ed25519 key",
        "[[approver]\n": "not valid TOML",
    }
    for text, message in cases.items():
        _write(path, text)
        with pytest.raises(ConfigError, match=message):
            load_registry()
    path.unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        load_registry()


def test_a_key_file_must_be_private_ed25519_and_its_passphrase_given(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"secret words"))
    path = tmp_path / "k.pem"
    path.write_bytes(pem)
    path.chmod(0o640)
    with pytest.raises(ApprovalError, match="readable by others"):
        load_private_key(path)
    path.chmod(0o600)
    with pytest.raises(KeyPassphraseNeeded):
        load_private_key(path)
    with pytest.raises(ApprovalError, match="wrong passphrase"):
        load_private_key(path, b"guess")
    assert load_private_key(path, b"secret words").public_key() == key.public_key()
    ec = generate_private_key(SECP256R1()).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
    path.write_bytes(ec)
    with pytest.raises(ApprovalError, match="does not hold an Ed25519 key"):
        load_private_key(path)
    with pytest.raises(ApprovalError, match="does not exist"):
        load_private_key(tmp_path / "missing.pem")
