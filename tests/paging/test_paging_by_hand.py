"""Paging by hand: `/marshal escalate [reason]`, `/marshal escalation hold|resume`, each
permissioned like a severity change and audited with the actor and reason; and an
incident that came from PagerDuty, which is never paged back into it."""

from __future__ import annotations

import time

import pytest

from bot.commands.base import CommandContext, Outcome
from bot.commands.escalate import EscalateCommand
from bot.commands.escalation import EscalationCommand
from bot.commands.page import PageCommand
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.services.incident_updates import IncidentUpdates
from bot.services.permissions import PermissionRefused
from tests.eventually import eventually
from tests.paging.conftest import PagingRig, open_incident

LEAD = "R0UTINGKEYLEAD"


def _ctx(incident: Incident, user: str, name: str, rest: str = "") -> CommandContext:
    assert incident.channel_id
    return CommandContext(user, incident.channel_id, "/marshal", name, rest.split(), rest, incident)


def _slow_policy(rig: PagingRig) -> None:
    rig.policy = {
        "policies": {
            "standard": {
                "levels": [
                    {"targets": ["pagerduty:R0UTINGKEYPRIMARY"], "after": "1h"},
                    {"targets": [f"pagerduty:{LEAD}"], "after": "1h"},
                ]
            }
        },
        "default": "standard",
    }


def _next_step(rig: PagingRig, incident_id: str | None = None) -> int:
    incident = rig.store.get(incident_id or rig.incident.id)
    return incident.escalation.next_step if incident and incident.escalation else 0


def _paged_level_one(rig: PagingRig) -> Incident:
    eventually(lambda: _next_step(rig) == 1)
    return rig.reload()


def test_escalate_pages_the_next_level_now_with_the_reason_audited(paging: PagingRig) -> None:
    _slow_policy(paging)
    processor = paging.processor().start()
    incident = _paged_level_one(paging)
    reply = EscalateCommand(processor.control).run(
        _ctx(incident, "U0BOB", "escalate", "db is on fire")
    )
    assert reply.outcome is Outcome.OK and "db is on fire" in reply.text
    eventually(lambda: paging.pagerduty.triggers(LEAD) == 1)
    eventually(lambda: _next_step(paging) == 2)  # level 2 recorded, not only sent
    [by_hand] = [d for d in paging.actions(AuditAction.ESCALATED) if d.get("user")]
    assert (by_hand["user"], by_hand["reason"], by_hand["level"]) == ("U0BOB", "db is on fire", 2)
    again = EscalateCommand(processor.control).run(_ctx(paging.reload(), "U0BOB", "escalate"))
    assert again.outcome is Outcome.FAILED and "no further level" in again.text


def test_escalate_is_refused_to_someone_who_may_not_change_the_severity(paging: PagingRig) -> None:
    _slow_policy(paging)
    paging.approvers = ["U0CAROL"]
    processor = paging.processor().start()
    incident = _paged_level_one(paging)
    with pytest.raises(PermissionRefused) as refused:
        EscalateCommand(processor.control).run(_ctx(incident, "U0DAVE", "escalate", "why not"))
    assert refused.value.action == "escalate"
    time.sleep(0.5)
    assert paging.pagerduty.triggers(LEAD) == 0


def test_a_hold_pauses_escalation_shows_in_the_room_and_ends_by_itself(paging: PagingRig) -> None:
    processor = paging.processor().start()  # 1s levels
    incident = paging.reload()
    command = EscalationCommand(processor.control)
    reply = command.run(_ctx(incident, "U0BOB", "escalation", "hold 2s waiting for the vendor"))
    assert reply.outcome is Outcome.OK and "held escalation until" in reply.text
    eventually(
        lambda: (paging.reload().escalation or processor.control).__dict__.get("next_step") == 1,
        timeout=10,
    )
    held_at = time.monotonic()
    eventually(lambda: paging.pagerduty.triggers(LEAD) == 1, timeout=10)
    assert time.monotonic() - held_at >= 0.5  # level 2 waited for the hold to end
    [held] = paging.actions(AuditAction.ESCALATION_HELD)
    assert (held["user"], held["reason"]) == ("U0BOB", "waiting for the vendor")
    assert any("Escalation held until" in t for t in paging.room_texts())
    topics = [c.args["topic"] for c in paging.sandbox.calls("conversations.setTopic")]
    assert any("Escalation held until" in t for t in topics)

    def topics_set() -> list[str]:
        return [str(c.args["topic"]) for c in paging.sandbox.calls("conversations.setTopic")]

    # The hold ended by itself: a topic says so once the expiry has recorded it. Nothing
    # orders it against the level-2 page above, nor against the card refresher's own topic
    # after that change, so the resumed topic need not be the last; no later one says "held".
    eventually(
        lambda: any(t.endswith("| Escalation resumed") for t in topics_set()),
        timeout=30,
        message=lambda: f"topics set: {topics_set()}",
    )
    eventually(
        lambda: "held until" not in topics_set()[-1],
        timeout=30,
        message=lambda: f"topics set: {topics_set()}",
    )


def test_hold_limits_resume_and_refusal_once_resolved(paging: PagingRig) -> None:
    _slow_policy(paging)
    processor = paging.processor().start()
    incident = _paged_level_one(paging)
    command = EscalationCommand(processor.control)
    too_long = command.run(_ctx(incident, "U0BOB", "escalation", "hold 3d too long"))
    assert too_long.outcome is Outcome.FAILED and "at most 1d" in too_long.text
    no_reason = command.run(_ctx(incident, "U0BOB", "escalation", "hold 10m"))
    assert no_reason.outcome is Outcome.USAGE
    assert command.run(_ctx(incident, "U0BOB", "escalation", "resume")).outcome is Outcome.FAILED
    assert (
        command.run(_ctx(incident, "U0BOB", "escalation", "hold 10m lunch")).outcome is Outcome.OK
    )
    resumed = command.run(_ctx(paging.reload(), "U0BOB", "escalation", "resume back"))
    assert resumed.outcome is Outcome.OK
    assert paging.actions(AuditAction.ESCALATION_RESUMED)[0]["reason"] == "back"
    IncidentUpdates(paging.store).apply(
        incident.id, lambda current: current.transition(IncidentStatus.RESOLVED)
    )
    refused = command.run(_ctx(paging.reload(), "U0BOB", "escalation", "hold 10m lunch"))
    assert refused.outcome is Outcome.FAILED and "resolved" in refused.text


def test_an_incident_from_pagerduty_is_not_paged_back_and_its_ack_is_synced(
    paging: PagingRig,
) -> None:
    assert paging.incident.channel_id
    from_pd = open_incident(
        paging.store,
        paging.incident.channel_id,
        source=AlertSource.PAGERDUTY,
        group_key="pagerduty:PT4KHLK",
    )
    processor = paging.processor().start()
    processor.escalation.start(from_pd)
    eventually(lambda: _next_step(paging, from_pd.id) == 1)
    assert all(alert[1] != from_pd.id for alert in paging.pagerduty.alerts)
    stored = paging.store.get(from_pd.id)
    assert stored is not None and stored.escalation is not None
    pd_page = next(p for p in stored.escalation.pages if p.target.startswith("pagerduty:"))
    assert not pd_page.ok and "not paged back into PagerDuty" in (pd_page.problem or "")
    processor.control.acknowledged(stored, "U0BOB")
    eventually(lambda: paging.pagerduty.incidents.get("PT4KHLK") == "acknowledged")


def test_page_by_hand_pages_a_user_a_group_or_a_target_now(paging: PagingRig) -> None:
    processor = paging.processor()
    processor.consumer.start()
    processor.running = True
    incident = paging.incident  # below no threshold here: paging by hand works at any severity
    command = PageCommand(processor.by_hand)
    reply = command.run(_ctx(incident, "U0BOB", "page", "<@U0CAROL|carol> the db is down"))
    assert reply.outcome is Outcome.OK and "`slack:U0CAROL`" in reply.text
    dm = eventually(lambda: [d for d in paging.page_dms() if "paged by hand" in str(d)])
    assert "the db is down" in str(dm[0]["blocks"])
    command.run(_ctx(incident, "U0BOB", "page", f"pagerduty:{LEAD}"))
    eventually(lambda: paging.pagerduty.triggers(LEAD) == 1)
    command.run(_ctx(incident, "U0BOB", "page", "<!subteam^S0ONCALL|@oncall>"))
    eventually(lambda: len([d for d in paging.page_dms() if "paged by hand" in str(d)]) == 3)
    eventually(lambda: [t for t in paging.room_texts() if "paged `slack:S0ONCALL`" in t])
    requests = [d for d in paging.actions(AuditAction.PAGED) if d.get("by_hand")]
    assert [(r["user"], r["targets"]) for r in requests] == [
        ("U0BOB", ["slack:U0CAROL"]),
        ("U0BOB", [f"pagerduty:{LEAD}"]),
        ("U0BOB", ["slack:S0ONCALL"]),
    ]
    by_service = command.run(_ctx(incident, "U0BOB", "page", "nosuchservice"))
    assert by_service.outcome is Outcome.FAILED and "not a @user, @group" in by_service.text
    assert command.run(_ctx(incident, "U0BOB", "page", "")).outcome is Outcome.USAGE


def test_an_unpaged_incident_from_pagerduty_still_has_ack_and_resolve_synced_there(
    paging: PagingRig,
) -> None:
    assert paging.incident.channel_id
    from_pd = open_incident(
        paging.store,
        paging.incident.channel_id + "pd",
        source=AlertSource.PAGERDUTY,
        group_key="pagerduty:PQUIET1",
        severity=Severity.P4,
    )
    processor = paging.processor().start()
    assert processor.escalation.start(from_pd) is None  # P4 pages nobody
    processor.control.acknowledged(from_pd, "U0BOB")
    eventually(lambda: paging.pagerduty.incidents.get("PQUIET1") == "acknowledged")
    processor.escalation.resolved(from_pd.id)
    eventually(lambda: paging.pagerduty.incidents.get("PQUIET1") == "resolved")
    assert all(dedup != from_pd.id for _, dedup in paging.pagerduty.alerts)


def test_a_hold_set_just_before_paging_starts_is_kept(paging: PagingRig) -> None:
    # Paging starts from the incident as read before the hold (the reconcile pass and the
    # command race); it used to write a fresh state over the hold, so escalation went on.
    processor = paging.processor()
    processor.escalation.on_change = None  # the timer would start paging right after the hold
    read_before = paging.reload()
    command = EscalationCommand(processor.control)
    reply = command.run(_ctx(read_before, "U0BOB", "escalation", "hold 1h waiting for the vendor"))
    assert reply.outcome is Outcome.OK

    started = processor.escalation.start(read_before)

    assert started is not None
    state = paging.reload().escalation
    assert state is not None
    assert state.hold_until is not None and state.hold_reason == "waiting for the vendor"
    assert state.next_due is not None  # level 1 is due, and waits for the hold
    processor.escalation.run_step(paging.incident.id, state.epoch, 0)
    assert paging.pagerduty.triggers("R0UTINGKEYPRIMARY") == 0
