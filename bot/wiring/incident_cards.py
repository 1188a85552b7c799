"""The live incident card's parts: the watched store every service writes through, the card
refresher it reports to, and the Join button's route."""

from __future__ import annotations

from dataclasses import replace

from bot.ports.slack import SlackGateway
from bot.services.incident_cards.join import RoomJoining
from bot.services.incident_cards.refresher import IncidentCards
from bot.services.incident_cards.watched_store import WatchedIncidentStore
from bot.services.war_room.checklist import ChecklistService
from bot.slack.actions import ActionRoute
from bot.slack.card_actions import CardButtons
from bot.wiring.backends import Backends
from bot.wiring.process import ProcessGroup


def watch_incidents(backends: Backends) -> Backends:
    """The backends with their store watched: build everything else from these."""
    return replace(backends, store=WatchedIncidentStore(backends.store))


def start_cards(
    group: ProcessGroup, backends: Backends, slack: SlackGateway, checklist: ChecklistService
) -> tuple[ActionRoute, ...]:
    """The refresher, observing the watched store; no cards (and no Join) without one."""
    watched = backends.store
    if not isinstance(watched, WatchedIncidentStore):
        return ()
    cards = IncidentCards(watched, slack, checklist_items=checklist.items_for)
    watched.observe(cards.changed)
    cards.start()
    group.started("incident cards", cards.stop)
    return CardButtons(RoomJoining(watched, slack, backends.audit)).routes()
