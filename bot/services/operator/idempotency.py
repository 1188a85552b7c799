"""IdempotentWrites: every operator write runs once per (token, Idempotency-Key).

Powertools' idempotency in small: the first request stores an IN_PROGRESS record (a
conditional write, so of two concurrent requests one runs), runs, and stores its answer. A
replay with the same key and the same request gets that first answer back; the same key with
another request is refused (422), and one still running is refused too (409) rather than run
twice. A request that failed without an answer (an exception, a 5xx) releases its key so
the client's retry runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.api_tokens import IdempotencyRecord, IdempotencyState
from bot.domain.errors import MarshalError
from bot.domain.models import utcnow
from bot.ports.api_tokens import IdempotencyRecords

KEEP_FOR = timedelta(hours=24)
MAX_KEY_CHARS = 200


class KeyReused(MarshalError):
    """The Idempotency-Key was used for another request (`in_progress` False) or for this
    one, which has not finished yet (`in_progress` True)."""

    def __init__(self, message: str, *, in_progress: bool) -> None:
        self.in_progress = in_progress
        super().__init__(message)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: str
    replayed: bool = False


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotentWrites:
    def __init__(self, records: IdempotencyRecords, clock: Callable[[], datetime] = utcnow) -> None:
        self._records = records
        self._clock = clock

    def run(
        self, token_id: str, key: str, fingerprint: str, write: Callable[[], tuple[int, str]]
    ) -> Answer:
        now = self._clock()
        record = IdempotencyRecord(
            key=f"{token_id}:{key}",
            request_sha256=fingerprint,
            created_at=now,
            expires_at=now + KEEP_FOR,
        )
        existing = self._records.begin(record)
        if existing is not None:
            return self._replay(existing, fingerprint)
        try:
            status_code, body = write()
        except BaseException:
            self._records.release(record.key)
            raise
        if status_code >= 500:  # not an answer to keep: the client's retry should run again
            self._records.release(record.key)
        else:
            self._records.complete(record.key, status_code, body)
        return Answer(status_code, body)

    @staticmethod
    def _replay(existing: IdempotencyRecord, fingerprint: str) -> Answer:
        if existing.request_sha256 != fingerprint:
            raise KeyReused(
                "this Idempotency-Key was used for a different request; use a new key",
                in_progress=False,
            )
        if existing.state is IdempotencyState.IN_PROGRESS or existing.status_code is None:
            raise KeyReused(
                "a request with this Idempotency-Key is still running; retry shortly",
                in_progress=True,
            )
        return Answer(existing.status_code, existing.body or "", replayed=True)
