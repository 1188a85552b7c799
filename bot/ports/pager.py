"""The Pager port: wake someone up through one vendor (PagerDuty, Opsgenie, Grafana OnCall,
a Slack DM), and keep that vendor in sync when the incident is acknowledged or resolved.

Every call is keyed by the marshal incident id (PagerDuty's `dedup_key`, Opsgenie's alias),
so repeating one after a crash lands on the same vendor alert instead of a second one.
Failures are PagerError with a short reason fit for the room and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.errors import MarshalError
from bot.domain.escalation import PageTarget, TargetKind


class PagerError(MarshalError):
    """A page or sync call failed after its retries; the message says why in one line."""


@dataclass(frozen=True)
class PageRequest:
    """What a page says. Outside text (title, message) is escaped by whoever renders it."""

    incident_id: str
    title: str
    severity: str
    service: str | None
    level: int  # 1-based; 0 for a page by hand
    message: str | None = None  # the `/marshal page` message, or the escalation reason
    room: str | None = None  # the war room's channel id
    drill: bool = False


@dataclass(frozen=True)
class PageSent:
    target: str
    ref: str | None = None  # the vendor's id for it (PagerDuty dedup key, Slack message ts...)


class Pager(Protocol):
    """One vendor. `trigger` pages; `acknowledge` / `resolve` sync the vendor's alert."""

    @property
    def kind(self) -> TargetKind: ...

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent: ...

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        """`ref`: what `trigger` answered for this target (PageSent.ref), when it matters."""

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None: ...


class IncidentSync(Protocol):
    """The vendor an incident came from (PagerDuty REST): acknowledge or resolve it there
    instead of paging it back into itself."""

    def acknowledge_incident(self, vendor_incident_id: str) -> None: ...

    def resolve_incident(self, vendor_incident_id: str) -> None: ...
