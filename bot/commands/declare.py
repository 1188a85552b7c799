"""`declare`: open an incident from Slack on the same path as an alert (submit_alert)."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands.base import CommandContext, CommandReply
from bot.domain.ids import new_id
from bot.domain.models import Alert, AlertSource, AlertStatus, Incident
from bot.domain.severity import Severity
from bot.services.slack_text import escape, user

# Persists the alert and enqueues ALERT_RECEIVED, like a webhook; returns the incident.
SubmitAlert = Callable[[Alert], Incident]

DEFAULT_SEVERITY = Severity.P2
_FLAGS = {"--severity", "--service", "--team"}
MAX_TITLE_CHARS = 200


class DeclareCommand:
    name = "declare"
    summary = "Declare a new incident; the war room is assembled as for an alert."
    usage = "<title> [--severity P2] [--service S] [--team T]"
    needs_incident = False
    free_text = True

    def __init__(self, submit_alert: SubmitAlert) -> None:
        self._submit_alert = submit_alert

    def run(self, ctx: CommandContext) -> CommandReply:
        usage = f"Usage: {ctx.hint(f'declare {self.usage}')}"
        parsed = _parse(ctx.args)
        if isinstance(parsed, str):
            return CommandReply.usage(f"{escape(parsed)}. {usage}")
        title, options = parsed
        try:
            severity = Severity.parse(options.get("--severity", DEFAULT_SEVERITY.value))
        except ValueError as exc:
            return CommandReply.usage(f"{escape(exc)}. {usage}")
        incident = self.declare(
            ctx.user_id,
            ctx.channel_id,
            title,
            severity,
            service=options.get("--service"),
            team=options.get("--team"),
        )
        return CommandReply(
            f"{user(ctx.user_id)} declared incident `{incident.id}`: *{escape(incident.title)}* "
            f"({incident.severity.value}). The war room is being assembled.",
            in_channel=True,
        )

    def declare(
        self,
        user_id: str,
        channel_id: str,
        title: str,
        severity: Severity,
        *,
        service: str | None = None,
        team: str | None = None,
        responder: bool = True,
    ) -> Incident:
        """Open an incident as `user_id` declared it: the same alert `/marshal declare` sends,
        for the operator API too (with `responder` False: an API token is no Slack user to
        invite)."""
        external_id = new_id("slack")
        alert = Alert(
            source=AlertSource.SLACK,
            external_id=external_id,
            group_key=f"slack:{external_id}",
            status=AlertStatus.FIRING,
            title=title,
            severity=severity,
            service=service,
            team=team,
            description="Declared in Slack." if responder else f"Declared by {user_id}.",
            labels={"declared_by": user_id, "declared_in": channel_id},
            oncall=[user_id] if responder else [],
        )
        return self._submit_alert(alert)


def _parse(args: list[str]) -> tuple[str, dict[str, str]] | str:
    words: list[str] = []
    options: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word in _FLAGS:
            if not rest:
                return f"{word} needs a value"
            options[word] = rest.pop(0)
        else:
            words.append(word)
    title = " ".join(words).strip().strip("\"'“”").strip()
    if not title:
        return "A title is required"
    if len(title) > MAX_TITLE_CHARS:
        return f"The title is limited to {MAX_TITLE_CHARS} characters"
    return title, options
