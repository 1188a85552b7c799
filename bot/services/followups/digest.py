"""The weekly digest: incidents by severity and service, MTTA/MTTR and their trend against the
previous weeks, follow-ups opened/closed/overdue, incidents open longer than 7 days and
recurrences, drills excluded. Written as `YYYY-Www.md` and `YYYY-Www.json` (`marshal digest`,
and the scheduled post; bot/services/followups/digest_post.py).

Every read is indexed: incidents from the newest-first index back to the oldest week of the
trend, the open ones from the open index, follow-ups by their created, closed and due keys.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

from pydantic import BaseModel

from bot.domain.models import Incident
from bot.ports.followups import FollowUpStore
from bot.ports.store import Incidents
from bot.services.followups.recurrence import Recurrence, incidents_since, recurrences
from bot.services.incident_metrics import describe_seconds, response_times

TREND_WEEKS = 4
LONG_OPEN = timedelta(days=7)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """Not an ISO week like 2026-W48."""


def week_label(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> datetime:
    match = _WEEK.match(label.strip())
    if not match:
        raise WeekError(f"{label!r} is not an ISO week like 2026-W48")
    try:
        day = datetime.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise WeekError(f"{label!r} is not a week of that year") from exc
    return day.replace(tzinfo=UTC)


def previous_week(now: datetime) -> str:
    """The last complete ISO week before `now`: what a Monday digest reports on."""
    return week_label(now - timedelta(days=7))


class WeekFigures(BaseModel):
    week: str
    incidents: int
    mtta_seconds: float | None
    mttr_seconds: float | None


class LongOpen(BaseModel):
    id: str
    title: str
    severity: str
    service: str | None
    days_open: int


class FollowUpFigures(BaseModel):
    opened: int
    closed: int
    overdue: int  # open and past due at the end of the week


class Digest(BaseModel):
    week: str
    start: datetime
    end: datetime
    incidents: int
    drills: int
    by_severity: dict[str, int]
    by_service: dict[str, int]
    mtta_seconds: float | None
    mttr_seconds: float | None
    trend: list[WeekFigures]  # the previous weeks, oldest first
    followups: FollowUpFigures
    open_longer_than_7_days: list[LongOpen]
    recurrences: list[Recurrence]
    truncated: bool = False


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return mean(present) if present else None


def _figures(label: str, incidents: list[Incident]) -> WeekFigures:
    times = [response_times(i) for i in incidents]
    return WeekFigures(
        week=label,
        incidents=len(incidents),
        mtta_seconds=_mean([t.acknowledge for t in times]),
        mttr_seconds=_mean([t.resolve for t in times]),
    )


def _open_at(incident: Incident, moment: datetime) -> bool:
    return incident.triggered_at < moment and (
        incident.resolved_at is None or incident.resolved_at > moment
    )


def build_digest(store: Incidents, followups: FollowUpStore, week: str) -> Digest:
    start = week_start(week)
    end = start + timedelta(days=7)
    earliest = start - timedelta(days=7 * TREND_WEEKS)
    walked, truncated = incidents_since(store, earliest)
    real = [i for i in walked if not i.drill and i.triggered_at < end]
    this_week = [i for i in real if i.triggered_at >= start]
    trend = []
    for back in range(TREND_WEEKS, 0, -1):
        since = start - timedelta(days=7 * back)
        members = [i for i in real if since <= i.triggered_at < since + timedelta(days=7)]
        trend.append(_figures(week_label(since), members))
    figures = _figures(week, this_week)
    return Digest(
        week=week,
        start=start,
        end=end,
        incidents=len(this_week),
        drills=sum(1 for i in walked if i.drill and start <= i.triggered_at < end),
        by_severity=dict(sorted(Counter(i.severity.value for i in this_week).items())),
        by_service=dict(Counter(i.service or "(none)" for i in this_week).most_common()),
        mtta_seconds=figures.mtta_seconds,
        mttr_seconds=figures.mttr_seconds,
        trend=trend,
        followups=_followup_figures(followups, start, end),
        open_longer_than_7_days=_long_open(store, real, end),
        recurrences=recurrences(this_week),
        truncated=truncated,
    )


def _followup_figures(followups: FollowUpStore, start: datetime, end: datetime) -> FollowUpFigures:
    return FollowUpFigures(
        opened=sum(1 for f in followups.created_between(start, end) if not f.drill),
        closed=sum(1 for f in followups.closed_between(start, end) if not f.drill),
        overdue=sum(1 for f in followups.open_due_before(end, limit=100_000) if not f.drill),
    )


def _long_open(store: Incidents, walked: list[Incident], end: datetime) -> list[LongOpen]:
    candidates = {i.id: i for i in walked}
    # still open now and older than the walk: the open index has them
    cursor: str | None = None
    while True:
        page = store.list_incidents(open_only=True, limit=100, cursor=cursor)
        candidates.update((i.id, i) for i in page.items if i.id not in candidates)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    long_open = [
        i
        for i in candidates.values()
        if not i.drill and _open_at(i, end) and end - i.triggered_at > LONG_OPEN
    ]
    long_open.sort(key=lambda i: (i.triggered_at, i.id))
    return [
        LongOpen(
            id=i.id,
            title=i.title,
            severity=i.severity.value,
            service=i.service,
            days_open=(end - i.triggered_at).days,
        )
        for i in long_open
    ]


def render_markdown(digest: Digest) -> str:
    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in values.items()) or "none"

    lines = [
        f"# Incident digest {digest.week}",
        "",
        f"{digest.start:%Y-%m-%d} to {digest.end - timedelta(days=1):%Y-%m-%d} (UTC); "
        f"{digest.drills} drill(s) not counted.",
        "",
        f"- Incidents: {digest.incidents} (by severity: {counts(digest.by_severity)})",
        f"- By service: {counts(digest.by_service)}",
        f"- MTTA {describe_seconds(digest.mtta_seconds)} · "
        f"MTTR {describe_seconds(digest.mttr_seconds)}",
        f"- Follow-ups: {digest.followups.opened} opened, {digest.followups.closed} closed, "
        f"{digest.followups.overdue} overdue",
        "",
        "## Trend",
        "",
        "| week | incidents | MTTA | MTTR |",
        "|---|---|---|---|",
    ]
    for row in [*digest.trend, _figures_of(digest)]:
        lines.append(
            f"| {row.week} | {row.incidents} | {describe_seconds(row.mtta_seconds)} | "
            f"{describe_seconds(row.mttr_seconds)} |"
        )
    lines += ["", "## Open longer than 7 days", ""]
    lines += [
        f"- `{i.id}` {i.severity} {i.service or '-'}: {_one_line(i.title)} ({i.days_open} days)"
        for i in digest.open_longer_than_7_days
    ] or ["- none"]
    lines += ["", "## Recurrences", ""]
    lines += [
        f"- {r.kind.value} `{r.key}`: {r.count} incidents ({', '.join(r.incident_ids)})"
        for r in digest.recurrences
    ] or ["- none"]
    if digest.truncated:
        lines += ["", "_Only the newest incidents were read; the figures are partial._"]
    return "\n".join(lines) + "\n"


def _figures_of(digest: Digest) -> WeekFigures:
    return WeekFigures(
        week=digest.week,
        incidents=digest.incidents,
        mtta_seconds=digest.mtta_seconds,
        mttr_seconds=digest.mttr_seconds,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def write_digest(digest: Digest, folder: Path) -> tuple[Path, Path]:
    """`<folder>/<week>.md` and `<folder>/<week>.json`, each written whole (temp + rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"{digest.week}.md", folder / f"{digest.week}.json"
    for path, text in zip(
        paths, (render_markdown(digest), digest.model_dump_json(indent=2) + "\n"), strict=True
    ):
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    return paths
