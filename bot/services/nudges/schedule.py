"""Schedule math, pure: which nudge or reminder slot is due when, from the incident alone.

Everything here is derived from stored fields (triggered/assembled/resolved times, the
silence), so a restarted process computes the very same slots and, thanks to the per-slot
claim, never repeats one. Slot k (k >= 1) of a cadence is due at anchor + k * every.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.domain.severity import Severity


@dataclass(frozen=True)
class Cadence:
    """Slots every `every_seconds` after `anchor`; slot 0 is the anchor itself."""

    anchor: datetime
    every_seconds: int

    def due(self, slot: int) -> datetime:
        return self.anchor + timedelta(seconds=self.every_seconds * slot)

    def slot_at(self, at: datetime) -> int:
        """The latest slot due at or before `at` (0 before the first one)."""
        elapsed = (at - self.anchor).total_seconds()
        return max(0, math.floor(elapsed / self.every_seconds))

    def next(self, now: datetime, *, after_slot: int | None = None) -> Due:
        """The latest slot already due (older missed ones coalesce into it), else the next
        future one; never a slot <= `after_slot` (the one just handled)."""
        slot = max(1, self.slot_at(now), (after_slot or 0) + 1)
        return Due(slot, self.due(slot))

    def first_slot_from(self, at: datetime) -> int:
        """The earliest slot (>= 1) due at or after `at`."""
        elapsed = (at - self.anchor).total_seconds()
        return max(1, math.ceil(elapsed / self.every_seconds))


@dataclass(frozen=True)
class Due:
    slot: int
    at: datetime


_BEING_ASSEMBLED = frozenset({IncidentStatus.TRIGGERED, IncidentStatus.ASSEMBLING})


def nudge_anchor(incident: Incident) -> datetime:
    return incident.assembled_at or incident.triggered_at


def nudge_cadence(incident: Incident, intervals: Mapping[Severity, int]) -> Cadence | None:
    """The status-update rhythm of an open incident with a war room; None when it gets none.

    None too while the room is still being assembled: its anchor moves to `assembled_at` when
    assembly ends, and a grid laid from the trigger time (an assembly held up by a crash) would
    nudge a half-built room and then nudge it again on the new grid. The assembler's
    `on_assembled` hook plans the first nudge instead."""
    every = intervals.get(incident.severity)
    if not every or not incident.is_open or not incident.channel_id:
        return None
    if incident.status in _BEING_ASSEMBLED:
        return None
    return Cadence(nudge_anchor(incident), every)


def next_nudge(
    incident: Incident,
    intervals: Mapping[Severity, int],
    now: datetime,
    *,
    after_slot: int | None = None,
) -> Due | None:
    """The next nudge slot to run: the latest one already due (a missed one fires once, older
    missed ones coalesce into it), else the next future one; never a slot <= `after_slot`,
    never one inside a silence. None when the incident gets no nudges now."""
    cadence = nudge_cadence(incident, intervals)
    if cadence is None or incident.silenced_until_resolved:
        return None
    slot = cadence.next(now, after_slot=after_slot).slot
    if incident.silenced_until is not None and cadence.due(slot) < incident.silenced_until:
        slot = max(slot, cadence.first_slot_from(incident.silenced_until))
    return Due(slot, cadence.due(slot))


def nudge_window(cadence: Cadence, slot: int) -> tuple[datetime, datetime]:
    """The stretch a nudge covers: an update posted in it makes the nudge unnecessary."""
    return cadence.due(slot - 1), cadence.due(slot)


def ic_unclaimed_due(incident: Incident, delay_seconds: int) -> datetime | None:
    """When to remind the room that nobody took the IC role; None when not applicable."""
    if not incident.is_open or not incident.channel_id or incident.commander:
        return None
    return nudge_anchor(incident) + timedelta(seconds=delay_seconds)


def postmortem_cadence(incident: Incident, every_seconds: int) -> Cadence | None:
    """Reminders every `every_seconds` after resolve until the postmortem is marked done."""
    if incident.resolved_at is None or incident.postmortem_done_at is not None:
        return None
    return Cadence(incident.resolved_at, every_seconds)


def next_postmortem_check(
    incident: Incident, every_seconds: int, now: datetime, *, after_slot: int | None = None
) -> Due | None:
    cadence = postmortem_cadence(incident, every_seconds)
    return cadence.next(now, after_slot=after_slot) if cadence else None


def inactive_cadence(last_activity: datetime, threshold_seconds: int) -> Cadence:
    """One inactivity reminder per quiet `threshold_seconds` since the last human activity."""
    return Cadence(last_activity, threshold_seconds)


def next_inactive_check(
    last_activity: datetime, threshold_seconds: int, now: datetime, *, after_slot: int | None = None
) -> Due:
    return inactive_cadence(last_activity, threshold_seconds).next(now, after_slot=after_slot)


def describe_seconds(seconds: float) -> str:
    """'90' -> '1m 30s', '7200' -> '2h', for reminder texts."""
    whole = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts[:2]) or "0s"
