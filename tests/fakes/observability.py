"""Local fakes of Prometheus, Loki and Tempo query APIs, answering their real JSON shapes.

Prometheus answers each instant query with the value scripted for it: `now` for a `time`
at or after `now_at`, `baseline` before it. Loki and Tempo answer their scripted lines and
traces. `BrokenSource` always answers 500; `StalledSource` holds every request until it
is released (at teardown), so a client's timeout is the only way out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.http_fake import Answer, FakeHttp


def query_of(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def _not_found() -> Answer:
    return 404, {}, {"status": "error", "errorType": "not_found", "error": "no such route"}


@dataclass
class FakePrometheus(FakeHttp):
    now_at: float = 0.0
    # query -> (value now, value at the baseline); None answers an empty vector
    series: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if urlsplit(path).path != "/api/v1/query":
            return _not_found()
        query = query_of(path)
        if query.get("query") not in self.series or "time" not in query:
            return 400, {}, {"status": "error", "errorType": "bad_data", "error": "parse error"}
        at = float(query["time"])
        now, baseline = self.series[query["query"]]
        value = now if at >= self.now_at else baseline
        result = [] if value is None else [{"metric": {}, "value": [at, str(value)]}]
        return 200, {}, {"status": "success", "data": {"resultType": "vector", "result": result}}


@dataclass
class FakeLoki(FakeHttp):
    # labels -> [(unix ns, line)], the way Loki groups lines into streams
    streams: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if urlsplit(path).path != "/loki/api/v1/query_range":
            return _not_found()
        query = query_of(path)
        limit = int(query.get("limit", "100"))
        result = [
            {
                "stream": {"app": app},
                "values": [[str(ns), line] for ns, line in sorted(lines, reverse=True)][:limit],
            }
            for app, lines in self.streams.items()
        ]
        data = {"resultType": "streams", "result": result, "stats": {}}
        return 200, {}, {"status": "success", "data": data}


@dataclass
class FakeTempo(FakeHttp):
    traces: list[dict[str, Any]] = field(default_factory=list)

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if urlsplit(path).path != "/api/search":
            return _not_found()
        limit = int(query_of(path).get("limit", "20"))
        return 200, {}, {"traces": self.traces[:limit], "metrics": {"inspectedTraces": 100}}


@dataclass
class BrokenSource(FakeHttp):
    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        return 500, {}, {"status": "error", "error": "internal <b>boom</b>"}


@dataclass
class StalledSource(FakeHttp):
    released: threading.Event = field(default_factory=threading.Event)
    answered: int = 0

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        self.released.wait(timeout=10)
        with self.lock:
            self.answered += 1
        return 200, {}, {"traces": []}

    def stop(self) -> None:
        self.released.set()
        super().stop()
