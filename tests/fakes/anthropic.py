"""A fake of Anthropic's Messages API: POST /v1/messages with the key (x-api-key or bearer)
and an anthropic-version header; answers a Message object whose text is `next_text`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

API_KEY = "sk-ant-test-key-000000"


@dataclass
class FakeAnthropic(FakeHttp):
    next_text: str = "{}"

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if method != "POST" or not path.startswith("/v1/messages"):
            return 404, {}, {"type": "error", "error": {"type": "not_found_error", "message": path}}
        # The SDK sends the key as x-api-key or (newer releases) as a bearer token.
        keys = {headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")}
        if API_KEY not in keys or "anthropic-version" not in headers:
            return (
                401,
                {},
                {
                    "type": "error",
                    "error": {"type": "authentication_error", "message": "bad key"},
                },
            )
        if not isinstance(body, dict) or not body.get("messages") or not body.get("max_tokens"):
            return (
                400,
                {},
                {
                    "type": "error",
                    "error": {"type": "invalid_request_error", "message": "messages required"},
                },
            )
        return (
            200,
            {},
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": body.get("model"),
                "content": [{"type": "text", "text": self.next_text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 10},
            },
        )
