"""NudgePolicy: how often marshal nudges for status updates and when it reminds, as plain values.

The scheduler and the reminders take this, not the whole Settings: wiring builds it from
MARSHAL_NUDGE_INTERVAL, MARSHAL_REMINDER_* and MARSHAL_COMMAND (bot/wiring/nudges.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.severity import Severity


@dataclass(frozen=True)
class ReminderRule:
    after_seconds: int  # how long the condition must hold (and the repeat period)
    text: str  # a template with {who} {title} {id} {age} {command}


@dataclass(frozen=True)
class NudgePolicy:
    intervals: Mapping[Severity, int]  # seconds between nudges, per severity; absent = none
    ic_unclaimed: ReminderRule
    inactive: ReminderRule
    postmortem_due: ReminderRule
    command: str = "/marshal"  # the root slash command the messages tell people to type
