"""The resolve flow's parts: starter (commands, buttons, cleared alerts), the ALERT_RESOLVED
handler, the flow behind INCIDENT_RESOLVED, the postmortem writer and its LLM, change history
and tracker; all built in one go from parts that already exist (no half-built Resolution
waiting for the Slack app)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.anthropic.language_model import ClaudeLanguageModel
from bot.adapters.github.changes import GitHubChangeHistory
from bot.adapters.tracker.fallback import FallbackTracker
from bot.adapters.tracker.linear import LinearTracker
from bot.adapters.tracker.markdown_file import MarkdownFileTracker
from bot.domain.errors import ConfigurationError
from bot.events.alert_resolved import AlertResolvedHandler
from bot.events.incident_resolved import IncidentResolvedHandler
from bot.ports.llm import LanguageModel
from bot.ports.slack import SlackGateway
from bot.ports.tracker import Tracker
from bot.services.permissions import IncidentPermissions
from bot.services.postmortem.writer import PostmortemWriter
from bot.services.resolution.flow import ResolutionFlow
from bot.services.resolution.hooks import NudgeControl, PublicResolution, SlaScheduler
from bot.services.resolution.ratings import RatingRecorder
from bot.services.resolution.starter import ResolutionStarter
from bot.settings import Settings
from bot.slack.actions import ActionRoute
from bot.slack.people import SlackPeople
from bot.slack.resolution_actions import ResolutionButtons
from bot.wiring.backends import Backends


def build_language_model(settings: Settings, model: str | None = None) -> LanguageModel | None:
    """The configured Claude (API or Bedrock), or None; `model` overrides MARSHAL_LLM_MODEL."""
    name = model or settings.marshal_llm_model
    key = settings.anthropic_api_key
    if settings.marshal_llm == "off" or (settings.marshal_llm == "auto" and key is None):
        return None
    if settings.marshal_llm == "bedrock":
        return ClaudeLanguageModel.for_bedrock(name, aws_region=settings.aws_region)
    if key is None:
        raise ConfigurationError("ANTHROPIC_API_KEY is required when MARSHAL_LLM=anthropic")
    return ClaudeLanguageModel.for_api(
        key.get_secret_value(), name, base_url=settings.anthropic_base_url
    )


def archives_at_once(settings: Settings) -> bool:
    """The resolve flow archives the room itself only with MARSHAL_ARCHIVE_AFTER=0; after a
    grace, the NudgeScheduler's RoomArchiver does (bot/wiring/nudges.py)."""
    return settings.marshal_archive_on_resolve and settings.marshal_archive_after == 0


def build_tracker(settings: Settings) -> Tracker:
    files = MarkdownFileTracker(settings.marshal_postmortem_dir)
    if settings.linear_api_key is None or not settings.linear_team_id:
        return files
    linear = LinearTracker(
        settings.linear_api_url, settings.linear_api_key, settings.linear_team_id
    )
    return FallbackTracker(linear, files)


@dataclass(frozen=True)
class Resolution:
    starter: ResolutionStarter  # commands, the Resolve button and cleared alerts start here
    actions: tuple[ActionRoute, ...]
    on_alert_resolved: AlertResolvedHandler  # ALERT_RESOLVED: offer the button, or resolve
    on_resolved: IncidentResolvedHandler  # the flow behind INCIDENT_RESOLVED


def build_resolution(
    settings: Settings,
    backends: Backends,
    slack: SlackGateway,
    permissions: IncidentPermissions,
    *,
    public: PublicResolution | None = None,
    nudges: NudgeControl | None = None,
    sla: SlaScheduler | None = None,
) -> Resolution:
    """The whole resolve side at once, over the process's one Slack gateway and permissions;
    `public` drafts the status-page resolution (the drafting service)."""
    starter = ResolutionStarter(
        backends.store,
        backends.audit,
        backends.queue,
        archive_on_resolve=archives_at_once(settings),
        nudges=nudges,
    )
    buttons = ResolutionButtons(
        backends.store, starter, RatingRecorder(backends.store, backends.audit), permissions
    )
    changes = (
        GitHubChangeHistory(settings.github_api_url, settings.github_token)
        if settings.marshal_service_repos
        else None
    )
    writer = PostmortemWriter(
        backends.store,
        backends.audit,
        slack,
        llm=build_language_model(settings),
        changes=changes,
        service_repos=settings.marshal_service_repos,
    )
    flow = ResolutionFlow(
        backends.store,
        backends.audit,
        slack,
        writer,
        build_tracker(settings),
        announce_channel=settings.marshal_announce_channel,
        archive_on_resolve=archives_at_once(settings),
        nudges=nudges,
        sla=sla,
        public=public,
        people=SlackPeople(slack),
        command=settings.marshal_command,
    )
    cleared = AlertResolvedHandler(
        backends.store,
        slack,
        command=settings.marshal_command,
        resolver=starter,
        auto_resolve=settings.marshal_auto_resolve,
    )
    return Resolution(starter, buttons.routes(), cleared, IncidentResolvedHandler(flow))
