"""GroupDirectory adapters for a process with no Slack connection of its own (the web console
in `marshal webhook`): the Slack Web API client when SLACK_BOT_TOKEN is set, else a directory
that refuses every lookup with a message saying what to set, so a permission check that
needs a group says why it could not grant (instead of quietly treating the group as empty).
"""

from __future__ import annotations

from bot.ports.group_directory import GroupDirectory
from bot.ports.slack import SlackCallFailed
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client

WITHOUT_SLACK = (
    "this process has no SLACK_BOT_TOKEN, so approver user groups cannot be read; set it "
    "(and SLACK_API_URL for the sandbox), or list approvers as user ids in MARSHAL_APPROVERS"
)


class UnreadableGroups:
    """No Slack client here: every user-group lookup refuses, saying what to set."""

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        raise SlackCallFailed("usergroups.users.list", WITHOUT_SLACK)


def group_directory(settings: Settings) -> GroupDirectory:
    if settings.slack_bot_token is None:
        return UnreadableGroups()
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    return WebClientSlackGateway(client)
