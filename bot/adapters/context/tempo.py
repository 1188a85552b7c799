"""Tempo: recent traces matching tags (e.g. errors of the service), via its search API.

`GET /api/search?tags=<logfmt>&limit=...&start=<unix s>&end=<unix s>` answers `{"traces":
[{"traceID": "...", "rootServiceName": "...", "rootTraceName": "...", "startTimeUnixNano":
"...", "durationMs": 12}]}`; `durationMs` is left out for traces under a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.adapters.context.endpoint import SourceEndpoint, listing, mapping
from bot.ports.context import ContextSection


@dataclass(frozen=True)
class TempoQuery:
    url: str
    tags: str
    limit: int
    since: timedelta


class TempoSource:
    title = "Recent traces"

    def __init__(self, query: TempoQuery, *, timeout: float) -> None:
        self._query = query
        self._endpoint = SourceEndpoint(query.url, timeout=timeout)

    def fetch(self, now: datetime) -> ContextSection:
        start = now - self._query.since
        answer = mapping(
            self._endpoint.get(
                "/api/search",
                {
                    "tags": self._query.tags,
                    "limit": str(self._query.limit),
                    "start": str(int(start.timestamp())),
                    "end": str(int(now.timestamp()) + 1),
                },
            ),
            "the answer",
        )
        traces = listing(answer.get("traces", []), "traces")[: self._query.limit]
        rows = tuple(_row(mapping(trace, "a trace")) for trace in traces)
        return ContextSection(self.title, rows or ("no matching traces",))


def _row(trace: dict[str, object]) -> str:
    trace_id = str(trace.get("traceID") or "?")
    service = str(trace.get("rootServiceName") or "?")
    name = str(trace.get("rootTraceName") or "")
    duration = trace.get("durationMs")
    took = f"{duration} ms" if isinstance(duration, int | float) else "<1 ms"
    return f"{trace_id} · {service} {name}".rstrip() + f" · {took}"
