"""The embedded audit key: on the defaults (no MARSHAL_AUDIT_KEY), a random key created once
in `audit.key` next to the SQLite file, readable by its owner only.

The key lives outside the database on purpose: whoever copies or edits the database alone
still cannot recompute an edited chain. Production sets MARSHAL_AUDIT_KEY instead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from bot.domain.audit_keys import AuditKey
from bot.domain.errors import ConfigurationError

KEY_FILE_NAME = "audit.key"


def embedded_key_path(database_path: Path) -> Path:
    return database_path.expanduser().resolve().parent / KEY_FILE_NAME


def embedded_audit_key(database_path: Path) -> AuditKey:
    """The key in `audit.key` beside the database, created (mode 0600) if there is none."""
    path = embedded_key_path(database_path)
    if not path.exists():
        _create(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the audit key {path} ({exc.strerror}); fix it or set MARSHAL_AUDIT_KEY"
        ) from exc
    return AuditKey.from_text(text, name=str(path))


def _create(path: Path) -> None:
    """Write a fresh key to a private temp file, then link it into place: the link fails if
    another process got there first, so every process ends up reading the one same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: theirs is it
            os.link(staged, path)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the audit key {path} ({exc.strerror}); set MARSHAL_AUDIT_KEY"
        ) from exc
    finally:
        staged.unlink(missing_ok=True)
