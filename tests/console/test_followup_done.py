"""Marking a follow-up done from the console: through FollowUpDesk as the signed-in person,
with Slack's Done-button rule (owner, whoever added it, the IC or an approver), audited; an
approver user group is read through the Slack Web API when SLACK_BOT_TOKEN is set, and
without it the refusal says what to set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import utcnow
from bot.sandbox.server import SandboxSlack
from bot.wiring.followups import build_followup_store
from tests.conftest import slack_env
from tests.console.conftest import Console, csrf_of, start_console


def open_followup(console: Console) -> FollowUp:
    incident = console.incident(title="Checkout 5xx", roles={"ic": "U0BOB"})
    return build_followup_store(console.settings).add(
        FollowUp(
            incident_id=incident.id,
            text="add a circuit breaker",
            owner="U0ALICE",
            due_at=utcnow() + timedelta(days=3),
            incident_severity="P1",
            incident_title=incident.title,
            created_by="U0CAROL",
        )
    )


def press_done(console: Console, user: str, followup: FollowUp) -> str:
    """Press Done on the page as `user`; the page they come back to."""
    client = console.signed_in(user)
    page = client.get("/console/followups?scope=all").text
    assert f'action="/console/followups/{followup.id}/done"' in page
    answer = client.post(
        f"/console/followups/{followup.id}/done",
        data={"csrf_token": csrf_of(page), "back": "/followups?scope=all"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/followups?scope=all"
    return client.get("/console/followups?scope=all").text


def actions(console: Console, followup: FollowUp) -> list[tuple[str, AuditAction]]:
    return [(e.actor, e.action) for e in console.backends.audit.events(followup.incident_id)]


def test_its_owner_marks_it_done_audited_as_them(console: Console) -> None:
    followup = open_followup(console)
    page = press_done(console, "U0ALICE", followup)
    assert "Follow-up marked done." in page
    stored = build_followup_store(console.settings).get(followup.id)
    assert stored is not None and stored.status is FollowUpStatus.DONE
    assert stored.closed_by == "U0ALICE"
    assert ("U0ALICE", AuditAction.FOLLOWUP_DONE) in actions(console, followup)
    assert f"/followups/{followup.id}/done" not in page  # no Done button on a closed one
    client = console.signed_in("U0ALICE")
    csrf = csrf_of(client.get("/console/followups").text)
    client.post(f"/console/followups/{followup.id}/done", data={"csrf_token": csrf})
    assert "already done" in client.get("/console/followups").text  # a stale page's press


def test_someone_else_is_refused_as_in_slack_and_the_refusal_is_audited(
    console: Console,
) -> None:
    followup = open_followup(console)
    page = press_done(console, "U0DAVE", followup)
    assert "Sorry, you may not close this follow-up" in page
    stored = build_followup_store(console.settings).get(followup.id)
    assert stored is not None and stored.status is FollowUpStatus.OPEN
    assert ("U0DAVE", AuditAction.PERMISSION_DENIED) in actions(console, followup)
    assert ("U0DAVE", AuditAction.FOLLOWUP_DONE) not in actions(console, followup)
    ic = press_done(console, "U0BOB", followup)  # the incident commander may
    assert "Follow-up marked done." in ic


def test_a_forged_form_changes_nothing(console: Console) -> None:
    followup = open_followup(console)
    client = console.signed_in("U0ALICE")
    forged = client.post(f"/console/followups/{followup.id}/done", data={"csrf_token": "x"})
    assert forged.status_code == 403
    missing_csrf = csrf_of(client.get("/console/followups").text)
    missing = client.post("/console/followups/fu-nope/done", data={"csrf_token": missing_csrf})
    assert missing.status_code == 404
    stored = build_followup_store(console.settings).get(followup.id)
    assert stored is not None and stored.is_open


@pytest.fixture
def console_with_slack(sandbox: SandboxSlack, tmp_path: Path) -> Iterator[Console]:
    env = slack_env(sandbox)
    group, rig = start_console(
        tmp_path,
        marshal_approvers=["S0ONCALL"],
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_app_token=env["SLACK_APP_TOKEN"],
        slack_api_url=env["SLACK_API_URL"],
    )
    try:
        yield rig
    finally:
        rig.close()
        group.stop()


def test_an_approver_group_member_may_close_it_read_through_slack(
    console_with_slack: Console, sandbox: SandboxSlack
) -> None:
    member = sandbox.workspace.usergroup("S0ONCALL").users[0]
    followup = open_followup(console_with_slack)
    page = press_done(console_with_slack, member, followup)
    assert "Follow-up marked done." in page
    assert (member, AuditAction.FOLLOWUP_DONE) in actions(console_with_slack, followup)


def test_without_a_slack_token_an_approver_group_cannot_be_read_and_the_refusal_says_so(
    tmp_path: Path,
) -> None:
    group, console = start_console(tmp_path, marshal_approvers=["S0ONCALL"])
    try:
        followup = open_followup(console)
        page = press_done(console, "U0DAVE", followup)
        assert "approver group S0ONCALL could not be read" in page
        assert "SLACK_BOT_TOKEN" in page
        stored = build_followup_store(console.settings).get(followup.id)
        assert stored is not None and stored.is_open
    finally:
        console.close()
        group.stop()
