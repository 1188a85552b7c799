"""The action items a postmortem proposes as follow-ups: the LLM's (with the evidence ids
they cite) and the IC's own, written as timeline notes starting `action:`, `follow-up:` or
`todo:`. Proposed, never created: the room gets an Accept button for each (bot/services/
followups/proposals.py), and only a person's press makes a follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.services.postmortem.draft import Statement
from bot.services.postmortem.timeline import EntrySource, EvidenceEntry

MAX_PROPOSALS = 10
MAX_ITEM_CHARS = 500
# the evidence labels a timeline note "Note: <text>"; the IC writes "action: <item>"
_IC_PREFIX = re.compile(
    r"^\s*(?:note\s*:\s*)?(?:action|follow-?up|todo)\s*:\s*(.+)$", re.IGNORECASE | re.DOTALL
)


class ActionSource(StrEnum):
    LLM = "llm"
    IC = "ic"


class ProposedAction(BaseModel):
    text: str
    cites: list[str] = Field(default_factory=list)
    source: ActionSource


def ic_actions(evidence: Iterable[EvidenceEntry], commander: str | None) -> list[ProposedAction]:
    """Notes by the IC (by any responder when nobody held the role) marked as actions."""
    found = []
    for entry in evidence:
        if entry.source is not EntrySource.NOTE or (commander and entry.actor != commander):
            continue
        match = _IC_PREFIX.match(entry.text)
        if match:
            found.append(
                ProposedAction(text=match.group(1), cites=[entry.id], source=ActionSource.IC)
            )
    return found


def proposed_actions(
    llm_items: Sequence[Statement], evidence: Iterable[EvidenceEntry], commander: str | None
) -> list[ProposedAction]:
    """The IC's first, then the LLM's; the same text once; at most MAX_PROPOSALS."""
    items = [
        *ic_actions(evidence, commander),
        *(ProposedAction(text=s.text, cites=s.cites, source=ActionSource.LLM) for s in llm_items),
    ]
    seen: set[str] = set()
    kept: list[ProposedAction] = []
    for item in items:
        text = " ".join(item.text.split())[:MAX_ITEM_CHARS]
        if text and text.lower() not in seen:
            seen.add(text.lower())
            kept.append(item.model_copy(update={"text": text}))
    return kept[:MAX_PROPOSALS]
