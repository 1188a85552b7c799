"""The invites step: the responders (looked up while the channel was being created) invited,
and whoever could not be resolved or invited named in the room and in the audit trail.
When nobody resolved, the room says who was invited instead (the fallback responders), or
that nobody else was, and how to change that."""

from __future__ import annotations

import hashlib

from bot.domain.audit import AuditAction
from bot.ports.audit import AuditLog
from bot.ports.slack import InviteResult, SlackGateway
from bot.services.slack_text import escape, user
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import ACTOR, Room, StepName

_ALREADY_MEMBER = frozenset({"already_in_channel", "cant_invite_self"})


class InvitesStep:
    name = StepName.INVITES
    critical = False

    def __init__(self, slack: SlackGateway, audit: AuditLog) -> None:
        self._slack = slack
        self._audit = audit

    def run(self, room: Room) -> StepDone:
        assert room.responders is not None, "the assembler looks responders up for this step"
        responders = room.responders.result()
        incident = room.incident
        result = (
            self._slack.invite(room.channel_id, responders.user_ids)
            if responders.user_ids
            else InviteResult()
        )
        failed = {u: e for u, e in result.failed.items() if e not in _ALREADY_MEMBER}
        invited = [u for u in responders.user_ids if u not in failed]
        # One event per outcome, not per user: 25 sequential audit writes would sit on the
        # room's critical path. The id is derived from the set so a resumed step dedups.
        if invited:
            self._audit.append(
                incident.id,
                actor=ACTOR,
                action=AuditAction.RESPONDER_INVITED,
                details={"user_ids": invited, "channel_id": room.channel_id},
                event_id=f"{incident.id}.invited.{_digest(invited)}",
            )
        not_invited = {**responders.unresolved, **failed}
        if not_invited:
            self._audit.append(
                incident.id,
                actor=ACTOR,
                action=AuditAction.RESPONDER_INVITE_FAILED,
                details={"failures": not_invited},
                event_id=f"{incident.id}.invite-failed.{_digest(sorted(not_invited))}",
            )
        problems = [
            f"could not invite {escape(who)}: {escape(why)}" for who, why in not_invited.items()
        ]
        if responders.directory_error:
            problems.append(
                f"the directory for team {escape(responders.team or '?')} was unavailable "
                f"({escape(responders.directory_error)}); invite the team by hand"
            )
        if responders.oncall_error:
            problems.append(
                f"{escape(responders.oncall_error)}; page or invite the on-call people by hand"
            )
        if responders.fallback:
            declarer = incident.labels.get("declared_by")
            others = [u for u in invited if u != declarer]
            self._slack.post_message(room.channel_id, _fallback_note(responders.team, others))
        detail = {
            "fallback": responders.fallback,
            "invited": len(invited),
            "not_invited": len(not_invited),
            "directory_error": responders.directory_error,
            "oncall_error": responders.oncall_error,
        }
        return StepDone(detail, problems=tuple(problems))


def _fallback_note(team: str | None, invited: list[str]) -> str:
    whose = f"team *{escape(team)}*" if team else "this incident"
    found = f"No responders were found for {whose} (no directory entry, no on-call)"
    if invited:
        names = ", ".join(user(u) for u in invited)
        return f":busts_in_silhouette: {found}, so the default responders were invited: {names}."
    return (
        f":warning: Nobody else was invited. {found}, and `MARSHAL_DEFAULT_RESPONDERS` is not "
        "set. Invite people with `invite @user`; set `MARSHAL_DIRECTORY_FILE` or "
        "`MARSHAL_DEFAULT_RESPONDERS` to staff rooms automatically."
    )


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()[:16]
