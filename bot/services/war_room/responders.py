"""Who to invite: the alert's on-call people plus the team from the Directory, as Slack ids.

Entries are emails or Slack user ids. Ids pass through as they are; emails are looked up
with users.lookupByEmail, concurrently under a bound so a 25-person team costs a few round
trips, not 25, and kept for a while (user_ids.py), so the team's next room costs none.
Nothing here raises for one bad entry or a dead directory: the result says who could not be
resolved and why, and the room tells its people.

When nobody resolves (no directory entry, no on-call; for `/marshal declare` nobody but the
declarer), the fallback responders (`MARSHAL_DEFAULT_RESPONDERS`: user ids, and user-group
ids expanded through usergroups.users.list) are invited instead, so a room on the defaults
is never the bot alone.

An incident that came from PagerDuty naming an escalation policy
(label `pagerduty_escalation_policy_id`) also gets that policy's on-call users, asked of
PagerDuty REST through the OnCallLookup port; when that call fails, the failure is a note
on the result (`oncall_error`) and everyone else is still invited.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.models import AlertSource, Incident
from bot.ports.directory import Directory, DirectoryUnavailable
from bot.ports.pager import PagerError
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.war_room.user_ids import UserIdsByEmail

log = logging.getLogger(__name__)

_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ESCALATION_POLICY_LABEL = "pagerduty_escalation_policy_id"


class OnCallLookup(Protocol):
    """Who is on call now for a PagerDuty escalation policy (PagerDutyIncidents)."""

    def oncall_emails(self, escalation_policy_id: str) -> list[str]: ...


@dataclass(frozen=True)
class Responders:
    user_ids: list[str] = field(default_factory=list)
    unresolved: dict[str, str] = field(default_factory=dict)  # entry -> why
    directory_error: str | None = None
    team: str | None = None
    # The fallback responders were invited because nobody else resolved.
    fallback: bool = False
    # PagerDuty REST could not say who is on call (the rest were still resolved).
    oncall_error: str | None = None


def is_slack_user_id(entry: str) -> bool:
    return bool(_SLACK_USER_ID.match(entry))


def _unique(entries: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for entry in entries:
        cleaned = entry.strip()
        key = cleaned.lower() if "@" in cleaned else cleaned
        if cleaned and key not in seen:
            seen[key] = None
    return list(seen)


class ResponderResolver:
    def __init__(
        self,
        slack: SlackGateway,
        directory: Directory,
        *,
        max_lookup_concurrency: int = 8,
        fallback: tuple[str, ...] = (),
        oncall: OnCallLookup | None = None,
        user_ids: UserIdsByEmail | None = None,
    ) -> None:
        if max_lookup_concurrency < 1:
            raise ValueError("max_lookup_concurrency must be at least 1")
        self._slack = slack
        self._user_ids = user_ids or UserIdsByEmail(slack)
        self._directory = directory
        self._bound = max_lookup_concurrency
        self._fallback = fallback
        self._oncall = oncall

    def resolve(self, incident: Incident) -> Responders:
        team = incident.team or incident.service
        entries = list(incident.oncall)
        oncall_entries, oncall_error = self._pagerduty_oncall(incident)
        entries.extend(oncall_entries)
        directory_error: str | None = None
        if team:
            try:
                entries.extend(self._directory.members(team))
            except DirectoryUnavailable as exc:
                log.warning("directory unavailable for team %s: %s", team, exc)
                directory_error = str(exc)
        user_ids: list[str] = []
        unresolved: dict[str, str] = {}
        emails: list[str] = []
        for entry in _unique(entries):
            if is_slack_user_id(entry):
                user_ids.append(entry)
            elif _EMAIL.match(entry):
                emails.append(entry)
            else:
                unresolved[entry] = "neither an email nor a Slack user id"
        for email, (user_id, why) in zip(emails, self._lookup_all(emails), strict=True):
            if user_id:
                user_ids.append(user_id)
            else:
                unresolved[email] = why
        user_ids = _unique(user_ids)
        declarer = incident.labels.get("declared_by")
        fallback = not [u for u in user_ids if u != declarer]
        if fallback:
            defaults, failed = self._expand_fallback()
            user_ids = _unique([*user_ids, *defaults])
            unresolved.update(failed)
        return Responders(
            user_ids=user_ids,
            unresolved=unresolved,
            directory_error=directory_error,
            team=team,
            fallback=fallback,
            oncall_error=oncall_error,
        )

    def _pagerduty_oncall(self, incident: Incident) -> tuple[list[str], str | None]:
        """The policy's on-call emails; a failed call is one note, never a failed room."""
        policy = incident.labels.get(ESCALATION_POLICY_LABEL)
        if self._oncall is None or incident.source is not AlertSource.PAGERDUTY or not policy:
            return [], None
        try:
            return self._oncall.oncall_emails(policy), None
        except PagerError as exc:
            log.warning("PagerDuty on-call lookup failed for %s: %s", policy, exc)
            return [], f"PagerDuty on-call lookup for {policy} failed: {exc}"

    def _expand_fallback(self) -> tuple[list[str], dict[str, str]]:
        """The fallback responders as user ids; a group Slack cannot list is named, not fatal."""
        user_ids: list[str] = []
        failed: dict[str, str] = {}
        for entry in self._fallback:
            if _SLACK_GROUP_ID.match(entry):
                try:
                    user_ids.extend(self._slack.usergroup_members(entry))
                except SlackCallFailed as exc:
                    failed[entry] = f"user group lookup failed ({exc.error})"
            elif is_slack_user_id(entry):
                user_ids.append(entry)
            else:
                failed[entry] = "neither a Slack user id nor a user-group id"
        return user_ids, failed

    def _lookup_all(self, emails: list[str]) -> list[tuple[str | None, str]]:
        if not emails:
            return []
        workers = min(self._bound, len(emails))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lookup") as pool:
            return list(pool.map(self._lookup, emails))

    def _lookup(self, email: str) -> tuple[str | None, str]:
        try:
            user_id = self._user_ids.lookup(email)
        except SlackCallFailed as exc:
            return None, f"lookup failed ({exc.error})"
        return (user_id, "") if user_id else (None, "no Slack user with this email")
