"""Silence, unsilence, the Silence button and the Post update modal, at the service level.

The slash commands and Bolt listeners on top are tested in test_slack_nudges.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.commands.base import CommandContext, Outcome
from bot.commands.silence import SilenceCommand
from bot.domain.audit import AuditAction
from bot.domain.models import Incident, TimelineKind
from bot.services.nudges.interactions import NudgeInteractions
from bot.services.nudges.scheduler import NudgeOutcome, NudgeScheduler
from bot.services.nudges.silence import NudgeSilence, SilenceLength
from bot.services.nudges.status_updates import StatusUpdateRecorder
from bot.slack.actions import ViewSubmission
from bot.slack.blocks.nudge import read_status_update
from bot.slack.nudge_routes import NudgeRoutes
from bot.slack.vocabulary import START_DRAFT_OPTION, InputId
from tests.nudges.conftest import Rig
from tests.nudges.test_scheduler import due, planned_slot


class DraftsStarted:
    """The status-page hook as the gate will provide it: remembers what it was asked."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, incident: Incident, text: str, user_id: str) -> str:
        self.texts.append(text)
        return f"Draft started for {incident.id}; it needs an approver."


def silence_for(rig: Rig, scheduler: NudgeScheduler) -> NudgeSilence:
    return NudgeSilence(
        rig.store, rig.audit, on_change=scheduler.schedule_incident, clock=rig.clock
    )


def test_silence_moves_the_plan_and_unsilence_brings_it_back(rig: Rig) -> None:
    scheduler = rig.scheduler()
    scheduler.rebuild()
    silence = silence_for(rig, scheduler)
    silence.silence(rig.incident.id, "U0BOB", SilenceLength(2 * 3600 + 60), via="command")
    assert planned_slot(scheduler, rig) == 3  # slots 1 and 2 fall inside the silence
    assert rig.reload().silenced_by == "U0BOB"

    rig.clock.now = due(rig, 1)  # a replica that planned slot 1 before the silence
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SKIPPED
    [skipped] = rig.actions(AuditAction.NUDGE_SKIPPED)
    assert skipped["reason"].startswith("silenced by U0BOB until ")

    _, was_silenced = silence.unsilence(rig.incident.id, "U0ALICE", via="command")
    assert was_silenced and planned_slot(scheduler, rig) == 2
    assert rig.reload().silenced_until is None
    [paused] = rig.actions(AuditAction.NUDGES_SILENCED)
    [resumed] = rig.actions(AuditAction.NUDGES_UNSILENCED)
    assert paused["via"] == "command" and resumed["was_silenced"] is True


def test_until_resolved_stops_nudges(rig: Rig) -> None:
    scheduler = rig.scheduler()
    scheduler.rebuild()
    silence_for(rig, scheduler).silence(
        rig.incident.id, "U0BOB", SilenceLength.parse("until-resolved"), via="command"
    )
    assert planned_slot(scheduler, rig) is None
    assert rig.actions(AuditAction.NUDGES_SILENCED)[0]["until_resolved"] is True


def test_silence_button_pauses_thirty_minutes_and_says_so(rig: Rig) -> None:
    scheduler = rig.scheduler()
    recorder = StatusUpdateRecorder(rig.store, rig.audit, rig.slack, clock=rig.clock)
    interactions = NudgeInteractions(rig.store, rig.slack, silence_for(rig, scheduler), recorder)
    assert rig.incident.channel_id
    interactions.silence_pressed(rig.incident.id, "U0BOB", rig.incident.channel_id)
    assert rig.reload().silenced_until == rig.clock() + timedelta(minutes=30)
    assert rig.actions(AuditAction.NUDGES_SILENCED)[0]["via"] == "button"
    assert "<@U0BOB> paused status-update nudges for 30m" in rig.bot_texts()[-1]


def test_post_update_modal_records_a_status_update(rig: Rig) -> None:
    scheduler = rig.scheduler()
    drafts = DraftsStarted()
    recorder = StatusUpdateRecorder(
        rig.store, rig.audit, rig.slack, start_draft=drafts, clock=rig.clock
    )
    interactions = NudgeInteractions(rig.store, rig.slack, silence_for(rig, scheduler), recorder)
    view = interactions.status_update_view(rig.incident.id)
    assert view is not None
    values: dict[str, dict[str, dict[str, Any]]] = {
        InputId.STATUS_UPDATE_TEXT.value: {
            InputId.STATUS_UPDATE_TEXT.value: {"type": "plain_text_input", "value": "Failed over"}
        },
        InputId.STATUS_UPDATE_DRAFT.value: {
            InputId.STATUS_UPDATE_DRAFT.value: {
                "type": "checkboxes",
                "selected_options": [{"value": START_DRAFT_OPTION}],
            }
        },
    }
    submitted = read_status_update(view.incident_id, values)
    result = interactions.status_update_submitted("U0ALICE", submitted)
    assert result.error is None
    assert result.notes == [f"Draft started for {rig.incident.id}; it needs an approver."]
    [entry] = rig.store.list_timeline(rig.incident.id)
    assert (entry.kind, entry.author, entry.text) == (
        TimelineKind.STATUS_UPDATE,
        "U0ALICE",
        "Failed over",
    )
    assert drafts.texts == ["Failed over"]
    assert "Status update from <@U0ALICE>" in rig.bot_texts()[-1]
    # the update covers the next nudge's window
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SKIPPED
    assert rig.actions(AuditAction.NUDGE_SKIPPED)[0]["reason"].startswith(
        "update already posted: status update recorded"
    )


def test_an_empty_update_keeps_the_modal_open(rig: Rig) -> None:
    scheduler = rig.scheduler()
    recorder = StatusUpdateRecorder(rig.store, rig.audit, rig.slack, clock=rig.clock)
    interactions = NudgeInteractions(rig.store, rig.slack, silence_for(rig, scheduler), recorder)
    routes = NudgeRoutes(interactions)
    errors = routes.status_update_submitted(ViewSubmission("", "U0ALICE", rig.incident.id, {}))
    assert errors is not None and InputId.STATUS_UPDATE_TEXT.value in errors
    assert rig.store.list_timeline(rig.incident.id) == []


class RacingStore(SqliteIncidentStore):
    """A real SQLite store where another writer always changes the incident first."""

    def __init__(self, database: SqliteDatabase, rival: SqliteIncidentStore) -> None:
        super().__init__(database)
        self._rival = rival

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        current = self._rival.get(incident.id)
        assert current is not None
        self._rival.update(
            current.model_copy(update={"description": f"edit {current.version}"}),
            expected_version=current.version,
        )
        return super().update(incident, expected_version=expected_version)


def test_a_silence_that_keeps_losing_the_write_says_it_did_not_pause(rig: Rig) -> None:
    racing = RacingStore(SqliteDatabase(rig.path), rig.store)
    command = SilenceCommand(NudgeSilence(racing, rig.audit, clock=rig.clock))
    assert rig.incident.channel_id
    reply = command.run(
        CommandContext(
            user_id="U0BOB",
            channel_id=rig.incident.channel_id,
            command="/marshal",
            name="silence",
            args=["2h"],
            incident=rig.incident,
        )
    )
    assert reply.outcome is Outcome.FAILED
    assert reply.text.startswith("Nudges are NOT paused: ")
    assert rig.reload().silenced_until is None
    assert rig.actions(AuditAction.NUDGES_SILENCED) == []
