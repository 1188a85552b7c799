"""Build the IncidentStore and AuditLog the settings name (MARSHAL_STORE=sqlite|dynamodb).

SQLite adapters built from one Settings share one SqliteDatabase per file path, so the
store, the audit log (and the local queue) use one set of per-thread connections.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from bot.adapters.aws.clients import client_config
from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.tables import ensure_tables
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit_keys import AuditKeyring
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.settings import Settings
from bot.wiring.audit_keys import audit_keyring

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient

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


def dynamodb_client(settings: Settings) -> DynamoDBClient:
    """A DynamoDB client with a connection per web worker thread (and the background ones);
    boto3 itself honours AWS_ENDPOINT_URL for local emulators."""
    config = client_config(
        threads=settings.marshal_http_threads, connect_timeout=3, read_timeout=10
    )
    return boto3.client("dynamodb", region_name=settings.aws_region, config=config)


def build_store(settings: Settings) -> IncidentStore:
    if settings.marshal_store == "dynamodb":
        return DynamoIncidentStore(dynamodb_client(settings), settings.marshal_table_prefix)
    return SqliteIncidentStore(sqlite_database(settings))


def build_audit_log(settings: Settings, keys: AuditKeyring | None = None) -> AuditLog:
    """The audit log, keyed with `keys` or as bot/wiring/audit_keys.py says (with
    MARSHAL_STORE=dynamodb and no MARSHAL_AUDIT_KEY, ConfigurationError stops start-up)."""
    keys = keys or audit_keyring(settings)
    if settings.marshal_store == "dynamodb":
        return DynamoAuditLog(dynamodb_client(settings), settings.marshal_table_prefix, keys=keys)
    return SqliteAuditLog(sqlite_database(settings), keys=keys)


def ensure_dynamodb_tables(settings: Settings) -> None:
    """Create missing DynamoDB tables (local emulation only; production uses CloudFormation)."""
    ensure_tables(dynamodb_client(settings), settings.marshal_table_prefix)
