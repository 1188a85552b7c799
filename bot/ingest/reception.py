"""AlertReception: what the HTTP tier calls for `POST /webhooks/<name>` — verify, then parse.

    reception = AlertReception(EnvSecretSource(settings))
    verdict = reception.verify(name, request.headers, body)   # UnknownSource -> 404
    if not verdict.ok: answer 401 and log verdict.reason
    alerts = reception.parse(name, body)                      # PayloadInvalid -> 400 naming .field
    # [] means "understood, nothing to alert on" (e.g. PagerDuty's ping): answer 202

Always verify before parsing: an unverified body is never looked at.

Replays: PagerDuty and Grafana OnCall sign the body without a timestamp, so a captured request
verifies forever. An event stamped (by its sender) more than REPLAY_WINDOW ago is refused,
longer than any sender retries; within the window the event id's dedup record (see
`is_recurrence`) turns a replay into a 200 duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.domain.models import Alert
from bot.ingest.catalog import CATALOG, SourceEntry
from bot.ingest.errors import PayloadInvalid, UnknownSource
from bot.ingest.secrets import SecretSource
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap
from bot.ingest.signatures import Clock, SignatureVerifier, Verdict

REPLAY_WINDOW = timedelta(days=7)


class AlertReception:
    def __init__(
        self,
        secrets: SecretSource,
        severities: SeverityMap = DEFAULT_SEVERITY_MAP,
        *,
        clock: Clock = time.time,
        catalog: Mapping[str, SourceEntry] = CATALOG,
    ) -> None:
        self._catalog = catalog
        self._severities = severities
        self._clock = clock
        self._verifiers = {
            name: SignatureVerifier(
                entry.source,
                entry.check,
                secrets,
                secret_required=entry.secret_required,
                clock=clock,
            )
            for name, entry in catalog.items()
        }

    @property
    def names(self) -> list[str]:
        return list(self._catalog)

    def entry(self, name: str) -> SourceEntry:
        try:
            return self._catalog[name]
        except KeyError:
            raise UnknownSource(name, self.names) from None

    def verify(self, name: str, headers: Mapping[str, str], body: bytes) -> Verdict:
        self.entry(name)
        return self._verifiers[name].verify(headers, body)

    def parse(self, name: str, body: bytes) -> list[Alert]:
        alerts = self.entry(name).parse(body, self._severities)
        oldest = datetime.fromtimestamp(self._clock(), UTC) - REPLAY_WINDOW
        for alert in alerts:
            if alert.occurred_at is not None and alert.occurred_at < oldest:
                raise PayloadInvalid(
                    "event",
                    f"event time {alert.occurred_at.isoformat()} is older than the "
                    f"{REPLAY_WINDOW.days}-day replay window; refused as a replayed request",
                )
        return alerts
