"""The follow-ups page over HTTP: open, overdue, mine and all; by owner and by service."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import utcnow
from bot.wiring.followups import build_followup_store
from tests.console.conftest import Console

_TEXTS = re.compile(r'<td class="text">([^<(]*)')


def texts(html: str) -> list[str]:
    return [t.strip() for t in _TEXTS.findall(html)]


def seed(console: Console) -> None:
    incident = console.incident(title="Checkout 5xx", service="checkout")
    store = build_followup_store(console.settings)
    now = utcnow()
    for text, owner, due, service, status in (
        ("add a circuit breaker", "U0ALICE", now - timedelta(days=2), "checkout", None),
        ("alert on queue depth", "U0BOB", now + timedelta(days=5), "checkout", None),
        ("fix <script>x</script> runbook", "U0ALICE", now + timedelta(days=9), "search", None),
        ("old cleanup", "U0BOB", now - timedelta(days=20), "checkout", FollowUpStatus.DONE),
    ):
        followup = store.add(
            FollowUp(
                incident_id=incident.id,
                text=text,
                owner=owner,
                due_at=due,
                service=service,
                incident_severity="P1",
                incident_title=incident.title,
                created_by="U0CAROL",
            )
        )
        if status is not None:
            store.update(
                followup.closed(status, by="U0BOB", at=now, reason=None),
                expected_version=followup.version,
            )


def test_open_overdue_mine_all_and_filters(console: Console) -> None:
    seed(console)
    client = console.signed_in("U0ALICE")
    page = client.get("/console/followups").text
    assert texts(page) == [
        "add a circuit breaker",
        "alert on queue depth",
        "fix &lt;script&gt;x&lt;/script&gt; runbook",  # escaped
    ]
    assert "overdue</strong>" in page and 'href="/console/incidents/' in page
    overdue = client.get("/console/followups?scope=overdue").text
    assert texts(overdue) == ["add a circuit breaker"]
    mine = client.get("/console/followups?scope=mine").text
    assert texts(mine) == ["add a circuit breaker", "fix &lt;script&gt;x&lt;/script&gt; runbook"]
    by_owner = client.get("/console/followups?owner=U0BOB&scope=all").text
    assert set(texts(by_owner)) == {"alert on queue depth", "old cleanup"}
    by_service = client.get("/console/followups?service=search").text
    assert texts(by_service) == ["fix &lt;script&gt;x&lt;/script&gt; runbook"]


def test_a_bad_scope_is_a_400_and_signing_in_is_required(console: Console) -> None:
    assert console.client().get("/console/followups").status_code == 303
    answer = console.signed_in().get("/console/followups?scope=someday")
    assert answer.status_code == 400 and "scope must be one of" in answer.text
