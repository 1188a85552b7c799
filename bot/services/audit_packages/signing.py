"""Signing audit packages: Ed25519 with MARSHAL_AUDIT_SIGNING_KEY (auditors check it with
the public key alone, printed by `marshal audit public-key`), else HMAC-SHA256 with the audit
chains' own key (MARSHAL_AUDIT_KEY; only its holders can check it).

The signature covers the canonical JSON (sorted keys, no spaces) of everything in the
package but the signature itself.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bot.domain.audit_keys import AuditKey, AuditKeyring
from bot.domain.errors import ConfigurationError

ED25519 = "ed25519"
HMAC = "hmac-sha256"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def load_signing_key(text: str) -> Ed25519PrivateKey:
    """A PEM private key, or the raw 32-byte key in base64."""
    value = text.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(value.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ConfigurationError("MARSHAL_AUDIT_SIGNING_KEY is not an Ed25519 key")
            return key
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise ConfigurationError(
            "MARSHAL_AUDIT_SIGNING_KEY must be an Ed25519 private key (PEM, or 32 bytes base64)"
        ) from exc


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class PackageSigner:
    audit_key: AuditKey
    signing_key: Ed25519PrivateKey | None = None

    def sign(self, content: dict[str, Any]) -> dict[str, str]:
        message = canonical(content)
        if self.signing_key is not None:
            value = base64.b64encode(self.signing_key.sign(message)).decode()
            return {"alg": ED25519, "public_key": public_key_text(self.signing_key), "value": value}
        return {"alg": HMAC, "key_id": self.audit_key.key_id, "value": self.audit_key.mac(message)}


def signature_problem(
    content: dict[str, Any],
    signature: Any,
    *,
    keys: AuditKeyring | None,
    trusted_public_key: str | None = None,
) -> str | None:
    """None when the signature holds; else why not."""
    if not isinstance(signature, dict):
        return "the package has no signature"
    message = canonical(content)
    alg = signature.get("alg")
    if alg == ED25519:
        return _ed25519_problem(message, signature, trusted_public_key)
    if alg == HMAC:
        return _hmac_problem(message, signature, keys)
    return f"unknown signature algorithm {alg!r}"


def _ed25519_problem(
    message: bytes, signature: dict[str, Any], trusted_public_key: str | None
) -> str | None:
    public = str(signature.get("public_key", ""))
    if trusted_public_key and public != trusted_public_key.strip():
        return "signed with another key than the public key given"
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public, validate=True))
        key.verify(base64.b64decode(str(signature.get("value", "")), validate=True), message)
    except (ValueError, binascii.Error, InvalidSignature):
        return "the Ed25519 signature does not match the package's content"
    return None


def _hmac_problem(
    message: bytes, signature: dict[str, Any], keys: AuditKeyring | None
) -> str | None:
    if keys is None:
        return "an HMAC-signed package needs MARSHAL_AUDIT_KEY to verify"
    key = keys.find(str(signature.get("key_id", "")))
    if key is None:
        return "signed with an audit key this marshal does not hold"
    if not hmac.compare_digest(key.mac(message), str(signature.get("value", ""))):
        return "the HMAC signature does not match the package's content"
    return None
