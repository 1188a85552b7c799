"""Rhythm and output settings: nudges, reminders, postmortems, archiving, logs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from bot.domain.durations import parse_duration
from bot.domain.severity import Severity
from bot.settings.parsing import REMINDER_PLACEHOLDERS, csv_list, parse_severity_durations


class RhythmSettings(BaseModel):
    """Rhythm and outputs: nudges, reminders, postmortems, archiving, logs."""

    marshal_nudge_interval: Annotated[dict[Severity, int], NoDecode] = Field(
        default_factory=lambda: {Severity.P1: 900, Severity.P2: 1800}
    )
    # Reminder delays in seconds, written as durations (5m, 48h) like the nudge interval.
    marshal_reminder_ic_unclaimed: int = Field(default=300, gt=0)
    marshal_reminder_postmortem_due: int = Field(default=48 * 3600, gt=0)
    marshal_reminder_inactive: int = Field(default=24 * 3600, gt=0)
    marshal_reminder_ic_unclaimed_text: str = (
        "*{title}* has no incident commander yet, {age} after the war room opened. {who}: "
        "one of you, claim it with `{command} role ic`."
    )
    marshal_reminder_postmortem_due_text: str = (
        "The postmortem for *{title}* was due {age} after resolve and is not marked done. "
        "{who}: please finish it, then mark it with `{command} postmortem done {id}`."
    )
    marshal_reminder_inactive_text: str = (
        "*{title}* is still open but nothing happened here for {age}. {who}: post an update, "
        "or resolve it with `{command} resolve` if it is over."
    )
    marshal_postmortem_dir: Path = Path("postmortems")
    marshal_auto_resolve: bool = False
    marshal_archive_on_resolve: bool = True
    # Grace between resolve and archiving the room (0 = at once), so people can rate and reopen.
    marshal_archive_after: int = Field(default=24 * 3600, ge=0)
    marshal_service_repos: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    marshal_log_level: str = "INFO"

    @field_validator("marshal_service_repos", mode="before")
    @classmethod
    def _repos(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        repos: dict[str, str] = {}
        for part in csv_list(value):
            service, _, repo = part.partition("=")
            if not service.strip() or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo.strip()):
                raise ValueError(f"{part!r} should look like checkout-api=org/checkout")
            repos[service.strip()] = repo.strip()
        return repos

    @field_validator("marshal_nudge_interval", mode="before")
    @classmethod
    def _nudges(cls, value: object) -> object:
        return parse_severity_durations(value) if isinstance(value, str) else value

    @field_validator(
        "marshal_reminder_ic_unclaimed",
        "marshal_reminder_postmortem_due",
        "marshal_reminder_inactive",
        mode="before",
    )
    @classmethod
    def _reminder_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("marshal_archive_after", mode="before")
    @classmethod
    def _archive_after(cls, value: object) -> object:
        # "0" is allowed here (archive at once, the old behaviour); other durations as usual.
        if isinstance(value, str) and value.strip() not in {"0", "0s"}:
            return parse_duration(value)
        return 0 if isinstance(value, str) else value

    @field_validator(
        "marshal_reminder_ic_unclaimed_text",
        "marshal_reminder_postmortem_due_text",
        "marshal_reminder_inactive_text",
    )
    @classmethod
    def _reminder_text(cls, value: str) -> str:
        unknown = set(re.findall(r"{(\w*)}", value)) - REMINDER_PLACEHOLDERS
        if unknown:
            names = ", ".join(f"{{{n}}}" for n in sorted(REMINDER_PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {names}")
        return value

    def nudge_seconds(self, severity: Severity) -> int | None:
        return self.marshal_nudge_interval.get(severity)
