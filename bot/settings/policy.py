"""People and policy settings: approvers, the two-person rule, channels, directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from bot.domain.severity import Severity
from bot.settings.parsing import csv_list


class PolicySettings(BaseModel):
    """People and policy: approvers, the two-person rule, channels, directory."""

    marshal_approvers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    marshal_two_person_rule: Annotated[list[Severity], NoDecode] = Field(
        default_factory=lambda: [Severity.P1]
    )
    # How long a status-page publish whose process died holds its draft; a running publish
    # renews its claim every third of this (bot/gates/lease.py).
    marshal_publish_lease_seconds: int = Field(default=30, ge=3, le=3600)
    marshal_announce_channel: str | None = None
    marshal_triage_channel: str | None = None
    # Invited when no responder resolves from the directory or the on-call (user / group ids).
    marshal_default_responders: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Severities whose war rooms are public channels (e.g. P3,P4); the rest are private.
    marshal_public_rooms: Annotated[list[Severity], NoDecode] = Field(default_factory=list)
    marshal_war_room_threshold: Severity = Severity.P2
    marshal_severity_map: str = ""
    marshal_directory_file: Path | None = None
    marshal_context_file: Path | None = None
    # War-room checklist items per severity (YAML: default / P1..P5 -> [{key, label}]).
    marshal_checklist_file: Path | None = None

    @field_validator("marshal_approvers", "marshal_default_responders", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> list[str]:
        return csv_list(value)

    @field_validator("marshal_two_person_rule", mode="before")
    @classmethod
    def _two_person(cls, value: object) -> list[Severity]:
        if isinstance(value, bool):
            return list(Severity) if value else []
        text = ",".join(csv_list(value)).lower()
        if text in {"true", "yes", "on", "1", "all"}:
            return list(Severity)
        if text in {"false", "no", "off", "0", "", "none"}:
            return []
        return [Severity.parse(s) for s in csv_list(value)]

    @field_validator("marshal_public_rooms", mode="before")
    @classmethod
    def _public_rooms(cls, value: object) -> object:
        if isinstance(value, str):
            return [Severity.parse(s) for s in csv_list(value)]
        return value

    @field_validator("marshal_war_room_threshold", mode="before")
    @classmethod
    def _threshold(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value

    @field_validator("marshal_severity_map")
    @classmethod
    def _severity_map(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            word, sep, severity = part.partition("=")
            if not sep or not word.strip():
                raise ValueError(f"{part!r} should look like critical=P1")
            Severity.parse(severity)
        return value
