import json

import pytest

from bot.domain.models import AlertStatus
from bot.domain.severity import Severity
from bot.ingest.catalog import CATALOG
from bot.ingest.drill_payloads import BUILDERS, DRILL_SERVICE, drill_payload
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP


def test_every_source_has_a_drill_payload() -> None:
    assert set(BUILDERS) == set(CATALOG)


@pytest.mark.parametrize("source", sorted(CATALOG))
@pytest.mark.parametrize("severity", [Severity.P1, Severity.P3])
def test_drill_payload_parses_like_a_real_alert(source: str, severity: Severity) -> None:
    body = json.dumps(drill_payload(source, severity, "run0123456789ab", "Drill title")).encode()
    alerts = CATALOG[source].parse(body, DEFAULT_SEVERITY_MAP)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is severity
    assert "Drill title" in alert.title
    assert alert.service == DRILL_SERVICE
    assert alert.drill  # PagerDuty's too, by its "[drill]" title: drills stay out of reports


def test_a_real_pagerduty_incident_is_not_a_drill() -> None:
    body = json.dumps(drill_payload("pagerduty", Severity.P2, "run0", "Checkout down")).encode()
    real = body.replace(b"[drill] Checkout down", b"Checkout down [drill] mentioned")
    assert not CATALOG["pagerduty"].parse(real, DEFAULT_SEVERITY_MAP)[0].drill


def test_two_runs_open_two_groups() -> None:
    first = CATALOG["alertmanager"].parse(
        json.dumps(drill_payload("alertmanager", Severity.P2, "aaaa", "t")).encode(),
        DEFAULT_SEVERITY_MAP,
    )
    second = CATALOG["alertmanager"].parse(
        json.dumps(drill_payload("alertmanager", Severity.P2, "bbbb", "t")).encode(),
        DEFAULT_SEVERITY_MAP,
    )
    assert first[0].group_key != second[0].group_key
