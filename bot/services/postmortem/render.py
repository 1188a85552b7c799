"""Markdown for a postmortem: the parts every postmortem has (facts, metrics, responders,
timeline table) and the narrative, either from the checked LLM draft or written from the
evidence alone (the deterministic postmortem, complete without any model)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import Incident
from bot.services.incident_metrics import ResponseTimes, describe_seconds, response_times
from bot.services.postmortem.draft import ROOT_CAUSE_TBD, DraftAnswer, Statement
from bot.services.postmortem.timeline import EntrySource, EvidenceEntry


def stamp(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%SZ") if at else "n/a"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class PostmortemFacts:
    incident: Incident
    evidence: list[EvidenceEntry]
    responders: list[str]
    changes_note: str | None = None  # why recent changes are missing, when they are

    @property
    def times(self) -> ResponseTimes:
        return response_times(self.incident)


def responders_of(incident: Incident, evidence: Iterable[EvidenceEntry]) -> list[str]:
    """Slack users who took part: roles, the acknowledger, note authors, people who spoke."""
    people: list[str] = [*incident.roles.values()]
    if incident.acknowledged_by:
        people.append(incident.acknowledged_by)
    people += [
        e.actor
        for e in evidence
        if e.source in {EntrySource.NOTE, EntrySource.MESSAGE} and e.actor[:1] in {"U", "W"}
    ]
    return list(dict.fromkeys(p for p in people if p))


def _header(facts: PostmortemFacts) -> list[str]:
    incident = facts.incident
    roles = ", ".join(f"{role.value.upper()}: {user}" for role, user in incident.roles.items())
    return [
        f"# Postmortem: {incident.title}",
        "",
        f"- Incident: `{incident.id}`{' (drill)' if incident.drill else ''}",
        f"- Severity: {incident.severity.value}",
        f"- Service: {incident.service or 'unknown'}",
        f"- Triggered: {stamp(incident.triggered_at)}",
        f"- Resolved: {stamp(incident.resolved_at)}",
        f"- Roles: {roles or 'none assigned'}",
        "",
    ]


def _metrics(facts: PostmortemFacts) -> list[str]:
    t = facts.times
    return [
        "## Metrics",
        "",
        "| Measure | Time from trigger |",
        "| --- | --- |",
        f"| Time to acknowledge (MTTA) | {describe_seconds(t.acknowledge)} |",
        f"| Time to assemble the war room | {describe_seconds(t.assemble)} |",
        f"| Time to mitigate | {describe_seconds(t.mitigate)} |",
        f"| Time to resolve (MTTR) | {describe_seconds(t.resolve)} |",
        "",
    ]


def _responders(facts: PostmortemFacts) -> list[str]:
    listed = [f"- {who}" for who in facts.responders] or ["- none recorded"]
    return ["## Responders", "", *listed, ""]


def _changes(facts: PostmortemFacts) -> list[str]:
    """Deploys, commits, config changes and runbook runs, as recorded (change markers)."""
    listed = [
        f"- {stamp(e.at)} ({e.id}) {e.text}"
        for e in facts.evidence
        if e.source is EntrySource.CHANGE
    ]
    return ["## Changes", "", *(listed or ["- none recorded"]), ""]


def _timeline(facts: PostmortemFacts) -> list[str]:
    rows = [
        f"| {e.id} | {stamp(e.at)} | {e.source.value} | {_cell(e.actor)} | {_cell(e.text)} |"
        for e in facts.evidence
    ]
    lines = [
        "## Timeline",
        "",
        "| Id | Time (UTC) | Source | Who | What |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += rows or ["| - | - | - | - | nothing was recorded |"]
    if facts.changes_note:
        lines += ["", f"_Recent changes: {facts.changes_note}_"]
    return [*lines, ""]


def _cited(statement: Statement, evidence: dict[str, EvidenceEntry]) -> str:
    refs = ", ".join(f"{c} {stamp(evidence[c].at)}" for c in statement.cites if c in evidence)
    return f"- {statement.text}" + (f" [{refs}]" if refs else "")


def render_llm(facts: PostmortemFacts, answer: DraftAnswer, dropped: list[str]) -> str:
    by_id = {e.id: e for e in facts.evidence}

    def section(title: str, statements: list[Statement], empty: str) -> list[str]:
        body = [_cited(s, by_id) for s in statements] or [f"- {empty}"]
        return [f"## {title}", "", *body, ""]

    root = _cited(answer.root_cause, by_id) if answer.root_cause else f"- {ROOT_CAUSE_TBD}"
    lines = [
        *_header(facts),
        *section("Summary", answer.summary, "No summary could be supported by the timeline."),
        *section("Impact", answer.impact, "To be described by the team."),
        *section("What happened", answer.what_happened, "See the timeline below."),
        *section("Contributing factors", answer.contributing_factors, "To be discussed."),
        "## Root cause",
        "",
        root,
        "",
        *_metrics(facts),
        *_responders(facts),
        *_changes(facts),
        *_timeline(facts),
        *section("Action items", answer.action_items, "To be agreed in the review."),
    ]
    if dropped:
        lines += [
            "## Left out of this draft",
            "",
            *[f"- {reason}" for reason in dropped],
            "",
        ]
    lines.append(
        "_Drafted by marshal with an LLM from the recorded timeline; every statement "
        "cites timeline entries. Review before sharing._"
    )
    return "\n".join(lines) + "\n"


def render_deterministic(facts: PostmortemFacts) -> str:
    incident = facts.incident
    resolved = next((e for e in reversed(facts.evidence) if e.text.startswith("Resolved by")), None)
    summary = (
        f"{incident.severity.value} incident *{incident.title}* on "
        f"{incident.service or 'an unknown service'}, triggered {stamp(incident.triggered_at)} "
        f"and resolved {stamp(incident.resolved_at)} "
        f"(time to resolve {describe_seconds(facts.times.resolve)})."
    )
    notes = [e for e in facts.evidence if e.is_note]
    lines = [
        *_header(facts),
        "## Summary",
        "",
        summary,
        *([f"Resolution: {resolved.text} ({resolved.id})"] if resolved else []),
        "",
        "## Impact",
        "",
        incident.description.strip() or "To be described by the team.",
        "",
        "## Root cause",
        "",
        ROOT_CAUSE_TBD,
        "",
        "## Responder notes",
        "",
        *([f"- {stamp(n.at)} ({n.id}) {n.text}" for n in notes] or ["- none recorded"]),
        "",
        *_metrics(facts),
        *_responders(facts),
        *_changes(facts),
        *_timeline(facts),
        "## Action items",
        "",
        "- [ ] To be agreed in the postmortem review.",
        "",
        "_Written by marshal from the recorded timeline (no LLM draft)._",
    ]
    return "\n".join(lines) + "\n"
