"""SlackPeople: a Slack user's email (users.info through the Slack port), so the tracker can
assign the IC.

A user Slack does not know has no email (None). Any other failure, a dropped connection
included, is the port's SlackCallFailed: the resolve flow files the postmortem unassigned
and says so in the room, instead of the error ending the whole run.
"""

from __future__ import annotations

from bot.ports.slack import SlackGateway


class SlackPeople:
    def __init__(self, slack: SlackGateway) -> None:
        self._slack = slack

    def email_of(self, user_id: str) -> str | None:
        """The user's email, None when Slack knows no such user; raises SlackCallFailed."""
        user = self._slack.user_info(user_id)
        return user.email if user else None
