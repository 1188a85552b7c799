"""Runbook settings: the runbook catalog file and who may break glass."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from bot.settings.parsing import csv_list


class RunbookSettings(BaseModel):
    """Runbooks and operation runs (DESIGN.md section 3b)."""

    marshal_runbook_file: Path | None = None
    marshal_break_glass: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A run's executor renews its lease every third of this; recovery on another processor
    # fails (or resumes) a run only once its lease has run out.
    marshal_run_lease_seconds: int = Field(default=30, ge=1, le=3600)

    @field_validator("marshal_break_glass", mode="before")
    @classmethod
    def _ids(cls, value: object) -> list[str]:
        return csv_list(value)
