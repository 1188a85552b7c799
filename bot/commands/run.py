"""`run <key> [param=value ...] [--reason CODE text] [--break-glass]`: preview a runbook and
post the preview with Confirm / Cancel in the room. Nothing changes until someone confirms."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, Outcome
from bot.domain.operation_run import ReasonCode, RunReason
from bot.domain.runbooks import RunbookInputError
from bot.ports.runbooks import ActionFailed
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import RunbookPreviewView
from bot.services.operations.policy import OperationRefused
from bot.services.operations.previews import OperationPreviews, PreflightRequest
from bot.services.slack_text import escape

CODES = ", ".join(c.value for c in ReasonCode)


class RunCommand:
    name = "run"
    summary = "Preview a runbook; Confirm runs it once."
    usage = "<key> [param=value ...] [--reason CODE text] [--break-glass]"
    needs_incident = False
    free_text = False

    def __init__(self, previews: OperationPreviews, slack: SlackGateway) -> None:
        self._previews = previews
        self._slack = slack

    def run(self, ctx: CommandContext) -> CommandReply:
        usage = f"Usage: {ctx.hint(f'run {self.usage}')}"
        parsed = parse_run(ctx.args)
        if isinstance(parsed, str):
            return CommandReply.usage(f"{escape(parsed)}. {usage}")
        key, params, reason, break_glass = parsed
        request = PreflightRequest(
            runbook=key,
            params=params,
            user_id=ctx.user_id,
            incident_id=ctx.incident.id if ctx.incident else None,
            channel_id=ctx.channel_id,
            reason=reason,
            break_glass=break_glass,
        )
        try:
            preview = self._previews.preflight(request)
        except RunbookInputError as exc:
            return CommandReply.usage(f"{escape(exc)}. {usage}")
        except OperationRefused as exc:
            return CommandReply(escape(exc), outcome=Outcome.REFUSED)
        except ActionFailed as exc:
            return CommandReply.failed(
                f"The preview request failed ({exc.code.value}): {escape(exc)}"
            )
        title = self._previews.config.catalog.get(key).title
        view = RunbookPreviewView(preview=preview, title=title)
        try:
            self._slack.post_message(ctx.channel_id, view)
        except SlackCallFailed:
            # marshal is not in this channel: the preview is the reply itself
            return CommandReply(f"Runbook preview {escape(key)}", view=view, in_channel=True)
        return CommandReply(
            f"Preview of `{escape(key)}` posted: {preview.count} affected. "
            "Confirm runs it once; nothing has changed yet."
        )


def parse_run(
    args: list[str],
) -> tuple[str, dict[str, str], RunReason | None, bool] | str:
    if not args or args[0].startswith("-") or "=" in args[0]:
        return "Name a runbook first"
    key, rest = args[0], list(args[1:])
    params: dict[str, str] = {}
    reason: RunReason | None = None
    break_glass = False
    while rest:
        word = rest.pop(0)
        if word == "--break-glass":
            break_glass = True
        elif word == "--reason":
            if not rest or rest[0].upper() not in ReasonCode.__members__:
                return f"--reason needs a code: one of {CODES}"
            code = ReasonCode(rest.pop(0).upper())
            words = []
            while rest and not rest[0].startswith("--"):
                words.append(rest.pop(0))
            reason = RunReason(code=code, text=" ".join(words)[:500])
        elif "=" in word and not word.startswith("-"):
            name, _, value = word.partition("=")
            params[name] = value
        else:
            return f"I could not read {word[:40]!r}: parameters are name=value"
    return key, params, reason, break_glass
