"""Build the IncidentStore and AuditLog the settings name (MARSHAL_STORE=sqlite|dynamodb).

SQLite adapters built from one Settings share one SqliteDatabase per file path, so the
store, the audit log (and the local queue) use one set of per-thread connections. The
DynamoDB side lives in bot/wiring/dynamodb.py and is imported only when it is chosen: the
AWS SDK alone costs a third of a second at start-up, which every `marshal incident list` on
the embedded default would otherwise pay.
"""

from __future__ import annotations

import threading
from pathlib import Path

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit_keys import AuditKeyring
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.settings import Settings
from bot.wiring.audit_keys import audit_keyring

_databases: dict[Path, SqliteDatabase] = {}
_databases_lock = threading.Lock()


def sqlite_database(settings: Settings) -> SqliteDatabase:
    """The one SqliteDatabase for `settings.marshal_db_path` in this process."""
    path = settings.marshal_db_path.expanduser().resolve()
    with _databases_lock:
        database = _databases.get(path)
        if database is None:
            database = _databases[path] = SqliteDatabase(path)
        return database


def build_store(settings: Settings) -> IncidentStore:
    if settings.marshal_store == "dynamodb":
        from bot.wiring.dynamodb import dynamo_store  # noqa: PLC0415 - the AWS SDK on demand

        return dynamo_store(settings)
    return SqliteIncidentStore(sqlite_database(settings))


def build_audit_log(settings: Settings, keys: AuditKeyring | None = None) -> AuditLog:
    """The audit log, keyed with `keys` or as bot/wiring/audit_keys.py says (with
    MARSHAL_STORE=dynamodb and no MARSHAL_AUDIT_KEY, ConfigurationError stops start-up)."""
    keys = keys or audit_keyring(settings)
    if settings.marshal_store == "dynamodb":
        from bot.wiring.dynamodb import dynamo_audit_log  # noqa: PLC0415 - AWS SDK on demand

        return dynamo_audit_log(settings, keys)
    return SqliteAuditLog(sqlite_database(settings), keys=keys)
