"""The alert-source registry: `/webhooks/<name>` -> how it is signed and how it is parsed.

One line per source. Names equal the `AlertSource` values and the URL path segment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.domain.models import Alert, AlertSource
from bot.ingest.severity_map import SeverityMap
from bot.ingest.signatures import (
    SignatureScheme,
    Signer,
    check_alertmanager,
    check_generic,
    check_grafana,
    check_grafana_oncall,
    check_pagerduty,
    signer_for,
)
from bot.ingest.sources import alertmanager, generic, grafana, grafana_oncall, pagerduty

Parser = Callable[[bytes, SeverityMap], list[Alert]]
"""(raw body, severity map) -> Alerts; raises PayloadInvalid on bad input, nothing else."""


@dataclass(frozen=True)
class SourceEntry:
    source: AlertSource
    check: SignatureScheme
    parse: Parser
    secret_required: bool = True  # False: unsigned requests pass while no secret is configured

    @property
    def sign(self) -> Signer:
        """(secret, body, now) -> the headers a genuine sender would add; for drills."""
        return signer_for(self.source)


CATALOG: Mapping[str, SourceEntry] = MappingProxyType(
    {
        "grafana-oncall": SourceEntry(
            AlertSource.GRAFANA_ONCALL, check_grafana_oncall, grafana_oncall.parse
        ),
        "alertmanager": SourceEntry(
            AlertSource.ALERTMANAGER, check_alertmanager, alertmanager.parse
        ),
        "grafana": SourceEntry(AlertSource.GRAFANA, check_grafana, grafana.parse, False),
        "pagerduty": SourceEntry(AlertSource.PAGERDUTY, check_pagerduty, pagerduty.parse),
        "generic": SourceEntry(AlertSource.GENERIC, check_generic, generic.parse),
    }
)
