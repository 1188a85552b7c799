"""The live incident card through the real processor (sandbox Slack over sockets, SQLite and
the local queue): one card in the announce channel and one pinned in the room, replaced in
place on every change; the room topic follows; Join invites the presser once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.models import Incident
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.records import Message
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.blocks.checklist import button_value
from bot.slack.vocabulary import ActionId
from bot.wiring.backends import open_backends
from bot.wiring.process import ProcessGroup
from bot.wiring.processor import start_processor
from tests.eventually import eventually

ANNOUNCE = "C0INCIDENTS"


@dataclass
class Rig:
    sandbox: SandboxSlack
    control: SandboxControl
    store: IncidentStore

    def declare(self, title: str, *extra: str) -> Incident:
        delivered = self.control.run_command(
            "U0ALICE", ANNOUNCE, f"declare {title} {' '.join(extra)}"
        )
        assert delivered.acked

        def assembled() -> Incident | None:
            for incident in self.store.list_incidents(open_only=False).items:
                if incident.title == title and incident.status.value == "investigating":
                    return incident if incident.card_ts and incident.room_card_ts else None
            return None

        return eventually(assembled, timeout=20, message="the room to be assembled")

    def message(self, channel_id: str, ts: str) -> Message:
        [found] = [m for m in self.sandbox.workspace.channel(channel_id).messages if m.ts == ts]
        return found

    def card_says(self, channel_id: str, ts: str, *pieces: str) -> bool:
        shown = str(self.message(channel_id, ts).blocks)
        return all(piece in shown for piece in pieces)


@pytest.fixture
def rig(sandbox_env: SandboxSlack, tmp_path: Path) -> Iterator[Rig]:
    sandbox_env.reset()
    settings = Settings(
        marshal_db_path=tmp_path / "marshal.db",
        marshal_announce_channel=ANNOUNCE,
        marshal_public_rooms="P2",  # parsed from the text form, as from the environment
    )
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        start_processor(group, settings, backends)
        eventually(lambda: sandbox_env.hub.connection_count > 0, message="the app to connect")
        yield Rig(sandbox_env, SandboxControl(sandbox_env.url), backends.store)
    finally:
        group.stop()


def test_one_card_per_incident_is_replaced_in_place_and_the_topic_follows(rig: Rig) -> None:
    incident = rig.declare("Checkout down", "--severity", "P1")
    room = incident.channel_id or ""
    announce_posts = len(rig.sandbox.workspace.channel(ANNOUNCE).messages)
    eventually(  # posted while assembling; the refresher shows the assembled state
        lambda: rig.card_says(ANNOUNCE, incident.card_ts or "", "investigating", "unassigned"),
        timeout=10,
        message="the card to show the assembled incident",
    )
    pins = [p.ts for p in rig.sandbox.workspace.channel(room).pins]
    assert pins[0] == incident.room_card_ts and pins[1] == incident.checklist_ts

    assert rig.control.run_command("U0ALICE", room, "role ic").acked
    assert rig.control.run_command("U0ALICE", room, "ack").acked
    assert rig.control.run_command("U0ALICE", room, "severity P2").acked
    assert rig.control.run_command("U0ALICE", room, "state identified").acked

    def current() -> bool:
        wanted = ("*IC*\\n<@U0ALICE>", "*Status*\\nidentified", "*Severity*\\nP2")
        return rig.card_says(ANNOUNCE, incident.card_ts or "", *wanted) and rig.card_says(
            room, incident.room_card_ts or "", *wanted
        )

    eventually(current, timeout=10, message="both cards to show the IC, state and severity")
    topic = rig.sandbox.workspace.channel(room).topic.value
    eventually(
        lambda: rig.sandbox.workspace.channel(room).topic.value.startswith(
            "P2 · unknown service · IC: <@U0ALICE> · identified"
        ),
        timeout=10,
        message=f"the topic to follow (it says {topic!r})",
    )
    # replaced in place: no new message in the announce channel
    assert len(rig.sandbox.workspace.channel(ANNOUNCE).messages) == announce_posts


def test_join_invites_the_presser_once(rig: Rig) -> None:
    incident = rig.declare("Search slow", "--severity", "P1")
    room = incident.channel_id or ""
    assert "U0CAROL" not in rig.sandbox.workspace.channel(room).members

    def press() -> None:
        delivered = rig.control.press_button(
            "U0CAROL",
            ANNOUNCE,
            incident.card_ts or "",
            ActionId.JOIN_INCIDENT.value,
            value=incident.id,
        )
        assert delivered.acked

    press()
    eventually(lambda: "U0CAROL" in rig.sandbox.workspace.channel(room).members, timeout=10)
    press()
    members = rig.sandbox.workspace.channel(room).members
    assert members.count("U0CAROL") == 1


def test_a_severity_in_marshal_public_rooms_gets_a_public_room(rig: Rig) -> None:
    public = rig.declare("Typo on the pricing page", "--severity", "P2")
    private = rig.declare("Payments down", "--severity", "P1")
    assert not rig.sandbox.workspace.channel(public.channel_id or "").is_private
    assert rig.sandbox.workspace.channel(private.channel_id or "").is_private


def test_the_checklist_ticks_what_marshal_knows_and_takes_a_menu_choice(rig: Rig) -> None:
    incident = rig.declare("Cart errors", "--severity", "P1")
    room = incident.channel_id or ""
    checklist = incident.checklist_ts or ""
    eventually(
        lambda: rig.card_says(room, checklist, "~War room assembled~  marshal"),
        timeout=10,
        message="the assembled item to tick itself",
    )

    assert rig.control.run_command("U0ALICE", room, "role ic").acked
    eventually(
        lambda: rig.card_says(room, checklist, "~Incident commander confirmed~  marshal"),
        timeout=10,
        message="the IC item to tick itself",
    )
    chosen = rig.control.press_button(
        "U0ALICE",
        room,
        checklist,
        ActionId.TICK_CHECKLIST_ITEM.value,
        value=button_value(incident.id, "customer_impact"),
    )
    assert chosen.acked
    eventually(
        lambda: rig.card_says(room, checklist, "~Customer impact identified~  <@U0ALICE>"),
        timeout=10,
        message="the chosen item to be ticked",
    )
