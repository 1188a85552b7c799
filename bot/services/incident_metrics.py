"""Response metrics of one incident: time to acknowledge, assemble, mitigate and resolve.

Shared by the postmortem (its metrics section) and `IncidentReport` (MTTA/MTTR over a window).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from bot.domain.models import Incident


class ResponseTimes(BaseModel):
    """Seconds from the trigger to each milestone; None when it was never reached."""

    acknowledge: float | None = None
    assemble: float | None = None
    mitigate: float | None = None
    resolve: float | None = None


def _since(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def response_times(incident: Incident) -> ResponseTimes:
    start = incident.triggered_at
    assemble = incident.assembly_seconds
    if assemble is None:
        assemble = _since(start, incident.assembled_at)
    return ResponseTimes(
        acknowledge=_time_to_acknowledge(incident),
        assemble=assemble,
        mitigate=_since(start, incident.mitigated_at),
        resolve=_since(start, incident.resolved_at),
    )


def _time_to_acknowledge(incident: Incident) -> float | None:
    """From the first page when the incident was paged (issue 18), else from the trigger; an
    acknowledgement in the pager itself (escalation's first epoch) counts too."""
    acked = incident.acknowledged_at
    paging = incident.escalation
    if paging is not None and paging.epoch == 0 and paging.acked_at is not None:
        acked = min(acked, paging.acked_at) if acked else paging.acked_at
    first_page = paging.first_paged_at if paging is not None and paging.epoch == 0 else None
    return _since(first_page or incident.triggered_at, acked)


def describe_seconds(seconds: float | None) -> str:
    """'n/a', '42s', '12m 5s', '3h 4m', '2d 1h' — for rooms, reports and postmortems."""
    if seconds is None:
        return "n/a"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
