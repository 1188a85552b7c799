"""BulkPaging: `/marshal bulk ack|escalate [service=..] [severity=P1,P2] [status=..] [age=30m]`.

The command shows a preview of the open incidents the filter matches, with Confirm and
Cancel; Confirm carries the action, a token and the incident ids (not the filter, so what
was shown is what is acted on, and a restart in between loses nothing). The confirmation
is claimed on its token, so a double press acts once; then each incident is acknowledged
or escalated on its own, with its own permission check and its own audit event. Each
bulk action is also an operation run (bulk_runs.py: preview, start, summary counts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.durations import DurationError, parse_duration
from bot.domain.ids import new_id
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.slack_views import BulkPreview, BulkRow
from bot.services.paging.bulk_runs import BulkRuns
from bot.services.paging.control import PagingControl, PagingRefused
from bot.services.paging.escalation import EscalationStore
from bot.services.permissions import PermissionRefused

ACTIONS = ("ack", "escalate")
MAX_INCIDENTS = 40  # what one Confirm button's value (2,000 characters) can carry
USAGE = "ack|escalate [service=NAME] [severity=P1,P2] [status=STATE] [age=30m]"


@dataclass(frozen=True)
class BulkFilter:
    services: frozenset[str] = frozenset()
    severities: frozenset[Severity] = frozenset()
    statuses: frozenset[IncidentStatus] = frozenset()
    older_than_seconds: int | None = None

    @classmethod
    def parse(cls, words: list[str]) -> BulkFilter:
        """Raises PagingRefused naming the word it cannot use."""
        found: dict[str, object] = {}
        for word in words:
            key, sep, value = word.partition("=")
            values = [v.strip() for v in value.split(",") if v.strip()]
            try:
                if not sep or not values:
                    raise ValueError("expected key=value")
                if key == "service":
                    found["services"] = frozenset(v.lower() for v in values)
                elif key == "severity":
                    found["severities"] = frozenset(Severity.parse(v) for v in values)
                elif key == "status":
                    found["statuses"] = frozenset(IncidentStatus(v.lower()) for v in values)
                elif key == "age":
                    found["older_than_seconds"] = parse_duration(value)
                else:
                    raise ValueError("filters are service=, severity=, status= and age=")
            except (ValueError, DurationError) as exc:
                raise PagingRefused(f"{word[:40]!r}: {exc}") from None
        return cls(**found)  # type: ignore[arg-type]

    def matches(self, incident: Incident, now: datetime) -> bool:
        if self.services and (incident.service or "").lower() not in self.services:
            return False
        if self.severities and incident.severity not in self.severities:
            return False
        if self.statuses and incident.status not in self.statuses:
            return False
        age = now - incident.triggered_at
        return self.older_than_seconds is None or age >= timedelta(seconds=self.older_than_seconds)


class BulkPaging:
    def __init__(
        self,
        store: EscalationStore,
        control: PagingControl,
        *,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
        runs: BulkRuns | None = None,
    ) -> None:
        self._store = store
        self._control = control
        self._owner = owner
        self._clock = clock
        self._runs = runs  # records each bulk action as an operation run

    def preview(self, action: str, words: list[str], user_id: str = "") -> BulkPreview:
        if action not in ACTIONS:
            raise PagingRefused(f"the action is ack or escalate, not {action[:20]!r}")
        wanted = BulkFilter.parse(words)
        now = self._clock()
        open_now = list(self._open())
        matched = [i for i in open_now if wanted.matches(i, now)]
        if not matched:
            raise PagingRefused("no open incident matches")
        if len(matched) > MAX_INCIDENTS:
            raise PagingRefused(
                f"{len(matched)} incidents match, more than {MAX_INCIDENTS}; narrow the filter"
            )
        token = new_id("bulk")
        rows = tuple(BulkRow(i.id, i.severity.value, i.title, i.status.value) for i in matched)
        value = " ".join([action, token, *(i.id for i in matched)])
        if self._runs is not None:
            ids = [i.id for i in matched]
            self._runs.previewed(
                action, token, ids, total=len(open_now), user_id=user_id, words=" ".join(words)
            )
        return BulkPreview(action=action, rows=rows, token=token, value=value)

    def confirm(self, value: str, user_id: str) -> str:
        """The Confirm button: act on each incident once; the reply for the presser."""
        action, token, *ids = value.split()
        if action not in ACTIONS or not token.startswith("bulk-"):
            return "That button is not one marshal made."
        if not self._store.claim(f"bulk:{token}", user_id):
            return "This bulk action was confirmed already."
        run = self._runs.begin(token, user_id) if self._runs is not None else None
        done, skipped = [], []
        for incident_id in ids[:MAX_INCIDENTS]:
            incident = self._store.get(incident_id)
            if incident is None or not incident.is_open:
                skipped.append(f"`{incident_id}` (not open)")
                continue
            try:
                if action == "ack":
                    self._control.acknowledged(incident, user_id)
                else:
                    self._control.escalate(incident, user_id, f"bulk escalate {token}")
                done.append(f"`{incident_id}`")
            except (PagingRefused, PermissionRefused) as exc:
                skipped.append(f"`{incident_id}` ({exc})")
        if run is not None and self._runs is not None:
            self._runs.finish(run, done=len(done), skipped=len(skipped))
        verb = "acknowledged" if action == "ack" else "escalated"
        text = f"{verb.capitalize()} {len(done)}: {', '.join(done) or 'none'}."
        if skipped:
            text += f" Skipped {len(skipped)}: {'; '.join(skipped)}."
        return text

    def _open(self) -> Iterator[Incident]:
        cursor: str | None = None
        while True:
            page = self._store.list_incidents(open_only=True, limit=100, cursor=cursor)
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor
