"""The follow-up tracker-sync rig both tracker tests share: a SQLite store, audit and follow-ups,
one incident, and a FollowUpTrackerSync around whichever IssueTracker the test hands it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUp
from bot.domain.models import AlertSource, Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.issue_tracker import IssueTracker
from bot.services.followups.desk import FollowUpDesk
from bot.services.followups.tracker_sync import FollowUpTrackerSync
from bot.services.permissions import IncidentPermissions
from bot.slack.gateway import WebClientSlackGateway, build_web_client


class Rig:
    def __init__(self, path: Path, tracker: IssueTracker) -> None:
        self.database = SqliteDatabase(path)
        self.store = SqliteIncidentStore(self.database)
        self.audit = SqliteAuditLog(self.database)
        self.followups = SqliteFollowUpStore(self.database)
        self.tracker = tracker
        # permissions are never asked: a close from the tracker needs none
        slack = WebClientSlackGateway(build_web_client("xoxb-unused", "http://127.0.0.1:9/"))
        self.desk = FollowUpDesk(
            self.followups,
            self.store,
            self.audit,
            IncidentPermissions([], slack),
            incident_of=self.store.get,
        )
        self.incident, _ = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC, group_key="g", title="checkout", severity=Severity.P1
            )
        )

    def sync(self, owner: str = "proc-1") -> FollowUpTrackerSync:
        return FollowUpTrackerSync(
            self.followups, self.tracker, self.store, self.audit, self.desk, owner=owner
        )

    def followup(self, text: str) -> FollowUp:
        return self.followups.add(
            FollowUp(
                incident_id=self.incident.id,
                text=text,
                due_at=utcnow() + timedelta(days=7),
                incident_severity="P1",
                created_by="U0IC",
            )
        )

    def stored(self, followup: FollowUp) -> FollowUp:
        found = self.followups.get(followup.id)
        assert found is not None
        return found

    def audited(self, action: AuditAction) -> list[str]:
        return [e.actor for e in self.audit.events(self.incident.id) if e.action is action]
