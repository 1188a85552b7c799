"""A room for a PagerDuty incident naming an escalation policy invites the policy's on-call
users, asked of the (fake) PagerDuty REST API; when PagerDuty fails, the rest still come
and the room says the on-call lookup failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.domain.models import AlertSource
from bot.ingest.sources.pagerduty import parse
from bot.sandbox.records import User
from tests.fakes.http_fake import Fault
from tests.fakes.pagerduty import FakePagerDuty
from tests.services.war_room.conftest import WarRoomKit

POLICY = {"pagerduty_escalation_policy_id": "PEP1"}


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty(oncall={"PEP1": ["primary@example.com", "secondary@example.com"]})
    fake.start()
    yield fake
    fake.stop()


def _rest(fake: FakePagerDuty) -> PagerDutyIncidents:
    return PagerDutyIncidents(
        fake.url, SecretStr(fake.token), "ic@example.com", max_attempts=2, sleep=lambda _s: None
    )


def _add_oncall_users(kit: WarRoomKit) -> None:
    kit.sandbox.workspace.add_user(User("U0PRIMARY", "primary", "primary@example.com"))
    kit.sandbox.workspace.add_user(User("U0SECOND", "secondary", "secondary@example.com"))


def test_the_policys_oncall_users_are_invited(kit: WarRoomKit, pagerduty: FakePagerDuty) -> None:
    _add_oncall_users(kit)
    incident = kit.new_incident(source=AlertSource.PAGERDUTY, oncall=[], labels=POLICY)

    room = kit.assembler(oncall=_rest(pagerduty)).assemble(incident.id)

    members = set(kit.sandbox.workspace.channel(room.channel_id or "").members)
    assert {"U0PRIMARY", "U0SECOND"} <= members
    assert room.assembly["invites"].detail["oncall_error"] is None


def test_only_pagerduty_incidents_ask_pagerduty(kit: WarRoomKit, pagerduty: FakePagerDuty) -> None:
    _add_oncall_users(kit)
    incident = kit.new_incident(source=AlertSource.GENERIC, oncall=[], labels=POLICY)

    room = kit.assembler(oncall=_rest(pagerduty)).assemble(incident.id)

    assert "U0PRIMARY" not in kit.sandbox.workspace.channel(room.channel_id or "").members
    assert pagerduty.seen == []


def test_a_pagerduty_failure_is_a_note_not_a_failed_room(
    kit: WarRoomKit, pagerduty: FakePagerDuty
) -> None:
    _add_oncall_users(kit)
    pagerduty.fail_next(Fault(status=500), Fault(status=500))
    incident = kit.new_incident(
        source=AlertSource.PAGERDUTY, oncall=["U0BOB"], labels=POLICY, team=None
    )

    room = kit.assembler(oncall=_rest(pagerduty), directory=StaticFileDirectory({})).assemble(
        incident.id
    )

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert "U0BOB" in channel.members and "U0PRIMARY" not in channel.members
    error = room.assembly["invites"].detail["oncall_error"]
    assert error and "PEP1" in error and "HTTP 500" in error
    texts = [m.text for m in channel.messages]
    assert any("PagerDuty on-call lookup for PEP1 failed" in t for t in texts)


def test_ingest_keeps_the_escalation_policy_id_for_the_lookup() -> None:
    body = Path(__file__).parents[2] / "fixtures/webhooks/pagerduty_incident_triggered.json"
    (alert,) = parse(body.read_bytes())
    assert alert.labels["pagerduty_escalation_policy_id"] == "PUS0KTE"
