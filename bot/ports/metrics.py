"""Metrics port: what services count and time, named in the domain's words.

Services call these methods and never see a metrics library; the Prometheus adapter
(bot/observability/metrics.py) turns them into the series GET /metrics exports.
"""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def webhook_handled(self, source: str, status: int, seconds: float) -> None:
        """One webhook request of `source` answered with `status` after `seconds`."""

    def incident_opened(self, source: str, severity: str) -> None: ...

    def war_room_assembled(self, severity: str, seconds: float) -> None:
        """Alert received to war room assembled, for one incident."""

    def event_processed(self, event_type: str, outcome: str) -> None: ...

    def command_run(self, subcommand: str, outcome: str) -> None: ...
