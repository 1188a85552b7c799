"""Opsgenie and Grafana OnCall pagers against local fakes that answer like the vendors:
alias = incident id (a repeat folds into the open alert), acknowledge/close by alias; an
OnCall escalation's alert group kept to acknowledge and resolve it; schedules paged through
who is on call now; 429 Retry-After waited; errors named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.adapters.pagers.grafana_oncall import GrafanaOnCallPager
from bot.adapters.pagers.opsgenie import OpsgeniePager
from bot.domain.escalation import PageTarget
from bot.ports.pager import PageRequest, PagerError
from tests.fakes.grafana_oncall_api import FakeGrafanaOnCall
from tests.fakes.http_fake import Fault
from tests.fakes.opsgenie import FakeOpsgenie

PAGE = PageRequest(incident_id="inc-7", title="Checkout 5xx", severity="P1", service=None, level=1)


@pytest.fixture
def opsgenie() -> Iterator[FakeOpsgenie]:
    fake = FakeOpsgenie()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def oncall() -> Iterator[FakeGrafanaOnCall]:
    fake = FakeGrafanaOnCall(schedules={"SCHED1": ["UOC1", "UOC2"], "EMPTY": []})
    fake.start()
    yield fake
    fake.stop()


def test_opsgenie_pages_a_team_or_user_and_syncs_by_alias(opsgenie: FakeOpsgenie) -> None:
    waits: list[float] = []
    pager = OpsgeniePager(opsgenie.url, SecretStr(opsgenie.key), sleep=waits.append)
    opsgenie.fail_next(Fault(status=429, retry_after="1"))
    pager.trigger(PageTarget.parse("opsgenie:payments-team"), PAGE)
    pager.trigger(PageTarget.parse("opsgenie:ada@example.com"), PAGE)  # folds into the alias
    alert = opsgenie.alerts["inc-7"]
    assert (alert["count"], alert["responders"], alert["priority"]) == (
        2,
        [{"type": "team", "name": "payments-team"}],
        "P1",
    )
    assert opsgenie.seen[-1].body["responders"] == [{"type": "user", "username": "ada@example.com"}]
    assert waits == [1.0]
    pager.acknowledge(PageTarget.parse("opsgenie:payments-team"), "inc-7", "U0BOB")
    assert alert["status"] == "acked"
    pager.resolve(PageTarget.parse("opsgenie:payments-team"), "inc-7", "U0BOB")
    assert alert["status"] == "closed"


def test_opsgenie_errors_are_named(opsgenie: FakeOpsgenie) -> None:
    wrong = OpsgeniePager(opsgenie.url, SecretStr("nope"), sleep=lambda _: None)
    with pytest.raises(PagerError, match="Opsgenie Alert API: HTTP 401: Could not authenticate"):
        wrong.trigger(PageTarget.parse("opsgenie:payments-team"), PAGE)
    pager = OpsgeniePager(opsgenie.url, SecretStr(opsgenie.key), sleep=lambda _: None)
    with pytest.raises(PagerError, match="HTTP 404: Alert does not exist"):
        pager.acknowledge(PageTarget.parse("opsgenie:x"), "inc-unknown", "U0BOB")


def test_grafana_oncall_pages_users_and_schedules_and_syncs_the_alert_group(
    oncall: FakeGrafanaOnCall,
) -> None:
    pager = GrafanaOnCallPager(oncall.url, SecretStr(oncall.token), sleep=lambda _: None)
    sent = pager.trigger(PageTarget.parse("grafana-oncall:schedule:SCHED1"), PAGE)
    assert sent.ref is not None
    group = oncall.groups[sent.ref]
    assert group["users"] == [
        {"id": "UOC1", "important": True},
        {"id": "UOC2", "important": True},
    ]
    pager.acknowledge(PageTarget.parse("grafana-oncall:schedule:SCHED1"), "inc-7", "U0B", sent.ref)
    assert group["state"] == "acknowledged"
    pager.resolve(PageTarget.parse("grafana-oncall:schedule:SCHED1"), "inc-7", "U0B", sent.ref)
    assert group["state"] == "resolved"
    user = pager.trigger(PageTarget.parse("grafana-oncall:UOC9"), PAGE)
    assert oncall.groups[str(user.ref)]["users"] == [{"id": "UOC9", "important": True}]


def test_grafana_oncall_problems_are_named_and_an_escalation_is_not_repeated(
    oncall: FakeGrafanaOnCall,
) -> None:
    pager = GrafanaOnCallPager(oncall.url, SecretStr(oncall.token), sleep=lambda _: None)
    with pytest.raises(PagerError, match="nobody on call now"):
        pager.trigger(PageTarget.parse("grafana-oncall:schedule:EMPTY"), PAGE)
    with pytest.raises(PagerError, match="no Grafana OnCall alert group"):
        pager.acknowledge(PageTarget.parse("grafana-oncall:UOC9"), "inc-7", "U0B", None)
    before = len(oncall.seen)
    oncall.fail_next(Fault(status=503))
    with pytest.raises(PagerError, match="HTTP 503"):
        pager.trigger(PageTarget.parse("grafana-oncall:UOC9"), PAGE)
    assert len(oncall.seen) == before + 1  # a POST OnCall may have acted on is not repeated
    assert oncall.groups == {}
