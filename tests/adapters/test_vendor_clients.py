"""Claude (anthropic SDK) and Linear adapters against local fakes over real sockets:
success, 429 with Retry-After, persistent 5xx and timeouts, each bounded."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.anthropic.language_model import ClaudeLanguageModel
from bot.adapters.tracker.fallback import FallbackTracker
from bot.adapters.tracker.linear import LinearTracker
from bot.adapters.tracker.markdown_file import MarkdownFileTracker
from bot.ports.llm import LanguageModelUnavailable
from bot.ports.tracker import PostmortemFiling, TrackerError
from tests.eventually import eventually
from tests.fakes.anthropic import API_KEY, FakeAnthropic
from tests.fakes.http_fake import Fault
from tests.fakes.linear import API_KEY as LINEAR_KEY
from tests.fakes.linear import FakeLinear


@pytest.fixture
def claude_api() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def linear_api() -> Iterator[FakeLinear]:
    fake = FakeLinear()
    fake.start()
    yield fake
    fake.stop()


def _claude(
    fake: FakeAnthropic,
    *,
    timeout: float = 5.0,
    sleep: Callable[[float], None] = lambda _s: None,  # no real waiting between retries
) -> ClaudeLanguageModel:
    return ClaudeLanguageModel.for_api(
        API_KEY, "claude-sonnet-4-6", base_url=fake.url, timeout=timeout, sleep=sleep
    )


def test_claude_sends_a_cached_system_prompt_and_returns_the_text(
    claude_api: FakeAnthropic,
) -> None:
    claude_api.next_text = '{"summary": []}'
    assert _claude(claude_api).complete(system="be careful", prompt="hi") == '{"summary": []}'
    body = claude_api.seen[-1].body
    assert claude_api.seen[-1].path == "/v1/messages"
    assert body["model"] == "claude-sonnet-4-6"
    assert body["system"] == [
        {"type": "text", "text": "be careful", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_claude_retries_a_429_honouring_retry_after(claude_api: FakeAnthropic) -> None:
    waits: list[float] = []
    model = _claude(claude_api, sleep=waits.append)
    claude_api.fail_next(Fault(status=429, retry_after="3"))
    claude_api.next_text = "ok"
    assert model.complete(system="s", prompt="p") == "ok"
    assert waits == [3.0]
    assert len(claude_api.seen) == 2


def test_claude_gives_up_after_bounded_retries(claude_api: FakeAnthropic) -> None:
    claude_api.fail_next(*[Fault(status=529) for _ in range(5)])
    with pytest.raises(LanguageModelUnavailable, match="HTTP 529"):
        _claude(claude_api).complete(system="s", prompt="p")
    assert len(claude_api.seen) == 3


def test_claude_429_after_retries_is_unavailable(claude_api: FakeAnthropic) -> None:
    claude_api.fail_next(*[Fault(status=429, retry_after="1") for _ in range(3)])
    with pytest.raises(LanguageModelUnavailable, match=r"429 .*after retries"):
        _claude(claude_api).complete(system="s", prompt="p")


def test_claude_timeout_is_unavailable(claude_api: FakeAnthropic) -> None:
    claude_api.fail_next(*[Fault(delay=0.6) for _ in range(3)])
    with pytest.raises(LanguageModelUnavailable, match="timed out"):
        _claude(claude_api, timeout=0.2).complete(system="s", prompt="p")


def test_claude_bad_key_is_not_retried(claude_api: FakeAnthropic) -> None:
    model = ClaudeLanguageModel.for_api("sk-ant-wrong", "m", base_url=claude_api.url)
    with pytest.raises(LanguageModelUnavailable, match="HTTP 401"):
        model.complete(system="s", prompt="p")
    assert len(claude_api.seen) == 1


FILING = PostmortemFiling(
    incident_id="inc-123",
    title="Postmortem: checkout",
    markdown="# Postmortem\n",
    labels=["postmortem", "P1"],
    assignee_email="alice@example.com",
)


def _linear(fake: FakeLinear, **kwargs: float) -> LinearTracker:
    return LinearTracker(
        fake.url,
        SecretStr(LINEAR_KEY),
        "team-1",
        sleep=lambda _s: None,
        **kwargs,  # type: ignore[arg-type]
    )


def test_linear_creates_the_issue_assigned_to_the_ic_with_labels(linear_api: FakeLinear) -> None:
    filed = _linear(linear_api).file(FILING)
    assert filed.tracker == "linear"
    assert filed.url == "https://linear.app/acme/issue/INC-1"
    (issue,) = linear_api.issues
    assert issue["teamId"] == "team-1"
    assert issue["assigneeId"] == "user-alice"
    assert issue["labelIds"] == ["label-pm"]
    assert issue["description"] == "# Postmortem\n"


def test_linear_unknown_ic_files_unassigned(linear_api: FakeLinear) -> None:
    _linear(linear_api).file(FILING.model_copy(update={"assignee_email": "nobody@example.com"}))
    assert "assigneeId" not in linear_api.issues[0]


def test_linear_retries_429_then_files(linear_api: FakeLinear) -> None:
    linear_api.fail_next(Fault(status=429, retry_after="1"))
    assert _linear(linear_api).file(FILING).ref == "INC-1"


def test_linear_down_falls_back_to_the_markdown_file(
    linear_api: FakeLinear, tmp_path: Path
) -> None:
    linear_api.fail_next(*[Fault(status=503) for _ in range(20)])
    tracker = FallbackTracker(_linear(linear_api), MarkdownFileTracker(tmp_path))
    filed = tracker.file(FILING)
    assert filed.tracker == "markdown"
    assert "linear failed" in filed.note and "503" in filed.note
    assert (tmp_path / "inc-123.md").read_text() == "# Postmortem\n"


def test_linear_graphql_error_is_a_tracker_error(linear_api: FakeLinear) -> None:
    tracker = LinearTracker(linear_api.url, SecretStr("wrong"), "team-1")
    with pytest.raises(TrackerError, match=r"401.*Authentication required"):
        tracker.file(FILING)


def test_linear_timeout_is_bounded(linear_api: FakeLinear) -> None:
    linear_api.fail_next(*[Fault(delay=0.5) for _ in range(10)])
    with pytest.raises(TrackerError, match="timed out"):
        _linear(linear_api, timeout=0.1).file(FILING)


def test_markdown_tracker_refuses_unsafe_names(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match="not a safe file name"):
        MarkdownFileTracker(tmp_path).file(FILING.model_copy(update={"incident_id": "../x"}))


def test_claude_retry_after_beyond_the_cap_fails_at_once(claude_api: FakeAnthropic) -> None:
    """The SDK would wait the hour; a postmortem should go on without the model instead."""
    waits: list[float] = []
    claude_api.fail_next(*[Fault(status=429, retry_after="3600") for _ in range(3)])
    with pytest.raises(LanguageModelUnavailable, match=r"HTTP 429 .*wait 3600s, longer than"):
        _claude(claude_api, sleep=waits.append).complete(system="s", prompt="p")
    assert waits == [] and len(claude_api.seen) == 1


def test_claude_honours_retry_after_as_an_http_date(claude_api: FakeAnthropic) -> None:
    waits: list[float] = []
    claude_api.fail_next(
        Fault(status=529, retry_after=email.utils.formatdate(time.time() + 5, usegmt=True))
    )
    claude_api.next_text = "ok"
    assert _claude(claude_api, sleep=waits.append).complete(system="s", prompt="p") == "ok"
    [waited] = waits
    assert 3.5 < waited <= 5.0  # the date has whole seconds, read a moment later


def test_linear_issue_create_is_not_sent_twice_after_a_timeout(linear_api: FakeLinear) -> None:
    """Linear got the mutation and created the issue, but answered too late: a second
    issueCreate would file the postmortem twice, so the failure is reported instead (the
    FallbackTracker then writes the markdown file)."""
    linear_api.fail_next(Fault(delay=0.6))  # served slowly, and applied
    bare = FILING.model_copy(update={"labels": [], "assignee_email": None})  # one request
    with pytest.raises(TrackerError, match="timed out") as caught:
        _linear(linear_api, timeout=0.2).file(bare)
    assert caught.value.retryable
    # the fake finishes the slow request after the client gave up
    eventually(lambda: linear_api.issues, timeout=3, message="the late issueCreate to land")
    assert len(linear_api.issues) == 1 and len(linear_api.seen) == 1


def test_linear_lookups_are_queries_and_are_retried(linear_api: FakeLinear) -> None:
    linear_api.fail_next(Fault(status=502), Fault(status=502))  # the label and user lookups
    filed = _linear(linear_api).file(FILING)
    assert filed.ref == "INC-1" and linear_api.issues[0]["labelIds"] == ["label-pm"]
    assert len(linear_api.seen) == 5
