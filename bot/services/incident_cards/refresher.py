"""IncidentCards: posts the room's card and keeps every card and the room topic current.

One place drives the updates: the watched store (watched_store.py) reports every incident it
writes, and a single worker thread re-reads the incident and, only when what the card or the
topic shows changed, replaces the announce card and the pinned room card in place
(chat.update) and sets the topic. Both are idempotent, so several processors refreshing the
same incident, or a refresh repeated after a restart, show the same thing and post nothing
new. Changes that land while a refresh runs queue another one, so the last write is shown.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from bot.domain.errors import MarshalError
from bot.domain.models import Incident
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import ChecklistView, IncidentCardView
from bot.ports.store import Incidents
from bot.services.incident_cards.card import card_view, topic_for
from bot.services.war_room.checklist import ChecklistItem, checklist_view

log = logging.getLogger(__name__)

ChecklistItems = Callable[[Incident], list[ChecklistItem]]

_TOPIC_STEP = "topic"  # the assembly step that sets the first topic (war_room.steps)
_ARCHIVED = "archive"  # the resolve step that archived the room (resolution.steps)


class IncidentCards:
    def __init__(
        self,
        store: Incidents,
        slack: SlackGateway,
        *,
        checklist_items: ChecklistItems | None = None,
    ) -> None:
        """`checklist_items` lets the refresher re-render the pinned checklist too, whose
        ticks of what marshal knows (IC assigned, mitigated...) follow the incident."""
        self._store = store
        self._slack = slack
        self._checklist_items = checklist_items
        self._checklists: dict[str, ChecklistView] = {}
        self._cards: dict[str, IncidentCardView] = {}
        self._topics: dict[str, str] = {}
        self._pending: set[str] = set()
        self._queue: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None

    # -- the store's observer and its worker ------------------------------------------------

    def changed(self, incident: Incident) -> None:
        """An incident was written: refresh it soon (coalesced; never blocks the writer)."""
        if incident.card_ts is None and incident.room_card_ts is None and not incident.channel_id:
            return
        with self._lock:
            if incident.id in self._pending:
                return
            self._pending.add(incident.id)
        self._queue.put(incident.id)

    def start(self) -> None:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="incident-cards", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(timeout=3.0)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                incident_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._lock:
                self._pending.discard(incident_id)
            try:
                self.refresh(incident_id)
            except (SlackCallFailed, MarshalError) as exc:
                # The next change of the incident refreshes it again.
                log.warning("incident card refresh failed for %s: %s", incident_id, exc)

    # -- one refresh ----------------------------------------------------------------------

    def refresh(self, incident_id: str) -> None:
        """Show the stored incident on its cards and in its room topic, where they differ."""
        incident = self._store.get(incident_id, consistent=True)
        if incident is None:
            return
        self._refresh_cards(incident)
        self._refresh_topic(incident)
        self._refresh_checklist(incident)

    def _refresh_checklist(self, incident: Incident) -> None:
        if self._checklist_items is None or not incident.channel_id or not incident.checklist_ts:
            return
        if _ARCHIVED in incident.resolution:
            return
        view = checklist_view(incident, self._checklist_items(incident))
        if self._checklists.get(incident.id) == view:
            return
        self._slack.update_message(incident.channel_id, incident.checklist_ts, view)
        self._checklists[incident.id] = view

    def _refresh_cards(self, incident: Incident) -> None:
        view = card_view(incident)
        if self._cards.get(incident.id) == view:
            return
        if incident.card_channel and incident.card_ts:
            self._slack.update_message(incident.card_channel, incident.card_ts, view)
        if incident.channel_id and incident.room_card_ts and _ARCHIVED not in incident.resolution:
            self._slack.update_message(incident.channel_id, incident.room_card_ts, view)
        self._cards[incident.id] = view

    def _refresh_topic(self, incident: Incident) -> None:
        first = incident.assembly.get(_TOPIC_STEP)
        if not incident.channel_id or first is None or _ARCHIVED in incident.resolution:
            return  # the assembly's topic step sets the first one; archived rooms keep theirs
        topic = topic_for(incident)
        shown = self._topics.get(incident.id, first.detail.get("topic"))
        if topic == shown:
            return
        self._slack.set_topic(incident.channel_id, topic)
        self._topics[incident.id] = topic
