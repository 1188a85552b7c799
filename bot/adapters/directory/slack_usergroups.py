"""Directory from Slack user groups: team name -> user group (by handle, name or id).

The list of groups (usergroups.list) is cached for a while; members are read fresh each
time (usergroups.users.list), since rotations change them. Slack failures surface as
DirectoryUnavailable so a war room goes ahead without the team.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from cachetools import TTLCache

from bot.ports.directory import DirectoryUnavailable
from bot.ports.slack import SlackCallFailed, SlackGateway, Usergroup

_ALL = "usergroups.list"


class SlackUsergroupDirectory:
    def __init__(
        self,
        slack: SlackGateway,
        *,
        team_groups: Mapping[str, str] | None = None,
        groups_ttl_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`team_groups` maps a team to a group handle or id when their names differ."""
        self._slack = slack
        self._team_groups = {k.lower(): v for k, v in (team_groups or {}).items()}
        # one entry (the whole list); the lock also keeps two callers from both listing
        self._groups: TTLCache[str, list[Usergroup]] = TTLCache(
            maxsize=1, ttl=groups_ttl_seconds, timer=monotonic
        )
        self._lock = threading.Lock()

    def members(self, team: str) -> list[str]:
        wanted = self._team_groups.get(team.lower(), team).lstrip("@").lower()
        try:
            group = next(
                (
                    g
                    for g in self._usergroups()
                    if wanted in {g.id.lower(), g.handle.lower(), g.name.lower()}
                ),
                None,
            )
            return self._slack.usergroup_members(group.id) if group else []
        except SlackCallFailed as exc:
            raise DirectoryUnavailable(f"Slack user groups: {exc}") from exc

    def _usergroups(self) -> list[Usergroup]:
        with self._lock:
            groups = self._groups.get(_ALL)
            if groups is None:
                groups = self._groups[_ALL] = self._slack.list_usergroups()
            return groups
