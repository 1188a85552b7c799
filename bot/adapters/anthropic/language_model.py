"""ClaudeLanguageModel: the LanguageModel port over the anthropic SDK's Messages API.

`anthropic.Anthropic(api_key, base_url)` by default, `anthropic.AnthropicBedrock` when
MARSHAL_LLM=bedrock. The SDK makes the HTTP call, with its timeout; the retries are
marshal's RetryPolicy (the one Retry-After rule of bot/adapters/http), with the SDK's own
turned off: the SDK waits whatever Retry-After says, up to 49 days, and sleeps where no
test or caller can see. Here a hint beyond `max_retry_after` fails the call at once (the
postmortem goes on without the model), and a shorter one is waited once per retry.
The system prompt is sent as a cached block (cache_control), since it is the same for
every postmortem.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anthropic
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.llm import LanguageModelUnavailable

_RETRYABLE_STATUS = frozenset({408, 409, 429})


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, anthropic.APIConnectionError):  # includes timeouts
        return True
    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500
    return False


class ClaudeLanguageModel:
    def __init__(
        self,
        client: anthropic.Anthropic | anthropic.AnthropicBedrock,
        model: str,
        *,
        max_attempts: int = 3,
        backoff_seconds: float = 1.0,
        max_retry_after: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._model = model
        self._policy = RetryPolicy(
            max_attempts=max_attempts,
            backoff_seconds=backoff_seconds,
            max_backoff=max_retry_after,
            max_retry_after=max_retry_after,
            sleep=sleep,
        )

    @classmethod
    def for_api(
        cls,
        api_key: str,
        model: str,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ClaudeLanguageModel:
        client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )
        return cls(client, model, sleep=sleep)

    @classmethod
    def for_bedrock(
        cls, model: str, *, aws_region: str, timeout: float = 60.0
    ) -> ClaudeLanguageModel:
        client = anthropic.AnthropicBedrock(aws_region=aws_region, timeout=timeout, max_retries=0)
        return cls(client, model)

    @property
    def model(self) -> str:
        return self._model

    def complete(self, *, system: str, prompt: str, max_tokens: int = 4096) -> str:
        policy = self._policy
        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts),
            retry=retry_if_exception(
                lambda exc: _retryable(exc) and policy.waits_for(self._hint(exc))
            ),
            wait=self._wait,
            sleep=policy.sleep,
            reraise=True,
        )
        try:
            message = retrying(self._create, system, prompt, max_tokens)
        except anthropic.APIStatusError as exc:
            raise LanguageModelUnavailable(self._status_failure(exc)) from exc
        except anthropic.APITimeoutError as exc:
            raise LanguageModelUnavailable("the model API timed out") from exc
        except anthropic.APIConnectionError as exc:
            raise LanguageModelUnavailable("cannot reach the model API") from exc
        except anthropic.AnthropicError as exc:
            raise LanguageModelUnavailable(f"the model call failed ({type(exc).__name__})") from exc
        text = "".join(
            block.text for block in message.content if getattr(block, "type", "") == "text"
        )
        if not text.strip():
            raise LanguageModelUnavailable("the model returned no text")
        return text

    def _create(self, system: str, prompt: str, max_tokens: int) -> Any:
        return self._client.messages.create(
            model=self._model,
            max_tokens=max_tokens,
            system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": prompt}],
        )

    def _hint(self, exc: BaseException) -> float | None:
        if isinstance(exc, anthropic.APIStatusError):
            return self._policy.hint(exc.response.headers)
        return None

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        hinted = self._hint(failure) if failure is not None else None
        return self._policy.wait_seconds(hinted, state.attempt_number)

    def _status_failure(self, exc: anthropic.APIStatusError) -> str:
        text = f"HTTP {exc.status_code} from the model API"
        hinted = self._hint(exc)
        if _retryable(exc) and not self._policy.waits_for(hinted):
            return (
                f"{text}: asked to wait {hinted:.0f}s, longer than the "
                f"{self._policy.max_retry_after:.0f}s marshal waits"
            )
        return text + (" after retries" if _retryable(exc) else "")
