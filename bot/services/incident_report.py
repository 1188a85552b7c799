"""IncidentReport: MTTA, MTTR and counts by severity and service over a window of days.

One computation shared by `/marshal report` and `marshal report`. Drills are counted apart
so a game day does not flatter (or spoil) the real response times.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import mean

from pydantic import BaseModel

from bot.domain.models import Incident, utcnow
from bot.ports.store import Incidents
from bot.services.incident_metrics import describe_seconds, response_times

_PAGE = 100
_MAX_INCIDENTS = 10_000  # a bound on the scan; a window this busy says so in the report


class IncidentReport(BaseModel):
    days: int
    since: datetime
    until: datetime
    incidents: int
    drills: int
    open: int
    by_severity: dict[str, int]
    by_service: dict[str, int]
    mtta_seconds: float | None
    mtt_assemble_seconds: float | None
    mttm_seconds: float | None
    mttr_seconds: float | None
    truncated: bool = False


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return mean(present) if present else None


def _in_window(store: Incidents, since: datetime) -> tuple[list[Incident], bool]:
    found: list[Incident] = []
    cursor: str | None = None
    while len(found) < _MAX_INCIDENTS:
        page = store.list_incidents(open_only=False, limit=_PAGE, cursor=cursor)
        for incident in page.items:
            if incident.triggered_at < since:
                return found, False  # newest first: everything after is older still
            found.append(incident)
        if page.next_cursor is None:
            return found, False
        cursor = page.next_cursor
    return found, True


def build_report(store: Incidents, days: int, *, now: datetime | None = None) -> IncidentReport:
    until = now or utcnow()
    since = until - timedelta(days=days)
    found, truncated = _in_window(store, since)
    real = [i for i in found if not i.drill]
    times = [response_times(i) for i in real]
    return IncidentReport(
        days=days,
        since=since,
        until=until,
        incidents=len(real),
        drills=len(found) - len(real),
        open=sum(1 for i in real if i.is_open),
        by_severity=dict(sorted(Counter(i.severity.value for i in real).items())),
        by_service=dict(Counter(i.service or "(none)" for i in real).most_common()),
        mtta_seconds=_mean([t.acknowledge for t in times]),
        mtt_assemble_seconds=_mean([t.assemble for t in times]),
        mttm_seconds=_mean([t.mitigate for t in times]),
        mttr_seconds=_mean([t.resolve for t in times]),
        truncated=truncated,
    )


def render_report(report: IncidentReport) -> str:
    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in values.items()) or "none"

    lines = [
        f"Incidents in the last {report.days} days: {report.incidents} "
        f"({report.open} still open; {report.drills} drills not counted)",
        f"MTTA {describe_seconds(report.mtta_seconds)} · "
        f"time to war room {describe_seconds(report.mtt_assemble_seconds)} · "
        f"MTTM {describe_seconds(report.mttm_seconds)} · "
        f"MTTR {describe_seconds(report.mttr_seconds)}",
        f"By severity: {counts(report.by_severity)}",
        f"By service: {counts(report.by_service)}",
    ]
    if report.truncated:
        lines.append(f"(only the newest {_MAX_INCIDENTS} incidents were read)")
    return "\n".join(lines)
