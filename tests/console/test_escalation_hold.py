"""Holding and resuming automatic escalation from the console, as `marshal up` serves it: the
room's own `escalation hold|resume` subcommands run as the signed-in person, audited."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.severity import Severity
from tests.api.conftest import Api
from tests.api.test_escalations_api import levels_paged, paging_api  # noqa: F401 - the fixture
from tests.console.conftest import Console, csrf_of
from tests.eventually import eventually


def test_hold_and_resume_escalation_from_the_console(paging_api: Api) -> None:  # noqa: F811
    incident_id = paging_api.alert("checkout down", severity=Severity.P1)
    eventually(lambda: levels_paged(paging_api, incident_id) == [1], timeout=30)
    console = Console(paging_api.url, paging_api.settings, paging_api.backends)
    try:
        client = console.signed_in("U0ALICE")
        page = client.get(f"/console/incidents/{incident_id}").text
        assert 'id="hold-escalation"' in page
        csrf = csrf_of(page)

        junk = client.post(
            f"/console/incidents/{incident_id}/hold",
            data={"csrf_token": csrf, "duration": "30m", "reason": "   "},
        )
        assert junk.status_code == 303
        stored = paging_api.backends.store.get(incident_id)
        assert stored is not None and stored.escalation is not None
        assert stored.escalation.hold_until is None  # no reason: nothing held

        held = client.post(
            f"/console/incidents/{incident_id}/hold",
            data={"csrf_token": csrf, "duration": "30m", "reason": "vendor is on it"},
        )
        assert held.status_code == 303
        stored = paging_api.backends.store.get(incident_id)
        assert stored is not None and stored.escalation is not None
        assert stored.escalation.hold_until is not None
        assert stored.escalation.hold_by == "U0ALICE"
        page = client.get(f"/console/incidents/{incident_id}").text
        assert "Automatic escalation held for 30m." in page
        assert 'id="resume-escalation"' in page and "vendor is on it" in page

        resumed = client.post(
            f"/console/incidents/{incident_id}/resume", data={"csrf_token": csrf_of(page)}
        )
        assert resumed.status_code == 303
        stored = paging_api.backends.store.get(incident_id)
        assert stored is not None and stored.escalation is not None
        assert stored.escalation.hold_until is None
        actions = [(e.actor, e.action) for e in paging_api.backends.audit.events(incident_id)]
        assert ("U0ALICE", AuditAction.ESCALATION_HELD) in actions
        assert ("U0ALICE", AuditAction.ESCALATION_RESUMED) in actions
    finally:
        console.close()
