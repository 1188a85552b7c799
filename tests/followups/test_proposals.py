"""The postmortem's action items (the LLM's and the IC's `action:` notes) are proposed as
follow-ups with an Accept button, never created on their own; a press makes one follow-up
owned by the presser, and a second press finds it made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.anthropic.language_model import ClaudeLanguageModel
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.audit import AuditAction
from bot.domain.models import TimelineEntry
from bot.services.followups.desk import FollowUpDesk
from bot.services.permissions import IncidentPermissions
from bot.services.postmortem.action_items import ActionSource, proposed_actions
from bot.services.postmortem.draft import Statement
from bot.services.postmortem.timeline import EntrySource, EvidenceEntry
from bot.slack.actions import ActionInvocation
from bot.slack.followup_routes import FollowUpRoutes
from bot.slack.vocabulary import ActionId
from tests.fakes.anthropic import API_KEY, FakeAnthropic
from tests.services.resolution.conftest import ResolveKit, kit  # noqa: F401 - the fixture

IC = "U0ALICE"
AT = datetime(2024, 5, 1, tzinfo=UTC)


def _note(entry_id: str, actor: str, text: str) -> EvidenceEntry:
    return EvidenceEntry(
        id=entry_id, at=AT, source=EntrySource.NOTE, actor=actor, text=text, is_note=True
    )


def test_the_ics_action_notes_and_the_llms_items_merge_once() -> None:
    evidence = [
        _note("N1", IC, "Note: Action: add a canary  for checkout"),
        _note("N2", "U0BOB", "todo: not the IC's, left out"),
        _note("N3", IC, "the deploy went out at 10:02"),
        EvidenceEntry(id="A1", at=AT, source=EntrySource.AUDIT, actor=IC, text="action: x"),
    ]
    llm = [
        Statement(text="Add a canary for checkout"),
        Statement(text="Alert on 5xx", cites=["A1"]),
    ]
    proposed = proposed_actions(llm, evidence, IC)
    assert [(p.text, p.source, p.cites) for p in proposed] == [
        ("add a canary for checkout", ActionSource.IC, ["N1"]),
        ("Alert on 5xx", ActionSource.LLM, ["A1"]),
    ]
    nobody = proposed_actions([], evidence, None)  # without an IC, any responder's notes
    assert [p.text for p in nobody] == ["add a canary for checkout", "not the IC's, left out"]


@pytest.fixture
def claude_api() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic()
    fake.start()
    yield fake
    fake.stop()


def _accept_buttons(rig: ResolveKit, channel: str) -> list[dict[str, Any]]:
    room = rig.sandbox.workspace.channel(channel)
    return [
        block["accessory"]
        for message in room.messages
        for block in message.blocks
        if block.get("accessory", {}).get("action_id") == ActionId.FOLLOWUP_ACCEPT.value
    ]


def test_resolve_proposes_action_items_and_accept_makes_one_follow_up(
    kit: ResolveKit,  # noqa: F811 - the imported fixture
    claude_api: FakeAnthropic,
) -> None:
    incident = kit.room()
    kit.store.add_timeline(
        TimelineEntry(incident_id=incident.id, author=IC, text="action: page the db team sooner")
    )
    resolved = kit.starter().resolve(incident, IC, "Rolled back").incident
    claude_api.next_text = json.dumps(
        {"summary": [], "action_items": [{"text": "Add a <!channel> canary.", "cites": []}]}
    )
    kit.flow(
        llm=ClaudeLanguageModel.for_api(
            API_KEY, "claude-test", base_url=claude_api.url, sleep=lambda _s: None
        )
    ).run(incident.id, resolved.resolution_id)

    followups = SqliteFollowUpStore(kit.store.database)
    assert followups.for_incident(incident.id) == []  # proposed, not created
    buttons = _accept_buttons(kit, str(incident.channel_id))
    assert len(buttons) == 2
    shown = json.dumps(
        [m.blocks for m in kit.sandbox.workspace.channel(str(incident.channel_id)).messages]
    )
    assert "<!channel>" not in shown and "page the db team sooner" in shown

    desk = FollowUpDesk(
        followups,
        kit.store,
        kit.audit,
        IncidentPermissions([], kit.slack),
        incident_of=kit.store.get,
    )
    routes = FollowUpRoutes(desk, kit.slack)

    def press(user: str, value: str) -> str | None:
        return routes.accept(
            ActionInvocation(ActionId.FOLLOWUP_ACCEPT.value, value, user, None, None)
        )

    first = press("U0BOB", str(buttons[1]["value"]))
    assert first is not None and first.startswith("Accepted as follow-up")
    again = press("U0CAROL", str(buttons[1]["value"]))
    assert again is not None and "Already accepted" in again and "<@U0BOB>" in again
    [made] = followups.for_incident(incident.id)
    assert (made.text, made.owner) == ("Add a <!channel> canary.", "U0BOB")
    assert [e.action for e in kit.audit.events(incident.id)].count(AuditAction.FOLLOWUP_ADDED) == 1
    stale = press("U0BOB", f"{incident.id}:res-old:0")
    assert stale is not None and "earlier resolution" in stale
    assert press("U0BOB", "garbage") == "That button is not one marshal made."
    out_of_range = press("U0BOB", f"{incident.id}:{resolved.resolution_id}:7")
    assert out_of_range is not None and "not one the postmortem made" in out_of_range
