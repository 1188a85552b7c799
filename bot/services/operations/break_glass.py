"""BreakGlassRoster: who MARSHAL_BREAK_GLASS lets break glass (user ids, and the members of
user groups, read from Slack at the moment they ask: a revoked membership counts at once)."""

from __future__ import annotations

import logging

from bot.ports.slack import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)


class BreakGlassRoster:
    def __init__(self, ids: list[str], slack: SlackGateway | None) -> None:
        self._users = frozenset(i for i in ids if i[:1] in {"U", "W"})
        self._groups = tuple(i for i in ids if i[:1] == "S")
        self._slack = slack

    def allows(self, user_id: str) -> bool:
        if user_id in self._users:
            return True
        if self._slack is None:
            return False
        for group in self._groups:
            try:
                if user_id in self._slack.usergroup_members(group):
                    return True
            except SlackCallFailed as exc:
                # an unreadable group grants nothing
                log.warning(
                    "break-glass group unreadable", extra={"group": group, "error": exc.error}
                )
        return False
