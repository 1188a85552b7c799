"""Prometheus-compatible instant queries: error rate and p99 latency, now and a baseline ago.

`GET /api/v1/query?query=...&time=...` answers `{"status": "success", "data": {"resultType":
"vector", "result": [{"metric": {...}, "value": [<unix>, "<number>"]}]}}`; the first
sample is taken, an empty vector is "no data". Mimir, Thanos and VictoriaMetrics speak
the same API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.adapters.context.endpoint import SourceEndpoint, listing, mapping
from bot.ports.context import ContextSection, ContextUnavailable


@dataclass(frozen=True)
class PrometheusQueries:
    url: str
    error_rate: str | None
    p99_latency: str | None
    baseline: timedelta


class PrometheusSource:
    title = "Metrics"

    def __init__(self, queries: PrometheusQueries, *, timeout: float) -> None:
        self._queries = queries
        self._endpoint = SourceEndpoint(queries.url, timeout=timeout)

    def fetch(self, now: datetime) -> ContextSection:
        rows: list[str] = []
        then = now - self._queries.baseline
        ago = _duration(self._queries.baseline)
        if self._queries.error_rate:
            current, before = self._pair(self._queries.error_rate, now, then)
            rows.append(f"error rate {_rate_change(current, before, ago)}")
        if self._queries.p99_latency:
            current, before = self._pair(self._queries.p99_latency, now, then)
            rows.append(f"p99 latency {_latency_change(current, before, ago)}")
        return ContextSection(self.title, tuple(rows))

    def _pair(self, query: str, now: datetime, then: datetime) -> tuple[float | None, float | None]:
        return self._value(query, now), self._value(query, then)

    def _value(self, query: str, at: datetime) -> float | None:
        answer = mapping(
            self._endpoint.get("/api/v1/query", {"query": query, "time": f"{at.timestamp():.3f}"}),
            "the answer",
        )
        if answer.get("status") != "success":
            raise ContextUnavailable(f"query failed: {answer.get('error', 'unknown error')}")
        result = listing(mapping(answer.get("data"), "data").get("result"), "data.result")
        if not result:
            return None
        sample = mapping(result[0], "a sample").get("value")
        try:
            value = float(listing(sample, "a sample's value")[1])
        except (IndexError, TypeError, ValueError) as exc:
            raise ContextUnavailable("unexpected answer: a sample is not a number") from exc
        return None if math.isnan(value) else value


def _rate_change(now: float | None, before: float | None, ago: str) -> str:
    text = f"{_percent(now)} now, {_percent(before)} {ago} ago"
    if now is None or before is None:
        return text
    points = (now - before) * 100
    return f"{text} ({points:+.2f} pp)"


def _latency_change(now: float | None, before: float | None, ago: str) -> str:
    text = f"{_seconds(now)} now, {_seconds(before)} {ago} ago"
    if now is None or before is None or before == 0 or math.isinf(now) or math.isinf(before):
        return text
    return f"{text} ({(now - before) / before * 100:+.0f}%)"


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.2f}%"


def _seconds(value: float | None) -> str:
    if value is None:
        return "no data"
    if math.isinf(value):
        return "+Inf"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
