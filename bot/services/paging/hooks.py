"""How paging joins the other flows without them knowing it: the war room's on_assembled
starts paging, the resolve flow's "stop nudges" step also syncs the pagers, and a reopen
pages level 1 again at once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.errors import BackendUnavailable
from bot.domain.models import Incident
from bot.services.paging.escalation import Escalation
from bot.services.resolution.hooks import NudgeControl

log = logging.getLogger(__name__)


def also_page(
    on_assembled: Callable[[Incident], None], timer: Callable[[Incident], None]
) -> Callable[[Incident], None]:
    """on_assembled for the war room: the nudges' hook, then paging (through its timer,
    which starts level 1 and plans the next)."""

    def assembled(incident: Incident) -> None:
        on_assembled(incident)
        timer(incident)

    return assembled


class ResolvedAlsoSyncsPagers:
    """The resolve flow's NudgeControl: stop the nudges, then send resolve to the pagers."""

    def __init__(self, nudges: NudgeControl, escalation: Escalation) -> None:
        self._nudges = nudges
        self._escalation = escalation

    def stop_nudges(self, incident_id: str) -> None:
        self._nudges.stop_nudges(incident_id)
        self._escalation.resolved(incident_id)

    def resume_nudges(self, incident_id: str) -> None:
        """A reopen plans the nudges again and pages level 1 of the next epoch now (not at
        the timer's next reconcile); `start` is a conditional write, so this and the
        reconcile of any processor start it once between them."""
        self._nudges.resume_nudges(incident_id)
        try:
            self._escalation.reopened(incident_id)
        except BackendUnavailable as exc:  # the timer's reconcile starts it later
            log.warning("reopen left to paging's reconcile: %s", exc)
