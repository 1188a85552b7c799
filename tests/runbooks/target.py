"""A fake runbook target: preview and execute endpoints that record calls, fail on demand
(FakeHttp's `fail_next`) and answer slowly (`execute_delay`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp, Seen


@dataclass
class FakeTarget(FakeHttp):
    targets: list[str] = field(default_factory=lambda: ["pod-1", "pod-2", "pod-3"])
    warnings: list[str] = field(default_factory=list)
    execute_delay: float = 0.0
    execute_status: int = 200
    fail_executes: int = 0  # answer 503 to this many execute requests first

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if path.endswith("/preview"):
            return (
                200,
                {},
                {"targets": self.targets, "count": len(self.targets), "warnings": self.warnings},
            )
        if self.execute_delay:
            time.sleep(self.execute_delay)
        with self.lock:
            flaky = self.fail_executes > 0
            self.fail_executes -= 1 if flaky else 0
        if flaky:
            return 503, {}, {"error": "try again"}
        if self.execute_status != 200:
            return self.execute_status, {}, {"error": "the target says no"}
        count = len(body.get("targets", [])) if isinstance(body, dict) else 0
        return (
            200,
            {},
            {
                "summary": {
                    "total": count,
                    "processed": count,
                    "updated": count,
                    "skipped": 0,
                    "failed": 0,
                    "extra": 7,
                }
            },
        )

    def executes(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if not s.path.endswith("/preview")]

    def previews(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.endswith("/preview")]
