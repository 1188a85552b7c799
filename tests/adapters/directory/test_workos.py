"""WorkOS Directory Sync over HTTP against a local fake: paging, retries, cache, stale fallback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.adapters.directory.workos import WorkOSDirectory
from bot.ports.directory import DirectoryUnavailable
from tests.adapters.directory.fake_workos import WorkOSState, fake_workos

KEY = "sk_test_123"


def _user(n: int, *, state: str = "active") -> dict[str, object]:
    return {
        "id": f"directory_user_{n:03d}",
        "object": "directory_user",
        "state": state,
        "emails": [
            {"primary": False, "type": "home", "value": f"home{n}@example.net"},
            {"primary": True, "type": "work", "value": f"user{n}@example.com"},
        ],
    }


@pytest.fixture
def state() -> WorkOSState:
    return WorkOSState(
        api_key=KEY,
        groups=[
            {"id": "directory_group_other", "directory_id": "directory_1", "name": "Other"},
            {"id": "directory_group_pay", "directory_id": "directory_1", "name": "Payments"},
        ],
        users_by_group={
            "directory_group_pay": [_user(n) for n in range(250)] + [_user(999, state="inactive")]
        },
    )


@pytest.fixture
def base_url(state: WorkOSState) -> Iterator[str]:
    with fake_workos(state) as url:
        yield url


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _directory(base_url: str, clock: Clock, **options: object) -> WorkOSDirectory:
    return WorkOSDirectory(
        KEY,
        base_url=base_url,
        directory_id="directory_1",
        ttl_seconds=60,
        timeout_seconds=2,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        **options,  # type: ignore[arg-type]
    )


def test_members_of_a_group_found_by_name_across_pages(base_url: str, state: WorkOSState) -> None:
    members = _directory(base_url, Clock()).members("payments")
    assert len(members) == 250
    assert members[0] == "user0@example.com" and "user999@example.com" not in members
    user_pages = [r for r in state.requests if r.startswith("/directory_users")]
    assert len(user_pages) == 3 and "after=directory_user_099" in user_pages[1]


def test_unknown_team_has_no_members(base_url: str) -> None:
    assert _directory(base_url, Clock()).members("nobody") == []


def test_429_waits_retry_after_and_500_is_retried(base_url: str, state: WorkOSState) -> None:
    state.faults = [(429, {"Retry-After": "3"}), (500, {})]
    clock = Clock()
    directory = _directory(base_url, clock, team_groups={"payments": "directory_group_pay"})
    assert len(directory.members("payments")) == 250
    assert clock.sleeps[0] == 3.0 and len(clock.sleeps) == 2


def test_persistent_failure_is_directory_unavailable(base_url: str, state: WorkOSState) -> None:
    state.faults = [(503, {})] * 3
    with pytest.raises(DirectoryUnavailable, match="HTTP 503 after 3 attempts"):
        _directory(base_url, Clock()).members("payments")


def test_cached_within_ttl_and_stale_answer_when_workos_is_down(
    base_url: str, state: WorkOSState
) -> None:
    clock = Clock()
    directory = _directory(base_url, clock, team_groups={"payments": "directory_group_pay"})
    first = directory.members("payments")
    served = len(state.requests)
    assert directory.members("payments") == first and len(state.requests) == served
    clock.now = 120  # past the TTL, and WorkOS is failing
    state.faults = [(500, {})] * 3
    assert directory.members("payments") == first
    assert len(state.requests) == served + 3


def test_a_wrong_api_key_is_not_retried(base_url: str, state: WorkOSState) -> None:
    directory = WorkOSDirectory("sk_wrong", base_url=base_url, directory_id="directory_1")
    with pytest.raises(DirectoryUnavailable, match="HTTP 401"):
        directory.members("payments")
    assert len(state.requests) == 1


def test_the_team_cache_is_bounded(base_url: str, state: WorkOSState) -> None:
    """At most `max_teams` teams are held, fresh or stale: a directory asked about every team
    in a large company must not grow without end."""
    state.groups.append({"id": "directory_group_ops", "directory_id": "directory_1", "name": "Ops"})
    state.users_by_group["directory_group_ops"] = [_user(500)]
    directory = _directory(base_url, Clock(), max_teams=1)
    assert len(directory.members("payments")) == 250
    assert directory.members("ops") == ["user500@example.com"]  # evicts payments
    served = len(state.requests)
    assert len(directory.members("payments")) == 250
    assert len(state.requests) > served  # read again: it was no longer held
    state.faults = [(503, {})] * 3
    with pytest.raises(DirectoryUnavailable):  # nor kept as a stale answer
        directory.members("ops")
