"""Captured, correctly signed requests replayed later: a duplicate or a refusal, never a page.

PagerDuty and Grafana OnCall sign bodies without a timestamp, so a captured request verifies
forever; their own event ids and times are what tell a replay from a new event.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.lifecycle import IncidentStatus
from tests.web.conftest import Ingress, fixture_body

TRIGGERED = {"pagerduty": "pagerduty_incident_triggered", "grafana-oncall": "grafana_oncall_firing"}


def resolve(ingress: Ingress, incident_id: str) -> None:
    store = ingress.backends.store
    incident = store.get(incident_id)
    assert incident is not None
    store.update(incident.transition(IncidentStatus.RESOLVED), expected_version=incident.version)


@pytest.mark.parametrize("source", sorted(TRIGGERED))
def test_a_request_replayed_after_resolve_is_a_200_duplicate_not_a_new_incident(
    ingress: Ingress, source: str
) -> None:
    captured = fixture_body(TRIGGERED[source])
    opened = ingress.post(source, captured)
    assert opened.status == 202
    resolve(ingress, opened.body["incident_id"])

    replayed = ingress.post(source, captured)

    assert replayed.status == 200, replayed.body
    assert replayed.body["status"] == "duplicate"
    assert replayed.body["incident_id"] == opened.body["incident_id"]
    incidents = ingress.backends.store.list_incidents(open_only=False).items
    assert [i.id for i in incidents] == [opened.body["incident_id"]]


@pytest.mark.parametrize("source", sorted(TRIGGERED))
def test_an_event_older_than_the_replay_window_is_refused(ingress: Ingress, source: str) -> None:
    old = datetime.now(UTC) - timedelta(days=8)
    answer = ingress.post(source, fixture_body(TRIGGERED[source], delivered_at=old))
    assert answer.status == 400
    assert answer.body["field"] == "event"
    assert "older than the 7-day replay window" in answer.body["error"]
    assert ingress.backends.store.list_incidents(open_only=False).items == []


@pytest.mark.parametrize("source", sorted(TRIGGERED))
def test_an_event_within_the_window_is_accepted(ingress: Ingress, source: str) -> None:
    recent = datetime.now(UTC) - timedelta(days=6)
    assert ingress.post(source, fixture_body(TRIGGERED[source], delivered_at=recent)).status == 202


def test_a_new_pagerduty_event_for_the_same_incident_after_resolve_still_pages(
    ingress: Ingress,
) -> None:
    """Only the same event id is a replay: PagerDuty re-triggering sends a new event."""
    body = json.loads(fixture_body(TRIGGERED["pagerduty"]))
    opened = ingress.post("pagerduty", json.dumps(body).encode())
    resolve(ingress, opened.body["incident_id"])
    body["event"]["id"] = "01NEWEVENTAFTERRESOLVE000"

    again = ingress.post("pagerduty", json.dumps(body).encode())

    assert again.status == 202
    assert again.body["incident_id"] != opened.body["incident_id"]


def test_alertmanager_refiring_after_resolve_is_still_a_new_occurrence(ingress: Ingress) -> None:
    """Alertmanager re-sends identical notifications when a problem comes back: a new page."""
    body = fixture_body("alertmanager_firing")
    opened = ingress.post("alertmanager", body)
    resolve(ingress, opened.body["incident_id"])

    again = ingress.post("alertmanager", body)

    assert again.status == 202
    assert again.body["incident_id"] != opened.body["incident_id"]
