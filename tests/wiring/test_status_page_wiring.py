"""The gate's wiring picks the DraftStore of MARSHAL_STORE and the configured status page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.adapters.statuspage.client import StatuspageClient
from bot.adapters.statuspage.unconfigured import UnconfiguredStatusPage
from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublishMarker, StatusPageError
from bot.settings import Settings
from bot.wiring.status_page import build_draft_store, build_status_page
from tests.conftest import AwsEndpoint


def test_sqlite_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_DB_PATH", str(tmp_path / "m.db"))
    assert isinstance(build_draft_store(Settings()), SqliteDraftStore)


def test_dynamodb_when_asked(aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")
    assert isinstance(build_draft_store(Settings()), DynamoDraftStore)


def test_status_page_needs_key_and_page(monkeypatch: pytest.MonkeyPatch) -> None:
    page = build_status_page(Settings())
    assert isinstance(page, UnconfiguredStatusPage)
    marker = PublishMarker(incident_id="i", draft_id="d")
    calls: list[Callable[[], object]] = [
        lambda: page.find_incident(incident_id="i"),
        lambda: page.get_incident("x"),
        lambda: page.create_incident(
            name="n", body="b", status=PublicStatus.INVESTIGATING, marker=marker
        ),
        lambda: page.update_incident(
            "x", body="b", status=PublicStatus.INVESTIGATING, marker=marker
        ),
        lambda: page.set_component_status("c", ComponentStatus.OPERATIONAL),
    ]
    for call in calls:
        with pytest.raises(StatusPageError, match="STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID"):
            call()
    monkeypatch.setenv("STATUSPAGE_API_KEY", "k")
    monkeypatch.setenv("STATUSPAGE_PAGE_ID", "p")
    assert isinstance(build_status_page(Settings()), StatuspageClient)
