"""Where the audit chains' HMAC keys come from, in this order:

1. MARSHAL_AUDIT_KEY (and MARSHAL_AUDIT_KEYS_PREVIOUS, comma-separated, to verify events
   sealed before a rotation) from the environment or `.env`;
2. with MARSHAL_SECRETS=secretsmanager, the secrets `<prefix>audit/key` and (optional)
   `<prefix>audit/keys-previous`;
3. on the embedded SQLite store only, `audit.key` created once beside the database file,
   with a warning that production should set MARSHAL_AUDIT_KEY.
With MARSHAL_STORE=dynamodb and no key, start-up stops with one line naming MARSHAL_AUDIT_KEY.
The keys themselves are never logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.adapters.sqlite.audit_key import embedded_audit_key, embedded_key_path
from bot.domain.audit_keys import AuditKeyring, previous_keys
from bot.domain.errors import ConfigurationError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.ingest.secrets import SecretValueReader

log = logging.getLogger(__name__)

# Secret names under MARSHAL_SECRETS_PREFIX, not secrets.
AUDIT_KEY_NAME = "audit/key"
AUDIT_KEYS_PREVIOUS_NAME = "audit/keys-previous"


def audit_keyring(settings: Settings, reader: SecretValueReader | None = None) -> AuditKeyring:
    """The keyring the settings name (see the module docstring for the order)."""
    previous = _text(settings.marshal_audit_keys_previous)
    current = _text(settings.marshal_audit_key)
    if current is not None:
        return AuditKeyring.from_text(current, previous)
    if settings.marshal_secrets == "secretsmanager":
        # The AWS SDK only where Secrets Manager is chosen (see bot/wiring/stores.py)
        from bot.ingest.secrets import secrets_manager_client  # noqa: PLC0415

        secrets = reader or secrets_manager_client(settings.aws_region)
        prefix = settings.marshal_secrets_prefix
        current = _read(secrets, f"{prefix}{AUDIT_KEY_NAME}")
        if current is not None:
            older = previous or _read(secrets, f"{prefix}{AUDIT_KEYS_PREVIOUS_NAME}")
            return AuditKeyring.from_text(current, older)
    if settings.marshal_store == "dynamodb":
        raise ConfigurationError(
            "MARSHAL_AUDIT_KEY is required with MARSHAL_STORE=dynamodb (a long random string; "
            "or the secret <prefix>audit/key with MARSHAL_SECRETS=secretsmanager)"
        )
    key = embedded_audit_key(settings.marshal_db_path)
    log.warning(
        "MARSHAL_AUDIT_KEY is not set: the audit chains are keyed with a key kept in %s; "
        "production should set MARSHAL_AUDIT_KEY",
        embedded_key_path(settings.marshal_db_path),
    )
    return AuditKeyring(current=key, previous=previous_keys(previous))


def _text(value: SecretStr | None) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


def _read(reader: SecretValueReader, secret_id: str) -> str | None:
    """A secret's value, or None when there is no such secret."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from bot.ingest.secrets import SecretsUnavailable  # noqa: PLC0415

    try:
        value = reader.get_secret_value(SecretId=secret_id).get("SecretString")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        if code == "ResourceNotFoundException":
            return None
        raise SecretsUnavailable(f"cannot read secret {secret_id} ({code})") from exc
    except BotoCoreError as exc:
        raise SecretsUnavailable(f"cannot read secret {secret_id} ({type(exc).__name__})") from exc
    return value.strip() if isinstance(value, str) and value.strip() else None
