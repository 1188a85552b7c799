"""The war-room checklist: items per severity, the view of its message, and ticking items.

Ticks live on the incident (`Incident.checklist`); the message (bot/slack/blocks/
checklist.py renders it, with a "Mark done" and an "Undo" menu) is only a view of them.
What marshal knows by itself (the room assembled, an IC assigned, the first status update
posted, mitigated) is shown ticked by "marshal" from the incident's own fields, so the view
stays true without anyone clicking; the card refresher re-renders the message when the
incident changes. A click on a superseded checklist message, on an item that is no longer
listed, or on another incident's checklist is refused with a reason.

Items per severity come from MARSHAL_CHECKLIST_FILE (YAML: `default:` and/or `P1:` ...,
each a list of `{key, label}`), else the defaults below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError, NotFound
from bot.domain.models import ChecklistTick, Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.ports.slack_views import ChecklistRow, ChecklistView
from bot.ports.store import Incidents
from bot.services.steps.ledger import IncidentLedger


class ChecklistItem(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str = Field(min_length=1, max_length=150)


DEFAULT_ITEMS: tuple[ChecklistItem, ...] = tuple(
    ChecklistItem(key=key, label=label)
    for key, label in (
        ("war_room_assembled", "War room assembled"),
        ("ic_confirmed", "Incident commander confirmed"),
        ("first_status_update", "First status update posted"),
        ("responders_joined", "Responders joined"),
        ("severity_assessed", "Severity assessed"),
        ("customer_impact", "Customer impact identified"),
        ("status_draft", "Status-page draft created"),
        ("status_published", "Status page approved and published"),
        ("mitigated", "Mitigated"),
        ("all_clear", "All-clear confirmed"),
        ("postmortem_drafted", "Postmortem drafted"),
        ("postmortem_reviewed", "Postmortem reviewed"),
    )
)


class ChecklistConfig(BaseModel):
    """Items for every severity, unless `by_severity` lists that severity's own items."""

    default: list[ChecklistItem] = Field(default_factory=lambda: list(DEFAULT_ITEMS))
    by_severity: dict[Severity, list[ChecklistItem]] = Field(default_factory=dict)

    def items_for(self, severity: Severity) -> list[ChecklistItem]:
        return self.by_severity.get(severity, self.default)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Sequence[Mapping[str, str]]]) -> ChecklistConfig:
        """`{"default": [{key, label}, ...], "P1": [...]}` as read from YAML or JSON."""
        default = [ChecklistItem(**item) for item in data.get("default", [])] or list(DEFAULT_ITEMS)
        by_severity = {
            Severity.parse(name): [ChecklistItem(**item) for item in items]
            for name, items in data.items()
            if name != "default"
        }
        return cls(default=default, by_severity=by_severity)


MARSHAL = "marshal"  # who ticked an item marshal knows about by itself


def known_ticks(incident: Incident) -> dict[str, datetime | None]:
    """The items marshal can tick by itself, with when (None when it cannot tell)."""
    known: dict[str, datetime | None] = {}
    if incident.assembled_at is not None:
        known["war_room_assembled"] = incident.assembled_at
    if incident.commander is not None:
        known["ic_confirmed"] = None
    if incident.last_status_update_at is not None:
        known["first_status_update"] = incident.last_status_update_at
    if incident.mitigated_at is not None:
        known["mitigated"] = incident.mitigated_at
    return known


class StaleChecklistAction(MarshalError):
    """A click that must not act: the message, item or incident it names is not current."""


def checklist_view(incident: Incident, items: Sequence[ChecklistItem]) -> ChecklistView:
    """The checklist message for `incident`: its items and who ticked which, when."""
    rows = []
    known = known_ticks(incident)
    for item in items:
        tick = incident.checklist.get(item.key)
        if tick is not None:
            rows.append(ChecklistRow(item.key, item.label, ticked_by=tick.by, ticked_at=tick.at))
        elif item.key in known:
            rows.append(ChecklistRow(item.key, item.label, MARSHAL, known[item.key]))
        else:
            rows.append(ChecklistRow(item.key, item.label))
    return ChecklistView(incident.id, incident.title, tuple(rows))


class ChecklistService:
    """Ticks items, re-renders the pinned message, and re-posts it on request."""

    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        slack: SlackGateway,
        config: ChecklistConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._config = config
        self._clock = clock

    def items_for(self, incident: Incident) -> list[ChecklistItem]:
        return self._config.items_for(incident.severity)

    def tick(
        self,
        incident_id: str,
        item_key: str,
        user_id: str,
        *,
        done: bool = True,
        message_ts: str | None = None,
    ) -> ChecklistView:
        """Tick (or with done=False untick) one item; returns the message as it now reads."""
        incident = self._load(incident_id)
        if message_ts and incident.checklist_ts and message_ts != incident.checklist_ts:
            raise StaleChecklistAction(
                "this checklist message was replaced by a newer one; use the pinned checklist"
            )
        items = self.items_for(incident)
        if item_key not in {item.key for item in items}:
            raise StaleChecklistAction(f"'{item_key}' is no longer on this incident's checklist")
        at = self._clock()

        def change(current: Incident) -> Incident:
            ticks = dict(current.checklist)
            if done:
                ticks.setdefault(item_key, ChecklistTick(by=user_id, at=at))
            else:
                ticks.pop(item_key, None)
            return current.model_copy(update={"checklist": ticks, "updated_at": at})

        updated = IncidentLedger(self._store, incident).apply(change)
        self._audit.append(
            incident_id,
            actor=user_id,
            action=AuditAction.CHECKLIST_ITEM_TICKED,
            details={"item": item_key, "done": done},
        )
        view = checklist_view(updated, items)
        if updated.channel_id and updated.checklist_ts:
            self._slack.update_message(updated.channel_id, updated.checklist_ts, view)
        return view

    def repost(self, incident_id: str, *, actor: str) -> Incident:
        """Post a fresh checklist message, pin it, and make it the current one."""
        incident = self._load(incident_id)
        if not incident.channel_id:
            raise StaleChecklistAction(f"incident {incident_id} has no war room yet")
        return post_and_pin_checklist(
            self._slack,
            self._audit,
            IncidentLedger(self._store, incident),
            self.items_for(incident),
            actor=actor,
        )

    def _load(self, incident_id: str) -> Incident:
        incident = self._store.get(incident_id, consistent=True)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        return incident


def post_and_pin_checklist(
    slack: SlackGateway,
    audit: AuditLog,
    ledger: IncidentLedger,
    items: Sequence[ChecklistItem],
    *,
    actor: str,
    event_id: str | None = None,
) -> Incident:
    """Post, record the message ts on the incident (so older copies go stale), then pin.

    Recording before pinning means a crash in between leaves a recorded, unpinned checklist
    that `pin_checklist` finishes, rather than a pinned one nobody recorded, which a retry
    would pin a second copy beside.
    """
    updated = post_checklist(slack, ledger, items)
    pin_checklist(slack, audit, updated, items=len(items), actor=actor, event_id=event_id)
    return updated


def post_checklist(
    slack: SlackGateway, ledger: IncidentLedger, items: Sequence[ChecklistItem]
) -> Incident:
    """Post the checklist and record its ts on the incident; `pin_checklist` pins it."""
    incident = ledger.incident
    assert incident.channel_id, "the checklist needs the war-room channel"
    ts = slack.post_message(incident.channel_id, checklist_view(incident, items))
    return ledger.apply(lambda current: current.model_copy(update={"checklist_ts": ts}))


def pin_checklist(
    slack: SlackGateway,
    audit: AuditLog,
    incident: Incident,
    *,
    items: int,
    actor: str,
    event_id: str | None = None,
) -> None:
    """Pin the incident's recorded checklist and audit it; pinning twice is harmless."""
    assert incident.channel_id and incident.checklist_ts, "no recorded checklist to pin"
    slack.pin(incident.channel_id, incident.checklist_ts)
    audit.append(
        incident.id,
        actor=actor,
        action=AuditAction.CHECKLIST_PINNED,
        details={"channel_id": incident.channel_id, "ts": incident.checklist_ts, "items": items},
        event_id=event_id,
    )
