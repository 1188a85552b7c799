"""IncidentPermissions decisions that need no Slack call (user ids, IC, the open-door rule)."""

from __future__ import annotations

import pytest

from bot.domain.models import AlertSource, Incident, Role
from bot.domain.severity import Severity
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
    refused = permissions.may_approve("U_OTHER", incident)
    assert not refused.allowed
    assert "<@U_IC>" in refused.reason


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
