"""Follow-ups synced to Jira Cloud (a fake Jira on a real socket): each open follow-up
becomes one issue labelled with its id and linking back, a create whose answer was lost is
adopted rather than repeated, two processors create one issue, and an issue closed in Jira
marks its follow-up done here, audited."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.tracker.jira import JiraTracker, label_of
from bot.domain.audit import AuditAction
from bot.domain.errors import ConfigurationError
from bot.domain.followups import FollowUpStatus
from bot.settings import Settings
from bot.wiring.followups import build_issue_tracker
from tests.fakes.http_fake import Fault
from tests.fakes.jira import EMAIL, PROJECT, TOKEN, FakeJira
from tests.followups.tracker_rig import Rig


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    fake = FakeJira()
    fake.start()
    yield fake
    fake.stop()


def jira_rig(path: Path, jira: FakeJira) -> Rig:
    tracker = JiraTracker(
        jira.url, EMAIL, SecretStr(TOKEN), PROJECT, timeout=1.0, sleep=lambda _s: None
    )
    return Rig(path, tracker)


@pytest.fixture
def rig(tmp_path: Path, jira: FakeJira) -> Iterator[Rig]:
    made = jira_rig(tmp_path / "marshal.db", jira)
    yield made
    made.database.close()


def test_each_follow_up_becomes_one_issue_with_a_link_back(rig: Rig, jira: FakeJira) -> None:
    first, second = rig.followup("Add a canary"), rig.followup("Alert on queue depth")
    assert rig.sync().sync().pushed == 2
    assert rig.sync().sync().pushed == 0  # recorded: never pushed again
    assert len(jira.issues) == 2
    tracked = rig.stored(first)
    assert tracked.tracker_key in jira.issues
    assert tracked.tracker_url == f"{jira.url}/browse/{tracked.tracker_key}"
    fields = jira.issues[str(tracked.tracker_key)]["fields"]
    assert fields["summary"] == "Add a canary" and label_of(first.id) in fields["labels"]
    assert fields["issuetype"] == {"name": "Task"} and fields["project"] == {"key": PROJECT}
    audited = [
        e for e in rig.audit.events(rig.incident.id) if e.action is AuditAction.FOLLOWUP_TRACKED
    ]
    assert sorted(e.details["followup_id"] for e in audited) == sorted([first.id, second.id])


def test_an_issue_closed_in_jira_marks_the_follow_up_done(rig: Rig, jira: FakeJira) -> None:
    made = rig.followup("Add a canary")
    rig.sync().sync()
    jira.close(str(rig.stored(made).tracker_key))
    result = rig.sync().sync()
    assert result.closed == 1
    done = rig.stored(made)
    assert (done.status, done.closed_by) == (FollowUpStatus.DONE, "jira")
    assert "closed in jira" in str(done.closed_reason)
    actors = [
        e.actor for e in rig.audit.events(rig.incident.id) if e.action is AuditAction.FOLLOWUP_DONE
    ]
    assert actors == ["jira"]
    assert rig.sync().sync().closed == 0


def test_a_lost_create_answer_is_adopted_not_repeated(rig: Rig, jira: FakeJira) -> None:
    made = rig.followup("Add a canary")
    # an earlier create reached Jira, but its answer never came back
    jira.issues["OPS-7"] = {"fields": {"labels": ["marshal", label_of(made.id)]}, "status": "new"}
    assert rig.sync().sync().pushed == 1
    assert list(jira.issues) == ["OPS-7"]
    assert rig.stored(made).tracker_key == "OPS-7"


def test_two_processors_create_one_issue(rig: Rig, jira: FakeJira) -> None:
    rig.followup("Add a canary")
    barrier = threading.Barrier(2)

    def run(owner: str) -> None:
        barrier.wait()
        rig.sync(owner).sync()

    threads = [threading.Thread(target=run, args=(f"proc-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(jira.issues) == 1


def test_jira_down_costs_one_run_not_the_follow_up(rig: Rig, jira: FakeJira) -> None:
    made = rig.followup("Add a canary")
    jira.fail_next(*[Fault(status=503)] * 3)
    assert rig.sync().sync().pushed == 0
    assert rig.stored(made).tracker_key is None
    assert rig.sync("proc-2").sync().pushed == 0  # the first run's claim still holds


def test_jira_settings_are_all_or_nothing() -> None:
    assert build_issue_tracker(Settings()).name == "markdown"  # the postmortem folder
    with pytest.raises(ConfigurationError, match="JIRA_API_TOKEN, JIRA_PROJECT"):
        build_issue_tracker(Settings(jira_url="https://acme.atlassian.net", jira_email="a@b.c"))
    full = Settings(
        jira_url="https://acme.atlassian.net",
        jira_email="a@b.c",
        jira_api_token=SecretStr("t"),
        jira_project="OPS",
    )
    assert isinstance(build_issue_tracker(full), JiraTracker)
