"""GroupDirectory: who is in a user group, all a permission check needs from Slack.

IncidentPermissions (bot/services/permissions.py) only reads approver user-group membership;
with this port it can run where no Slack connection (no SlackGateway) exists, e.g. the web
console in `marshal webhook`. The Slack gateway satisfies it as is; without a Slack token the
console gets bot/adapters/group_directory.py (wired in bot/wiring/console.py).
"""

from __future__ import annotations

from typing import Protocol


class GroupDirectory(Protocol):
    def usergroup_members(self, usergroup_id: str) -> list[str]:
        """The group's user ids; raises SlackCallFailed when they cannot be read."""
        ...
