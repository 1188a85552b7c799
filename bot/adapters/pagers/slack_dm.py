"""SlackDmPager: `slack:<user or user-group id>` targets, paged by a direct message with an
Acknowledge button (a user group: each member gets one).

Acknowledge and resolve tell the same people, in the same DMs, that they may stand down.
"""

from __future__ import annotations

from bot.domain.escalation import PageTarget, TargetKind
from bot.ports.pager import PageRequest, PagerError, PageSent
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import Mrkdwn, PageNotice
from bot.services.slack_text import user

MAX_GROUP_MEMBERS = 50  # a page to a huge group is a broadcast, not a page


class SlackDmPager:
    kind = TargetKind.SLACK

    def __init__(self, slack: SlackGateway) -> None:
        self._slack = slack

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent:
        notice = PageNotice(
            incident_id=page.incident_id,
            title=page.title,
            severity=page.severity,
            service=page.service,
            level=page.level,
            message=page.message,
            room=page.room,
            drill=page.drill,
        )
        stamps = [self._dm(person, notice) for person in self._people(target)]
        return PageSent(str(target), ref=",".join(stamps))

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._tell(
            target, Mrkdwn(f":white_check_mark: `{incident_id}` was acknowledged by {user(by)}.")
        )

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._tell(target, Mrkdwn(f":white_check_mark: `{incident_id}` is resolved."))

    def _tell(self, target: PageTarget, text: str) -> None:
        for person in self._people(target):
            self._dm(person, text)

    def _people(self, target: PageTarget) -> list[str]:
        if not target.address.startswith("S"):
            return [target.address]
        try:
            members = self._slack.usergroup_members(target.address)
        except SlackCallFailed as exc:
            raise PagerError(f"Slack did not list group {target.address}: {exc.error}") from exc
        if not members:
            raise PagerError(f"Slack group {target.address} has no members to page")
        return members[:MAX_GROUP_MEMBERS]

    def _dm(self, person: str, message: str | PageNotice) -> str:
        try:
            return self._slack.send_dm(person, message)
        except SlackCallFailed as exc:
            raise PagerError(f"Slack DM to {person} failed: {exc.error}") from exc
