"""IncidentPermissions: who may resolve, change severity, hand over command or approve.

Allowed: the incident's IC, the users in MARSHAL_APPROVERS (U…/W… ids) and the members of
the user groups listed there (S… ids, expanded through Slack and cached briefly). When an
incident has neither an IC nor any approver, anyone in the room may act; otherwise nobody
could, and an incident nobody may steer is worse than an open door.

Approving a status-page post is narrower once MARSHAL_APPROVERS is set: only the approvers
may, since anyone in a room can claim the IC role with `role ic`, and a public post must
not be one self-service command away. With no approvers configured the IC approves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from bot.domain.errors import MarshalError
from bot.domain.models import Incident
from bot.ports.group_directory import GroupDirectory
from bot.ports.slack import SlackCallFailed
from bot.services.slack_text import user

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


class PermissionRefused(MarshalError):
    """A user asked for something they may not do; `reason` says why, for the reply and audit."""

    def __init__(self, user_id: str, action: str, reason: str) -> None:
        self.user_id = user_id
        self.action = action
        self.reason = reason
        super().__init__(f"<@{user_id}> may not {action}: {reason}")


class IncidentPermissions:
    def __init__(
        self,
        approvers: list[str],
        slack: GroupDirectory,  # only user-group membership is read (the Slack gateway is one)
        *,
        cache_seconds: float = GROUP_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = frozenset(a for a in approvers if a[:1] in {"U", "W"})
        self._groups = tuple(a for a in approvers if a[:1] == "S")
        self._slack = slack
        # one entry per approver group; cachetools is not thread-safe, so the lock guards it
        self._lock = threading.Lock()
        self._cache: TTLCache[str, frozenset[str]] = TTLCache(
            maxsize=max(1, len(self._groups)), ttl=cache_seconds, timer=clock
        )

    def may_resolve(self, user_id: str, incident: Incident) -> Decision:
        return self._decide(user_id, incident, "resolve this incident")

    def may(self, user_id: str, incident: Incident, action: str) -> Decision:
        """The IC-or-approver rule for another close-out `action` (reopen, postmortem done),
        so the refusal names what was refused, not "resolve"."""
        return self._decide(user_id, incident, action)

    def may_change_severity(self, user_id: str, incident: Incident) -> Decision:
        return self._decide(user_id, incident, "change the severity")

    def may_hand_over(self, user_id: str, incident: Incident) -> Decision:
        """Reassigning a held IC role: the IC hands over, or an approver takes over."""
        return self._decide(user_id, incident, "reassign the incident commander")

    @property
    def approvers_configured(self) -> bool:
        """MARSHAL_APPROVERS names someone: then only they may approve status-page posts."""
        return bool(self._users or self._groups)

    def may_approve(self, user_id: str, incident: Incident) -> Decision:
        if not self.approvers_configured:
            return self._decide(user_id, incident, "approve status-page posts")
        return self._approver(user_id) or Decision(
            False,
            "only the people in MARSHAL_APPROVERS may approve status-page posts; "
            "holding the incident commander role does not grant it",
        )

    def require(self, decision: Decision, user_id: str, action: str) -> None:
        if not decision.allowed:
            raise PermissionRefused(user_id, action, decision.reason)

    def _decide(self, user_id: str, incident: Incident, action: str) -> Decision:
        commander = incident.commander
        if commander == user_id:
            return Decision(True, "you are the incident commander")
        approver = self._approver(user_id)
        if approver is not None:
            return approver
        if commander is None and not self.approvers_configured:
            return Decision(True, "no incident commander or approvers are set, so anyone may")
        who = (
            f"the incident commander ({user(commander)})" if commander else "no incident commander"
        )
        unread = self._unreadable(user_id)
        return Decision(
            False,
            f"only the incident commander or an approver may {action}; this incident has {who}"
            + (f"; {unread}" if unread else ""),
        )

    def _unreadable(self, user_id: str) -> str:
        """Why an approver group could not be checked, so a refusal does not hide it."""
        for group in self._groups:
            with self._lock:
                if group in self._cache:  # read fine a moment ago
                    continue
            try:
                self._slack.usergroup_members(group)
            except SlackCallFailed as exc:
                return f"approver group {group} could not be read ({exc.error})"
        return ""

    def _approver(self, user_id: str) -> Decision | None:
        if user_id in self._users:
            return Decision(True, "you are listed in MARSHAL_APPROVERS")
        for group in self._groups:
            if user_id in self._members(group):
                return Decision(True, f"you are in approver group {group}")
        return None

    def _members(self, group: str) -> frozenset[str]:
        with self._lock:
            cached = self._cache.get(group)
        if cached is not None:
            return cached
        try:
            members = frozenset(self._slack.usergroup_members(group))
        except SlackCallFailed as exc:
            # An unreadable group grants nothing; the refusal reason still names the rule.
            log.warning("approver group lookup failed", extra={"group": group, "error": exc.error})
            return frozenset()
        with self._lock:
            self._cache[group] = members
        return members
