"""Secret settings: webhook secrets, where secrets come from, the audit chains' keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr


class SecretSettings(BaseModel):
    """Webhook secrets, where secrets come from, and the audit chains' keys."""

    # Webhook secrets (and, with MARSHAL_SECRETS=secretsmanager, the Slack tokens too)
    marshal_secrets: Literal["env", "secretsmanager"] = "env"
    marshal_secrets_prefix: str = "marshal/"
    marshal_secret_grafana_oncall: SecretStr | None = None
    marshal_secret_grafana: SecretStr | None = None
    marshal_secret_alertmanager: SecretStr | None = None
    marshal_secret_pagerduty: SecretStr | None = None
    marshal_secret_generic: SecretStr | None = None

    # Audit chains' HMAC key (never stored with the data): the current key seals new events;
    # older keys (comma-separated) only verify events sealed before a rotation.
    marshal_audit_key: SecretStr | None = None
    marshal_audit_keys_previous: SecretStr | None = None
    # Optional Ed25519 private key (PEM or raw base64) that signs exported audit packages.
    marshal_audit_signing_key: SecretStr | None = None
