"""WeeklyDigestPost: the scheduled weekly digest, exactly once per ISO week across restarts
and processors.

Once the digest cron (MARSHAL_DIGEST_CRON, UTC) has fired in the current ISO week, the
previous week is due: the first processor to claim `digest:<week>` writes its files to
MARSHAL_REPORTS_DIR, posts the summary to MARSHAL_DIGEST_CHANNEL and audits
DIGEST_PUBLISHED on the workspace chain; everyone else finds the claim taken. Checking at
start as well as on the cron means a processor that was down at the hour still posts, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger

from bot.domain.audit import AuditAction
from bot.domain.models import utcnow
from bot.ports.audit import AuditLog
from bot.ports.followups import FollowUpStore
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import DigestView, Mrkdwn
from bot.ports.store import Claims, Incidents
from bot.services.followups.digest import Digest, build_digest, previous_week, write_digest
from bot.services.incident_metrics import describe_seconds
from bot.services.slack_text import escape

log = logging.getLogger(__name__)

AUDIT_CHAIN = "workspace"  # the chain of actions that belong to no one incident
CLAIM_TTL_SECONDS = 400 * 86400


class DigestStore(Incidents, Claims, Protocol):
    """What the digest reads (incidents) and claims (its week)."""


class WeeklyDigestPost:
    def __init__(
        self,
        store: DigestStore,
        followups: FollowUpStore,
        audit: AuditLog,
        slack: SlackGateway,
        *,
        cron: str,
        reports_dir: Path,
        channel: str | None,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._followups = followups
        self._audit = audit
        self._slack = slack
        self._trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        self._reports_dir = reports_dir
        self._channel = channel
        self._owner = owner
        self._clock = clock

    def due_week(self, now: datetime) -> str | None:
        """The week to publish at `now`: the previous one, once the cron has fired this week."""
        monday = (now - timedelta(days=now.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        fires = self._trigger.get_next_fire_time(None, monday)
        return previous_week(now) if fires is not None and fires <= now else None

    def publish_due(self) -> str | None:
        """Publish the due week unless someone has; returns the week published here."""
        week = self.due_week(self._clock())
        if week is None:
            return None
        if not self._store.claim(f"digest:{week}", self._owner, ttl_seconds=CLAIM_TTL_SECONDS):
            return None
        digest = build_digest(self._store, self._followups, week)
        markdown, data = write_digest(digest, self._reports_dir)
        posted = self._post(digest)
        self._audit.append(
            AUDIT_CHAIN,
            actor="marshal",
            action=AuditAction.DIGEST_PUBLISHED,
            details={
                "week": week,
                "files": [str(markdown), str(data)],
                "channel": self._channel,
                "posted": posted,
            },
            event_id=f"digest.{week}",
        )
        return week

    def _post(self, digest: Digest) -> bool:
        if not self._channel:
            return False
        try:
            self._slack.post_message(self._channel, DigestView(digest.week, summary(digest)))
        except SlackCallFailed as exc:
            log.warning("weekly digest post refused", extra={"error": exc.error})
            return False
        return True


def summary(digest: Digest) -> Mrkdwn:
    """The digest as a short Slack message; the files hold the whole of it."""
    services = ", ".join(f"{escape(k)} {v}" for k, v in list(digest.by_service.items())[:5])
    recurring = ", ".join(
        f"{r.kind.value} `{escape(r.key)}` x{r.count}" for r in digest.recurrences[:5]
    )
    lines = [
        f"*Incident digest {digest.week}*: {digest.incidents} incident(s) "
        f"({', '.join(f'{k} {v}' for k, v in digest.by_severity.items()) or 'none'}); "
        f"{digest.drills} drill(s) not counted.",
        f"MTTA {describe_seconds(digest.mtta_seconds)} · MTTR "
        f"{describe_seconds(digest.mttr_seconds)}",
        f"By service: {services or 'none'}",
        f"Follow-ups: {digest.followups.opened} opened, {digest.followups.closed} closed, "
        f"{digest.followups.overdue} overdue",
        f"Open longer than 7 days: {len(digest.open_longer_than_7_days)}",
        f"Recurrences: {recurring or 'none'}",
    ]
    return Mrkdwn("\n".join(lines))
