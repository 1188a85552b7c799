"""The "Resolve incident" button offered in the room when the alert clears."""

from __future__ import annotations

from typing import Any

RESOLVE_ACTION_ID = "marshal.incident.resolve"


def resolve_prompt_blocks(incident_id: str, text: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "marshal.resolve",
            "elements": [
                {
                    "type": "button",
                    "action_id": RESOLVE_ACTION_ID,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Resolve incident"},
                    "value": incident_id,
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Resolve this incident?"},
                        "text": {
                            "type": "plain_text",
                            "text": "marshal announces it, drafts the postmortem and "
                            "archives the room once the postmortem is filed.",
                        },
                        "confirm": {"type": "plain_text", "text": "Resolve"},
                        "deny": {"type": "plain_text", "text": "Not yet"},
                    },
                }
            ],
        },
    ]
