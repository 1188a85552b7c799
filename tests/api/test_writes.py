"""Writes over HTTP as `marshal up` serves them: the same subcommands Slack runs, once per
Idempotency-Key, audited with the token's name; drafting a status post never publishes."""

from __future__ import annotations

import threading
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate
from bot.domain.models import Role
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from tests.api.conftest import Api
from tests.eventually import eventually


def assembled(api: Api, incident_id: str) -> None:
    def has_room() -> bool:
        found = api.backends.store.get(incident_id)
        return found is not None and found.channel_id is not None

    eventually(has_room, timeout=30)


def actions_by(api: Api, incident_id: str, actor: str) -> list[str]:
    return [e.action.value for e in api.backends.audit.events(incident_id) if e.actor == actor]


def test_declare_replays_the_first_answer_and_refuses_the_key_for_another_body(
    api_up: Api,
) -> None:
    body = {"title": "checkout down", "severity": "P1", "service": "checkout", "reason": "drill"}
    first = api_up.post("/api/v1/incidents", body, key="declare-1")
    assert first.status == 201, first.body
    incident_id = first.body["id"]
    assert first.body["incident"]["severity"] == "P1"
    again = api_up.post("/api/v1/incidents", body, key="declare-1")
    assert (again.status, again.body) == (201, first.body)
    assert again.headers["idempotent-replayed"] == "true"
    other = api_up.post("/api/v1/incidents", {**body, "title": "other"}, key="declare-1")
    assert other.status == 422 and "different request" in other.body["error"]
    listed = api_up.get("/api/v1/incidents").body["items"]
    assert [i["id"] for i in listed if i["title"] == "checkout down"] == [incident_id]
    events = api_up.backends.audit.events(incident_id)
    writes = [e for e in events if e.action is AuditAction.OPERATOR_WRITE]
    assert [(e.actor, e.details["operation"], e.details["reason"]) for e in writes] == [
        ("api:writer", "declare", "drill")
    ]


def test_every_write_needs_an_idempotency_key_and_a_valid_body(api_up: Api) -> None:
    incident_id = api_up.alert("no key")
    missing = api_up.call(
        "POST", f"/api/v1/incidents/{incident_id}/acknowledge", {}, token=api_up.write_token
    )
    assert missing.status == 400 and "Idempotency-Key" in missing.body["error"]
    bad = api_up.post(f"/api/v1/incidents/{incident_id}/state", {"state": "done"}, key="s1")
    assert bad.status == 400 and bad.body["error"].startswith("state:")
    typo = api_up.post(f"/api/v1/incidents/{incident_id}/notes", {"txt": "hi"}, key="n0")
    assert typo.status == 400 and "text" in typo.body["error"]
    no_reason = api_up.post(f"/api/v1/incidents/{incident_id}/resolve", {}, key="r0")
    assert no_reason.status == 400 and no_reason.body["error"].startswith("reason:")
    not_json = api_up.call(
        "POST",
        f"/api/v1/incidents/{incident_id}/notes",
        raw=b"{nope",
        token=api_up.write_token,
        key="n1",
    )
    assert not_json.status == 400 and "JSON" in not_json.body["error"]
    unknown = api_up.post("/api/v1/incidents/inc-missing/acknowledge", {}, key="a404")
    assert unknown.status == 404


def test_ack_state_note_go_through_the_room_commands_and_are_audited(
    api_up: Api, sandbox: SandboxSlack
) -> None:
    incident_id = api_up.alert("payments slow")
    assembled(api_up, incident_id)
    base = f"/api/v1/incidents/{incident_id}"
    ack = api_up.post(f"{base}/acknowledge", {"reason": "on it"}, key="a1")
    assert ack.status == 200, ack.body
    assert ack.body["incident"]["acknowledged_by"] == "api:writer"
    moved = api_up.post(f"{base}/state", {"state": "identified"}, key="s1")
    assert moved.status == 200 and moved.body["incident"]["status"] == "identified"
    again = api_up.post(f"{base}/state", {"state": "identified", "reason": "x"}, key="s2")
    assert again.status == 409 and "cannot move from identified" in again.body["error"]
    note = api_up.post(f"{base}/notes", {"text": "rolled back 1.2.3"}, key="n1")
    assert note.status == 200
    timeline = api_up.get(f"{base}/timeline").body["items"]
    assert [(t["author"], t["text"]) for t in timeline] == [("api:writer", "rolled back 1.2.3")]
    room = api_up.backends.store.get(incident_id)
    assert room is not None and room.channel_id
    channel = room.channel_id

    def said() -> list[str]:
        return [
            str(m.get("text", "")) for m in SandboxControl(sandbox.url).channel(channel)["messages"]
        ]

    # the room is told through the outbox (ROOM_MESSAGE), which the processor posts
    eventually(
        lambda: "`api:writer` acknowledged the incident (operator API): on it" in said(),
        timeout=10,
    )
    noted = "`api:writer` added a note to the timeline (operator API)\n> rolled back 1.2.3"
    eventually(lambda: noted in said(), timeout=10)
    actions = actions_by(api_up, incident_id, "api:writer")
    assert actions.count("COMMAND_RUN") == 4
    assert actions.count("OPERATOR_WRITE") == 4
    assert {"ACKNOWLEDGED", "STATUS_CHANGED", "TIMELINE_ADDED"} <= set(actions)


def test_concurrent_replays_of_one_key_write_once(api_up: Api) -> None:
    incident_id = api_up.alert("concurrent notes")
    answers: list[int] = []

    def send() -> None:
        path = f"/api/v1/incidents/{incident_id}/notes"
        answers.append(api_up.post(path, {"text": "once"}, key="same").status)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(answers) <= {200, 409} and 200 in answers
    notes = api_up.backends.store.list_timeline(incident_id)
    assert [n.text for n in notes] == ["once"]


def test_resolve_honours_the_same_permissions_as_slack(api_up: Api) -> None:
    incident_id = api_up.alert("resolve me")
    assembled(api_up, incident_id)

    def claim_ic() -> bool:  # the assembler may still be writing: retry on a lost race
        held = api_up.backends.store.get(incident_id)
        assert held is not None
        try:
            with_ic = held.model_copy(update={"roles": {Role.IC: "U0ALICE"}})
            api_up.backends.store.update(with_ic, expected_version=held.version)
        except ConcurrentUpdate:
            return False
        return True

    eventually(claim_ic)
    base = f"/api/v1/incidents/{incident_id}"
    refused = api_up.post(f"{base}/resolve", {"reason": "fixed"}, key="r1")
    assert refused.status == 403 and "incident commander" in refused.body["error"]
    assert "PERMISSION_DENIED" in actions_by(api_up, incident_id, "api:writer")
    other_id = api_up.alert("resolve me too")
    done = api_up.post(f"/api/v1/incidents/{other_id}/resolve", {"reason": "fixed"}, key="r2")
    assert done.status == 200, done.body
    assert done.body["incident"]["status"] == "resolved"
    resolved = api_up.backends.store.get(other_id)
    assert resolved is not None and resolved.resolution_summary == "fixed"


def test_status_drafts_are_drafted_for_review_never_published(api_up: Api) -> None:
    incident_id = api_up.alert("status page")
    assembled(api_up, incident_id)
    body: dict[str, Any] = {"public_status": "identified", "text": "We found the cause."}
    drafted = api_up.post(f"/api/v1/incidents/{incident_id}/status-drafts", body, key="d1")
    assert drafted.status == 200, drafted.body
    drafts = api_up.get(f"/api/v1/incidents/{incident_id}").body["drafts"]
    assert [(d["body"], d["status"], d["public_status"]) for d in drafts] == [
        ("We found the cause.", "pending", "identified")
    ]
    actions = [e.action for e in api_up.backends.audit.events(incident_id)]
    assert AuditAction.STATUS_DRAFT_CREATED in actions
    assert AuditAction.STATUS_APPROVED not in actions
    assert AuditAction.STATUS_PUBLISHED not in actions


def test_a_webhook_only_process_with_slack_settings_serves_writes(api_webhook: Api) -> None:
    incident_id = api_webhook.alert("no processor here")
    base = f"/api/v1/incidents/{incident_id}"
    ack = api_webhook.post(f"{base}/acknowledge", {}, key="w1")
    assert ack.status == 200 and ack.body["incident"]["acknowledged_by"] == "api:writer"
    done = api_webhook.post(f"{base}/resolve", {"reason": "fixed upstream"}, key="w2")
    assert done.status == 200, done.body
    assert done.body["incident"]["status"] == "resolved"
