"""GitHubChangeHistory against the fake GitHub REST API over a real socket: commits and
deployments in the window, the token sent, rate limits waited out only when short, 5xx and
slow answers bounded, and a postmortem that still builds (and says why) when GitHub fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.adapters.github.changes import GitHubChangeHistory
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.ports.changes import ChangeHistoryUnavailable
from bot.sandbox.server import SandboxSlack
from bot.services.postmortem.writer import PostmortemWriter
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from tests.fakes.github import TOKEN, FakeGitHub
from tests.fakes.http_fake import Fault

REPO = "acme/checkout"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SINCE, UNTIL = T0 - timedelta(hours=2), T0 + timedelta(hours=1)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    repo = fake.repo(REPO)
    repo.commit("a" * 40, T0 - timedelta(days=3), "too old: before the window")
    repo.commit("b" * 40, T0 - timedelta(minutes=30), "Raise pool size\n\nlong body")
    repo.commit("c" * 40, T0 + timedelta(minutes=20), "Revert pool size")
    repo.commit("d" * 40, T0 + timedelta(hours=3), "after the window")
    repo.deploy(7, T0 - timedelta(minutes=25), "b" * 40, "production")
    repo.deploy(6, T0 - timedelta(days=1), "main", "production")
    fake.start()
    yield fake
    fake.stop()


def _history(
    fake: FakeGitHub,
    waits: list[float] | None = None,
    *,
    timeout: float = 2.0,
    max_attempts: int = 3,
    max_retry_after: float = 10.0,
) -> GitHubChangeHistory:
    """Waits are recorded, not slept: the test reads what the client would have waited."""
    return GitHubChangeHistory(
        fake.url,
        SecretStr(TOKEN),
        timeout=timeout,
        max_attempts=max_attempts,
        max_retry_after=max_retry_after,
        sleep=waits.append if waits is not None else lambda _s: None,
    )


def test_commits_and_deploys_in_the_window_oldest_first(github: FakeGitHub) -> None:
    changes = _history(github).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert [(c.kind, c.ref, c.summary) for c in changes] == [
        ("commit", "bbbbbbb", "Raise pool size"),
        ("deploy", "7", f"deploy of {'b' * 40} to production"),
        ("commit", "ccccccc", "Revert pool size"),
    ]
    assert changes[0].url == f"https://github.com/acme/commit/{'b' * 40}"
    commits, deploys = github.seen
    assert commits.path.startswith(f"/repos/{REPO}/commits?")
    assert "since=2026-03-01T10%3A00%3A00Z" in commits.path
    assert "until=2026-03-01T13%3A00%3A00Z" in commits.path
    assert deploys.path.startswith(f"/repos/{REPO}/deployments?")
    for seen in github.seen:
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["x-github-api-version"] == "2022-11-28"


def test_a_wrong_token_is_not_retried(github: FakeGitHub) -> None:
    history = GitHubChangeHistory(github.url, SecretStr("ghp_wrong"), sleep=lambda _s: None)
    with pytest.raises(ChangeHistoryUnavailable, match=r"HTTP 401.*Bad credentials"):
        history.recent_changes(REPO, since=SINCE, until=UNTIL)
    assert len(github.seen) == 1


def test_anonymous_calls_work_for_public_repositories(github: FakeGitHub) -> None:
    history = GitHubChangeHistory(github.url, None, sleep=lambda _s: None)
    assert len(history.recent_changes(REPO, since=SINCE, until=UNTIL)) == 3
    assert "authorization" not in github.seen[0].headers


def test_an_unknown_repository_is_unavailable(github: FakeGitHub) -> None:
    with pytest.raises(ChangeHistoryUnavailable, match="HTTP 404"):
        _history(github).recent_changes("acme/nope", since=SINCE, until=UNTIL)


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_rate_limit_waits_retry_after_then_answers(
    github: FakeGitHub, status: int
) -> None:
    waits: list[float] = []
    github.secondary_rate_limit(retry_after=3, status=status)
    changes = _history(github, waits).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert len(changes) == 3
    assert waits == [3.0]
    assert len(github.seen) == 3  # the refused call, its retry, the deployments


def test_a_primary_rate_limit_waits_until_the_reset_within_the_cap(github: FakeGitHub) -> None:
    waits: list[float] = []
    github.primary_rate_limit(resets_in=5)
    history = _history(github, waits, max_retry_after=10.0)
    assert len(history.recent_changes(REPO, since=SINCE, until=UNTIL)) == 3
    [waited] = waits
    assert 3.0 <= waited <= 6.0  # the reset is whole epoch seconds, read a moment later


def test_a_rate_limit_lifting_beyond_the_cap_fails_at_once(github: FakeGitHub) -> None:
    waits: list[float] = []
    github.primary_rate_limit(resets_in=3600)
    with pytest.raises(ChangeHistoryUnavailable, match=r"rate limited for 3[56]\d\ds more"):
        _history(github, waits, max_retry_after=10.0).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert waits == [] and len(github.seen) == 1


def test_a_plain_403_is_not_taken_for_a_rate_limit(github: FakeGitHub) -> None:
    github.fail_next(Fault(status=403, body={"message": "Resource not accessible"}))
    with pytest.raises(ChangeHistoryUnavailable, match="HTTP 403"):
        _history(github).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert len(github.seen) == 1


def test_5xx_is_retried_a_bounded_number_of_times(github: FakeGitHub) -> None:
    waits: list[float] = []
    github.fail_next(Fault(status=502))
    assert len(_history(github, waits).recent_changes(REPO, since=SINCE, until=UNTIL)) == 3
    assert len(waits) == 1
    github.seen.clear()
    github.fail_next(*[Fault(status=503) for _ in range(5)])
    with pytest.raises(ChangeHistoryUnavailable, match=r"HTTP 503.*after 3 attempts"):
        _history(github).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert len(github.seen) == 3


def test_slow_answers_time_out_and_give_up_bounded(github: FakeGitHub) -> None:
    github.fail_next(*[Fault(delay=0.5) for _ in range(2)])
    started = time.monotonic()
    with pytest.raises(ChangeHistoryUnavailable, match="timed out"):
        _history(github, timeout=0.1, max_attempts=2).recent_changes(REPO, since=SINCE, until=UNTIL)
    assert len(github.seen) == 2
    assert time.monotonic() - started < 5  # bounded: two short timeouts, no long hang


def _resolved_incident(store: SqliteIncidentStore) -> Incident:
    incident, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key="github-changes",
            title="Checkout 5xx",
            severity=Severity.P1,
            service="checkout",
            status=IncidentStatus.RESOLVED,
            triggered_at=T0,
            resolved_at=T0 + timedelta(minutes=40),
        )
    )
    return incident


def _writer(
    tmp_path: Path, sandbox: SandboxSlack, fake: FakeGitHub
) -> tuple[PostmortemWriter, Incident]:
    database = SqliteDatabase(tmp_path / "marshal.db")
    store = SqliteIncidentStore(database)
    writer = PostmortemWriter(
        store,
        SqliteAuditLog(database),
        WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url)),
        changes=_history(fake),
        service_repos={"checkout": REPO},
    )
    return writer, _resolved_incident(store)


def test_the_postmortem_lists_the_changes(
    github: FakeGitHub, tmp_path: Path, sandbox: SandboxSlack
) -> None:
    writer, incident = _writer(tmp_path, sandbox, github)
    markdown = writer.write(incident).markdown
    assert "Raise pool size" in markdown and "Revert pool size" in markdown
    assert "too old" not in markdown
    assert "Recent changes:" not in markdown  # no note: they were read


def test_the_postmortem_builds_without_changes_when_github_fails(
    github: FakeGitHub, tmp_path: Path, sandbox: SandboxSlack
) -> None:
    github.fail_next(*[Fault(status=500) for _ in range(3)])
    writer, incident = _writer(tmp_path, sandbox, github)
    postmortem = writer.write(incident)
    assert "Raise pool size" not in postmortem.markdown
    assert f"_Recent changes: could not read {REPO} (GitHub /repos/{REPO}/commits" in (
        postmortem.markdown
    )
    assert "HTTP 500" in postmortem.markdown
    assert postmortem.title == f"Postmortem: Checkout 5xx ({incident.id})"
