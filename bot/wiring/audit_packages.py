"""Audit packages' parts from settings: the exporter over the store and audit log, signed
with MARSHAL_AUDIT_SIGNING_KEY (Ed25519) when set, else HMAC with MARSHAL_AUDIT_KEY."""

from __future__ import annotations

from bot.domain.audit_keys import AuditKeyring
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentsWithTimeline
from bot.services.audit_packages.export import AuditPackageExporter
from bot.services.audit_packages.signing import PackageSigner, load_signing_key
from bot.settings import Settings


def package_signer(settings: Settings, keys: AuditKeyring) -> PackageSigner:
    secret = settings.marshal_audit_signing_key
    signing = load_signing_key(secret.get_secret_value()) if secret else None
    return PackageSigner(keys.current, signing)


def build_exporter(
    settings: Settings, store: IncidentsWithTimeline, audit: AuditLog, keys: AuditKeyring
) -> AuditPackageExporter:
    return AuditPackageExporter(store, audit, keys.current, package_signer(settings, keys))
