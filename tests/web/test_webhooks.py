"""The webhook contract of DESIGN.md section 3, over real HTTP with real vendor payloads."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from pathlib import Path

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.ports.queue import EventType, QueueMessage
from bot.wiring.backends import open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from tests.web.conftest import SECRETS, Ingress, fixture_body, ingress_settings

FIRING = {
    "grafana-oncall": "grafana_oncall_firing",
    "alertmanager": "alertmanager_firing",
    "grafana": "grafana_firing",
    "pagerduty": "pagerduty_incident_triggered",
    "generic": "generic_firing",
}


def drain(ingress: Ingress) -> list[QueueMessage]:
    queue = ingress.backends.queue
    messages = []
    while deliveries := queue.receive(max_messages=10, wait_seconds=0):
        for delivery in deliveries:
            messages.append(delivery.message)
            queue.ack(delivery)
    return messages


@pytest.mark.parametrize("source", sorted(FIRING))
def test_a_real_payload_is_accepted_persisted_and_enqueued(ingress: Ingress, source: str) -> None:
    answer = ingress.post(source, fixture_body(FIRING[source]))
    assert answer.status == 202, answer.body
    incident_id = answer.body["incident_id"]
    incident = ingress.backends.store.get(incident_id)
    assert incident is not None and incident.source.value == source
    messages = drain(ingress)
    assert [(m.event_type, m.incident_id) for m in messages] == [
        (EventType.ALERT_RECEIVED.value, incident_id)
    ]
    actions = [e.action for e in ingress.backends.audit.events(incident_id)]
    assert actions == [AuditAction.INCIDENT_CREATED]


def test_a_resent_alert_is_a_200_duplicate_with_the_same_id(ingress: Ingress) -> None:
    body = fixture_body("alertmanager_firing")
    first = ingress.post("alertmanager", body)
    again = ingress.post("alertmanager", body)
    assert (first.status, again.status) == (202, 200)
    assert again.body["status"] == "duplicate"
    assert again.body["incident_id"] == first.body["incident_id"]
    assert len(drain(ingress)) == 1


def test_alerts_of_one_group_attach_to_one_incident(ingress: Ingress) -> None:
    base = json.loads(fixture_body("generic_firing"))
    first = ingress.post("generic", json.dumps(base).encode())
    changed = {**base, "title": "Same group, new wording", "severity": "P1"}
    changed_body = json.dumps(changed).encode()
    # a different notification (new external id) of the same dedup key group
    second = ingress.post("alertmanager", fixture_body("alertmanager_firing"))
    assert second.body["incident_id"] != first.body["incident_id"]
    third = ingress.post("generic", changed_body)
    assert third.body["incident_id"] == first.body["incident_id"]


def test_a_resolved_alert_enqueues_alert_resolved_for_the_incident(ingress: Ingress) -> None:
    fired = ingress.post("alertmanager", fixture_body("alertmanager_firing"))
    resolved = ingress.post("alertmanager", fixture_body("alertmanager_resolved"))
    assert resolved.status == 202
    assert resolved.body["incident_id"] == fired.body["incident_id"]
    types = [m.event_type for m in drain(ingress)]
    assert types == [EventType.ALERT_RECEIVED.value, EventType.ALERT_RESOLVED.value]


@pytest.mark.parametrize("source", sorted(SECRETS))
def test_a_bad_signature_is_401_and_nothing_is_stored(ingress: Ingress, source: str) -> None:
    body = fixture_body(FIRING[source])
    headers = {
        "X-Grafana-OnCall-Signature": "00" * 32,
        "Authorization": "Bearer wrong",
        "X-Grafana-Alerting-Signature": "00" * 32,
        "X-PagerDuty-Signature": "v1=" + "00" * 32,
        "X-Marshal-Timestamp": "1700000000",
        "X-Marshal-Signature": "v1=" + "00" * 32,
    }
    answer = ingress.post(source, body, signed=False, **headers)
    assert answer.status == 401
    assert "signature" in answer.body["error"]
    assert ingress.backends.store.list_incidents(open_only=False).items == []


def test_missing_signature_is_401(ingress: Ingress) -> None:
    answer = ingress.post("generic", fixture_body("generic_firing"), signed=False)
    assert answer.status == 401


def test_bad_json_is_400(ingress: Ingress) -> None:
    answer = ingress.post("generic", b"{not json")
    assert answer.status == 400
    assert "error" in answer.body


def test_a_schema_error_names_the_field(ingress: Ingress) -> None:
    body = json.loads(fixture_body("generic_firing"))
    body["links"] = [{"title": "x", "url": "not a url"}]
    answer = ingress.post("generic", json.dumps(body).encode())
    assert answer.status == 400
    assert answer.body["field"] == "links.0.url"


def test_a_declared_body_over_one_mib_is_refused_before_it_is_sent(ingress: Ingress) -> None:
    """The server answers 413 from Content-Length alone; the sender need not upload 2 MiB."""
    host, port = ingress.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2097152\r\n\r\n"
        )
        status_line = conn.recv(4096).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"


def test_a_streamed_body_over_one_mib_is_413(ingress: Ingress) -> None:
    """Without a Content-Length (chunked), the limit is enforced while reading."""
    host, port = ingress.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = (b"x" * 65536 for _ in range(20))  # 1.25 MiB
    # the server may answer and close before the last chunk; the answer is still there
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        conn.request(
            "POST",
            "/webhooks/generic",
            body=chunks,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
    assert conn.getresponse().status == 413
    conn.close()


def test_a_wrong_content_type_is_415(ingress: Ingress) -> None:
    body = fixture_body("generic_firing")
    # signed= spelled out: with only **headers mypy cannot rule out a "signed" key
    answer = ingress.post("generic", body, signed=True, **{"Content-Type": "text/plain"})
    assert answer.status == 415


def test_an_unknown_source_is_404(ingress: Ingress) -> None:
    answer = ingress.request("/webhooks/nagios", b"{}", {"Content-Type": "application/json"})
    assert answer.status == 404


def test_pagerduty_ping_is_accepted_without_an_incident(ingress: Ingress) -> None:
    answer = ingress.post("pagerduty", fixture_body("pagerduty_ping"))
    assert answer.status == 202
    assert answer.body["incident_id"] is None
    assert drain(ingress) == []


def test_health_readiness_and_metrics(ingress: Ingress) -> None:
    assert ingress.request("/healthz").status == 200
    ready = ingress.request("/readyz")
    assert ready.status == 200 and ready.body["checks"] == ["queue", "store"]
    ingress.post("generic", fixture_body("generic_firing"))
    metrics = ingress.request("/metrics").body["text"]
    assert 'marshal_webhook_requests_total{source="generic",status="202"} 1.0' in metrics
    assert "marshal_incidents_opened_total" in metrics


def test_enqueue_failure_is_503_stores_nothing_and_the_retry_delivers(
    ingress: Ingress, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never lost: on the embedded defaults the queue message is written in the alert's one
    commit (bot/adapters/sqlite/alert_ledger.py), so a failing enqueue rolls the whole alert
    back and the sender's retry is accepted afresh, enqueued and audited once. (With a queue
    of its own, SQS, the retry is a duplicate that delivers the stored event:
    tests/web/test_ingest_round_trips.py.)"""
    queue = ingress.backends.queue
    assert isinstance(queue, LocalQueue)
    real_send_on = queue.send_on

    def queue_down(db: object, message: QueueMessage, **_: object) -> None:
        raise BackendUnavailable("queue is down")

    monkeypatch.setattr(queue, "send_on", queue_down)
    body = fixture_body("generic_firing")
    failed = ingress.post("generic", body)
    assert failed.status == 503 and failed.headers.get("retry-after") == "5"
    assert drain(ingress) == []
    assert ingress.backends.store.list_incidents(open_only=False).items == []

    monkeypatch.setattr(queue, "send_on", real_send_on)
    retried = ingress.post("generic", body)
    assert retried.status == 202
    messages = drain(ingress)
    assert [m.incident_id for m in messages] == [retried.body["incident_id"]]
    actions = [e.action for e in ingress.backends.audit.events(retried.body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED]


def test_re_sends_of_an_audited_alert_audit_nothing_new(ingress: Ingress) -> None:
    body = fixture_body("alertmanager_firing")
    first = ingress.post("alertmanager", body)
    again = [ingress.post("alertmanager", body).status for _ in range(3)]
    assert (first.status, again) == (202, [200, 200, 200])
    actions = [e.action for e in ingress.backends.audit.events(first.body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED]


def test_store_down_is_503_never_500(ingress: Ingress, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ingress.backends.store

    def store_down(*args: object, **kwargs: object) -> None:
        raise BackendUnavailable("database is locked")

    monkeypatch.setattr(store, "ingest", store_down)
    monkeypatch.setattr(store, "ingest_on", store_down)  # the alert ledger's one commit
    monkeypatch.setattr(store, "ping", store_down)
    assert ingress.post("generic", fixture_body("generic_firing")).status == 503
    assert ingress.request("/readyz").status == 503


def test_a_resolved_alert_with_no_open_incident_opens_nothing(ingress: Ingress) -> None:
    answer = ingress.post("alertmanager", fixture_body("alertmanager_resolved"))
    assert answer.status == 202
    assert answer.body == {"status": "no_open_incident", "incident_id": None, "incident_ids": []}
    assert ingress.backends.store.list_incidents(open_only=False).items == []
    assert drain(ingress) == []


def test_the_severity_map_setting_maps_a_senders_own_words(tmp_path: Path) -> None:
    settings = ingress_settings(tmp_path, marshal_severity_map="sev-a=P1,noisy=P5")
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends)
        ingress = Ingress(server.url, backends)
        body = json.loads(fixture_body("alertmanager_firing"))
        body["commonLabels"]["severity"] = "sev-a"
        for alert in body["alerts"]:
            alert["labels"]["severity"] = "sev-a"
        answer = ingress.post("alertmanager", json.dumps(body).encode())
        incident = backends.store.get(answer.body["incident_id"])
        assert incident is not None and incident.severity.value == "P1"
    finally:
        group.stop()
