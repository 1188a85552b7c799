"""AuditPackageExporter: the selected incidents' audit chains, notes, approvals and publishes,
with a manifest (what was selected, when, by whom, each chain's anchored head), signed.

A package is JSON: {"format", "manifest", "incidents": [{"incident", "events", "notes"}],
"signature"}. Events are the stored chain events in order (seq, prev_hash, hash: the links
`marshal audit verify --package` checks); with `public_safe` people and personal data are
replaced (public_safe.py). Exporting is audited on the workspace chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.audit_keys import AuditKey
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentsWithTimeline
from bot.services.audit_packages.public_safe import PeopleLabels, made_safe
from bot.services.audit_packages.signing import PackageSigner

FORMAT = "marshal-audit-package/1"
WORKSPACE_CHAIN = "workspace"
_EVENT_FIELDS = ("actor", "details")
_NOTE_FIELDS = ("author", "text")


@dataclass(frozen=True)
class Selection:
    incident_id: str | None = None
    since: datetime | None = None
    service: str | None = None

    def describe(self) -> dict[str, str | None]:
        return {
            "incident": self.incident_id,
            "since": self.since.isoformat() if self.since else None,
            "service": self.service,
        }

    def matches(self, incident: Incident) -> bool:
        if self.since is not None and incident.triggered_at < self.since:
            return False
        return self.service is None or incident.service == self.service


class AuditPackageExporter:
    def __init__(
        self,
        incidents: IncidentsWithTimeline,
        audit: AuditLog,
        audit_key: AuditKey,
        signer: PackageSigner,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._incidents = incidents
        self._audit = audit
        self._key = audit_key
        self._signer = signer
        self._clock = clock

    def export(
        self, selection: Selection, *, by: str, public_safe: bool, limit: int | None = None
    ) -> dict[str, Any]:
        """The signed package. With `limit`, a selection of more incidents is refused
        (ValueError) rather than cut short: a package must hold all it says it selected."""
        chosen = self._select(selection)
        if limit is not None and len(chosen) > limit:
            raise ValueError(
                f"the selection holds {len(chosen)} incidents, over {limit}; narrow it or use "
                "`marshal audit export`"
            )
        bodies, heads = [], {}
        for incident in chosen:
            head = self._audit.head(incident.id)
            heads[incident.id] = {"seq": head.seq, "hash": head.hash} if head else None
            bodies.append(self._incident(incident, public_safe))
        content: dict[str, Any] = {
            "format": FORMAT,
            "manifest": {
                "selection": selection.describe(),
                "exported_at": self._clock().isoformat(),
                "exported_by": by,
                "public_safe": public_safe,
                "incidents": [i.id for i in chosen],
                "chain_heads": heads,
            },
            "incidents": bodies,
        }
        self._audit.append(
            WORKSPACE_CHAIN,
            actor=by,
            action=AuditAction.AUDIT_PACKAGE_EXPORTED,
            details={**selection.describe(), "public_safe": public_safe, "count": len(chosen)},
        )
        return {**content, "signature": self._signer.sign(content)}

    def _select(self, selection: Selection) -> list[Incident]:
        if selection.incident_id is not None:
            found = self._incidents.get(selection.incident_id)
            return [found] if found is not None else []
        chosen: list[Incident] = []
        cursor: str | None = None
        while True:
            page = self._incidents.list_incidents(open_only=False, limit=100, cursor=cursor)
            chosen += [i for i in page.items if selection.matches(i)]
            cursor = page.next_cursor
            if cursor is None:
                return sorted(chosen, key=lambda i: (i.triggered_at, i.id))

    def _incident(self, incident: Incident, public_safe: bool) -> dict[str, Any]:
        events = [e.model_dump(mode="json") for e in self._audit.events(incident.id)]
        notes = [
            {
                "id": t.id,
                "at": t.at.isoformat(),
                "kind": t.kind.value,
                "author": t.author,
                "text": t.text,
            }
            for t in self._incidents.list_timeline(incident.id)
        ]
        summary: dict[str, Any] = {
            "id": incident.id,
            "title": incident.title,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "service": incident.service,
            "triggered_at": incident.triggered_at.isoformat(),
            "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        }
        if public_safe:
            people = PeopleLabels(incident)
            events = [made_safe(e, _EVENT_FIELDS, people, self._key) for e in events]
            notes = [made_safe(n, _NOTE_FIELDS, people, self._key) for n in notes]
            summary = made_safe(summary, ("title",), people, self._key)
        return {"incident": summary, "events": events, "notes": notes}
