"""UnreadableGroups: the GroupDirectory of a process with no Slack client (the web console in
`marshal webhook` without SLACK_BOT_TOKEN; with it, the Slack gateway is the directory, see
bot/wiring/console.py). It refuses every lookup with a message saying what to set, so a
permission check that needs a group says why it could not grant (instead of quietly treating
the group as empty).
"""

from __future__ import annotations

from bot.ports.slack import SlackCallFailed

WITHOUT_SLACK = (
    "this process has no SLACK_BOT_TOKEN, so approver user groups cannot be read; set it "
    "(and SLACK_API_URL for the sandbox), or list approvers as user ids in MARSHAL_APPROVERS"
)


class UnreadableGroups:
    """No Slack client here: every user-group lookup refuses, saying what to set."""

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        raise SlackCallFailed("usergroups.users.list", WITHOUT_SLACK)
