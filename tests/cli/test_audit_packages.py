"""`marshal audit export` + `marshal audit verify --package`: full and public-safe packages,
HMAC and Ed25519 signatures, and every kind of tampering caught."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.adapters.sqlite.database import SqliteDatabase
from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.audit_keys import AuditKey
from bot.domain.models import AlertSource, Incident, Role, TimelineEntry
from bot.domain.severity import Severity
from bot.services.audit_packages.signing import PackageSigner, canonical
from bot.settings import Settings
from bot.wiring.stores import build_audit_log, build_store

AUDIT_KEY = "packages-test-audit-key-0123456789"


@pytest.fixture
def incident_id(database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MARSHAL_AUDIT_KEY", AUDIT_KEY)
    settings = Settings(_env_file=None)
    store, audit = build_store(settings), build_audit_log(settings)
    incident, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key="g1",
            title="checkout down for alice@example.com",
            severity=Severity.P1,
            service="checkout",
            roles={Role.IC: "U0ALICE"},
        )
    )
    audit.append(incident.id, actor="U0ALICE", action=AuditAction.ACKNOWLEDGED)
    audit.append(
        incident.id,
        actor="U0BOBBY1",
        action=AuditAction.STATUS_CHANGED,
        details={"user": "U0BOBBY1", "note": "call +44 20 7946 0958"},
    )
    audit.append(incident.id, actor="marshal", action=AuditAction.STATUS_APPROVED)
    store.add_timeline(
        TimelineEntry(incident_id=incident.id, author="U0BOBBY1", text="mail bob@example.com")
    )
    return incident.id


def export(tmp_path: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "package.json"
    assert main(["audit", "export", *extra, "--out", str(out)]) == 0
    return out, json.loads(out.read_text())


def verify(path: Path, *extra: str) -> int:
    return main(["audit", "verify", "--package", str(path), *extra])


def rewrite(path: Path, package: dict[str, Any]) -> None:
    path.write_text(json.dumps(package))


def test_a_full_package_verifies_and_any_edit_fails(
    incident_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, package = export(tmp_path, "--incident", incident_id)
    manifest = package["manifest"]
    assert manifest["incidents"] == [incident_id] and not manifest["public_safe"]
    assert manifest["chain_heads"][incident_id]["seq"] == 3
    assert package["signature"]["alg"] == "hmac-sha256"
    assert [e["action"] for e in package["incidents"][0]["events"]] == [
        "ACKNOWLEDGED",
        "STATUS_CHANGED",
        "STATUS_APPROVED",
    ]
    assert verify(path) == 0
    assert "ok: 1 incidents, 3 events" in capsys.readouterr().out

    edited = json.loads(json.dumps(package))
    edited["incidents"][0]["events"][1]["actor"] = "U0MALLORY"
    rewrite(path, edited)
    assert verify(path) == 1
    assert "HMAC signature does not match" in capsys.readouterr().out

    dropped = json.loads(json.dumps(package))
    del dropped["incidents"][0]["events"][1]
    rewrite(path, dropped)
    assert verify(path) == 1


def test_a_resigned_package_with_events_removed_or_reordered_still_fails(
    incident_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whoever holds the key could re-sign; the chain's links and recorded head still tell."""
    path, package = export(tmp_path, "--incident", incident_id)
    signer = PackageSigner(AuditKey.from_text(AUDIT_KEY))
    for change in ("drop_last", "swap"):
        forged = json.loads(json.dumps(package))
        events = forged["incidents"][0]["events"]
        if change == "drop_last":
            events.pop()
        else:
            events[0], events[1] = events[1], events[0]
        content = {k: v for k, v in forged.items() if k != "signature"}
        forged["signature"] = signer.sign(content)
        rewrite(path, forged)
        assert verify(path) == 1, change
        out = capsys.readouterr().out
        assert "signature" not in out  # the signature holds: the chain checks caught it
        assert incident_id in out


def test_public_safe_package_signed_with_ed25519_hides_people_and_verifies(
    incident_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("MARSHAL_AUDIT_SIGNING_KEY", pem)
    assert main(["audit", "public-key"]) == 0
    public = capsys.readouterr().out.strip()
    assert len(base64.b64decode(public)) == 32

    path, package = export(
        tmp_path, "--since", "2000-01-01", "--service", "checkout", "--public-safe"
    )
    text = path.read_text()
    for secret in ("U0ALICE", "U0BOBBY1", "alice@example.com", "bob@example.com", "7946"):
        assert secret not in text, secret
    events = package["incidents"][0]["events"]
    assert [e["actor"] for e in events] == ["ic", "person-1", "marshal"]
    assert set(events[1]["original_hashes"]) == {"actor", "details"}
    assert events[1]["details"]["user"] == "person-1"
    assert package["incidents"][0]["notes"][0]["author"] == "person-1"
    assert verify(path, "--public-key", public) == 0

    monkeypatch.delenv("MARSHAL_AUDIT_KEY")  # an outside auditor holds no audit key
    assert verify(path, "--public-key", public) == 0
    other = base64.b64encode(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()
    assert verify(path, "--public-key", other) == 1
    package["incidents"][0]["notes"][0]["text"] = "nothing happened"
    rewrite(path, package)
    assert verify(path, "--public-key", public) == 1
    assert "Ed25519 signature does not match" in capsys.readouterr().out
    assert canonical({"b": 1, "a": 2}) == b'{"a":2,"b":1}'


def test_the_embedded_audit_key_verifies_hmac_packages(
    database: SqliteDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the embedded defaults (no MARSHAL_AUDIT_KEY) the key beside the database signs and
    verifies; without it, verify says what it needs instead of creating a new key."""
    settings = Settings(_env_file=None)
    store, audit = build_store(settings), build_audit_log(settings)
    incident, _ = store.create_if_absent(
        Incident(source=AlertSource.GENERIC, group_key="e", title="t", severity=Severity.P3)
    )
    audit.append(incident.id, actor="marshal", action=AuditAction.STATUS_CHANGED)
    path, _ = export(tmp_path, "--incident", incident.id)
    assert verify(path) == 0
    key_file = database.path.parent / "audit.key"
    key_file.unlink()
    assert verify(path) == 1
    assert "needs MARSHAL_AUDIT_KEY" in capsys.readouterr().out
    assert not key_file.exists()
