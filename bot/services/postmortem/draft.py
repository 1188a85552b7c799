"""The LLM's postmortem answer: the JSON shape asked for, and its validation against the
evidence. A statement stays only when it cites at least one known entry id; the root cause
stays only when it cites a responder's note (the model may not decide it on its own)."""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field, ValidationError

from bot.services.postmortem.timeline import EvidenceEntry

ROOT_CAUSE_TBD = "To be determined by the team."


class Statement(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    cites: list[str] = Field(default_factory=list)


class DraftAnswer(BaseModel):
    """What the model is asked to return (see ANSWER_SCHEMA in the prompt)."""

    summary: list[Statement] = Field(default_factory=list)
    impact: list[Statement] = Field(default_factory=list)
    what_happened: list[Statement] = Field(default_factory=list)
    contributing_factors: list[Statement] = Field(default_factory=list)
    root_cause: Statement | None = None
    action_items: list[Statement] = Field(default_factory=list)


class InvalidDraft(ValueError):
    """The answer was not the JSON asked for."""


class CheckedDraft(BaseModel):
    answer: DraftAnswer
    dropped: list[str] = Field(default_factory=list)  # why each statement was left out


_FENCED_JSON = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)


def parse_answer(text: str) -> DraftAnswer:
    """The model's JSON (bare, or inside one ```json fence); InvalidDraft otherwise."""
    candidate = text.strip()
    fenced = _FENCED_JSON.search(candidate)
    if fenced:
        candidate = fenced.group(1)
    try:
        return DraftAnswer.model_validate(json.loads(candidate))
    except (ValueError, ValidationError) as exc:
        raise InvalidDraft(f"the model's answer is not the requested JSON: {exc}") from exc


def check_citations(answer: DraftAnswer, evidence: list[EvidenceEntry]) -> CheckedDraft:
    known = {entry.id for entry in evidence}
    notes = {entry.id for entry in evidence if entry.is_note}
    dropped: list[str] = []

    def keep(section: str, statements: list[Statement]) -> list[Statement]:
        kept = []
        for statement in statements:
            unknown = [c for c in statement.cites if c not in known]
            if not statement.cites:
                dropped.append(f"{section}: uncited claim")
            elif unknown:
                dropped.append(f"{section}: cites unknown entries {', '.join(unknown[:5])}")
            else:
                kept.append(statement)
        return kept

    root = answer.root_cause
    if root is not None and not (
        root.cites and set(root.cites) <= known and notes & set(root.cites)
    ):
        dropped.append("root cause: not stated in the responders' notes")
        root = None
    checked = DraftAnswer(
        summary=keep("summary", answer.summary),
        impact=keep("impact", answer.impact),
        what_happened=keep("what happened", answer.what_happened),
        contributing_factors=keep("contributing factors", answer.contributing_factors),
        root_cause=root,
        # Suggested follow-ups are not claims about what happened; they may stand uncited.
        action_items=[
            s.model_copy(update={"cites": [c for c in s.cites if c in known]})
            for s in answer.action_items
        ],
    )
    return CheckedDraft(answer=checked, dropped=dropped)
