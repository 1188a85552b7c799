"""The IC's email lookup (users.info, through the Slack port) during the resolve flow: a Slack
connection failure there degrades that one lookup with a visible message; the postmortem is
filed unassigned and the run finishes, instead of the error ending it halfway."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.services.resolution.steps import ResolutionStep
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.slack.people import SlackPeople
from tests.services.resolution.conftest import ResolveKit

LINK = ":memo: Postmortem "  # the room message that links the postmortem


def _people(kit: ResolveKit, *, timeout_seconds: int = 10) -> SlackPeople:
    client = build_web_client(
        kit.sandbox.bot_token, kit.sandbox.api_url, timeout_seconds=timeout_seconds, max_retries=0
    )
    return SlackPeople(WebClientSlackGateway(client))


def test_people_answers_through_the_port(kit: ResolveKit) -> None:
    people = _people(kit)
    assert people.email_of("U0ALICE") == kit.sandbox.workspace.user("U0ALICE").email
    assert people.email_of("U0NOSUCH") is None  # Slack's user_not_found


def test_a_slack_timeout_files_the_postmortem_unassigned_and_says_so(kit: ResolveKit) -> None:
    incident = kit.room()
    resolved = kit.starter().resolve(incident, "U0ALICE", "Rolled back").incident
    kit.sandbox.faults.set_latency(3.0, "users.info")  # longer than the client waits
    try:
        done = kit.flow(people=_people(kit, timeout_seconds=1)).run(
            incident.id, resolved.resolution_id
        )
    finally:
        kit.sandbox.faults.clear()

    assert done is not None
    assert list(done.resolution) == [s.value for s in ResolutionStep]  # nothing was cut short
    assert (kit.postmortems / f"{incident.id}.md").exists()
    (filed,) = [
        e for e in kit.audit.events(incident.id) if e.action is AuditAction.POSTMORTEM_FILED
    ]
    assert "connection_error" in filed.details["unassigned"]
    (link,) = [t for t in kit.messages(incident.channel_id or "") if t.startswith(LINK)]
    assert ":warning: It is not assigned: Slack did not answer who U0ALICE is" in link
    assert "Assign it by hand." in link
