"""ResolutionFlow: the slow steps after an incident is resolved, run off the command's ack
by the INCIDENT_RESOLVED queue event.

Steps, in order (each recorded on `Incident.resolution` the moment it finishes, and
audited, so a redelivered event resumes at the first unfinished one): stop nudges; retire
the room's buttons that no longer apply; the status-page resolution draft (only when
something was published); the announcement (announce channel and room); the pulse rating
buttons; the postmortem written and filed (POSTMORTEM_DRAFTED, POSTMORTEM_FILED); its link
posted in the room with which kind it is; the postmortem-due check scheduled; the room
archived (optional, and only once everything before it is done). A failed step is named in
the room and the run raises ResolutionIncomplete, so the queue retries the unfinished
steps later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, Role, utcnow
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import FollowUpProposals, RatingPrompt
from bot.ports.store import Incidents
from bot.ports.tracker import PostmortemFiling, Tracker
from bot.services.incident_metrics import describe_seconds, response_times
from bot.services.postmortem.writer import PostmortemWriter
from bot.services.resolution.hooks import (
    NudgeControl,
    PeopleLookup,
    PublicResolution,
    SlaScheduler,
)
from bot.services.resolution.starter import describe_resolver
from bot.services.resolution.steps import ResolutionStep
from bot.services.slack_text import escape
from bot.services.steps.ledger import IncidentLedger, StepBook
from bot.services.steps.runner import Stage, StepDone, StepRunner

log = logging.getLogger(__name__)

ACTOR = "marshal"
S = ResolutionStep


SHARE_CHUNK = 3500  # characters of postmortem per thread reply (Slack cuts text at 4,000)


def _openable(url: str) -> bool:
    """A link a person can open from Slack (a tracker issue), not a path on marshal's host."""
    return url.startswith(("https://", "http://"))


class ResolutionIncomplete(MarshalError):
    """Some steps failed; the queue redelivers the event and the flow resumes."""


def _resolution_scope(incident: Incident) -> str:
    return f"{incident.id}.{incident.resolution_id}"  # a reopen starts a new resolution


@dataclass(frozen=True)
class _Call:
    """A resolve step: one of the flow's methods, handed the freshest incident."""

    name: ResolutionStep
    work: Callable[[Incident], dict[str, Any]]
    critical: bool = False

    def run(self, ledger: IncidentLedger) -> StepDone:
        return StepDone(self.work(ledger.incident))


class ResolutionFlow:
    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        slack: SlackGateway,
        writer: PostmortemWriter,
        tracker: Tracker,
        *,
        announce_channel: str | None,
        archive_on_resolve: bool = True,
        nudges: NudgeControl | None = None,
        sla: SlaScheduler | None = None,
        public: PublicResolution | None = None,
        people: PeopleLookup | None = None,
        clock: Callable[[], datetime] = utcnow,
        after_step: Callable[[ResolutionStep], None] | None = None,
        command: str = "/marshal",
    ) -> None:
        """`after_step` runs after each step is recorded (tests use it to simulate a crash)."""
        self._store = store
        self._audit = audit
        self._slack = slack
        self._writer = writer
        self._tracker = tracker
        self._announce_channel = announce_channel
        self._nudges = nudges
        self._sla = sla
        self._public = public
        self._people = people
        self._command = command
        self._runner: StepRunner[IncidentLedger, ResolutionStep] = StepRunner(
            audit,
            book=StepBook.RESOLUTION,
            scope=_resolution_scope,
            tolerate=(SlackCallFailed, MarshalError),
            actor=ACTOR,
            clock=clock,
            after_step=after_step,
        )
        # The step table: one line per step, run in this order.
        steps = (
            _Call(S.STOP_NUDGES, self._stop_nudges),
            _Call(S.RETIRE_BUTTONS, self._retire_buttons),
            _Call(S.STATUS_PAGE, self._status_page),
            _Call(S.ANNOUNCEMENT, self._announcement),
            _Call(S.RATING, self._rating),
            _Call(S.POSTMORTEM_FILED, self._postmortem),
            _Call(S.POSTMORTEM_POSTED, self._postmortem_link),
            _Call(S.SLA_SCHEDULED, self._schedule_sla),
        )
        # The room is archived only once nothing is left to redo in it.
        archive = (Stage((_Call(S.ARCHIVE, self._archive_room),), after_clean_run=True),)
        self.stages: tuple[Stage[IncidentLedger, ResolutionStep], ...] = (
            Stage(steps),
            *(archive if archive_on_resolve else ()),
        )

    def run(self, incident_id: str, resolution_id: str | None) -> Incident | None:
        """Run the unfinished steps; None when the event is stale (reopened, re-resolved)."""
        incident = self._store.get(incident_id, consistent=True)
        if incident is None or incident.status is not IncidentStatus.RESOLVED:
            log.info("resolve flow skipped: incident not resolved", extra={"incident": incident_id})
            return None
        if resolution_id is not None and incident.resolution_id != resolution_id:
            log.info("resolve flow skipped: stale resolution", extra={"incident": incident_id})
            return None
        ledger = IncidentLedger(self._store, incident)
        report = self._runner.run(ledger, ledger, self.stages)
        if report.failed:
            self._report(ledger.incident, report.problems)
            raise ResolutionIncomplete(
                f"incident {incident_id}: {len(report.failed)} resolve steps failed; retrying later"
            )
        return ledger.incident

    # -- bookkeeping ---------------------------------------------------------------------

    def _report(self, incident: Incident, problems: list[str]) -> None:
        if not incident.channel_id:
            return
        lines = "\n".join(f"• {escape(p)}" for p in problems)
        text = (
            f":warning: Some resolve steps did not finish; marshal retries them shortly:\n{lines}"
        )
        try:
            self._slack.post_message(incident.channel_id, text)
        except SlackCallFailed as exc:
            log.warning("could not report resolve problems: %s", exc)

    # -- the steps -----------------------------------------------------------------------

    def _stop_nudges(self, incident: Incident) -> dict[str, Any]:
        if self._nudges is None:
            return {"skipped": "no nudge scheduler"}
        self._nudges.stop_nudges(incident.id)
        return {}

    def _retire_buttons(self, incident: Incident) -> dict[str, Any]:
        """Before anything new is posted: the room's nudge, checklist and draft buttons say
        the incident is resolved instead of offering what no longer applies."""
        if not incident.channel_id:
            return {"skipped": "no room"}
        note = (
            ":white_check_mark: Resolved: these buttons no longer apply. "
            f"Reopen with `{self._command} reopen {incident.id}`."
        )
        return {"retired": self._slack.retire_incident_buttons(incident.channel_id, note)}

    def _status_page(self, incident: Incident) -> dict[str, Any]:
        if self._public is None:
            return {"skipped": "no status page configured"}
        draft = self._public.resolve_public_incident(incident, incident.resolved_by or ACTOR)
        if draft is None:
            return {"skipped": "nothing was published"}
        return {"draft_id": draft.id}

    def _announcement(self, incident: Incident) -> dict[str, Any]:
        times = response_times(incident)
        who = describe_resolver(incident.resolved_by)
        summary = f": {escape(incident.resolution_summary)}" if incident.resolution_summary else ""
        text = (
            f":white_check_mark: {incident.severity.value} *{escape(incident.title)}* "
            f"resolved by {who}{summary} (time to resolve {describe_seconds(times.resolve)})."
        )
        posted: dict[str, Any] = {}
        # An incident with a live card in the announce channel shows its resolve there (the
        # card refresher replaces it); only one announced before the card gets a message.
        if self._announce_channel and not incident.card_ts:
            posted["announce_ts"] = self._slack.post_message(self._announce_channel, text)
        if incident.channel_id:
            posted["room_ts"] = self._slack.post_message(incident.channel_id, text)
        self._audit.append(
            incident.id,
            actor=ACTOR,
            action=AuditAction.ANNOUNCED,
            details={"what": "resolved", **posted},
            event_id=f"{incident.id}.{incident.resolution_id}.announced",
        )
        return posted

    def _rating(self, incident: Incident) -> dict[str, Any]:
        if not incident.channel_id:
            return {"skipped": "no room"}
        ts = self._slack.post_message(incident.channel_id, RatingPrompt(incident.id))
        return {"ts": ts}

    def _postmortem(self, incident: Incident) -> dict[str, Any]:
        postmortem = self._writer.write(incident)
        self._audit.append(
            incident.id,
            actor=ACTOR,
            action=AuditAction.POSTMORTEM_DRAFTED,
            details={
                "kind": postmortem.kind.value,
                "model": postmortem.model,
                "fallback_reason": postmortem.fallback_reason,
                "dropped_claims": postmortem.dropped_claims,
                "scrubbed": postmortem.scrubbed,
            },
        )
        email, unassigned = self._commander_email(incident)
        filed = self._tracker.file(
            PostmortemFiling(
                incident_id=incident.id,
                title=postmortem.title,
                markdown=postmortem.markdown,
                labels=["postmortem", incident.severity.value],
                assignee_email=email,
            )
        )
        detail = {
            "tracker": filed.tracker,
            "url": filed.url,
            "ref": filed.ref,
            "note": filed.note,
            "kind": postmortem.kind.value,
            "described": postmortem.describe(),
            # kept in the ledger: the Accept buttons read them back after any restart
            "action_items": [item.text for item in postmortem.action_items],
        }
        if unassigned:
            detail["unassigned"] = unassigned
        if not _openable(filed.url) and incident.channel_id:
            # A file on marshal's server opens for nobody in Slack: share the text itself.
            detail["shared_ts"] = self._share(
                incident.channel_id, postmortem.title, postmortem.markdown
            )
        self._audit.append(
            incident.id,
            actor=ACTOR,
            action=AuditAction.POSTMORTEM_FILED,
            details=detail,
            event_id=f"{incident.id}.{incident.resolution_id}.postmortem_filed",
        )
        return detail

    def _commander_email(self, incident: Incident) -> tuple[str | None, str | None]:
        """The IC's email for the tracker's assignee, and why there is none when the lookup
        failed: a Slack outage files the postmortem unassigned rather than holding it back."""
        commander = incident.roles.get(Role.IC)
        if self._people is None or commander is None:
            return None, None
        try:
            return self._people.email_of(commander), None
        except SlackCallFailed as exc:
            log.warning("IC email lookup failed for %s: %s", incident.id, exc.error)
            return None, f"Slack did not answer who {commander} is ({exc.error})"

    def _share(self, channel_id: str, title: str, markdown: str) -> str:
        """The postmortem's text in the room: a parent message, the text in its thread."""
        ts = self._slack.post_message(
            channel_id,
            f":memo: *{escape(title)}*: no tracker is configured (set `LINEAR_*` to file "
            "postmortems as issues), so the full text is in this thread.",
        )
        for start in range(0, len(markdown), SHARE_CHUNK):
            chunk = escape(markdown[start : start + SHARE_CHUNK])
            self._slack.post_message(channel_id, f"```{chunk}```", thread_ts=ts)
        return ts

    def _postmortem_link(self, incident: Incident) -> dict[str, Any]:
        filed = incident.resolution[S.POSTMORTEM_FILED.value].detail
        if not incident.channel_id:
            return {"skipped": "no room"}
        note = f" ({escape(filed['note'])})" if filed.get("note") else ""
        if _openable(filed["url"]):
            where = f"filed in {escape(filed['tracker'])}{note}: {escape(filed['url'])}"
        elif filed.get("shared_ts"):
            link = self._slack.permalink(incident.channel_id, filed["shared_ts"])
            where = f"written{note}; read it in this room: {link}"
        else:
            where = f"written{note}, but not shared here (it has no link to open)"
        text = (
            f":memo: Postmortem {where}\n"
            f"It is {escape(filed['described'])}. Please review it and add the action items."
        )
        if filed.get("unassigned"):
            text += f"\n:warning: It is not assigned: {filed['unassigned']}. Assign it by hand."
        posted = {"ts": self._slack.post_message(incident.channel_id, text)}
        if filed.get("action_items"):
            proposals = FollowUpProposals(
                incident.id, str(incident.resolution_id), tuple(filed["action_items"])
            )
            posted["proposals_ts"] = self._slack.post_message(incident.channel_id, proposals)
        return posted

    def _schedule_sla(self, incident: Incident) -> dict[str, Any]:
        if self._sla is None:
            return {"skipped": "no scheduler"}
        self._sla.schedule_postmortem_due(incident)
        return {}

    def _archive_room(self, incident: Incident) -> dict[str, Any]:
        if not incident.channel_id:
            return {"skipped": "no room"}
        self._slack.archive(incident.channel_id)
        return {"channel_id": incident.channel_id}
