"""`invite`: add responders (mentions or emails) to the war room; says who failed and why."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention, parse_email, parse_user
from bot.domain.audit import AuditAction
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.known_users import why_not_a_responder
from bot.services.slack_text import escape


class InviteCommand:
    name = "invite"
    summary = "Invite people to this war room by @mention or email."
    usage = "@user|email ..."
    needs_incident = True
    free_text = False

    def __init__(self, slack: SlackGateway, audit: AuditLog) -> None:
        self._slack = slack
        self._audit = audit

    def run(self, ctx: CommandContext) -> CommandReply:
        if not ctx.args:
            return CommandReply.usage(f"Usage: {ctx.hint(f'invite {self.usage}')}")
        incident = ctx.require_incident()
        users: list[str] = []
        problems: dict[str, str] = {}
        for token in ctx.args:
            user, problem = self._resolve(token)
            if user:
                users.append(user)
            else:
                # an id or an address, not Slack's markup around them
                problems[parse_user(token) or parse_email(token) or token[:60]] = problem
        invited: list[str] = []
        if users:
            result = self._slack.invite(ctx.channel_id, users)
            invited = result.invited
            problems.update(dict(result.failed.items()))
        if invited:
            self._audit.append(
                incident.id,
                actor=ctx.user_id,
                action=AuditAction.RESPONDER_INVITED,
                details={"users": invited},
            )
        if problems:
            self._audit.append(
                incident.id,
                actor=ctx.user_id,
                action=AuditAction.RESPONDER_INVITE_FAILED,
                details={"failed": problems},
            )
        return _reply(invited, problems)

    def _resolve(self, token: str) -> tuple[str | None, str]:
        user = parse_user(token)
        if user:
            refusal = why_not_a_responder(self._slack, user)
            return (None, refusal) if refusal else (user, "")
        email = parse_email(token)
        if email is None:
            return None, "not a @mention or an email address"
        try:
            found = self._slack.lookup_user_by_email(email)
        except SlackCallFailed as exc:
            return None, f"email lookup failed ({exc.error})"
        return (found, "") if found else (None, "no Slack user has that email")


def _reply(invited: list[str], problems: dict[str, str]) -> CommandReply:
    parts = []
    if invited:
        parts.append("Invited " + ", ".join(mention(u) for u in invited) + ".")
    if problems:
        parts.append(
            "Could not invite:\n"
            + "\n".join(f"• `{escape(who)}`: {escape(why)}" for who, why in problems.items())
        )
    text = "\n".join(parts)
    return CommandReply(text) if invited else CommandReply.failed(text)
