"""Is a mentioned user someone who can take part? Asked of Slack (users.info) before a role is
assigned or an invitation sent, so `/marshal role ic <@U0TYPO>` is refused instead of making
no one the incident commander."""

from __future__ import annotations

from bot.ports.slack import SlackCallFailed, SlackGateway


def why_not_a_responder(slack: SlackGateway, user_id: str) -> str | None:
    """None when `user_id` is an active person in the workspace; otherwise why not, in words
    for the reply (a failed lookup included: nobody is assigned on an unchecked id)."""
    try:
        user = slack.user_info(user_id)
    except SlackCallFailed as exc:
        return f"I could not check that user with Slack ({exc.error}); try again in a moment"
    if user is None:
        return "there is no such user in this workspace"
    if user.deleted:
        return "that account is deactivated"
    if user.is_bot:
        return "that is a bot, not a person"
    return None
