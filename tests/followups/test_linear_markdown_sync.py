"""Follow-ups synced to the tracker the postmortems use: Linear (a fake GraphQL endpoint on a
real socket) or the markdown folder (a tmp directory). One open follow-up makes one issue or
one file, a lost create is adopted not repeated, two processors make one, the link is stored
back, and closing there (a completed/canceled Linear state, a `status: done` line) marks the
follow-up done here, audited."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.tracker.linear_followups import LinearFollowUpTracker, marker_of
from bot.adapters.tracker.markdown_followups import MarkdownFollowUpTracker
from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUpStatus
from bot.settings import Settings
from bot.wiring.followups import build_issue_tracker
from tests.fakes.http_fake import Fault
from tests.fakes.linear import API_KEY, FakeLinear
from tests.followups.tracker_rig import Rig


@pytest.fixture
def linear() -> Iterator[FakeLinear]:
    fake = FakeLinear()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def linear_rig(tmp_path: Path, linear: FakeLinear) -> Iterator[Rig]:
    tracker = LinearFollowUpTracker(
        linear.url, SecretStr(API_KEY), "team-1", timeout=1.0, sleep=lambda _s: None
    )
    made = Rig(tmp_path / "marshal.db", tracker)
    yield made
    made.database.close()


@pytest.fixture
def folder_rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path / "marshal.db", MarkdownFollowUpTracker(tmp_path / "pm"))
    yield made
    made.database.close()


def test_each_follow_up_becomes_one_linear_issue_with_a_link_back(
    linear_rig: Rig, linear: FakeLinear
) -> None:
    first, second = linear_rig.followup("Add a canary"), linear_rig.followup("Alert on depth")
    assert linear_rig.sync().sync().pushed == 2
    assert linear_rig.sync().sync().pushed == 0  # recorded: never pushed again
    assert len(linear.issues) == 2
    tracked = linear_rig.stored(first)
    issue = next(i for i in linear.issues if i["identifier"] == tracked.tracker_key)
    assert tracked.tracker_url == issue["url"]
    assert issue["title"] == "Add a canary" and issue["teamId"] == "team-1"
    assert marker_of(first.id) in issue["description"]
    assert linear_rig.audited(AuditAction.FOLLOWUP_TRACKED) == ["marshal", "marshal"]
    assert linear_rig.stored(second).tracker_key != tracked.tracker_key


@pytest.mark.parametrize("state", ["completed", "canceled"])
def test_a_linear_issue_completed_or_canceled_marks_the_follow_up_done(
    linear_rig: Rig, linear: FakeLinear, state: str
) -> None:
    made = linear_rig.followup("Add a canary")
    linear_rig.sync().sync()
    assert linear_rig.sync().sync().closed == 0  # still unstarted in Linear
    linear.set_state(str(linear_rig.stored(made).tracker_key), state)
    assert linear_rig.sync().sync().closed == 1
    done = linear_rig.stored(made)
    assert (done.status, done.closed_by) == (FollowUpStatus.DONE, "linear")
    assert linear_rig.audited(AuditAction.FOLLOWUP_DONE) == ["linear"]


def test_a_lost_linear_create_answer_is_adopted_not_repeated(
    linear_rig: Rig, linear: FakeLinear
) -> None:
    made = linear_rig.followup("Add a canary")
    # an earlier create reached Linear, but its answer never came back
    linear.issues.append(
        {
            "id": "issue-7",
            "identifier": "INC-7",
            "url": "https://linear.app/acme/issue/INC-7",
            "description": f"Add a canary `{marker_of(made.id)}`",
            "state": {"type": "started"},
        }
    )
    assert linear_rig.sync().sync().pushed == 1
    assert [i["identifier"] for i in linear.issues] == ["INC-7"]
    assert linear_rig.stored(made).tracker_key == "INC-7"


def test_linear_down_costs_one_run_not_the_follow_up(linear_rig: Rig, linear: FakeLinear) -> None:
    made = linear_rig.followup("Add a canary")
    linear.fail_next(*[Fault(status=503)] * 3)
    assert linear_rig.sync().sync().pushed == 0
    assert linear_rig.stored(made).tracker_key is None


def test_two_processors_create_one_linear_issue(linear_rig: Rig, linear: FakeLinear) -> None:
    linear_rig.followup("Add a canary")
    barrier = threading.Barrier(2)

    def run(owner: str) -> None:
        barrier.wait()
        linear_rig.sync(owner).sync()

    threads = [threading.Thread(target=run, args=(f"proc-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(linear.issues) == 1


def test_each_follow_up_becomes_one_markdown_file_closed_by_a_status_line(
    folder_rig: Rig, tmp_path: Path
) -> None:
    made = folder_rig.followup("Add a canary")
    assert folder_rig.sync().sync().pushed == 1
    path = tmp_path / "pm" / "followups" / f"{made.id}.md"
    tracked = folder_rig.stored(made)
    assert tracked.tracker_key == made.id and tracked.tracker_url == path.resolve().as_uri()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("status: open") and "# Add a canary" in text
    assert folder_rig.sync().sync().closed == 0
    path.write_text(text.replace("status: open", "status: done"), encoding="utf-8")
    assert folder_rig.sync().sync().closed == 1
    done = folder_rig.stored(made)
    assert (done.status, done.closed_by) == (FollowUpStatus.DONE, "markdown")
    assert folder_rig.audited(AuditAction.FOLLOWUP_DONE) == ["markdown"]


def test_an_existing_markdown_file_is_adopted_not_overwritten(
    folder_rig: Rig, tmp_path: Path
) -> None:
    made = folder_rig.followup("Add a canary")
    folder = tmp_path / "pm" / "followups"
    folder.mkdir(parents=True)
    # written by an earlier run that died before recording the link; then edited by hand
    (folder / f"{made.id}.md").write_text("status: open\n\nmy notes\n", encoding="utf-8")
    assert folder_rig.sync().sync().pushed == 1
    assert (folder / f"{made.id}.md").read_text(encoding="utf-8") == "status: open\n\nmy notes\n"
    assert folder_rig.stored(made).tracker_key == made.id


def test_the_follow_up_tracker_follows_the_postmortem_tracker(tmp_path: Path) -> None:
    folder = build_issue_tracker(Settings(marshal_postmortem_dir=tmp_path))
    assert isinstance(folder, MarkdownFollowUpTracker)
    linear = build_issue_tracker(Settings(linear_api_key=SecretStr("k"), linear_team_id="team-1"))
    assert isinstance(linear, LinearFollowUpTracker)
