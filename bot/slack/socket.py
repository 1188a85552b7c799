"""SocketModeRunner: connects the Bolt app to Slack over Socket Mode, without blocking.

apps.connections.open goes to the WebClient's base_url, so the client passed in must be
the one aimed at SLACK_API_URL (the sandbox in tests, slack.com in production).
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.slack.dedup import DeliveryDedup

log = logging.getLogger(__name__)


class _DedupingHandler(SocketModeHandler):
    """Acks a redelivered envelope (same envelope id) without dispatching it again; a first
    delivery goes to Bolt's own public `handle`, which runs the app and sends the ack."""

    def __init__(
        self, app: App, app_token: str, *, web_client: WebClient, dedup: DeliveryDedup | None
    ) -> None:
        super().__init__(app, app_token, web_client=web_client, concurrency=16)
        self._dedup = dedup

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        if self._dedup is not None and not self._dedup.first_delivery(req.envelope_id):
            log.info("duplicate envelope ignored", extra={"envelope_id": req.envelope_id})
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        assert isinstance(client, SocketModeClient)  # the built-in client this handler made
        super().handle(client, req)


class SocketModeRunner:
    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        web_client: WebClient | None = None,
        dedup: DeliveryDedup | None = None,
    ) -> None:
        self._handler = _DedupingHandler(
            app, app_token, web_client=web_client or app.client, dedup=dedup
        )

    @property
    def handler(self) -> SocketModeHandler:
        """The Bolt socket-mode handler (its `handle(client, request)` is one envelope)."""
        return self._handler

    def start(self) -> None:
        """Open the websocket and return; envelopes are handled on the client's threads."""
        self._handler.client.connect()

    def stop(self) -> None:
        self._handler.client.close()
