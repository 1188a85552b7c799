"""SeverityMap: what a sender's severity, priority or urgency word means as a marshal Severity.

Configurable (extra aliases override the defaults); anything unrecognised gets `default` (P3)
rather than failing, because a real page with an odd severity label must still open an incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.domain.severity import Severity

_DEFAULT_ALIASES: Mapping[str, Severity] = MappingProxyType(
    {
        **{word: Severity.P1 for word in ("critical", "crit", "page", "high", "emergency")},
        **{word: Severity.P1 for word in ("fatal", "disaster", "sev1", "sev-1", "sev0", "urgent")},
        **{word: Severity.P2 for word in ("error", "err", "major", "sev2", "sev-2")},
        **{word: Severity.P3 for word in ("warning", "warn", "medium", "moderate", "average")},
        **{word: Severity.P3 for word in ("sev3", "sev-3")},
        **{word: Severity.P4 for word in ("info", "information", "informational", "low", "minor")},
        **{word: Severity.P4 for word in ("notice", "sev4", "sev-4")},
        **{word: Severity.P5 for word in ("debug", "none", "trivial", "sev5", "sev-5")},
    }
)


def _clean(word: str) -> str:
    return word.strip().lower()


@dataclass(frozen=True)
class SeverityMap:
    """Maps sender words to severities. `P1`..`P5` and `1`..`5` always mean themselves."""

    aliases: Mapping[str, Severity] = field(default_factory=lambda: _DEFAULT_ALIASES)
    default: Severity = Severity.P3

    @classmethod
    def with_overrides(
        cls, overrides: Mapping[str, Severity | str], default: Severity = Severity.P3
    ) -> SeverityMap:
        """The defaults plus `overrides` ({"sev-a": "P1"}), which win over a default alias."""
        merged = dict(_DEFAULT_ALIASES)
        merged.update({_clean(k): Severity.parse(str(v)) for k, v in overrides.items()})
        return cls(aliases=MappingProxyType(merged), default=default)

    @classmethod
    def from_text(cls, text: str) -> SeverityMap:
        """'sev-a=P1,sev-b=P2' -> defaults plus those two; for a setting or CLI flag."""
        overrides: dict[str, Severity | str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            word, sep, severity = part.partition("=")
            if not sep or not word.strip():
                raise ValueError(f"{part!r} should look like critical=P1")
            overrides[word] = severity
        return cls.with_overrides(overrides)

    def lookup(self, word: str | None) -> Severity | None:
        """The severity `word` names, or None when it names none."""
        if word is None:
            return None
        cleaned = _clean(word)
        if cleaned in self.aliases:  # an override may remap even "p1"
            return self.aliases[cleaned]
        try:
            return Severity.parse(cleaned)
        except ValueError:
            return None

    def resolve(self, *candidates: str | None) -> Severity:
        """The first candidate that names a severity, else `default`."""
        for word in candidates:
            found = self.lookup(word)
            if found is not None:
                return found
        return self.default

    def worst(self, words: list[str | None]) -> Severity | None:
        """The most severe of the words that name a severity (None when none does)."""
        found = [s for s in (self.lookup(w) for w in words) if s is not None]
        return min(found, key=lambda s: s.rank) if found else None


DEFAULT_SEVERITY_MAP = SeverityMap()
