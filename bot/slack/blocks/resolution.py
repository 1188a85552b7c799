"""The resolve flow's buttons: "Resolve incident" (offered when the alert clears) and the
pulse rating 1-5. Each press names only the incident (and the score): the listener
re-reads everything else from the store."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ports.slack_views import RatingPrompt, ResolvePrompt
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import RATE_ACTIONS, ActionId

# Plain text objects built by hand (not from str, which adds `"emoji": true`), so these
# buttons post exactly the JSON they always have.
RATING_TEXT = "How did this incident response go? Rate it 1-5."
SCORES = range(1, len(RATE_ACTIONS) + 1)


def render_resolve_prompt(view: ResolvePrompt) -> RenderedMessage:
    button = ButtonElement(
        text=PlainTextObject(text="Resolve incident"),
        action_id=ActionId.RESOLVE_INCIDENT.value,
        value=view.incident_id,
        style="primary",
        confirm=ConfirmObject(
            title=PlainTextObject(text="Resolve this incident?"),
            text=PlainTextObject(
                text="marshal announces it, drafts the postmortem and "
                "archives the room once the postmortem is filed."
            ),
            confirm=PlainTextObject(text="Resolve"),
            deny=PlainTextObject(text="Not yet"),
        ),
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=view.text)),
        ActionsBlock(block_id="marshal.resolve", elements=[button]),
    ]
    return RenderedMessage.of(view.text, blocks)


def rating_value(incident_id: str, score: int) -> str:
    return f"{incident_id}:{score}"


def parse_rating(value: str) -> tuple[str, int] | None:
    incident_id, _, score = value.rpartition(":")
    if not incident_id or not score.isdigit() or int(score) not in SCORES:
        return None
    return incident_id, int(score)


def render_rating_prompt(view: RatingPrompt) -> RenderedMessage:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Pulse check:* how did this incident response go? "
                "(1 = rough, 5 = smooth; you can change your vote)"
            )
        ),
        ActionsBlock(
            block_id="marshal.rating",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text=str(score)),
                    action_id=action.value,
                    value=rating_value(view.incident_id, score),
                )
                for score, action in zip(SCORES, RATE_ACTIONS, strict=True)
            ],
        ),
    ]
    return RenderedMessage.of(RATING_TEXT, blocks)
