"""verify_package: proves an audit package was not altered, and no event was removed,
added or reordered.

1. the signature holds over everything but itself (any edit breaks it);
2. the manifest lists exactly the incidents the package holds, in order;
3. each incident's events run seq 1..n, each `prev_hash` the hash before it (the first the
   genesis hash), and the last is the chain head the manifest recorded at export;
4. with the audit key at hand and a full (not public-safe) package, each event's own keyed
   hash is recomputed from its fields, as `marshal audit verify` does on the store.
Checks 2-4 catch what a holder of the signing key could still do: re-sign a package after
dropping or reordering events.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from bot.domain.audit import GENESIS_HASH, AuditEvent
from bot.domain.audit_keys import AuditKeyring
from bot.services.audit_packages.export import FORMAT
from bot.services.audit_packages.signing import signature_problem


def verify_package(
    package: Any, *, keys: AuditKeyring | None, trusted_public_key: str | None = None
) -> list[str]:
    """Every problem found; an empty list when the package verifies."""
    if not isinstance(package, dict) or package.get("format") != FORMAT:
        return [f"not a marshal audit package (expected format {FORMAT})"]
    content = {k: v for k, v in package.items() if k != "signature"}
    problems = []
    bad_signature = signature_problem(
        content, package.get("signature"), keys=keys, trusted_public_key=trusted_public_key
    )
    if bad_signature:
        problems.append(bad_signature)
    manifest = package.get("manifest") or {}
    incidents = package.get("incidents") or []
    held = [str((i.get("incident") or {}).get("id")) for i in incidents]
    if held != manifest.get("incidents"):
        problems.append("the manifest does not list exactly the incidents the package holds")
    heads = manifest.get("chain_heads") or {}
    for incident_id, body in zip(held, incidents, strict=False):
        problems += _chain_problems(incident_id, body.get("events") or [], heads.get(incident_id))
        if keys is not None and not manifest.get("public_safe"):
            problems += _hash_problems(incident_id, body.get("events") or [], keys)
    return problems


def _chain_problems(incident_id: str, events: list[Any], head: Any) -> list[str]:
    problems = []
    previous = GENESIS_HASH
    for position, event in enumerate(events, start=1):
        if event.get("seq") != position:
            problems.append(f"{incident_id}: event {position} has seq {event.get('seq')}")
            break
        if event.get("prev_hash") != previous:
            problems.append(f"{incident_id}: event {position} does not follow the one before")
            break
        previous = str(event.get("hash"))
    last = {"seq": len(events), "hash": previous} if events else None
    if not problems and head != last:
        problems.append(f"{incident_id}: the chain does not end at its head recorded at export")
    return problems


def _hash_problems(incident_id: str, events: list[Any], keys: AuditKeyring) -> list[str]:
    for position, data in enumerate(events, start=1):
        try:
            # as stored: strict, from JSON (the events' own format)
            event = AuditEvent.model_validate_json(json.dumps(data))
        except ValidationError:
            return [f"{incident_id}: event {position} is not a valid audit event"]
        key = keys.find(event.key_id)
        if key is None or event.compute_hash(key) != event.hash:
            return [f"{incident_id}: event {position}'s keyed hash does not match its fields"]
    return []
