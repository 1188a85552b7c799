"""Loki: the most recent log lines matching a LogQL query (newest first).

`GET /loki/api/v1/query_range?query=...&limit=...&direction=backward&start=<ns>&end=<ns>`
answers `{"status": "success", "data": {"resultType": "streams", "result": [{"stream":
{labels}, "values": [["<unix ns>", "<line>"], ...]}]}}`. Lines from every stream are merged
and the newest `limit` kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.adapters.context.endpoint import SourceEndpoint, listing, mapping
from bot.ports.context import ContextSection, ContextUnavailable


@dataclass(frozen=True)
class LokiQuery:
    url: str
    query: str
    limit: int
    since: timedelta


class LokiSource:
    title = "Recent errors"

    def __init__(self, query: LokiQuery, *, timeout: float) -> None:
        self._query = query
        self._endpoint = SourceEndpoint(query.url, timeout=timeout)

    def fetch(self, now: datetime) -> ContextSection:
        start = now - self._query.since
        answer = mapping(
            self._endpoint.get(
                "/loki/api/v1/query_range",
                {
                    "query": self._query.query,
                    "limit": str(self._query.limit),
                    "direction": "backward",
                    "start": str(_nanoseconds(start)),
                    "end": str(_nanoseconds(now)),
                },
            ),
            "the answer",
        )
        if answer.get("status") != "success":
            raise ContextUnavailable(f"query failed: {answer.get('error', 'unknown error')}")
        lines: list[tuple[int, str]] = []
        for stream in listing(mapping(answer.get("data"), "data").get("result"), "data.result"):
            for entry in listing(mapping(stream, "a stream").get("values"), "a stream's values"):
                lines.append(_line(entry))
        lines.sort(reverse=True)
        rows = tuple(
            f"{datetime.fromtimestamp(ns / 1e9, UTC):%H:%M:%S} {text}"
            for ns, text in lines[: self._query.limit]
        )
        return ContextSection(self.title, rows or ("no matching lines",))


def _line(entry: object) -> tuple[int, str]:
    try:
        stamp, text = listing(entry, "a log entry")[:2]
        return int(stamp), str(text)
    except (TypeError, ValueError) as exc:
        raise ContextUnavailable("unexpected answer: a log entry is not [time, line]") from exc


def _nanoseconds(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000
