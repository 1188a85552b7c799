"""Errors the ingestion path raises on purpose: a bad payload, an unknown source."""

from __future__ import annotations

from pydantic import ValidationError

from bot.domain.errors import MarshalError


class PayloadInvalid(MarshalError):
    """The body is not valid JSON or breaks the source's schema or limits.

    `field` is a dotted path into the body ("links.0.url"; "" for the body as a whole) and
    `problem` says what is wrong with it, so the HTTP tier can answer 400 naming the field.
    Pydantic's messages are used without the offending input, which is never echoed back.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)

    @classmethod
    def from_validation(cls, error: ValidationError, prefix: str = "") -> PayloadInvalid:
        """The first pydantic error, located by dotted path (prefixed when validating a part)."""
        first = error.errors(include_url=False, include_input=False)[0]
        parts = [prefix] if prefix else []
        parts.extend(str(p) for p in first.get("loc", ()))
        problem = first.get("msg", "invalid value").removeprefix("Value error, ")
        return cls(".".join(parts), problem)


class UnknownSource(MarshalError):
    """No alert source is registered under that name (the HTTP tier answers 404)."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"no alert source named {name!r}; known sources: {', '.join(known)}")
