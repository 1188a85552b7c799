"""The operator API's tokens and idempotency records on SQLite (tables of migration 5)."""

from __future__ import annotations

from datetime import datetime

from bot.adapters.listing import time_key
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.api_tokens import ApiToken, IdempotencyRecord, IdempotencyState


class SqliteApiTokens:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def add(self, token: ApiToken) -> None:
        self._db.write(
            "INSERT INTO api_tokens (id, created_key, data) VALUES (?, ?, ?)",
            (token.id, time_key(token.created_at), token.model_dump_json()),
        )

    def get(self, token_id: str) -> ApiToken | None:
        row = self._db.fetch_one("SELECT data FROM api_tokens WHERE id = ?", (token_id,))
        return ApiToken.model_validate_json(row[0]) if row else None

    def list_tokens(self) -> list[ApiToken]:
        rows = self._db.fetch_all("SELECT data FROM api_tokens ORDER BY created_key, id")
        return [ApiToken.model_validate_json(r[0]) for r in rows]

    def revoke(self, token_id: str, at: datetime) -> ApiToken | None:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT data FROM api_tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None:
                return None
            token = ApiToken.model_validate_json(row[0])
            if token.revoked_at is None:
                token = token.model_copy(update={"revoked_at": at})
                conn.execute(
                    "UPDATE api_tokens SET data = ? WHERE id = ?",
                    (token.model_dump_json(), token_id),
                )
            return token


class SqliteIdempotencyRecords:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT data FROM api_idempotency WHERE key = ? AND expires_at > ?",
                (record.key, time_key(record.created_at)),
            ).fetchone()
            if row is not None:
                return IdempotencyRecord.model_validate_json(row[0])
            conn.execute(
                "INSERT OR REPLACE INTO api_idempotency (key, state, expires_at, data) "
                "VALUES (?, ?, ?, ?)",
                (
                    record.key,
                    record.state.value,
                    time_key(record.expires_at),
                    record.model_dump_json(),
                ),
            )
        return None

    def complete(self, key: str, status_code: int, body: str) -> None:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT data FROM api_idempotency WHERE key = ?", (key,)).fetchone()
            if row is None:
                return
            done = IdempotencyRecord.model_validate_json(row[0]).model_copy(
                update={
                    "state": IdempotencyState.COMPLETED,
                    "status_code": status_code,
                    "body": body,
                }
            )
            conn.execute(
                "UPDATE api_idempotency SET state = ?, data = ? WHERE key = ?",
                (done.state.value, done.model_dump_json(), key),
            )

    def release(self, key: str) -> None:
        self._db.write(
            "DELETE FROM api_idempotency WHERE key = ? AND state = ?",
            (key, IdempotencyState.IN_PROGRESS.value),
        )
