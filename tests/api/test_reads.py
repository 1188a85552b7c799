"""Reads over HTTP with real tokens: auth answers, the paged queue, detail, audit, 404s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert, AlertSource, AlertStatus, Incident
from bot.domain.severity import Severity
from bot.ports.store import OutboxEvent
from bot.wiring.operator_api import build_token_authority
from tests.api.conftest import Api


def seed(api: Api, count: int, *, resolve_every: int = 0) -> list[str]:
    """`count` incidents straight into the store, one a minute apart, some resolved."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(count):
        alert = Alert(
            source=AlertSource.GENERIC,
            external_id=f"e{n}",
            group_key=f"g{n}",
            status=AlertStatus.FIRING,
            title=f"incident {n}",
            severity=Severity.P3,
            received_at=start + timedelta(minutes=n),
        )
        event = OutboxEvent(
            event_id=f"ob-{n}",
            incident_id="pending",
            event_type="x",
            payload={},
            created_at=start,
            sent_at=start,
        )
        intake = api.backends.store.ingest(alert, Incident.from_alert(alert), event)
        assert intake is not None
        incident = intake.incident
        if resolve_every and n % resolve_every == 0:
            done = incident.transition(IncidentStatus.RESOLVED)
            api.backends.store.update(done, expected_version=incident.version)
        ids.append(incident.id)
    return ids


def test_150_incidents_page_through_once_each_open_first(api: Api) -> None:
    ids = seed(api, 150, resolve_every=4)
    seen: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        path = "/api/v1/incidents?limit=40" + (f"&cursor={cursor}" if cursor else "")
        answer = api.get(path)
        assert answer.status == 200, answer.body
        assert len(answer.body["items"]) <= 40
        seen += answer.body["items"]
        pages += 1
        cursor = answer.body["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert sorted(i["id"] for i in seen) == sorted(ids)
    flags = [i["is_open"] for i in seen]
    first_closed = flags.index(False)
    assert all(flags[:first_closed]) and not any(flags[first_closed:])
    assert first_closed == 150 - len(range(0, 150, 4))


def test_default_page_is_thirty_and_limit_over_100_is_a_400(api: Api) -> None:
    seed(api, 35)
    assert len(api.get("/api/v1/incidents").body["items"]) == 30
    too_many = api.get("/api/v1/incidents?limit=101")
    assert too_many.status == 400 and "limit" in too_many.body["error"]
    assert api.get("/api/v1/incidents?limit=abc").status == 400


def test_a_bad_cursor_falls_back_to_the_first_page(api: Api) -> None:
    seed(api, 12)
    first = api.get("/api/v1/incidents?limit=5").body
    for bad in ("garbage", "eyJyIjoib3BlbiIsImMiOiJ4In0", "%00"):
        again = api.get(f"/api/v1/incidents?limit=5&cursor={bad}")
        assert again.status == 200
        assert again.body == first


def test_401_and_403_are_distinct_and_say_why(api: Api) -> None:
    missing = api.call("GET", "/api/v1/incidents")
    assert missing.status == 401 and "missing bearer token" in missing.body["error"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = api.call("GET", "/api/v1/incidents", token="marshal_nope")
    assert wrong.status == 401 and "malformed" in wrong.body["error"]
    forged = api.read_token[:-4] + "AAAA"
    assert api.call("GET", "/api/v1/incidents", token=forged).body["error"] == "unknown token"
    refused = api.post("/api/v1/incidents", {"title": "x"}, key="k1", token=api.read_token)
    assert refused.status == 403
    assert "read scope" in refused.body["error"] and "needs write" in refused.body["error"]


def test_revoked_tokens_are_refused_at_once(api: Api) -> None:
    authority = build_token_authority(api.settings, api.backends.audit)
    assert [t.name for t in authority.revoke("reader", by="cli:test")] == ["reader"]
    answer = api.get("/api/v1/incidents")
    assert answer.status == 401 and "revoked" in answer.body["error"]


def test_detail_timeline_and_audit_of_an_incident(api: Api) -> None:
    incident_id = api.alert("db down", severity=Severity.P1)
    detail = api.get(f"/api/v1/incidents/{incident_id}")
    assert detail.status == 200
    assert detail.body["incident"]["id"] == incident_id
    assert detail.body["incident"]["severity"] == "P1"
    assert detail.body["durations"]["acknowledge"] is None
    assert detail.body["open_for_seconds"] >= 0
    assert detail.body["timeline"] == [] and detail.body["drafts"] == []
    audit = api.get(f"/api/v1/incidents/{incident_id}/audit")
    assert audit.status == 200 and audit.body["next_cursor"] is None
    assert audit.body["items"][0]["action"] == "INCIDENT_CREATED"
    assert [e["seq"] for e in audit.body["items"]] == list(range(1, len(audit.body["items"]) + 1))
    timeline = api.get(f"/api/v1/incidents/{incident_id}/timeline")
    assert timeline.body == {"items": [], "next_cursor": None}
    for path in ("", "/audit", "/timeline"):
        missing = api.get(f"/api/v1/incidents/inc-missing{path}")
        assert missing.status == 404 and "inc-missing" in missing.body["error"]


def test_unknown_endpoints_and_methods_answer_json(api: Api) -> None:
    assert api.get("/api/v1/nothing-here").status == 404
    wrong = api.call("DELETE", "/api/v1/incidents", token=api.read_token)
    assert wrong.status == 405 and "error" in wrong.body


def test_writes_without_the_slack_side_say_so(api: Api) -> None:
    answer = api.post("/api/v1/incidents", {"title": "x"}, key="k1")
    assert answer.status == 503 and "SLACK_BOT_TOKEN" in answer.body["error"]
