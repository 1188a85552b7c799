"""Build the follow-ups' parts: their store on the chosen backend, the desk that adds and
closes them, and the Slack routes of their buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.adapters.tracker.jira import JiraTracker
from bot.adapters.tracker.linear_followups import LinearFollowUpTracker
from bot.adapters.tracker.markdown_followups import MarkdownFollowUpTracker
from bot.domain.errors import ConfigurationError
from bot.ports.audit import AuditLog
from bot.ports.followups import FollowUpStore
from bot.ports.issue_tracker import IssueTracker
from bot.ports.slack import SlackGateway
from bot.ports.store import IncidentStore
from bot.services.followups.desk import FollowUpDesk
from bot.services.followups.digest_post import WeeklyDigestPost
from bot.services.followups.jobs import FollowUpJobs
from bot.services.followups.overdue import OverdueFollowUps
from bot.services.followups.tracker_sync import FollowUpTrackerSync
from bot.services.nudges.scheduler import default_owner
from bot.services.permissions import IncidentPermissions
from bot.settings import Settings
from bot.slack.followup_routes import FollowUpRoutes
from bot.wiring.stores import sqlite_database


def build_followup_store(settings: Settings) -> FollowUpStore:
    if settings.marshal_store == "dynamodb":
        from bot.adapters.dynamodb.followups import DynamoFollowUpStore  # noqa: PLC0415
        from bot.wiring.dynamodb import dynamodb_client  # noqa: PLC0415 - AWS SDK on demand

        return DynamoFollowUpStore(dynamodb_client(settings), settings.marshal_table_prefix)
    return SqliteFollowUpStore(sqlite_database(settings))


def build_issue_tracker(settings: Settings) -> IssueTracker:
    """Jira when JIRA_URL is set (then every JIRA_* setting is needed); else the tracker the
    postmortems use: Linear with LINEAR_API_KEY and LINEAR_TEAM_ID, else the markdown folder
    (MARSHAL_POSTMORTEM_DIR/followups)."""
    if not settings.jira_url:
        if settings.linear_api_key is not None and settings.linear_team_id:
            return LinearFollowUpTracker(
                settings.linear_api_url, settings.linear_api_key, settings.linear_team_id
            )
        return MarkdownFollowUpTracker(settings.marshal_postmortem_dir)
    missing = [
        name
        for name, value in (
            ("JIRA_EMAIL", settings.jira_email),
            ("JIRA_API_TOKEN", settings.jira_api_token),
            ("JIRA_PROJECT", settings.jira_project),
        )
        if not value
    ]
    if missing or settings.jira_api_token is None or not settings.jira_email:
        raise ConfigurationError(f"JIRA_URL is set but {', '.join(missing)} is not")
    return JiraTracker(
        settings.jira_url, settings.jira_email, settings.jira_api_token, str(settings.jira_project)
    )


@dataclass(frozen=True)
class FollowUpParts:
    desk: FollowUpDesk
    routes: FollowUpRoutes
    overdue: OverdueFollowUps
    jobs: FollowUpJobs  # started by the processor


def build_followups(
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    slack: SlackGateway,
    permissions: IncidentPermissions,
) -> FollowUpParts:
    followups = build_followup_store(settings)
    desk = FollowUpDesk(followups, store, audit, permissions, incident_of=store.get)
    overdue = OverdueFollowUps(
        followups,
        store,
        store,
        audit,
        slack,
        owner=default_owner(),
        announce_channel=settings.marshal_announce_channel,
    )
    digest = WeeklyDigestPost(
        store,
        followups,
        audit,
        slack,
        cron=settings.marshal_digest_cron,
        reports_dir=settings.marshal_reports_dir,
        channel=settings.marshal_digest_channel,
        owner=default_owner(),
    )
    tracker = build_issue_tracker(settings)
    sync = FollowUpTrackerSync(followups, tracker, store, audit, desk, owner=default_owner())
    jobs = FollowUpJobs(
        overdue.sweep,
        digest=digest.publish_due,
        digest_cron=settings.marshal_digest_cron,
        tracker_sync=sync.sync,
    )
    return FollowUpParts(desk, FollowUpRoutes(desk, slack), overdue, jobs)
