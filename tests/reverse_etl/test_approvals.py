"""Approvals that are a person's: every way to produce an approval without the approver's private key — a plain
INSERT, a case or whitespace variant of the preparer, a changed preparer setting, a signature computed without
the key, a valid signature of another plan, a policy record the configuration does not back — is refused
before any ERP request (the sandbox NetSuite counts requests, the token request included, and committed
writes). And the way a real approver works: a key of their own, registered, an encrypted key file."""

from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reverse_etl import runs
from reverse_etl.approval import PURPOSE, approved_digest
from reverse_etl.approvers import canonical, load_private_key, sign
from reverse_etl.errors import ApprovalError
from reverse_etl.plan import load
from reverse_etl.store import now

from .conftest import APPROVER, Env

pytestmark = pytest.mark.integration


def _demo_key(retl: Env) -> Any:
    return load_private_key(retl.data_dir / "sandbox" / "approver-keys" / f"{APPROVER}.pem")


def _stored_plan(retl: Env, plan_id: str) -> Any:
    with runs.opened(retl.data_dir) as store:
        return load(store, plan_id)


def _payload(plan: Any, approver: str = APPROVER, scope: list[str] | None = None) -> dict[str, Any]:
    return {"purpose": PURPOSE, "plan_id": plan.plan_id, "prepared_by": plan.prepared_by, "scope": scope,
            "items_digest": approved_digest(plan, scope), "approver": approver,
            "approved_at": now().isoformat(timespec="microseconds") + "Z"}


def _insert(retl: Env, plan_id: str, approver: str, digest: str, *, policy: str = "signed",
            text: str | None = None, signature: str | None = None, scope: str | None = None) -> None:
    retl.sql("insert into reverse_etl.approvals (approval_id, plan_id, approver, approved_at, scope, items_digest, "
             "policy, signed_payload, signature) values ('apr-forged', ?, ?, now(), ?, ?, ?, ?, ?)",
             [plan_id, approver, scope, digest, policy, text, signature])


def _refused(retl: Env, plan_id: str, match: str) -> None:
    """Both apply paths refuse, and the ERP saw no request at all (not even the token request)."""
    retl.admin.stats(reset=True)
    with pytest.raises(ApprovalError, match=match):
        runs.apply_plan(plan_id, retl.data_dir)
    with pytest.raises(ApprovalError, match=match):
        retl.apply(plan_id)  # the Applier checks again (its client is built first; the token is fetched lazily)
    assert retl.admin.stats()["requests"] == 0, "a refused apply called the ERP"
    assert retl.admin.writes()["total"] == 0


def _registry(path: Path, entries: list[tuple[str, str, Any]]) -> Path:
    text = ""
    for name, role, key in entries:
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        text += f'[[approver]]\nname = "{name}"\nrole = "{role}"\npublic_key = """\n{public}"""\n'
    path.write_text(text)
    path.chmod(0o644)
    return path


def _key_file(path: Path, key: Any, passphrase: bytes | None = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    path.chmod(0o600)
    return path


def test_a_plain_insert_is_not_an_approval(retl: Env) -> None:
    plan = retl.plan()
    stored = _stored_plan(retl, plan.plan_id)
    # the right digest, a registered approver's name, no signature
    _insert(retl, plan.plan_id, APPROVER, approved_digest(stored, None), policy="manual")
    _refused(retl, plan.plan_id, "not signed by a registered approver")
    # the exact text an approval signs, with a made-up signature
    text = canonical(_payload(stored))
    retl.sql("delete from reverse_etl.approvals")
    _insert(retl, plan.plan_id, APPROVER, approved_digest(stored, None), text=text, signature="A" * 88)
    _refused(retl, plan.plan_id, "does not verify")


def test_a_case_or_whitespace_variant_of_the_preparer_cannot_approve(retl: Env, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    plan = retl.plan()
    assert plan.prepared_by == "c2c-pipeline"
    for variant in ("C2C-Pipeline", " c2c-pipeline\t", "Ｃ２Ｃ-PIPELINE"):  # the last: full-width (NFKC)
        with pytest.raises(ApprovalError, match="cannot approve"):
            runs.approve_plan(plan.plan_id, variant, data_dir=retl.data_dir)
    # even when the pipeline's identity is (wrongly) registered as an approver with a key of its own, neither
    # approve nor a signature made with that key directly (and inserted) gets past the preparer check
    pipeline_key = Ed25519PrivateKey.generate()
    registry = _registry(tmp_path / "approvers.toml", [("C2C-Pipeline ", "finance", pipeline_key)])
    monkeypatch.setenv("REVERSE_ETL__APPROVERS_FILE", str(registry))
    key_file = _key_file(tmp_path / "pipeline.pem", pipeline_key)
    with pytest.raises(ApprovalError, match="cannot approve"):
        runs.approve_plan(plan.plan_id, "C2C-PIPELINE", data_dir=retl.data_dir, key_file=key_file)
    stored = _stored_plan(retl, plan.plan_id)
    text, signature = sign(pipeline_key, _payload(stored, approver="c2c-pipeline"))
    _insert(retl, plan.plan_id, "C2C-Pipeline", approved_digest(stored, None), text=text, signature=signature)
    _refused(retl, plan.plan_id, "own preparer")


def test_a_changed_preparer_setting_does_not_let_the_preparer_approve(retl: Env,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # the controller's name is the pipeline's identity when the plan is made...
    monkeypatch.setenv("REVERSE_ETL__PREPARER", APPROVER)
    plan = retl.plan()
    # ...and changed afterwards: the preparer stays the one stored with the plan
    monkeypatch.setenv("REVERSE_ETL__PREPARER", "c2c-pipeline")
    for name in (APPROVER, "Finance.Controller@Example.com "):
        with pytest.raises(ApprovalError, match="cannot approve"):
            runs.approve_plan(plan.plan_id, name, data_dir=retl.data_dir)
    stored = _stored_plan(retl, plan.plan_id)
    text, signature = sign(_demo_key(retl), _payload(stored))  # a genuine signature, by the preparer
    _insert(retl, plan.plan_id, APPROVER, approved_digest(stored, None), text=text, signature=signature)
    _refused(retl, plan.plan_id, "own preparer")


def test_a_digest_or_signature_computed_without_the_key_is_refused(retl: Env) -> None:
    plan = retl.plan()
    stored = _stored_plan(retl, plan.plan_id)
    text = canonical(_payload(stored))
    digest = approved_digest(stored, None)
    _insert(retl, plan.plan_id, APPROVER, digest, text=text, signature=hashlib.sha256(text.encode()).hexdigest())
    _refused(retl, plan.plan_id, "does not verify")
    retl.sql("delete from reverse_etl.approvals")
    _, signature = sign(Ed25519PrivateKey.generate(), _payload(stored))  # someone's key, not the approver's
    _insert(retl, plan.plan_id, APPROVER, digest, text=text, signature=signature)
    _refused(retl, plan.plan_id, "does not verify")
    # and with someone else's key file, approve itself refuses
    with pytest.raises(ApprovalError, match="not 'finance.controller@example.com''s registered key"):
        runs.approve_plan(plan.plan_id, APPROVER, data_dir=retl.data_dir,
                          key_file=_key_file(retl.data_dir / "other.pem", Ed25519PrivateKey.generate()))


def test_a_valid_signature_of_another_plan_is_refused(retl: Env) -> None:
    approved = retl.approved_plan()
    other = retl.plan()  # the same drifts, planned again: same items, another plan
    retl.sql("insert into reverse_etl.approvals (approval_id, plan_id, approver, approved_at, scope, items_digest, "
             "policy, signed_payload, signature, key_fingerprint) select 'apr-copied', ?, approver, approved_at, scope, "
             "items_digest, policy, signed_payload, signature, key_fingerprint from reverse_etl.approvals "
             "where plan_id = ?", [other.plan_id, approved.plan_id])
    _refused(retl, other.plan_id, f"signed for plan '{approved.plan_id}'")
    # the signed text edited to name the other plan: the signature no longer verifies
    retl.sql("update reverse_etl.approvals set signed_payload = replace(signed_payload, ?, ?) "
             "where approval_id = 'apr-copied'", [approved.plan_id, other.plan_id])
    _refused(retl, other.plan_id, "does not verify")


def test_a_change_to_the_approved_desired_lines_voids_the_approval(retl: Env) -> None:
    plan = retl.approved_plan()
    schedule = plan.schedules[0]
    lines = [{**line, "amount": str(Decimal(line["amount"]) + 1000)} for line in schedule["desired_lines"]]
    retl.sql("update reverse_etl.plan_schedules set desired_lines = ? where plan_id = ? and write_key = ?",
             [json.dumps(lines), plan.plan_id, schedule["write_key"]])
    _refused(retl, plan.plan_id, "changed after the approval")


def test_a_policy_approval_holds_only_while_the_configuration_covers_the_plan(retl: Env,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    plan = retl.plan()
    _insert(retl, plan.plan_id, "policy:auto-apply", "x", policy="auto_apply_max_impact=1000000000")
    _refused(retl, plan.plan_id, "auto-apply is off")  # a row says so; the configuration does not
    retl.sql("delete from reverse_etl.approvals")
    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1000000")
    assert runs.auto_approve_plan(plan.plan_id, retl.data_dir)[0]
    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1")  # lowered before the apply
    _refused(retl, plan.plan_id, "exceeds the auto-apply threshold 1")
    monkeypatch.setenv("REVERSE_ETL__AUTO_APPLY_MAX_IMPACT", "1000000")
    costly = next(s for s in plan.schedules if s["impact_amount"])  # a schedule whose items move money
    retl.sql("update reverse_etl.plan_schedules set impact_amount = 0 where plan_id = ? and write_key = ?",
             [plan.plan_id, costly["write_key"]])  # an impact made small in the warehouse
    _refused(retl, plan.plan_id, "not the sum of its items")


def test_an_approver_with_a_key_of_their_own_signs_through_the_cli(retl: Env, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """reverse_etl/README.md "Approvers": a key pair (here with a passphrase), the public key in the registry,
    `approve --key-file` (the passphrase prompted), then apply."""
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    registry = _registry(tmp_path / "approvers.toml", [("Dana Controller <dana@firm.example>", "finance", key),
                                                       ("audit@firm.example", "audit", other)])
    monkeypatch.setenv("REVERSE_ETL__APPROVERS_FILE", str(registry))
    key_file = _key_file(tmp_path / "dana.pem", key, passphrase=b"correct horse")
    plan = retl.plan()

    def approve(*args: str, stdin: str | None = None) -> Any:
        from c2c.cli import main

        return CliRunner().invoke(main, ["reverse-etl", "approve", plan.plan_id, *args], input=stdin)

    refused = approve("--approver", "audit@firm.example", "--key-file", str(key_file))
    assert refused.exit_code == 1 and "role 'audit'" in refused.output
    refused = approve("--approver", APPROVER)  # the sandbox's demo approver is not in this registry
    assert refused.exit_code == 1 and "not a registered approver" in refused.output
    os.chmod(key_file, 0o644)
    refused = approve("--approver", "dana controller <DANA@firm.example>", "--key-file", str(key_file))
    assert refused.exit_code == 1 and "chmod 600" in refused.output
    os.chmod(key_file, 0o600)
    done = approve("--approver", "dana controller <DANA@firm.example>", "--key-file", str(key_file), "--json",
                   stdin="correct horse\n")
    assert done.exit_code == 0, done.output
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["approver"] == "dana controller <dana@firm.example>" and record["key_fingerprint"].startswith("ed25519:")
    signed = json.loads(record["signed_payload"])
    assert signed["plan_id"] == plan.plan_id and signed["prepared_by"] == "c2c-pipeline" and signed["scope"] is None
    report = runs.apply_plan(plan.plan_id, retl.data_dir, say=lambda _: None)
    assert report.status == "complete" and report.written == len(plan.items)
