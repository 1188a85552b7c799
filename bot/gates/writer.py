"""DraftWriter: who writes a status-page draft's first text. The template is the default.

The template uses only the incident's title, service, severity and the public status:
no names, no alert payloads, nothing personal. An LLM writer can come later behind the
same Protocol; whatever it writes still goes through a human approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.models import Incident, PublicStatus
from bot.domain.severity import Severity

IMPACT = {
    Severity.P1: "a major outage",
    Severity.P2: "a partial outage",
    Severity.P3: "degraded performance",
    Severity.P4: "a minor issue",
    Severity.P5: "a minor issue",
}

STATUS_SENTENCE = {
    PublicStatus.INVESTIGATING: "We are investigating and will post an update soon.",
    PublicStatus.IDENTIFIED: "We have identified the cause and are working on a fix.",
    PublicStatus.MONITORING: "A fix is in place and we are monitoring the results.",
    PublicStatus.RESOLVED: "This incident has been resolved. Thank you for your patience.",
}


@dataclass(frozen=True)
class DraftText:
    title: str
    body: str


class DraftWriter(Protocol):
    def write(self, incident: Incident, public_status: PublicStatus) -> DraftText: ...


class TemplateDraftWriter:
    def write(self, incident: Incident, public_status: PublicStatus) -> DraftText:
        where = f"{incident.service}" if incident.service else "some of our services"
        if public_status is PublicStatus.RESOLVED:
            opening = f"The issue affecting {where} has been resolved."
        else:
            opening = f"We are seeing {IMPACT[incident.severity]} affecting {where}."
        body = f"{opening} {STATUS_SENTENCE[public_status]}"
        return DraftText(title=incident.title, body=body)
