"""Public-safe packages: people become role labels, personal data and secrets are scrubbed,
and each replaced field keeps a keyed hash of its original.

Who is who: the incident's role holders become `ic`, `comms`, `scribe`; anyone else
`person-1`, `person-2`, ... in order of first appearance (stable within one package);
marshal itself, `api:` and `agent:` actors stay as they are (they are tools, not people).
Free text goes through the postmortem's PII scrubber (emails, phones, cards, secrets, ...).
The hash is HMAC-SHA256 under the audit key, so whoever holds the original can prove it is
the one behind a scrubbed field, while nobody else can guess a user id back from it.
"""

from __future__ import annotations

import re
from typing import Any

from bot.domain.audit_keys import AuditKey
from bot.domain.models import Incident
from bot.services.audit_packages.signing import canonical
from bot.services.postmortem.scrubber import scrub

_PERSON = re.compile(r"\b[UW][A-Z0-9]{6,}\b")
_TOOLS = ("api:", "agent:", "cli:")
_KEEP = {"marshal", "system", "workspace", ""}


class PeopleLabels:
    def __init__(self, incident: Incident | None) -> None:
        self._labels: dict[str, str] = {}
        if incident is not None:
            for role, who in incident.roles.items():
                self._labels.setdefault(who, role.value)

    def label(self, who: str) -> str:
        if who in _KEEP or who.startswith(_TOOLS):
            return who
        if who not in self._labels:
            self._labels[who] = (
                f"person-{sum(v.startswith('person-') for v in self._labels.values()) + 1}"
            )
        return self._labels[who]

    def text(self, value: str) -> str:
        replaced = _PERSON.sub(lambda m: self.label(m.group(0)), value)
        return scrub(replaced)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def field_hash(key: AuditKey, value: Any) -> str:
    return key.mac(canonical(value))


def made_safe(
    record: dict[str, Any], fields: tuple[str, ...], people: PeopleLabels, key: AuditKey
) -> dict[str, Any]:
    """`record` with `fields` replaced, and `original_hashes` of the ones that changed."""
    safe = dict(record)
    hashes: dict[str, str] = {}
    for name in fields:
        original = record.get(name)
        is_person = isinstance(original, str) and name in {"actor", "author"}
        replaced = people.label(str(original)) if is_person else people.value(original)
        if replaced != original:
            safe[name] = replaced
            hashes[name] = field_hash(key, original)
    if hashes:
        safe["original_hashes"] = hashes
    return safe
