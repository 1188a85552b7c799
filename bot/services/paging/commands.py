"""PagingCommands: the services behind `page`, `escalate`, `escalation` and `bulk`, handed to
the command catalog as one bundle."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.paging.bulk import BulkPaging
from bot.services.paging.by_hand import PageByHand
from bot.services.paging.control import PagingControl


@dataclass(frozen=True)
class PagingCommands:
    control: PagingControl
    by_hand: PageByHand
    bulk: BulkPaging
