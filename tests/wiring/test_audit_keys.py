"""Where the audit key comes from: MARSHAL_AUDIT_KEY, Secrets Manager, or (embedded defaults
only) a key file beside the database; DynamoDB without a key stops start-up in one line."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.audit_keys import AuditKey
from bot.domain.errors import ConfigurationError
from bot.settings import Settings
from bot.wiring.audit_keys import audit_keyring
from bot.wiring.stores import build_audit_log, sqlite_database
from tests.conftest import AwsEndpoint

KEY = "env-audit-key-0123456789abcdef"
OLD = "old-audit-key-0123456789abcdef"


def test_the_environment_key_and_previous_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_AUDIT_KEY", KEY)
    monkeypatch.setenv("MARSHAL_AUDIT_KEYS_PREVIOUS", OLD)

    keys = audit_keyring(Settings())

    assert keys.current.key_id == AuditKey(KEY.encode()).key_id
    assert [k.key_id for k in keys.previous] == [AuditKey(OLD.encode()).key_id]


def test_embedded_defaults_create_a_private_key_file_beside_the_database_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MARSHAL_DB_PATH", str(tmp_path / "var" / "marshal.db"))
    with caplog.at_level(logging.WARNING):
        first = audit_keyring(Settings())
    second = audit_keyring(Settings())

    key_file = tmp_path / "var" / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.current.key_id == second.current.key_id
    assert "production should set MARSHAL_AUDIT_KEY" in caplog.text
    assert key_file.read_text().strip() not in caplog.text  # the key itself is never logged
    # the database holds no trace of the key
    database = sqlite_database(Settings())
    build_audit_log(Settings()).append("inc-1", actor="U1", action=AuditAction.COMMAND_RUN)
    stored = b"".join(
        p.read_bytes() for p in database.path.parent.iterdir() if p.name.startswith("marshal.db")
    )
    assert key_file.read_text().strip().encode() not in stored


def test_embedded_defaults_verify_across_processes_with_no_key_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARSHAL_DB_PATH", str(tmp_path / "marshal.db"))
    build_audit_log(Settings()).append("workspace", actor="U1", action=AuditAction.COMMAND_RUN)

    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == (
        "ok: 0 incidents, 0 events; other chains: workspace (1 events)"
    )


def test_dynamodb_without_a_key_refuses_in_one_line(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")

    with pytest.raises(ConfigurationError, match="MARSHAL_AUDIT_KEY is required"):
        build_audit_log(Settings())
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "MARSHAL_AUDIT_KEY" in err and "Traceback" not in err


def test_secrets_manager_holds_the_key(aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    secrets.create_secret(Name="mar/audit/key", SecretString=KEY)
    secrets.create_secret(Name="mar/audit/keys-previous", SecretString=OLD)
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")
    monkeypatch.setenv("MARSHAL_SECRETS", "secretsmanager")
    monkeypatch.setenv("MARSHAL_SECRETS_PREFIX", "mar/")
    monkeypatch.setenv("MARSHAL_SLACK_MODE", "sandbox")

    keys = audit_keyring(Settings())

    assert keys.current.key_id == AuditKey(KEY.encode()).key_id
    assert [k.key_id for k in keys.previous] == [AuditKey(OLD.encode()).key_id]


@pytest.mark.slow  # marshal in a subprocess
def test_marshal_webhook_on_dynamodb_without_a_key_stops_in_one_line(
    aws: AwsEndpoint, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "webhook"],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "MARSHAL_STORE": "dynamodb",
            "MARSHAL_HTTP_PORT": "0",
            "AWS_ENDPOINT_URL": aws.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("marshal: ")]
    assert problems == [
        "marshal: MARSHAL_AUDIT_KEY is required with MARSHAL_STORE=dynamodb (a long random "
        "string; or the secret <prefix>audit/key with MARSHAL_SECRETS=secretsmanager)"
    ]
