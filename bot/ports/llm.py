"""LanguageModel port: one prompt in, text out. Adapters: the Anthropic API, or Bedrock."""

from __future__ import annotations

from typing import Protocol

from bot.domain.errors import MarshalError


class LanguageModelUnavailable(MarshalError):
    """No usable answer (timeout, 429 after retries, 5xx, refused). Callers fall back."""


class LanguageModel(Protocol):
    @property
    def model(self) -> str: ...

    def complete(self, *, system: str, prompt: str, max_tokens: int = 4096) -> str:
        """The model's text answer; raises LanguageModelUnavailable on any failure."""
