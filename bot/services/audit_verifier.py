"""AuditVerifier: what `marshal audit verify` checks, chain by chain.

The incidents to check come from the incident records, not from the audit rows, so an
incident whose whole chain was deleted is still checked (and found empty). Every chain is
checked link by link under the audit keys, must end exactly at its anchored head, and every
status-page publish in it must follow its approval. Chains with no incident (the workspace
chain) are checked the same way but reported apart from incidents, and audit rows that belong
to neither an incident nor an anchored chain are reported too. A corrupt row spoils only its
own chain's report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.domain.audit import (
    AuditEvent,
    ChainViolation,
    CorruptAuditEvent,
    verify_chain,
    verify_publishes,
)
from bot.domain.audit_anchor import AuditHead, verify_anchor
from bot.domain.audit_keys import AuditKeyring
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents

_STABLE_READS = 5  # tries to read a busy chain between two appends before checking a prefix


@dataclass
class ChainReport:
    chain_id: str
    is_incident: bool
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"incident {self.chain_id}" if self.is_incident else f"chain {self.chain_id}"

    def add(self, violation: ChainViolation | None) -> None:
        if violation is None:
            return
        where = (
            f"event {violation.event_id} (#{violation.seq})"
            if violation.event_id
            else f"position #{violation.seq}"
        )
        self.problems.append(f"{self.label}: {where}: {violation.reason}")


class AuditVerifier:
    def __init__(self, audit: AuditLog, incidents: Incidents, keys: AuditKeyring) -> None:
        self._audit = audit
        self._incidents = incidents
        self._keys = keys

    def verify_all(self) -> list[ChainReport]:
        """Every incident (from its record), then every other chain; orphaned rows last."""
        incident_ids = list(self._incident_ids())
        known = set(incident_ids)
        reports = [self.verify(i, is_incident=True) for i in incident_ids]
        others = [c for c in self._audit.headed_chain_ids() if c not in known]
        reports += [self.verify(c, is_incident=False) for c in others]
        known.update(others)
        for orphan in (c for c in self._audit.incident_ids() if c not in known):
            report = self.verify(orphan, is_incident=False)
            report.problems.insert(
                0,
                f"{report.label}: audit events with no incident record and no anchored head "
                "(the incident record was deleted?)",
            )
            reports.append(report)
        return reports

    def is_incident(self, chain_id: str) -> bool:
        return self._incidents.get(chain_id) is not None

    def verify(self, chain_id: str, *, is_incident: bool) -> ChainReport:
        report = ChainReport(chain_id, is_incident)
        try:
            events, head = self._stable_read(chain_id)
        except CorruptAuditEvent as exc:
            report.problems.append(f"{report.label}: {exc}")
            return report
        report.events = len(events)
        if is_incident and not events and head is None:
            report.problems.append(
                f"{report.label}: no audit events and no anchored head (its chain was deleted, "
                "anchor and all)"
            )
            return report
        report.add(verify_chain(chain_id, events, self._keys))
        report.add(verify_anchor(chain_id, events, head, self._keys))
        report.add(verify_publishes(chain_id, events))
        return report

    def _stable_read(self, chain_id: str) -> tuple[list[AuditEvent], AuditHead | None]:
        """The events and the head of one moment: appends write both at once, but they are
        read one after the other, so read the head on both sides of the events until it held
        still. A chain too busy for that is checked up to the head read first."""
        for _ in range(_STABLE_READS):
            before = self._audit.head(chain_id)
            events = self._audit.events(chain_id)
            if self._audit.head(chain_id) == before:
                return events, before
        if before is None:
            return [], None
        return [e for e in events if e.seq <= before.seq], before

    def _incident_ids(self) -> Iterator[str]:
        cursor: str | None = None
        while True:
            page = self._incidents.list_incidents(open_only=False, limit=100, cursor=cursor)
            yield from (i.id for i in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return
