"""The audit page's export button: a public-safe, signed package downloaded as JSON, only
with the session's CSRF token, audited as the signed-in person's export."""

from __future__ import annotations

import json

from bot.domain.audit import AuditAction
from bot.services.audit_packages.export import WORKSPACE_CHAIN
from bot.services.audit_packages.verify import verify_package
from bot.wiring.audit_keys import audit_keyring
from tests.console.conftest import Console, csrf_of


def test_the_audit_page_exports_a_public_safe_package_as_a_json_download(
    console: Console,
) -> None:
    incident = console.incident(title="Export me", channel_id="C0ROOM")
    client = console.signed_in("U0ALICE")
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)
    client.post(
        f"/console/incidents/{incident.id}/note", data={"csrf_token": csrf, "text": "mitigated"}
    )
    page = client.get(f"/console/incidents/{incident.id}/audit").text
    assert f'action="/console/incidents/{incident.id}/audit/export"' in page

    answer = client.post(
        f"/console/incidents/{incident.id}/audit/export", data={"csrf_token": csrf_of(page)}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="audit-{incident.id}-public.json"'
    )
    package = json.loads(answer.text)
    assert package["manifest"]["public_safe"] is True
    assert package["manifest"]["incidents"] == [incident.id]
    assert package["manifest"]["exported_by"] == "U0ALICE"
    assert "U0ALICE" not in json.dumps(package["incidents"])  # people as role labels
    assert verify_package(package, keys=audit_keyring(console.settings)) == []

    exports = [
        e
        for e in console.backends.audit.events(WORKSPACE_CHAIN)
        if e.action is AuditAction.AUDIT_PACKAGE_EXPORTED
    ]
    assert [(e.actor, e.details["public_safe"]) for e in exports] == [("U0ALICE", True)]


def test_an_export_without_the_sessions_csrf_token_or_of_no_incident_is_refused(
    console: Console,
) -> None:
    incident = console.incident()
    client = console.signed_in()
    forged = client.post(
        f"/console/incidents/{incident.id}/audit/export", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403 and "nothing was exported" in forged.text
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}/audit").text)
    missing = client.post("/console/incidents/inc-nope/audit/export", data={"csrf_token": csrf})
    assert missing.status_code == 404
    stranger = console.client().post(
        f"/console/incidents/{incident.id}/audit/export", data={"csrf_token": csrf}
    )
    assert stranger.status_code == 303 and "/sign-in" in stranger.headers["location"]
    assert not [
        e
        for e in console.backends.audit.events(WORKSPACE_CHAIN)
        if e.action is AuditAction.AUDIT_PACKAGE_EXPORTED and e.details.get("count")
    ]
