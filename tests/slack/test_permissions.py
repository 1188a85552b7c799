"""IncidentPermissions decisions that need no Slack call (user ids, IC, the open-door rule)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.domain.models import AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.services.permissions import IncidentPermissions, PermissionRefused
from bot.slack.gateway import WebClientSlackGateway, build_web_client


def _incident(ic: str | None = None) -> Incident:
    roles = {Role.IC: ic} if ic else {}
    return Incident(
        source=AlertSource.GENERIC, group_key="g", title="t", severity=Severity.P2, roles=roles
    )


def _gateway() -> WebClientSlackGateway:
    # Port 9 on localhost refuses connections: a group lookup fails fast, as when Slack is down.
    return WebClientSlackGateway(
        build_web_client("xoxb-test", "http://127.0.0.1:9/api/", max_retries=0)
    )


def test_ic_and_listed_approvers_may_act_others_may_not() -> None:
    permissions = IncidentPermissions(["U_APPROVER"], _gateway())
    incident = _incident(ic="U_IC")
    assert permissions.may_change_severity("U_IC", incident).allowed
    assert permissions.may_resolve("U_APPROVER", incident).allowed
    refused = permissions.may_resolve("U_OTHER", incident)
    assert not refused.allowed
    assert "<@U_IC>" in refused.reason


def test_with_approvers_listed_the_ic_role_alone_does_not_grant_approval() -> None:
    """Anyone can `role ic` themselves; with MARSHAL_APPROVERS set, only they approve."""
    permissions = IncidentPermissions(["U_APPROVER"], _gateway())
    incident = _incident(ic="U_IC")
    refused = permissions.may_approve("U_IC", incident)
    assert not refused.allowed
    assert "MARSHAL_APPROVERS" in refused.reason
    assert "incident commander role does not grant it" in refused.reason
    assert permissions.may_approve("U_APPROVER", incident).allowed
    assert permissions.may_resolve("U_IC", incident).allowed  # the IC still steers


def test_without_approvers_the_ic_approves_and_nobody_else() -> None:
    permissions = IncidentPermissions([], _gateway())
    incident = _incident(ic="U_IC")
    assert permissions.may_approve("U_IC", incident).allowed
    assert not permissions.may_approve("U_OTHER", incident).allowed
    assert permissions.may_approve("U_ANY", _incident()).allowed  # no IC, no approvers


def test_anyone_may_act_when_there_is_no_ic_and_no_approver() -> None:
    decision = IncidentPermissions([], _gateway()).may_change_severity("U_ANY", _incident())
    assert decision.allowed
    assert "anyone" in decision.reason


def test_an_unreadable_group_grants_nothing_and_require_raises() -> None:
    permissions = IncidentPermissions(["S_GROUP"], _gateway())
    decision = permissions.may_change_severity("U_ANY", _incident())
    assert not decision.allowed
    with pytest.raises(PermissionRefused) as refused:
        permissions.require(decision, "U_ANY", "change the severity")
    assert refused.value.reason == decision.reason


def test_approver_group_members_are_cached_for_a_while(sandbox: SandboxSlack) -> None:
    sandbox.reset()
    now = [0.0]
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    permissions = IncidentPermissions(["S0ONCALL"], gateway, cache_seconds=60, clock=lambda: now[0])
    incident = _incident(ic="U_IC")
    assert permissions.may_resolve("U0ALICE", incident).allowed
    assert permissions.may_resolve("U0BOB", incident).allowed
    assert len(sandbox.calls("usergroups.users.list")) == 1
    now[0] = 61
    assert not permissions.may_resolve("U_OTHER", incident).allowed
    assert len(sandbox.calls("usergroups.users.list")) == 2


def test_a_failed_group_read_is_not_cached(sandbox: SandboxSlack) -> None:
    sandbox.reset()
    sandbox.faults.server_error("usergroups.users.list", times=1, status=503)
    gateway = WebClientSlackGateway(
        WebClient(token=sandbox.bot_token, base_url=sandbox.api_url, timeout=2)
    )
    permissions = IncidentPermissions(["S0ONCALL"], gateway)
    incident = _incident(ic="U_IC")
    assert not permissions.may_resolve("U0ALICE", incident).allowed  # Slack down: no grant
    assert permissions.may_resolve("U0ALICE", incident).allowed  # read again, not cached
