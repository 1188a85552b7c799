"""The resolve flow's step names, in the order they run, and when a resolution is complete."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.models import Incident


class ResolutionStep(StrEnum):
    STOP_NUDGES = "stop_nudges"
    RETIRE_BUTTONS = "retire_buttons"
    STATUS_PAGE = "status_page"
    ANNOUNCEMENT = "announcement"
    RATING = "rating"
    POSTMORTEM_FILED = "postmortem_filed"
    POSTMORTEM_POSTED = "postmortem_posted"
    SLA_SCHEDULED = "sla_scheduled"
    ARCHIVE = "archive"


ORDER: tuple[ResolutionStep, ...] = tuple(ResolutionStep)


def required_steps(*, archive: bool) -> tuple[ResolutionStep, ...]:
    return ORDER if archive else tuple(s for s in ORDER if s is not ResolutionStep.ARCHIVE)


def is_complete(incident: Incident, *, archive: bool) -> bool:
    return all(step.value in incident.resolution for step in required_steps(archive=archive))
