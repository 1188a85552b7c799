"""Escalations over HTTP as `marshal up` serves them: paging the next level now, holding and
resuming automatic escalation, each through the room's own subcommands, once per
Idempotency-Key, audited with the token's name; and the detail's `escalation` section."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.audit import AuditAction
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.wiring.backends import open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from bot.wiring.processor import start_processor
from tests.api.conftest import Api, api_settings, tokens
from tests.api.test_writes import actions_by
from tests.eventually import eventually

POLICY = {
    "policies": {
        "standard": {
            "levels": [
                {"targets": ["slack:U0ALICE"], "after": "1h"},
                {"targets": ["slack:U0BOB"], "after": "1h"},
            ],
            "repeat": 0,
        }
    },
    "default": "standard",
}


@pytest.fixture
def paging_api(sandbox_env: SandboxSlack, tmp_path: Path) -> Iterator[Api]:
    """`marshal up` with an escalation policy whose levels wait an hour (only hands move it)."""
    policy = tmp_path / "escalation.json"
    policy.write_text(json.dumps(POLICY))
    settings = api_settings(tmp_path, marshal_escalation_file=policy)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        processor = start_processor(group, settings, backends)
        server = start_web(group, settings, backends, writes=processor.writes)
        yield Api(server.url, settings, backends, *tokens(settings, backends))
    finally:
        group.stop()


def escalation(api: Api, incident_id: str) -> dict[str, Any] | None:
    detail = api.get(f"/api/v1/incidents/{incident_id}").body
    section: dict[str, Any] | None = detail["sections"]["escalation"]
    return section


def levels_paged(api: Api, incident_id: str) -> list[int]:
    section = escalation(api, incident_id)
    pages = section["pages"] if section else []
    assert isinstance(pages, list)
    return [p["level"] for p in pages if p["ok"]]


def test_escalate_pages_the_next_level_once_per_key(paging_api: Api) -> None:
    incident_id = paging_api.alert("checkout down", severity=Severity.P1)
    eventually(lambda: levels_paged(paging_api, incident_id) == [1], timeout=30)
    path = f"/api/v1/incidents/{incident_id}/escalations"
    missing = paging_api.post(path, {}, key="e0")
    assert missing.status == 400 and missing.body["error"].startswith("reason:")
    first = paging_api.post(path, {"reason": "nobody answers"}, key="e1")
    assert first.status == 200, first.body
    again = paging_api.post(path, {"reason": "nobody answers"}, key="e1")
    assert again.headers["idempotent-replayed"] == "true"
    eventually(lambda: levels_paged(paging_api, incident_id) == [1, 2], timeout=30)
    section = escalation(paging_api, incident_id)
    assert section is not None and section["policy"] == "standard"
    assert [p["target"] for p in section["pages"]] == ["slack:U0ALICE", "slack:U0BOB"]
    escalated = [
        e
        for e in paging_api.backends.audit.events(incident_id)
        if e.action is AuditAction.ESCALATED and e.actor == "api:writer"
    ]
    assert [e.details["reason"] for e in escalated] == ["nobody answers"]
    assert "OPERATOR_WRITE" in actions_by(paging_api, incident_id, "api:writer")
    # the policy has no third level: refused, with the paging service's own reason
    last = paging_api.post(path, {"reason": "more"}, key="e2")
    assert last.status == 409 and "no further level" in last.body["error"]
    assert (
        paging_api.post("/api/v1/incidents/inc-none/escalations", {"reason": "x"}, key="e3").status
        == 404
    )


def test_hold_shows_in_the_detail_and_delete_resumes(paging_api: Api) -> None:
    incident_id = paging_api.alert("search slow", severity=Severity.P1)
    eventually(lambda: levels_paged(paging_api, incident_id) == [1], timeout=30)
    path = f"/api/v1/incidents/{incident_id}/escalation-holds"
    bad = paging_api.post(path, {"duration": "30m"}, key="h0")
    assert bad.status == 400 and bad.body["error"].startswith("reason:")
    too_long = paging_api.post(path, {"duration": "30d", "reason": "vendor fix"}, key="h1")
    assert too_long.status == 409, too_long.body
    held = paging_api.post(path, {"duration": "30m", "reason": "vendor is on it"}, key="h2")
    assert held.status == 200, held.body
    section = escalation(paging_api, incident_id)
    assert section is not None
    hold = section["hold"]
    assert isinstance(hold, dict)
    assert (hold["by"], hold["reason"]) == ("api:writer", "vendor is on it")
    resumed = paging_api.call(
        "DELETE",
        path,
        {"reason": "vendor gave up on it"},
        token=paging_api.write_token,
        key="r1",
    )
    assert resumed.status == 200, resumed.body
    section = escalation(paging_api, incident_id)
    assert section is not None and section["hold"] is None
    audit = paging_api.backends.audit.events(incident_id)
    resumes = [e for e in audit if e.action is AuditAction.ESCALATION_RESUMED]
    assert [e.details["reason"] for e in resumes] == ["vendor gave up on it"]
    # nothing left to resume: the DELETE needs no body and says why it did nothing
    again = paging_api.call("DELETE", path, token=paging_api.write_token, key="r2")
    assert again.status == 409 and "not on hold" in again.body["error"]
