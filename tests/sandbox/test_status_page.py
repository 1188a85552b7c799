"""The sandbox status page, driven by marshal's real Statuspage client over HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.statuspage.client import StatuspageClient
from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublishMarker, StatusPageError
from bot.sandbox.server import SandboxSlack
from bot.sandbox.status_page import API_KEY, PAGE_ID


@contextmanager
def _client(sandbox: SandboxSlack, key: str = API_KEY) -> Iterator[StatuspageClient]:
    client = StatuspageClient(
        sandbox.status_page.api_url, SecretStr(key), PAGE_ID, requests_per_second=100
    )
    try:
        yield client
    finally:
        client.close()


def test_marshals_client_publishes_and_updates_and_the_page_shows_it_escaped(
    sandbox: SandboxSlack,
) -> None:
    with _client(sandbox) as client:
        _publish_and_update(client)
    with urllib.request.urlopen(f"{sandbox.url}/status", timeout=5) as response:
        page = response.read().decode()
    assert "Checkout &lt;slow&gt;" in page
    assert "We are looking &amp; &lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold" not in page
    assert "API: major outage" in page
    assert page.index("Fixed") < page.index("We are looking")


def _publish_and_update(client: StatuspageClient) -> None:
    marker = PublishMarker(incident_id="inc-sp-1", draft_id="d1")
    created = client.create_incident(
        name="Checkout <slow>",
        body="We are looking & <b>bold</b>",
        status=PublicStatus.INVESTIGATING,
        marker=marker,
    )
    assert client.find_incident(incident_id="inc-sp-1") == created
    later = PublishMarker(incident_id="inc-sp-1", draft_id="d2")
    updated = client.update_incident(
        created.id, body="Fixed", status=PublicStatus.RESOLVED, marker=later
    )
    assert updated.status == "resolved" and updated.marker == later
    assert updated.updates == ["Fixed", "We are looking & <b>bold</b>"]
    client.set_component_status("api", ComponentStatus.MAJOR_OUTAGE)


def test_a_wrong_key_is_refused(sandbox: SandboxSlack) -> None:
    with _client(sandbox, key="wrong") as client, pytest.raises(StatusPageError) as refused:
        client.find_incident(incident_id="x")
    assert refused.value.status == 401


def test_bad_bodies_are_clear_errors_not_500s(sandbox: SandboxSlack) -> None:
    url = f"{sandbox.status_page.api_url}pages/{PAGE_ID}/incidents"
    for body in (b"{not json", b'{"incident": {"name": ""}}', b"[]"):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Authorization": f"OAuth {API_KEY}"}
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=5)
        assert raised.value.code in (400, 422)
        raised.value.close()


def test_what_was_published_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-slack.json"
    with SandboxSlack(state_path=state) as first, _client(first) as client:
        created = client.create_incident(
            name="Kept",
            body="Still here",
            status=PublicStatus.INVESTIGATING,
            marker=PublishMarker(incident_id="inc-kept", draft_id="d1"),
        )
    with SandboxSlack(state_path=state) as second, _client(second) as client:
        assert client.get_incident(created.id).updates == ["Still here"]
