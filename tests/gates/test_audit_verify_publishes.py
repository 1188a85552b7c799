"""`marshal audit verify` accepts the gate's publishes and reports one with no approval."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.domain.audit import AuditAction
from tests.gates.conftest import GateWorld


def test_gate_publishes_verify_and_a_forged_publish_is_reported(
    world: GateWorld, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.database is not None
    monkeypatch.setenv("MARSHAL_DB_PATH", str(world.database.path))
    draft = world.gate.draft(world.incident, "UDRAFTER")
    published = world.gate.approve(draft.id, "UAPPROVER", draft.body_sha256)

    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 incidents")

    # a publish of that draft's text as edited, never approved: written around the gate
    world.audit.append(
        world.incident.id,
        actor="mallory",
        action=AuditAction.STATUS_PUBLISHED,
        details={
            "draft_id": published.id,
            "body_sha256": "e" * 64,
            "public_incident_id": published.public_incident_id,
        },
    )
    assert main(["audit", "verify", world.incident.id]) == 1
    out = capsys.readouterr().out
    assert f"status page publish of draft {published.id} without a matching" in out
    assert "FAILED: 1 of 1 incidents" in out
