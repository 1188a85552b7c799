"""Incident severities P1 (worst) to P5, and parsing of per-severity settings."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def rank(self) -> int:
        return int(self.value[1])

    def at_least(self, other: Severity) -> bool:
        """True when self is as severe as `other` or worse (P1 is at least P2)."""
        return self.rank <= other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        cleaned = text.strip().upper()
        if cleaned.isdigit():
            cleaned = f"P{cleaned}"
        try:
            return cls(cleaned)
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; use one of P1, P2, P3, P4, P5") from None
