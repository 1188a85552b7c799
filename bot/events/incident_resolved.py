"""INCIDENT_RESOLVED: run (or resume) the resolve flow's slow steps for one resolution.

A step that fails makes the handler raise, so the consumer retries later and the flow
resumes at the unfinished steps; an event for a reopened or re-resolved incident is stale
and acknowledged without doing anything.
"""

from __future__ import annotations

from bot.ports.queue import QueueMessage
from bot.services.resolution.flow import ResolutionFlow


class IncidentResolvedHandler:
    def __init__(self, flow: ResolutionFlow) -> None:
        self._flow = flow

    def __call__(self, message: QueueMessage) -> None:
        resolution_id = message.payload.get("resolution_id")
        self._flow.run(message.incident_id, str(resolution_id) if resolution_id else None)
