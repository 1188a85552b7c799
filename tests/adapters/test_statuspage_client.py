"""StatuspageClient against the fake Statuspage server over real sockets."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.adapters.statuspage.client import StatuspageClient
from bot.adapters.statuspage.pacing import TokenBucket
from bot.domain.errors import ConfigurationError
from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublishMarker, StatusPageError
from bot.settings import Settings
from tests.fakes.statuspage import FakeStatuspage, Fault

MARKER = PublishMarker(incident_id="inc-1", draft_id="draft-1")


class RecordedSleeps:
    """Records requested waits and skips them, so retry tests run in milliseconds."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_for(fake: FakeStatuspage, **kwargs: object) -> StatuspageClient:
    options: dict[str, object] = {
        "timeout": 2.0,
        "requests_per_second": 1000.0,
        "backoff_seconds": 0.01,
        "sleep": RecordedSleeps(),
    }
    options.update(kwargs)
    return StatuspageClient(fake.url, SecretStr(fake.api_key), fake.page_id, **options)  # type: ignore[arg-type]


def test_create_then_update_the_same_public_incident(statuspage: FakeStatuspage) -> None:
    client = client_for(statuspage)
    created = client.create_incident(
        name="Checkout errors",
        body="We are investigating.",
        status=PublicStatus.INVESTIGATING,
        marker=MARKER,
    )
    assert created.shortlink == f"https://stspg.io/{created.id}"
    assert created.marker == MARKER
    second = PublishMarker(incident_id="inc-1", draft_id="draft-2")
    updated = client.update_incident(
        created.id, body="Fix deployed.", status=PublicStatus.MONITORING, marker=second
    )
    assert updated.status is PublicStatus.MONITORING
    assert updated.updates == ["Fix deployed.", "We are investigating."]
    assert client.get_incident(created.id).marker == second
    assert len(statuspage.incidents()) == 1
    auth = [r for r in statuspage.requests() if r.method == "POST"]
    assert auth and auth[0].body["incident"]["metadata"] == MARKER.as_metadata()


def test_find_incident_by_marker(statuspage: FakeStatuspage) -> None:
    client = client_for(statuspage)
    assert client.find_incident(incident_id="inc-1") is None
    created = client.create_incident(
        name="x", body="y", status=PublicStatus.INVESTIGATING, marker=MARKER
    )
    client.create_incident(
        name="other",
        body="z",
        status=PublicStatus.INVESTIGATING,
        marker=PublishMarker(incident_id="inc-2", draft_id="d"),
    )
    found = client.find_incident(incident_id="inc-1")
    assert found is not None and found.id == created.id


def test_wrong_key_is_not_retried_and_names_no_secret(statuspage: FakeStatuspage) -> None:
    client = StatuspageClient(
        statuspage.url,
        SecretStr("wrong-key"),
        statuspage.page_id,
        sleep=RecordedSleeps(),
        requests_per_second=1000.0,
    )
    with pytest.raises(StatusPageError) as caught:
        client.get_incident("nope")
    assert caught.value.status == 401
    assert not caught.value.retryable
    assert "wrong-key" not in str(caught.value)
    assert len(statuspage.requests()) == 1


def test_unknown_incident_and_page_are_404(statuspage: FakeStatuspage) -> None:
    with pytest.raises(StatusPageError) as caught:
        client_for(statuspage).get_incident("missing")
    assert caught.value.status == 404
    other_page = StatuspageClient(
        statuspage.url, SecretStr(statuspage.api_key), "other", sleep=RecordedSleeps()
    )
    with pytest.raises(StatusPageError, match="page not found"):
        other_page.find_incident(incident_id="inc-1")


def test_validation_error_is_422_and_final(statuspage: FakeStatuspage) -> None:
    with pytest.raises(StatusPageError, match="name can't be blank") as caught:
        client_for(statuspage).create_incident(
            name="", body="b", status=PublicStatus.INVESTIGATING, marker=MARKER
        )
    assert caught.value.status == 422
    assert statuspage.incidents() == []


def test_429_honours_retry_after(statuspage: FakeStatuspage) -> None:
    sleeps = RecordedSleeps()
    statuspage.fail_next(Fault(status=429, retry_after=7))
    incident = client_for(statuspage, sleep=sleeps).create_incident(
        name="n", body="b", status=PublicStatus.INVESTIGATING, marker=MARKER
    )
    assert 7.0 in sleeps.waits
    assert [i["id"] for i in statuspage.incidents()] == [incident.id]


def test_5xx_after_the_write_is_adopted_not_duplicated(statuspage: FakeStatuspage) -> None:
    statuspage.fail_next(Fault(status=500, after_write=True, method="POST"))
    incident = client_for(statuspage).create_incident(
        name="n", body="b", status=PublicStatus.INVESTIGATING, marker=MARKER
    )
    assert [i["id"] for i in statuspage.incidents()] == [incident.id]
    assert len(statuspage.requests("POST")) == 1


def test_timeout_after_the_write_is_adopted_not_duplicated(statuspage: FakeStatuspage) -> None:
    statuspage.fail_next(Fault(delay=0.5, method="POST"))
    incident = client_for(statuspage, timeout=0.1).create_incident(
        name="n", body="b", status=PublicStatus.INVESTIGATING, marker=MARKER
    )
    assert [i["id"] for i in statuspage.incidents()] == [incident.id]


def test_update_retry_after_an_applied_patch_posts_one_update(statuspage: FakeStatuspage) -> None:
    client = client_for(statuspage)
    created = client.create_incident(
        name="n", body="first", status=PublicStatus.INVESTIGATING, marker=MARKER
    )
    statuspage.fail_next(Fault(status=502, after_write=True, method="PATCH"))
    second = PublishMarker(incident_id="inc-1", draft_id="draft-2")
    updated = client.update_incident(
        created.id, body="second", status=PublicStatus.IDENTIFIED, marker=second
    )
    assert updated.updates == ["second", "first"]
    assert len(statuspage.requests("PATCH")) == 1


def test_persistent_5xx_gives_up_retryable(statuspage: FakeStatuspage) -> None:
    statuspage.fail_next(*[Fault(status=503) for _ in range(4)])
    with pytest.raises(StatusPageError) as caught:
        client_for(statuspage, max_attempts=4).find_incident(incident_id="inc-1")
    assert caught.value.retryable and caught.value.status == 503
    assert len(statuspage.requests()) == 4


def test_connection_refused_is_retryable() -> None:
    client = StatuspageClient(
        "http://127.0.0.1:9/v1/",
        SecretStr("k"),
        "p",
        sleep=RecordedSleeps(),
        max_attempts=2,
        requests_per_second=1000.0,
    )
    with pytest.raises(StatusPageError) as caught:
        client.get_incident("x")
    assert caught.value.retryable and caught.value.status is None


def test_component_status(statuspage: FakeStatuspage) -> None:
    client = client_for(statuspage)
    client.set_component_status("comp1", ComponentStatus.MAJOR_OUTAGE)
    assert statuspage.state.components["comp1"]["status"] == "major_outage"
    with pytest.raises(StatusPageError) as caught:
        client.set_component_status("nope", ComponentStatus.OPERATIONAL)
    assert caught.value.status == 404


def test_from_settings_requires_key_and_page(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="STATUSPAGE_API_KEY"):
        StatuspageClient.from_settings(Settings())
    monkeypatch.setenv("STATUSPAGE_API_KEY", "k")
    monkeypatch.setenv("STATUSPAGE_PAGE_ID", "p")
    assert isinstance(StatuspageClient.from_settings(Settings()), StatuspageClient)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_token_bucket_paces_one_per_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(4)]
    assert waits == [0.0, 1.0, 1.0, 1.0]
    clock.now += 5  # idle time refills only up to the capacity
    assert [bucket.acquire(), bucket.acquire()] == [0.0, 1.0]


def test_token_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="rate_per_second"):
        TokenBucket(0)
