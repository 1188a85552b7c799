"""Who is on call, from PagerDuty REST `GET /oncalls`: paged through with offset/more,
users included, a 429 waited out by its Retry-After, a bad token a clear PagerError."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.ports.pager import PagerError
from tests.fakes.http_fake import Fault
from tests.fakes.pagerduty import FakePagerDuty

EMAILS = [f"person{n}@example.com" for n in range(5)]


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty(oncall={"PEP1": EMAILS, "PSCHED1": ["Sched@Example.com"]})
    fake.start()
    yield fake
    fake.stop()


def _rest(fake: FakePagerDuty, waits: list[float], token: str | None = None) -> PagerDutyIncidents:
    return PagerDutyIncidents(
        fake.url,
        SecretStr(token or fake.token),
        "ic@example.com",
        sleep=waits.append,
        oncall_page_size=2,
    )


def test_every_page_of_the_policy_is_read_with_users_included(pagerduty: FakePagerDuty) -> None:
    assert _rest(pagerduty, []).oncall_emails("PEP1") == EMAILS
    offsets = [parse_qs(urlsplit(s.path).query) for s in pagerduty.seen]
    assert [q["offset"] for q in offsets] == [["0"], ["2"], ["4"]]
    assert all(q["include[]"] == ["users"] for q in offsets)
    assert all(q["escalation_policy_ids[]"] == ["PEP1"] for q in offsets)
    headers = pagerduty.seen[0].headers
    assert headers["authorization"] == f"Token token={pagerduty.token}"
    assert headers["accept"] == "application/vnd.pagerduty+json;version=2"


def test_a_schedule_is_asked_by_schedule_id(pagerduty: FakePagerDuty) -> None:
    assert _rest(pagerduty, []).oncall_emails(schedule_id="PSCHED1") == ["sched@example.com"]
    assert "schedule_ids%5B%5D=PSCHED1" in pagerduty.seen[0].path
    with pytest.raises(ValueError, match="exactly one"):
        _rest(pagerduty, []).oncall_emails("PEP1", schedule_id="PSCHED1")


def test_a_429_is_waited_out_by_its_retry_after(pagerduty: FakePagerDuty) -> None:
    waits: list[float] = []
    pagerduty.fail_next(Fault(status=429, retry_after="1"))
    assert _rest(pagerduty, waits).oncall_emails("PEP1") == EMAILS
    assert waits == [1.0]


def test_a_bad_token_or_an_odd_answer_is_a_pager_error(pagerduty: FakePagerDuty) -> None:
    with pytest.raises(PagerError, match="HTTP 401"):
        _rest(pagerduty, [], token="nope").oncall_emails("PEP1")
    pagerduty.fail_next(Fault(status=200, body={"unexpected": True}))
    with pytest.raises(PagerError, match="without an oncalls list"):
        _rest(pagerduty, []).oncall_emails("PEP1")
