"""AlertIntake: turns one webhook request into persisted incidents and queue events.

Order matters for the never-lost invariant: verify -> parse -> one atomic write by the
AlertLedger (alert dedup record + incident create-or-attach + outbox event + audit event, and
on the embedded deployment the queue message too) -> enqueue unless the ledger did -> mark
sent (OutboxMarks, possibly lazily). A 2xx is returned only after the enqueue; if it fails the
caller gets 503 and the sender's retry (or the OutboxRelay) delivers the very same event,
never a "duplicate ignored".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.domain.ids import new_id
from bot.domain.models import Alert, AlertStatus, Incident, utcnow
from bot.ingest.errors import PayloadInvalid
from bot.ingest.reception import AlertReception
from bot.ports.alert_ledger import (
    AlertLedger,
    IntakeAudit,
    OutboxMarks,
    RecordsTogether,
    ResendsReadAtOnce,
    SettledResend,
    SettledResends,
    Unread,
)
from bot.ports.audit import AuditLog
from bot.ports.metrics import Metrics
from bot.ports.queue import EventType, Queue
from bot.ports.store import IncidentsWithOutbox, OutboxEvent
from bot.services.alert_ledger import MarkedAtOnce, SeparateWrites
from bot.services.outbox_relay import to_message

log = logging.getLogger(__name__)
T = TypeVar("T")

MARSHAL_INCIDENT_LABEL = "marshal_incident"  # set by a source whose event names our incident
VENDOR_EVENT_LABEL = "pagerduty_event_type"


@dataclass(frozen=True)
class WebhookReply:
    """The HTTP answer for one webhook request, decided here and rendered by the web tier."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Screened:
    """A webhook request `AlertIntake.screen` could not finish without waiting: what it did
    (the parsed alerts; each one's settled re-send, when read) travels on to `record`."""

    source: str
    body: bytes
    headers: Mapping[str, str]
    alerts: list[Alert] | None = None  # None: not verified or parsed yet
    settled: list[SettledResend | None] | None = None  # None: not read yet


@dataclass(frozen=True)
class Accepted:
    incident: Incident
    created: bool
    duplicate: bool


@dataclass(frozen=True)
class Answered:
    """What the webhook reply says of one alert: its incident, opened now or a re-send."""

    incident_id: str
    created: bool
    duplicate: bool


class AlertIntake:
    def __init__(
        self,
        store: IncidentsWithOutbox,
        queue: Queue,
        audit: AuditLog,
        metrics: Metrics,
        reception: AlertReception,
        *,
        ledger: AlertLedger | None = None,
        marks: OutboxMarks | None = None,
        resends: SettledResends | None = None,
        at_once: ResendsReadAtOnce | None = None,
        screens: bool = False,
        together: RecordsTogether | None = None,
    ) -> None:
        self._store = store
        self._queue = queue
        self._metrics = metrics
        self._reception = reception
        # the backend's own ledger commits store and audit together; this one writes in turn
        self._ledger = ledger or SeparateWrites(store, audit)
        self._marks = marks or MarkedAtOnce(store)
        # a backend that answers a settled re-send from one read, before anything is built
        self._resends = resends
        # `screens`: the secrets never wait (env), so verifying and parsing may run on the web
        # tier's event loop; `at_once`: a settled re-send is read there too (embedded SQLite)
        self._screens = screens
        self._at_once = at_once if screens else None
        # a ledger whose record is the whole write can hold a batch of requests in one commit
        self._together = together

    def sources(self) -> frozenset[str]:
        return frozenset(self._reception.names)

    def accept(self, source: str, body: bytes, headers: Mapping[str, str]) -> WebhookReply:
        """The whole request, waiting where it must (callers off the event loop)."""
        screened = self.screen(source, body, headers)
        return screened if isinstance(screened, WebhookReply) else self.record(screened)

    def screen(
        self, source: str, body: bytes, headers: Mapping[str, str]
    ) -> WebhookReply | Screened:
        """What this intake can do without waiting, for the web tier's event loop: verify and
        parse when the secrets are at hand, and answer re-sends when the backend reads at once.
        A WebhookReply is the answer; Screened is the rest of the request, for `record`."""
        if not self._screens:
            return Screened(source, body, headers)
        received = self._receive(source, body, headers)
        if isinstance(received, WebhookReply):
            return received
        settled = self._settled_at_once(received)
        if settled is not None and all(s is not None for s in settled):
            return _reply(
                [Answered(s.incident_id, created=False, duplicate=True) for s in settled if s]
            )
        return Screened(source, body, headers, alerts=received, settled=settled)

    def record(self, screened: Screened) -> WebhookReply:
        """The rest of a screened request: whatever `screen` left, then the writes."""
        received = self._received(screened)
        return received if isinstance(received, WebhookReply) else self._written(received)

    @property
    def records_together(self) -> bool:
        """Whether `record_all` holds a batch in one commit (else it records one by one)."""
        return self._together is not None

    def record_all(self, batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        """Each request's reply, or what it raised, recorded in one commit where the ledger
        can (`records_together`). A failed commit raises: nothing of the batch is stored.
        Verifying and parsing come first, outside the commit: a secret may have to be fetched."""
        received = [_attempt(self._received, screened) for screened in batch]
        outcomes: list[WebhookReply | Exception] = []
        with self._together.together() if self._together is not None else nullcontext():
            for item in received:
                if isinstance(item, Screened):
                    outcomes.append(_attempt(self._written, item))
                else:
                    outcomes.append(item)
        return outcomes

    def _received(self, screened: Screened) -> WebhookReply | Screened:
        """`screened` verified and parsed (a WebhookReply when that answers it)."""
        if screened.alerts is not None:
            return screened
        received = self._receive(screened.source, screened.body, screened.headers)
        if isinstance(received, WebhookReply):
            return received
        return Screened(screened.source, screened.body, screened.headers, alerts=received)

    def _written(self, screened: Screened) -> WebhookReply:
        alerts = screened.alerts
        assert alerts is not None, "verified and parsed by _received"
        settled = screened.settled or [None] * len(alerts)
        read = screened.settled is not None
        return _reply(
            [self._answer(alert, s, read=read) for alert, s in zip(alerts, settled, strict=True)]
        )

    def _receive(
        self, source: str, body: bytes, headers: Mapping[str, str]
    ) -> WebhookReply | list[Alert]:
        verdict = self._reception.verify(source, headers, body)
        if not verdict.ok:
            log.info(
                "webhook signature refused", extra={"source": source, "reason": verdict.reason}
            )
            return WebhookReply(401, {"error": f"signature check failed: {verdict.reason}"})
        try:
            alerts = self._reception.parse(source, body)
        except PayloadInvalid as exc:
            return WebhookReply(400, {"error": str(exc), "field": exc.field})
        if not alerts:
            # understood, nothing to alert on (a PagerDuty ping, a note)
            return WebhookReply(202, {"status": "ignored", "incident_id": None, "incident_ids": []})
        return alerts

    def _settled_at_once(self, alerts: list[Alert]) -> list[SettledResend | None] | None:
        """Each alert's settled re-send, read without waiting; None when one read would wait."""
        if self._at_once is None:
            return None
        found: list[SettledResend | None] = []
        for alert in alerts:
            settled = self._at_once.settled_at_once(alert)
            if settled is Unread.WOULD_WAIT:
                return None
            found.append(settled)
        return found

    def _answer(
        self, alert: Alert, settled: SettledResend | None, *, read: bool
    ) -> Answered | None:
        if not read and self._resends is not None:
            settled = self._resends.settled(alert)
        if settled is not None:
            return Answered(settled.incident_id, created=False, duplicate=True)
        accepted = self.submit(alert)
        if accepted is None:
            return None
        return Answered(accepted.incident.id, accepted.created, accepted.duplicate)

    def submit(self, alert: Alert) -> Accepted | None:
        """Persist and enqueue one alert (webhooks and `/marshal declare` both come here).
        None: a resolved alert for a group with no open incident, so there is nothing to do."""
        alert = self._joined(alert)
        candidate = Incident.from_alert(alert)
        firing = alert.status is AlertStatus.FIRING
        event_type = EventType.ALERT_RECEIVED if firing else EventType.ALERT_RESOLVED
        event = OutboxEvent(
            event_id=new_id("evt"),
            incident_id=candidate.id,
            event_type=event_type.value,
            # The incident this alert creates takes the candidate's id; a re-send reads it
            # back from the stored event to tell "created" from "attached" (see _record).
            payload={
                "source": alert.source.value,
                "external_id": alert.external_id,
                "candidate_id": candidate.id,
                # what the pager says happened (e.g. PagerDuty's incident.acknowledged), so
                # paging can stop escalating when someone acknowledged in the pager itself
                "vendor_event": alert.labels.get(VENDOR_EVENT_LABEL),
            },
            created_at=utcnow(),
        )
        # Re-sends audit too, with the same event id (idempotent): see SeparateWrites.
        audit = IntakeAudit(
            actor=f"source:{alert.source.value}",
            details={
                "external_id": alert.external_id,
                "group_key": alert.group_key,
                "severity": alert.severity.value,
                "title": alert.title,
                "drill": alert.drill,
            },
        )
        intake = self._ledger.record(alert, candidate if firing else None, event, audit)
        if intake is None:
            log.info("resolved alert with no open incident", extra={"group": alert.group_key})
            return None
        if intake.outbox.sent_at is None:
            self._queue.send(to_message(intake.outbox))
            self._marks.sent(intake.outbox, alert)
        if intake.created:
            self._metrics.incident_opened(
                intake.incident.source.value, intake.incident.severity.value
            )
        return Accepted(intake.incident, intake.created, intake.duplicate)

    def _joined(self, alert: Alert) -> Alert:
        """A pager's webhook about a page marshal sent names the marshal incident (PagerDuty
        echoes the dedup_key as its incident_key): it joins that incident instead of opening
        a second one for the same outage."""
        named = alert.labels.get(MARSHAL_INCIDENT_LABEL)
        incident = self._store.get(named) if named else None
        if incident is None or not incident.is_open or incident.group_key == alert.group_key:
            return alert
        return alert.model_copy(update={"group_key": incident.group_key})


def _attempt(step: Callable[[Screened], T], screened: Screened) -> T | Exception:
    try:
        return step(screened)
    except Exception as exc:  # noqa: BLE001 - answered to its own request alone
        return exc


def _reply(outcomes: list[Answered | None]) -> WebhookReply:
    results = [r for r in outcomes if r is not None]
    if not results:
        return WebhookReply(
            202, {"status": "no_open_incident", "incident_id": None, "incident_ids": []}
        )
    ids = list(dict.fromkeys(r.incident_id for r in results))
    duplicate = all(r.duplicate for r in results)
    body: dict[str, Any] = {
        "status": "duplicate" if duplicate else "accepted",
        "incident_id": ids[0],
        "incident_ids": ids,
        "created": any(r.created for r in results),
    }
    return WebhookReply(200 if duplicate else 202, body)
