"""PAGE_BY_HAND: page the targets `/marshal page` named, each once (services/paging/by_hand)."""

from __future__ import annotations

from bot.ports.queue import QueueMessage
from bot.services.paging.by_hand import PageByHand


def page_by_hand(by_hand: PageByHand) -> PageByHandHandler:
    return PageByHandHandler(by_hand)


class PageByHandHandler:
    def __init__(self, by_hand: PageByHand) -> None:
        self._by_hand = by_hand

    def __call__(self, message: QueueMessage) -> None:
        self._by_hand.run(message)
