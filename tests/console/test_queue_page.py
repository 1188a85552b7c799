"""The incident queue page over HTTP: active first, filters, cursor paging, bad input, escaping."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import utcnow
from bot.domain.severity import Severity
from bot.web.console.queue_view import PAGE_SIZE
from tests.console.conftest import Console, titles


def test_active_incidents_come_first_then_the_newest(console: Console) -> None:
    now = utcnow()
    console.incident(title="old open", group_key="a", triggered_at=now - timedelta(hours=5))
    console.incident(
        title="new resolved",
        group_key="b",
        status=IncidentStatus.RESOLVED,
        triggered_at=now - timedelta(minutes=1),
    )
    console.incident(title="new open", group_key="c", triggered_at=now - timedelta(hours=1))
    client = console.signed_in()
    assert titles(client.get("/console/").text) == ["new open", "old open"]  # active only
    assert titles(client.get("/console/?status=all").text) == [
        "new open",
        "old open",
        "new resolved",
    ]
    assert titles(client.get("/console/?status=resolved").text) == ["new resolved"]


def test_the_queue_refreshes_itself_and_the_incident_page_does_not(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    assert '<meta http-equiv="refresh" content="30">' in client.get("/console/").text
    assert 'http-equiv="refresh"' not in client.get(f"/console/incidents/{incident.id}").text


def test_filters_by_severity_service_and_age(console: Console) -> None:
    now = utcnow()
    console.incident(title="p1 checkout", group_key="a", service="checkout")
    console.incident(title="p3 checkout", group_key="b", service="checkout", severity=Severity.P3)
    console.incident(title="p1 search", group_key="c", service="search")
    console.incident(
        title="p1 checkout last week",
        group_key="d",
        service="checkout",
        triggered_at=now - timedelta(days=8),
    )
    client = console.signed_in()
    page = client.get("/console/?severity=P1&service=Checkout&age=7d").text
    assert titles(page) == ["p1 checkout"]
    assert titles(client.get("/console/?severity=P3").text) == ["p3 checkout"]
    assert set(titles(client.get("/console/?age=2h").text)) == {
        "p1 checkout",
        "p3 checkout",
        "p1 search",
    }
    assert "No incidents match these filters." in client.get("/console/?service=nothing").text


def test_cursor_paging_walks_every_match_once(console: Console) -> None:
    now = utcnow()
    for n in range(PAGE_SIZE + 7):
        console.incident(
            title=f"i{n:03}", group_key=f"k{n}", triggered_at=now - timedelta(minutes=n)
        )
    client = console.signed_in()
    seen: list[str] = []
    url = "/console/?severity=P1"
    pages = 0
    while url:
        page = client.get(url).text
        seen += titles(page)
        pages += 1
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
        # a new incident arriving mid-walk sorts before the cursor: no row repeats or is lost
        if pages == 1:
            console.incident(title="late", group_key="late")
    assert pages == 2
    assert seen == [f"i{n:03}" for n in range(PAGE_SIZE + 7)]


def test_paging_all_crosses_from_the_open_to_the_resolved_incidents(console: Console) -> None:
    now = utcnow()
    for n in range(PAGE_SIZE + 3):
        status = IncidentStatus.INVESTIGATING if n % 2 else IncidentStatus.RESOLVED
        console.incident(
            title=f"{status.value}-{n:03}",
            group_key=f"k{n}",
            status=status,
            triggered_at=now - timedelta(minutes=n),
        )
    client = console.signed_in()
    first = client.get("/console/?status=all").text
    found = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert found
    second = client.get(found.group(1).replace("&amp;", "&")).text
    assert 'rel="next"' not in second
    shown = titles(first) + titles(second)
    opened = [t for t in shown if t.startswith("investigating")]
    resolved = [t for t in shown if t.startswith("resolved")]
    assert shown == opened + resolved  # every active one before any resolved one
    assert len(opened) == (PAGE_SIZE + 3) // 2 and len(set(shown)) == PAGE_SIZE + 3
    assert resolved == sorted(resolved)  # newest first within the run


def test_bad_filters_get_a_clear_400(console: Console) -> None:
    client = console.signed_in()
    for query, says in (
        ("status=sleeping", "status must be one of"),
        ("severity=P9", "severity must be one of"),
        ("age=soon", "age:"),
        ("cursor=%%%garbage", "cursor"),
    ):
        answer = client.get(f"/console/?{query}")
        assert answer.status_code == 400, query
        assert says in answer.text, query


def test_text_from_alerts_is_shown_as_text(console: Console) -> None:
    console.incident(
        title='<img src=x onerror="alert(1)"> & <script>boom()</script>', service="<b>x</b>"
    )
    page = console.signed_in().get("/console/?status=all").text
    assert "<script>boom" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;boom()&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp;" in page


def test_an_unreadable_store_says_so_with_the_last_good_read_not_an_empty_queue(
    console: Console,
) -> None:
    visible = console.incident(title="visible")
    client = console.signed_in()
    assert titles(client.get("/console/").text) == ["visible"]
    # The incidents table goes away under the running server (a damaged or swapped file).
    with sqlite3.connect(console.settings.marshal_db_path) as db:
        db.execute("ALTER TABLE incidents RENAME TO incidents_elsewhere")
    answer = client.get("/console/")
    assert answer.status_code == 503
    assert "cannot be read right now" in answer.text
    assert re.search(r"last good read was at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", answer.text)
    assert "not an empty queue" in answer.text
    assert "No incidents match" not in answer.text and "<table" not in answer.text
    incident_page = client.get(f"/console/incidents/{visible.id}")
    assert incident_page.status_code == 503
    assert "cannot read its store right now" in incident_page.text
    assert "The last good read was at" in incident_page.text
