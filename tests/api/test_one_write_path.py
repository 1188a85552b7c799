"""Issue 21, "no second code path": the operator API and the web console write through one
service (OperatorCommands). In `marshal webhook` alone, both tell the room through the outbox
(a ROOM_MESSAGE for the processor to post) and both leave the same audit shape, naming the
caller: the token for the API, the signed-in person for the console."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.models import utcnow
from bot.ports.queue import EventType, QueueMessage
from tests.api.conftest import Api
from tests.console.conftest import Console, csrf_of


def _queued(api: Api) -> list[QueueMessage]:
    found: list[QueueMessage] = []
    for _ in range(3):  # one incident's events come one at a time, in order
        for delivery in api.backends.queue.receive(max_messages=10, wait_seconds=1):
            found.append(delivery.message)
            api.backends.queue.ack(delivery)
    return found


def test_api_and_console_writes_share_one_audit_shape_and_one_way_to_the_room(
    api_webhook: Api,
) -> None:
    incident_id = api_webhook.alert("one write path")
    incident = api_webhook.backends.store.get(incident_id)
    assert incident is not None
    api_webhook.backends.store.update(
        incident.model_copy(update={"channel_id": "C0ROOM", "updated_at": utcnow()}),
        expected_version=incident.version,
    )
    _queued(api_webhook)  # what the intake queued for a processor

    acked = api_webhook.post(
        f"/api/v1/incidents/{incident_id}/acknowledge", {"reason": "paged"}, key="a1"
    )
    assert acked.status == 200, acked.body
    console = Console(api_webhook.url, api_webhook.settings, api_webhook.backends)
    try:
        person = console.signed_in("U0ALICE")
        page = person.get(f"/console/incidents/{incident_id}").text
        noted = person.post(
            f"/console/incidents/{incident_id}/note",
            data={"csrf_token": csrf_of(page), "text": "rolled back <!here>"},
        )
        assert noted.status_code == 303
    finally:
        console.close()

    events = api_webhook.backends.audit.events(incident_id)
    writes = [
        (e.actor, e.details["operation"], e.details["via"], e.details["outcome"])
        for e in events
        if e.action is AuditAction.OPERATOR_WRITE
    ]
    assert writes == [
        ("api:writer", "acknowledge", "api", "done"),
        ("U0ALICE", "note", "console", "done"),
    ]
    runs = [
        (e.actor, e.details["subcommand"], e.details["via"])
        for e in events
        if e.action is AuditAction.COMMAND_RUN
    ]
    assert runs == [("api:writer", "ack", "api"), ("U0ALICE", "note", "console")]

    told = [m for m in _queued(api_webhook) if m.event_type == EventType.ROOM_MESSAGE]
    assert [m.payload["channel_id"] for m in told] == ["C0ROOM", "C0ROOM"]
    assert told[0].payload["text"] == "`api:writer` acknowledged the incident (operator API): paged"
    assert told[1].payload["text"] == (
        "<@U0ALICE> added a note to the timeline from the web console\n> rolled back &lt;!here&gt;"
    )
