"""An incident's page, its audit trail and the console's two actions, over HTTP."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import (
    PublicStatus,
    StatusPageDraft,
    TimelineEntry,
    TimelineKind,
    utcnow,
)
from bot.ports.queue import EventType
from bot.wiring.status_page import build_draft_store
from tests.console.conftest import Console, csrf_of


def test_the_page_shows_header_roles_timeline_drafts_and_links(console: Console) -> None:
    incident = console.incident(
        title="Checkout 5xx",
        service="checkout",
        team="payments",
        channel_id="C0ROOM",
        channel_name="inc-checkout",
        roles={"ic": "U0BOB"},
        triggered_at=utcnow() - timedelta(minutes=30),
        acknowledged_at=utcnow() - timedelta(minutes=18),
        acknowledged_by="U0BOB",
        links=[
            {"title": "Runbook <x>", "url": "https://runbooks.example/checkout"},
            {"title": "evil", "url": "javascript:alert(1)"},
        ],
    )
    console.backends.store.add_timeline(
        TimelineEntry(
            incident_id=incident.id,
            author="U0CAROL",
            kind=TimelineKind.PINNED_MESSAGE,
            text="DB failover started",
        )
    )
    console.backends.audit.append(
        incident.id,
        actor="U0BOB",
        action=AuditAction.SEVERITY_CHANGED,
        details={"from": "P2", "to": "P1"},
    )
    build_draft_store(console.settings).add(
        StatusPageDraft(
            incident_id=incident.id,
            title="Checkout degraded",
            body="We are on it.",
            public_status=PublicStatus.INVESTIGATING,
            drafted_by="U0BOB",
        )
    )
    page = console.signed_in().get(f"/console/incidents/{incident.id}")
    assert page.status_code == 200
    html = page.text
    for expected in (
        "Checkout 5xx",
        "acknowledge after 12 min",
        "payments",
        "ic: U0BOB",
        "DB failover started",
        "severity changed (from=P2, to=P1)",
        "Checkout degraded",
        "We are on it.",
        'href="https://runbooks.example/checkout"',
        "Runbook &lt;x&gt;",
        'href="https://slack.com/app_redirect?channel=C0ROOM"',
        "#inc-checkout",
    ):
        assert expected in html, expected
    assert "javascript:" not in html  # a link that is not http(s) is not linked


def test_an_unknown_incident_is_a_404_page(console: Console) -> None:
    answer = console.signed_in().get("/console/incidents/inc-nope")
    assert answer.status_code == 404 and "No such incident" in answer.text


def test_acknowledge_and_note_run_as_the_signed_in_person_and_tell_the_room(
    console: Console,
) -> None:
    incident = console.incident(channel_id="C0ROOM", channel_name="inc-checkout")
    client = console.signed_in("U0ALICE")
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)

    acked = client.post(f"/console/incidents/{incident.id}/ack", data={"csrf_token": csrf})
    assert acked.status_code == 303
    noted = client.post(
        f"/console/incidents/{incident.id}/note",
        data={"csrf_token": csrf, "text": "Rolled back <!channel> v42"},
    )
    assert noted.status_code == 303
    page = client.get(f"/console/incidents/{incident.id}").text
    assert "Note added to the timeline." in page
    assert "by U0ALICE" in page and 'id="acknowledge"' not in page  # no second Acknowledge

    stored = console.backends.store.get(incident.id)
    assert stored is not None
    assert stored.acknowledged_by == "U0ALICE"
    assert stored.status is IncidentStatus.INVESTIGATING
    notes = console.backends.store.list_timeline(incident.id)
    assert [(n.author, n.text) for n in notes] == [("U0ALICE", "Rolled back <!channel> v42")]

    events = console.backends.audit.events(incident.id)
    actions = [(e.actor, e.action) for e in events]
    assert ("U0ALICE", AuditAction.ACKNOWLEDGED) in actions
    assert ("U0ALICE", AuditAction.TIMELINE_ADDED) in actions
    runs = [e.details for e in events if e.action is AuditAction.COMMAND_RUN]
    assert [(r["subcommand"], r["via"], r["outcome"]) for r in runs] == [
        ("ack", "console", "ok"),
        ("note", "console", "ok"),
    ]

    posts = []
    for _ in range(2):  # one incident's events come one at a time, in order
        for delivery in console.backends.queue.receive(max_messages=10, wait_seconds=1):
            posts.append(delivery.message)
            console.backends.queue.ack(delivery)
    assert {p.event_type for p in posts} == {EventType.ROOM_MESSAGE}
    assert [p.payload["channel_id"] for p in posts] == ["C0ROOM", "C0ROOM"]
    assert "<@U0ALICE> acknowledged the incident from the web console" in posts[0].payload["text"]
    # the note reaches Slack escaped: it cannot ping the room
    assert "&lt;!channel&gt;" in posts[1].payload["text"]
    assert "<!channel>" not in posts[1].payload["text"]


def test_a_second_acknowledge_says_who_was_first(console: Console) -> None:
    incident = console.incident(channel_id="C0ROOM")
    alice, bob = console.signed_in("U0ALICE"), console.signed_in("U0BOB")
    page = bob.get(f"/console/incidents/{incident.id}").text
    alice.post(
        f"/console/incidents/{incident.id}/ack",
        data={"csrf_token": csrf_of(alice.get(f"/console/incidents/{incident.id}").text)},
    )
    late = bob.post(f"/console/incidents/{incident.id}/ack", data={"csrf_token": csrf_of(page)})
    assert late.status_code == 303
    assert "Already acknowledged by" in bob.get(f"/console/incidents/{incident.id}").text
    assert console.backends.store.get(incident.id).acknowledged_by == "U0ALICE"  # type: ignore[union-attr]


def test_an_empty_or_oversized_note_is_refused_and_nothing_is_written(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)
    for text, says in (("   ", "A note needs some text."), ("x" * 1501, "limited to 1500")):
        client.post(
            f"/console/incidents/{incident.id}/note", data={"csrf_token": csrf, "text": text}
        )
        assert says in client.get(f"/console/incidents/{incident.id}").text
    assert console.backends.store.list_timeline(incident.id) == []


def test_the_audit_page_verifies_the_chain_and_flags_tampering(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)
    client.post(f"/console/incidents/{incident.id}/note", data={"csrf_token": csrf, "text": "ok"})
    page = client.get(f"/console/incidents/{incident.id}/audit").text
    assert 'class="badge good"' in page and "TIMELINE_ADDED" in page

    with sqlite3.connect(console.settings.marshal_db_path) as db:
        row = db.execute(
            "SELECT rowid, data FROM audit_events WHERE incident_id = ? ORDER BY seq LIMIT 1",
            (incident.id,),
        ).fetchone()
        data = json.loads(row[1])
        data["actor"] = "U0MALLORY"
        db.execute("UPDATE audit_events SET data = ? WHERE rowid = ?", (json.dumps(data), row[0]))
    page = client.get(f"/console/incidents/{incident.id}/audit").text
    assert 'class="badge bad"' in page and "Does not verify" in page


def test_a_corrupt_audit_row_is_reported_not_a_500(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)
    client.post(f"/console/incidents/{incident.id}/note", data={"csrf_token": csrf, "text": "ok"})
    with sqlite3.connect(console.settings.marshal_db_path) as db:
        db.execute(
            "UPDATE audit_events SET data = 'not json' WHERE incident_id = ?", (incident.id,)
        )
    page = client.get(f"/console/incidents/{incident.id}")
    assert page.status_code == 200 and "Changes are missing" in page.text
    assert "ok" in page.text  # the note itself is on the timeline
    audit = client.get(f"/console/incidents/{incident.id}/audit")
    assert audit.status_code == 200 and 'class="badge bad"' in audit.text
    acked = client.post(f"/console/incidents/{incident.id}/ack", data={"csrf_token": csrf})
    assert acked.status_code == 303  # an answer either way, never a 500
