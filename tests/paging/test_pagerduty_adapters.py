"""PagerDuty adapters against a local fake that answers like the Events API v2 and REST:
dedup_key = the incident id, 429 Retry-After waited, timeouts retried (the events are
idempotent), invalid events refused at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.adapters.pagers.pagerduty_events import PagerDutyEvents
from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.domain.escalation import PageTarget
from bot.ports.pager import PageRequest, PagerError
from tests.fakes.http_fake import Fault
from tests.fakes.pagerduty import FakePagerDuty

TARGET = PageTarget.parse("pagerduty:R0UTINGKEYPRIMARY")
PAGE = PageRequest(
    incident_id="inc-1", title="Checkout 5xx", severity="P1", service="checkout", level=1
)


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty()
    fake.start()
    yield fake
    fake.stop()


def _events(fake: FakePagerDuty, waits: list[float], timeout: float = 10.0) -> PagerDutyEvents:
    return PagerDutyEvents(fake.events_url, sleep=waits.append, timeout=timeout)


def test_trigger_acknowledge_resolve_share_the_incident_id_as_dedup_key(
    pagerduty: FakePagerDuty,
) -> None:
    events = _events(pagerduty, [])
    sent = events.trigger(TARGET, PAGE)
    events.trigger(TARGET, PAGE)  # a repeat folds into the same alert
    events.acknowledge(TARGET, "inc-1", "U0ALICE")
    alert = pagerduty.alerts[("R0UTINGKEYPRIMARY", "inc-1")]
    assert sent.ref == "inc-1"
    assert (alert.triggers, alert.status, alert.summary) == (2, "acknowledged", "[P1] Checkout 5xx")
    events.resolve(TARGET, "inc-1", "U0ALICE")
    assert alert.status == "resolved"
    first = pagerduty.seen[0].body
    assert first["payload"]["severity"] == "critical"
    assert first["payload"]["source"] == "checkout"


def test_a_429_is_waited_out_by_its_retry_after(pagerduty: FakePagerDuty) -> None:
    waits: list[float] = []
    pagerduty.fail_next(Fault(status=429, retry_after="2"))
    _events(pagerduty, waits).trigger(TARGET, PAGE)
    assert waits == [2.0]
    assert pagerduty.triggers() == 1


def test_a_timeout_is_retried_and_then_fails_with_a_clear_error(pagerduty: FakePagerDuty) -> None:
    waits: list[float] = []
    pagerduty.fail_next(Fault(delay=0.5))
    events = _events(pagerduty, waits, timeout=0.2)
    events.trigger(TARGET, PAGE)  # the second try lands
    assert pagerduty.triggers() == 1
    pagerduty.fail_next(*(Fault(status=503) for _ in range(3)))
    with pytest.raises(PagerError, match=r"PagerDuty Events API: HTTP 503.*after 3 attempts"):
        events.trigger(TARGET, PAGE)


def test_an_invalid_event_is_refused_without_retrying(pagerduty: FakePagerDuty) -> None:
    waits: list[float] = []
    pagerduty.fail_next(Fault(status=400, body={"status": "invalid event"}))
    with pytest.raises(PagerError, match="HTTP 400"):
        _events(pagerduty, waits).trigger(TARGET, PAGE)
    assert (len(pagerduty.seen), waits) == (1, [])


def test_rest_acknowledges_and_resolves_an_incident_that_came_from_pagerduty(
    pagerduty: FakePagerDuty,
) -> None:
    rest = PagerDutyIncidents(pagerduty.url, SecretStr(pagerduty.token), "ic@example.com")
    rest.acknowledge_incident("PT4KHLK")
    assert pagerduty.incidents == {"PT4KHLK": "acknowledged"}
    rest.resolve_incident("PT4KHLK")
    assert pagerduty.incidents == {"PT4KHLK": "resolved"}
    assert pagerduty.seen[0].headers["from"] == "ic@example.com"
    wrong = PagerDutyIncidents(pagerduty.url, SecretStr("nope"), "ic@example.com")
    with pytest.raises(PagerError, match="HTTP 401"):
        wrong.acknowledge_incident("PT4KHLK")
