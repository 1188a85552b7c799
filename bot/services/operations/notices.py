"""RunNotices: what people see of a run besides the reply to the one who confirmed it.

A run started from an incident's room goes on its timeline (a change marker, listed in the
postmortem); break-glass is announced in the room and the announce channel; a failed or
blocked run alerts both, and so does a result that arrives after the run was failed as
interrupted (the action did run: nobody should start it again blind). Slack failures here
degrade to a log line: the run itself is done and audited either way.
"""

from __future__ import annotations

import logging

from bot.domain.models import TimelineEntry, TimelineKind
from bot.domain.operation_run import OperationRun, RunOutcome
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import Timeline
from bot.services.slack_text import escape, user

log = logging.getLogger(__name__)


def describe(run: OperationRun) -> str:
    """One line of mrkdwn about a run, every outside piece escaped."""
    counts = f"{run.affected} affected"
    if run.summary is not None:
        s = run.summary
        counts = (
            f"total {s.total}, processed {s.processed}, updated {s.updated}, "
            f"skipped {s.skipped}, failed {s.failed}"
        )
    outcome = run.outcome.value if run.status.value == "completed" else run.status.value
    return (
        f"run `{escape(run.id)}` of `{escape(run.runbook)}` on `{escape(run.scope)}`: "
        f"*{outcome}* ({counts})"
    )


class RunNotices:
    def __init__(
        self,
        slack: SlackGateway | None,
        timeline: Timeline | None,
        *,
        announce_channel: str | None = None,
    ) -> None:
        self._slack = slack
        self._timeline = timeline
        self._announce = announce_channel

    def started(self, run: OperationRun) -> None:
        self._on_timeline(
            run,
            f"Change: runbook {run.runbook} run {run.id} on {run.scope} "
            f"({run.affected} affected), confirmed by {run.confirmed_by}",
            f"change:run:{run.id}",
        )
        if run.break_glass:
            reason = (
                f" Reason: {run.reason.code.value} {escape(run.reason.text)}" if run.reason else ""
            )
            self._post(
                run,
                f":rotating_light: *Break-glass* by {user(run.confirmed_by)}: "
                f"{describe(run)}; policy was overridden.{reason}",
            )

    def finished(self, run: OperationRun) -> None:
        if run.outcome not in {RunOutcome.FAILED, RunOutcome.BLOCKED}:
            return
        why = ""
        if run.failure is not None:
            why = f" `{run.failure.code.value}`: {escape(run.failure.message)}"
        self._post(run, f":warning: Runbook {describe(run)}.{why}")

    def finished_late(self, recorded: OperationRun, late: OperationRun) -> None:
        """The target answered after `recorded` was failed as interrupted: `late` is what
        it said."""
        self._on_timeline(
            recorded,
            f"Late result: runbook run {late.id} on {late.scope}, recorded as interrupted, "
            f"reached the target after all: {late.outcome.value}",
            f"change:run:{recorded.id}:late",
        )
        self._post(
            recorded,
            f":information_source: {describe(late)}, though it was recorded as interrupted: the "
            "target answered after marshal lost track of it, so the action did run. Check the "
            "target before starting it again.",
        )

    def _on_timeline(self, run: OperationRun, text: str, source_ref: str) -> None:
        """A line on the run's incident's timeline (the postmortem lists them), if it has one."""
        if run.incident_id and self._timeline is not None:
            self._timeline.add_timeline(
                TimelineEntry(
                    incident_id=run.incident_id,
                    author=run.confirmed_by,
                    kind=TimelineKind.SYSTEM,
                    text=text,
                    source_ref=source_ref,
                )
            )

    def _post(self, run: OperationRun, text: str) -> None:
        if self._slack is None:
            return
        channels = [c for c in (run.channel_id, self._announce) if c]
        for channel in dict.fromkeys(channels):
            try:
                self._slack.post_message(channel, text)
            except SlackCallFailed as exc:
                log.warning("run notice not posted", extra={"run": run.id, "error": exc.error})
