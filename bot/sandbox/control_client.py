"""`SandboxControl`: a typed client for the sandbox's control API, for tests, drills and scripts.

Plain urllib so it works in any process that can reach the sandbox (no server imports). A
non-2xx answer raises `SandboxControlError` carrying the HTTP status and the error code.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any


class SandboxControlError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"sandbox control API answered {status}: {error}")
        self.status = status
        self.error = error


@dataclass(frozen=True)
class Delivered:
    """One envelope sent to the app over Socket Mode and what its ack said."""

    envelope_id: str
    acked: bool
    ack_ms: float | None
    ack_payload: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Delivered:
        return cls(
            envelope_id=str(body.get("envelope_id", "")),
            acked=bool(body.get("acked")),
            ack_ms=body.get("ack_ms"),
            ack_payload=body.get("ack_payload"),
            raw=body,
        )


class SandboxControl:
    def __init__(self, url: str, *, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the sandbox's, http by design
            f"{self.url}{path}",
            data=data,
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                error = str(json.loads(exc.read()).get("error", exc.reason))
            except ValueError:
                error = str(exc.reason)
            raise SandboxControlError(exc.code, error) from exc
        if not isinstance(answer, dict):
            raise SandboxControlError(502, "not_json_object")
        return answer

    def run_command(
        self, user: str, channel: str, text: str = "", *, command: str | None = None
    ) -> Delivered:
        """Runs a slash command as `user` in `channel`; the app's ack comes back in the result."""
        body: dict[str, Any] = {"user": user, "channel": channel, "text": text}
        if command:
            body["command"] = command
        return Delivered.from_json(self._request("/control/command", body))

    def press_button(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        value: str | None = None,
    ) -> Delivered:
        body: dict[str, Any] = {
            "user": user,
            "channel": channel,
            "message_ts": message_ts,
            "action_id": action_id,
        }
        if value is not None:
            body["value"] = value
        return Delivered.from_json(self._request("/control/action", body))

    def submit_view(self, user: str, view_id: str, values: dict[str, Any]) -> Delivered:
        """`values` as Slack's view.state.values: {block_id: {action_id: {type, value}}}."""
        body = {"user": user, "view_id": view_id, "values": values}
        return Delivered.from_json(self._request("/control/view_submission", body))

    def react(
        self, user: str, channel: str, ts: str, name: str, *, removed: bool = False
    ) -> Delivered | None:
        """Adds (or removes) a reaction; None when the app is not in the channel (no event)."""
        body = {"user": user, "channel": channel, "ts": ts, "name": name, "removed": removed}
        answer = self._request("/control/reaction", body)
        return Delivered.from_json(answer) if answer.get("delivered") else None

    def post_message(
        self, user: str, channel: str, text: str, *, thread_ts: str | None = None
    ) -> str:
        """Posts as a person; returns the message ts."""
        body: dict[str, Any] = {"user": user, "channel": channel, "text": text}
        if thread_ts:
            body["thread_ts"] = thread_ts
        return str(self._request("/control/message", body)["ts"])

    def add_user(
        self, user_id: str, name: str, *, email: str | None = None, real_name: str | None = None
    ) -> dict[str, Any]:
        body = {"id": user_id, "name": name, "email": email, "real_name": real_name}
        user: dict[str, Any] = self._request("/control/users", body)["user"]
        return user

    def state(self) -> dict[str, Any]:
        return self._request("/control/state")

    def channel(self, ref: str) -> dict[str, Any]:
        """One channel from the state, by id or name (with or without '#')."""
        name = ref.removeprefix("#")
        for channel in self.state()["channels"]:
            if ref == channel["id"] or name == channel.get("name"):
                found: dict[str, Any] = channel
                return found
        raise SandboxControlError(404, "channel_not_found")

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        query = f"?{urllib.parse.urlencode({'method': method})}" if method else ""
        calls: list[dict[str, Any]] = self._request(f"/control/calls{query}")["calls"]
        return calls

    def deliveries(self) -> list[dict[str, Any]]:
        deliveries: list[dict[str, Any]] = self._request("/control/deliveries")["deliveries"]
        return deliveries

    def reset(self) -> None:
        self._request("/control/reset", {})
